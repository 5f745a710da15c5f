// Package pipeline is dsgo's streaming engine: GStreamer's model, made
// Go-native. It knows nothing of video, CUDA or any concrete media element.
//
// Elements (anything embedding ElementBase) have pads; a src pad is linked
// to a sink pad and Pad.Push hands a *Buffer to the peer's chain function in
// the pusher's goroutine, so a hop is a function call that allocates
// nothing. Buffers are reference counted and pooled (BufferPool); metadata
// (package meta's BatchMeta, tensors, user values) rides on them as Meta.
//
// Events (stream-start, caps, segment, EOS, flush, QoS, custom) travel with
// the data; sticky ones are replayed to pads linked later. Queries ask pads
// about caps, latency or anything custom. Caps describe formats, including
// the memory:CUDA feature of GPU buffers, and are negotiated from sources
// downstream.
//
// Threads: each source (SourceBase) and each Queue owns a streaming
// goroutine (Task); everything else runs in the goroutine that pushes to it.
// Queues bound memory with backpressure or, for live sources, leak.
//
// States NULL -> READY -> PAUSED -> PLAYING are applied by a Bin to its
// children sinks first; sinks preroll in PAUSED; live sources report
// no-preroll. The Pipeline owns the Bus (errors, warnings, EOS, state
// changes, element messages) and the clock, and posts one EOS when every
// sink has seen it.
//
// Base types keep elements small: SourceBase (Create), TransformBase
// (Transform), SinkBase (Render). Each element declares its properties in a
// table (IntProp, BoolProp, EnumProp, ...) and registers its ElementClass in
// one line, which makes it available to Launch, dslaunch and dsinspect:
//
//	p, err := pipeline.Launch("fakesrc num-buffers=100 ! queue ! identity ! fakesink")
//	...
//	err = p.Run(ctx, 10*time.Second, nil)
//
// Pad probes (Pad.AddProbe) see buffers, buffer lists and events on any pad
// and may pass, drop, take or replace them, remove themselves, or block the
// stream while the application relinks a running pipeline.
package pipeline
