// Package rtsp serves encoded video over RTSP, in pure Go (gortsplib, no
// cgo), as DeepStream's RTSP output does.
//
// A Server listens on a TCP address (DefaultAddr, 127.0.0.1:8554, unless
// told otherwise) and serves Streams at paths; clients play
// rtsp://host:port/path with RTP interleaved in the TCP connection or over
// UDP. Go code feeds a Stream one access unit at a time:
//
//	srv, err := rtsp.NewServer(rtsp.Config{Addr: "127.0.0.1:8554"})
//	...
//	defer srv.Close()
//	st, err := srv.NewStream("/ds-test", rtsp.H264)
//	...
//	err = st.WriteAccessUnit(pts, nalus) // SPS and PPS come in-band
//
// The rtspserversink element (ServerSink) does this inside a pipeline:
// each buffer is one access unit in Annex-B byte-stream form (caps
// video/x-h264 or video/x-h265, stream-format=byte-stream, alignment=au),
// served at rtsp://address:port/mount, by default
// rtsp://127.0.0.1:8554/ds-test like deepstream-app's RTSP sink:
//
//	... ! x264enc ! h264parse ! rtspserversink port=8554 mount=/ds-test
//
// ServeFile plays the video track of an MP4 file to a stream in real
// time, looping: command dsrtspserver wraps it into a stand-in camera for
// tests of RTSP sources.
package rtsp
