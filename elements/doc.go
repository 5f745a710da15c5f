// Package elements is the home of dsgo's element families, one package
// each (sources, streammux, infer, inferserver, tracker, osd, tiler,
// msgconv, msgbroker, sinks, smart record, convert). Each element
// registers itself with pipeline.Register from its own file, so importing
// a family's package makes its elements available to pipeline.Launch.
//
// The generic elements every pipeline needs (queue, tee, funnel, identity,
// capsfilter, fakesrc, fakesink, appsrc, appsink) live in package pipeline
// itself, as GStreamer's core elements do. Media elements arrive with the
// media issue.
package elements
