// Package gst bridges dsgo and GStreamer (through go-gst, which needs cgo
// and the GStreamer 1.x libraries). Importing it registers three things:
//
//   - uridecodebin, a dsgo source that decodes any URI GStreamer can read
//     (file://, rtsp://, http(s)://) to raw NV12, RGBA or I420 frames. An
//     internal GStreamer pipeline `uridecodebin ! videoconvert !
//     [videoscale !] capsfilter ! appsink` runs it; its caps are known
//     after Start (which prerolls and fails, naming the URI, for a missing,
//     corrupt or unsupported input). Frames are handed to dsgo without
//     copying when GStreamer no longer uses the buffer (the GstBuffer stays
//     mapped until the dsgo buffer is freed); frames a decoder still holds
//     as references are copied into a buffer pool. file-loop restarts the
//     stream at its end and rtsp-reconnect-interval-sec reconnects a failed
//     RTSP stream, both with increasing timestamps.
//
//   - dsencsink, a dsgo sink that encodes raw video to H.264 or H.265 in
//     MP4 or Matroska (x264enc/x265enc, a parser, a muxer and a filesink)
//     and finishes the file before it posts EOS.
//
//   - Foreign, installed as the default registry's foreign framework, so
//     that launch lines may use any GStreamer element: a run of them
//     becomes one element (a BinSource or BinSink) that runs
//     `appsrc ! <fragment> ! appsink` in GStreamer and moves buffers, caps
//     and EOS across.
//
// For example:
//
//	uridecodebin uri=file:///a.mp4 ! queue ! x264enc ! mp4mux ! filesink location=b.mp4
//	videotestsrc num-buffers=100 ! video/x-raw,format=RGBA ! fakesink
//
// GStreamer errors become dsgo error messages naming the GStreamer element
// (an *Error); GStreamer warnings become dsgo warnings.
//
// go-gst is LGPL-licensed. Building with the nogst tag leaves out every
// file of this package but this one, so that a binary links none of it.
package gst
