//go:build !nogst

package gst

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// URIDecodeBin is a source that decodes any URI GStreamer can read (file,
// RTSP, HTTP) to raw video frames in system memory, as DeepStream's
// nvurisrcbin does. Frames are handed out without copying when GStreamer
// gives up its buffer; otherwise they are copied into a buffer pool.
type URIDecodeBin struct {
	pipeline.SourceBase
	uri         string
	startErr    error // why Start could not open the uri; Create reports it
	format      int
	width       int64
	height      int64
	fileLoop    bool
	latency     int64
	rtpProtocol int64
	reconnect   int64

	// copyFrames makes every frame a copy (benchmarks compare).
	copyFrames bool

	sess     *session
	info     video.Info
	caps     *pipeline.Caps
	frames   *pipeline.BufferPool // buffers without memory, for zero-copy frames
	copies   *pipeline.BufferPool // frames copied out of GStreamer
	clock    timeline
	zeroCopy atomic.Int64 // frames handed out without copying (statistic)
	copied   atomic.Int64
}

// Formats the element produces; the property's value is an index.
var uriFormats = []string{"NV12", "RGBA", "I420"}

var uriDecodeBinClass = &pipeline.ElementClass{
	Factory:     "uridecodebin",
	Klass:       "Source/Video",
	Description: "Decode a file, RTSP or HTTP URI to raw video with GStreamer",
	Templates: []*pipeline.PadTemplate{pipeline.NewPadTemplate("src", pipeline.PadSrc, pipeline.PadAlways,
		"video/x-raw, format={ NV12, RGBA, I420 }, width=[1, 32768], height=[1, 32768]")},
	Props: []pipeline.Prop{
		pipeline.StringProp("uri", "URI to decode: file://, rtsp://, http(s)://", "", func(e *URIDecodeBin) *string { return &e.uri }, nil),
		pipeline.EnumProp("format", "Pixel format of the output frames", 0, uriFormats, func(e *URIDecodeBin) *int { return &e.format }),
		pipeline.IntProp("width", "Scale frames to this width (0 = as decoded)", 0, 0, 32768, func(e *URIDecodeBin) *int64 { return &e.width }),
		pipeline.IntProp("height", "Scale frames to this height (0 = as decoded)", 0, 0, 32768, func(e *URIDecodeBin) *int64 { return &e.height }),
		pipeline.BoolProp("file-loop", "At the end of the stream, start again (timestamps keep increasing)", false, func(e *URIDecodeBin) *bool { return &e.fileLoop }),
		pipeline.IntProp("latency", "RTSP jitterbuffer latency in ms", 100, 0, 1<<31-1, func(e *URIDecodeBin) *int64 { return &e.latency }),
		pipeline.IntProp("select-rtp-protocol", "RTSP transports: 0 = auto (UDP, UDP multicast, TCP), 4 = TCP only (GstRTSPLowerTrans flags)", 0, 0, 7, func(e *URIDecodeBin) *int64 { return &e.rtpProtocol }),
		pipeline.IntProp("rtsp-reconnect-interval-sec", "Reconnect an RTSP stream that failed or sent nothing for this many seconds (0 = off)", 0, 0, 3600, func(e *URIDecodeBin) *int64 { return &e.reconnect }),
		pipeline.ReadOnlyProp("zero-copy-frames", "Frames handed out without copying", pipeline.PropInt, func(e *URIDecodeBin) any { return e.zeroCopy.Load() }),
		pipeline.ReadOnlyProp("copied-frames", "Frames copied out of GStreamer", pipeline.PropInt, func(e *URIDecodeBin) any { return e.copied.Load() }),
	},
}

func init() {
	pipeline.Register(uriDecodeBinClass, func() pipeline.Element { return NewURIDecodeBin() })
}

// NewURIDecodeBin returns a uridecodebin with default properties.
func NewURIDecodeBin() *URIDecodeBin {
	u := &URIDecodeBin{}
	u.InitSource(u, uriDecodeBinClass)
	return u
}

func (u *URIDecodeBin) isRTSP() bool { return strings.HasPrefix(strings.ToLower(u.uri), "rtsp") }

// launch returns the internal GStreamer pipeline's description.
func (u *URIDecodeBin) launch() string {
	scale := ""
	size := ""
	if u.width > 0 || u.height > 0 {
		scale = "videoscale ! "
		if u.width > 0 {
			size += fmt.Sprintf(",width=%d", u.width)
		}
		if u.height > 0 {
			size += fmt.Sprintf(",height=%d", u.height)
		}
	}
	maxBuffers, drop := 4, false
	if u.isRTSP() {
		maxBuffers, drop = 8, true // live: never stall the network side
	}
	return fmt.Sprintf("uridecodebin name=dec uri=%s caps=\"video/x-raw(ANY)\" expose-all-streams=false ! "+
		"videoconvert ! %scapsfilter caps=\"video/x-raw,format=%s%s\" ! "+
		"appsink name=dsgo_sink sync=false max-buffers=%d drop=%t enable-last-sample=false",
		quote(u.uri), scale, uriFormats[u.format], size, maxBuffers, drop)
}

// open builds and prerolls the internal pipeline and reads its caps.
func (u *URIDecodeBin) open(ctx context.Context) (*session, video.Info, error) {
	s, err := newSession(u.launch())
	if err != nil {
		return nil, video.Info{}, err
	}
	if u.isRTSP() {
		dec, err := s.element("dec")
		if err != nil {
			s.close()
			return nil, video.Info{}, err
		}
		connectSourceSetup(dec.Unsafe(), int(u.latency), int(u.rtpProtocol))
	}
	uri := u.uri
	s.onWarning = func(err error) { u.PostWarning(fmt.Errorf("uri %s: %w", uri, err), debugOf(err)) }
	timeout := 10 * time.Second
	if !strings.HasPrefix(u.uri, "file:") {
		timeout = 20 * time.Second
	}
	_, live, err := s.start(ctx, true, timeout)
	if err != nil {
		s.close()
		return nil, video.Info{}, err
	}
	info, ok := s.reader.videoInfo()
	if !ok || info.Format.String() != uriFormats[u.format] {
		s.close()
		return nil, video.Info{}, fmt.Errorf("GStreamer produced unexpected caps %s", s.reader.capsString())
	}
	u.SetLive(live)
	return s, info, nil
}

// debugOf returns a GStreamer error's debug details.
func debugOf(err error) string {
	var ge *Error
	if errors.As(err, &ge) {
		return ge.Debug
	}
	return ""
}

// Start decodes up to the first frame, so that the caps are known. When
// the URI cannot be played, the reason comes as the stream's error: the
// source posts it and ends its stream without failing the pipeline.
func (u *URIDecodeBin) Start(ctx context.Context) error {
	if u.uri == "" {
		return errors.New("no uri set")
	}
	var err error
	u.frames, err = pipeline.NewBufferPool(0, 4, 0)
	if err != nil {
		return err
	}
	u.clock = timeline{}
	u.zeroCopy.Store(0)
	u.copied.Store(0)
	s, info, err := u.open(ctx)
	if err != nil {
		if u.isRTSP() && u.reconnect > 0 {
			// Keep trying in the streaming goroutine, as DeepStream does.
			u.PostWarning(fmt.Errorf("uri %s: %w; retrying every %ds", u.uri, err, u.reconnect), debugOf(err))
			u.SetLive(true)
			u.caps = nil
			return nil
		}
		// One bad camera or file must not take the others down: the
		// source reports the error on the bus from its streaming
		// goroutine and ends its own stream (a batching element goes on
		// with the other sources); the application decides whether to stop.
		u.startErr = fmt.Errorf("cannot play uri %s: %w", u.uri, err)
		u.caps = nil
		return nil
	}
	u.startErr = nil
	u.sess = s
	u.setInfo(info)
	return nil
}

// setInfo records the output format and makes the copy pool for it.
func (u *URIDecodeBin) setInfo(info video.Info) {
	if u.copies == nil || u.copies.Size() != info.Size {
		u.copies, _ = pipeline.NewBufferPool(info.Size, 0, 0)
	}
	u.info = info
	u.caps = info.Caps()
}

// Stop tears the internal pipeline down.
func (u *URIDecodeBin) Stop() error {
	if u.sess != nil {
		u.sess.close()
		u.sess = nil
	}
	return nil
}

// Caps returns the caps of the decoded frames, known after Start.
func (u *URIDecodeBin) Caps() *pipeline.Caps { return u.caps }

// Create returns the next decoded frame.
func (u *URIDecodeBin) Create(ctx context.Context) (*pipeline.Buffer, error) {
	if u.startErr != nil {
		return nil, u.startErr
	}
	for {
		if u.sess == nil {
			if err := u.reconnectLoop(ctx, nil); err != nil {
				return nil, err
			}
		}
		pctx, cancel := ctx, context.CancelFunc(func() {})
		if u.isRTSP() && u.reconnect > 0 {
			pctx, cancel = context.WithTimeoutCause(ctx, time.Duration(u.reconnect)*time.Second, errStalled)
		}
		p, err := u.sess.next(pctx)
		cancel()
		switch {
		case err == nil:
			return u.output(p)
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(err, io.EOF) && u.fileLoop && u.clock.sinceLoop > 0:
			if !u.sess.seekStart() {
				return nil, fmt.Errorf("uri %s: file-loop: GStreamer cannot seek back to the start", u.uri)
			}
			u.clock.loop()
		case u.isRTSP() && u.reconnect > 0:
			if errors.Is(err, context.DeadlineExceeded) {
				err = context.Cause(pctx)
			}
			if err := u.reconnectLoop(ctx, err); err != nil {
				return nil, err
			}
		case errors.Is(err, io.EOF):
			return nil, io.EOF
		default:
			return nil, fmt.Errorf("uri %s: %w", u.uri, err)
		}
	}
}

// errStalled is the cause of a reconnection when no frame came for the
// reconnect interval.
var errStalled = errors.New("no frame within the reconnect interval")

// reconnectLoop tears the RTSP session down after cause (nil: it never
// started) and reopens it every rtsp-reconnect-interval-sec until it
// works or ctx ends.
func (u *URIDecodeBin) reconnectLoop(ctx context.Context, cause error) error {
	interval := time.Duration(u.reconnect) * time.Second
	if errors.Is(cause, io.EOF) {
		cause = errors.New("the stream ended")
	}
	if cause != nil {
		u.PostWarning(fmt.Errorf("uri %s: %w; reconnecting every %v", u.uri, cause, interval), debugOf(cause))
	}
	if u.sess != nil {
		u.sess.close()
		u.sess = nil
	}
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		s, info, err := u.open(ctx)
		if err == nil {
			u.sess = s
			if u.caps == nil || !info.Caps().IsSubset(u.caps) {
				u.setInfo(info)
				u.Src().PushEvent(pipeline.NewCapsEvent(u.caps))
			}
			u.clock.loop()
			u.PostInfo(fmt.Sprintf("uri %s: reconnected", u.uri))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		u.PostWarning(fmt.Errorf("uri %s: reconnect failed: %w", u.uri, err), debugOf(err))
		t.Reset(interval)
	}
}

// output turns a GStreamer frame into a dsgo buffer.
func (u *URIDecodeBin) output(p pulled) (*pipeline.Buffer, error) {
	if p.caps != "" {
		info, ok := u.sess.reader.videoInfo()
		if !ok {
			p.frame.ReleaseMemory(nil)
			return nil, fmt.Errorf("uri %s: GStreamer changed to unexpected caps %s", u.uri, p.caps)
		}
		u.setInfo(info)
		u.Src().PushEvent(pipeline.NewCapsEvent(u.caps))
	}
	b, err := frameBuffer(p.frame, u.frames, u.copies, u.info.Size, u.copyFrames)
	if err != nil {
		return nil, err
	}
	if b.Memory(0).Releaser != nil {
		u.zeroCopy.Add(1)
	} else {
		u.copied.Add(1)
	}
	u.clock.stamp(b, u.info.FPS)
	return b, nil
}

// frameBuffer wraps a GStreamer frame into a buffer from frames when it is
// writable (nobody else holds it), or copies it into a buffer from copies
// (when not nil) and gives the frame back. size bounds the bytes used.
func frameBuffer(f *cframe, frames, copies *pipeline.BufferPool, size int, forceCopy bool) (*pipeline.Buffer, error) {
	data := f.bytes()
	if size <= 0 || size > len(data) {
		size = len(data)
	}
	if f.writable != 0 && !forceCopy {
		b, err := frames.Acquire(context.Background())
		if err != nil {
			f.ReleaseMemory(nil)
			return nil, err
		}
		b.AppendMemory(pipeline.Memory{Type: pipeline.MemoryHost, Data: data[:size:size], Size: size, Releaser: f})
		f.stamp(b)
		return b, nil
	}
	var b *pipeline.Buffer
	if copies != nil && copies.Size() == size {
		var err error
		if b, err = copies.Acquire(context.Background()); err != nil {
			f.ReleaseMemory(nil)
			return nil, err
		}
		copy(b.Bytes(), data)
	} else {
		b = pipeline.NewBufferData(append([]byte(nil), data[:size]...))
	}
	f.stamp(b)
	f.ReleaseMemory(nil)
	return b, nil
}

// timeline keeps output timestamps increasing across loops and
// reconnections: after each, the stream is shifted to continue where the
// last frame ended.
type timeline struct {
	offset    pipeline.ClockTime // added to GStreamer's timestamps
	end       pipeline.ClockTime // end of the last frame output
	rebase    bool
	count     uint64 // frames output
	sinceLoop uint64 // frames output since the last loop
}

// loop marks a discontinuity: the next frame continues after the last.
func (t *timeline) loop() {
	t.rebase = true
	t.sinceLoop = 0
}

// stamp shifts b's timestamps and numbers it.
func (t *timeline) stamp(b *pipeline.Buffer, fps pipeline.Fraction) {
	if b.Duration == pipeline.NoTime && fps.Num > 0 {
		b.Duration = pipeline.ClockTime(int64(time.Second) * int64(fps.Den) / int64(fps.Num))
	}
	if b.PTS != pipeline.NoTime {
		if t.rebase {
			t.offset = t.end - b.PTS
			b.Flags |= pipeline.BufferFlagDiscont
		}
		b.PTS += t.offset
		if b.DTS != pipeline.NoTime {
			b.DTS += t.offset
		}
		end := b.PTS + 1
		if b.Duration > 0 {
			end = b.PTS + b.Duration
		}
		t.end = max(t.end, end)
	}
	t.rebase = false
	b.Offset = t.count
	t.count++
	t.sinceLoop++
}
