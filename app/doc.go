// Package app builds and runs the deepstream-app pipeline of a config:
// sources, streammux, inference, tiler, OSD, sinks; PERF and KITTI output.
//
// Build turns a parsed deepstream-app config (configs.App) into a launch
// description, one line per branch, and the pipeline made from it; Run
// plays it until every source ends, the context is cancelled (the pipeline
// then drains so that files are finished) or an element fails. A
// PerfMeter on the pad after the last inference prints deepstream-app's
// **PERF lines, and KITTIWriter writes gie-kitti-output-dir and
// kitti-track-output-dir files.
package app
