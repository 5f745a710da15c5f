// Package app builds and runs the deepstream-app pipeline of a config:
// sources, streammux, inference, tiler, OSD, sinks; PERF and KITTI output.
//
// Build turns a parsed deepstream-app config (configs.App) into a Plan:
// one launch line per branch (each source, the batched analytics chain,
// each sink) and where the probes go; it opens no file. NewRunner makes
// the pipeline from the plan and attaches deepstream-app's probes: a
// PerfMeter and the Labeler (process_meta: per-GIE box colours, labels)
// after the last inference, and a KITTIWriter after the primary GIE.
// Runner.Run plays it until every source ends, an element fails, or it is
// told to quit (the pipeline then drains so that files are finished).
// Main is the dsapp command on top of these.
package app
