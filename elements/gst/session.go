//go:build !nogst

package gst

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/go-gst/go-gst/gst"

	"github.com/dsgo/dsgo/pipeline"
)

// Error is an error or warning posted by an element of an internal
// GStreamer pipeline.
type Error struct {
	Element string // name of the GStreamer element that posted it
	Message string
	Debug   string // GStreamer's debug details: source file, function, element path
}

// Error names the GStreamer element and says what happened.
func (e *Error) Error() string { return "GStreamer element " + e.Element + ": " + e.Message }

var initOnce sync.Once

// initGStreamer initialises GStreamer once per process.
func initGStreamer() { initOnce.Do(func() { gst.Init(nil) }) }

// pollInterval bounds how long a pull waits before it looks at the
// context and the bus again.
const pollInterval = 20 * time.Millisecond

// errNoFrames is returned when a stream ends before its first buffer.
var errNoFrames = errors.New("stream ended before the first frame")

// session is an internal GStreamer pipeline run on behalf of one dsgo
// element: an optional appsrc fed by dsgo, the GStreamer elements, and an
// optional appsink read by dsgo. A goroutine watches its bus.
type session struct {
	desc   string
	pipe   *gst.Pipeline
	ptr    unsafe.Pointer // the GstPipeline
	appsrc unsafe.Pointer // nil when dsgo feeds nothing
	reader *sinkReader    // nil when dsgo reads nothing

	// onWarning receives GStreamer warnings; onError, if set, each error
	// as it is posted. Set both before start.
	onWarning func(error)
	onError   func(error)

	mu        sync.Mutex
	err       error         // first GStreamer error
	failed    chan struct{} // closed at the first error
	eos       chan struct{} // closed when the pipeline posted EOS
	eosClosed bool
	watchDone chan struct{}
	closed    bool
}

// newSession parses a GStreamer launch line; the appsrc and appsink, if
// any, must be named dsgo_src and dsgo_sink.
func newSession(desc string) (*session, error) {
	initGStreamer()
	p, err := gst.NewPipelineFromString(desc)
	if err != nil {
		return nil, fmt.Errorf("GStreamer cannot build the pipeline: %w", err)
	}
	s := &session{desc: desc, pipe: p, ptr: p.Unsafe(), failed: make(chan struct{}), eos: make(chan struct{})}
	if e, err := p.GetElementByName("dsgo_src"); err == nil {
		s.appsrc = e.Unsafe()
	}
	if e, err := p.GetElementByName("dsgo_sink"); err == nil {
		s.reader = newSinkReader(e.Unsafe())
	}
	p.SetAutoFlushBus(false)
	return s, nil
}

// element returns a named element of the pipeline.
func (s *session) element(name string) (*gst.Element, error) {
	return s.pipe.GetElementByName(name)
}

// watch reads the bus until close posts the quit message.
func (s *session) watch() {
	defer close(s.watchDone)
	bus := s.pipe.GetPipelineBus()
	for {
		m := bus.TimedPop(gst.ClockTimeNone)
		if m == nil {
			continue
		}
		switch m.Type() {
		case gst.MessageError:
			s.fail(messageError(m))
		case gst.MessageWarning:
			if s.onWarning != nil {
				s.onWarning(messageError(m))
			}
		case gst.MessageEOS:
			s.mu.Lock()
			if !s.eosClosed {
				s.eosClosed = true
				close(s.eos)
			}
			s.mu.Unlock()
		case gst.MessageApplication:
			if st := m.GetStructure(); st != nil && st.Name() == "dsgo-quit" {
				return
			}
		}
	}
}

// messageError converts an error or warning message.
func messageError(m *gst.Message) *Error {
	e := &Error{Element: messageSource(unsafe.Pointer(m.Instance())), Message: "unknown error"}
	ge := m.ParseError() // also parses warnings
	if ge != nil {
		e.Message, e.Debug = ge.Error(), ge.DebugString()
	}
	return e
}

// fail records an error; the first one is kept.
func (s *session) fail(err error) {
	s.mu.Lock()
	first := s.err == nil
	if first {
		s.err = err
		close(s.failed)
	}
	s.mu.Unlock()
	if s.onError != nil {
		s.onError(err)
	}
}

// Err returns the first GStreamer error, or nil.
func (s *session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// failure returns the first error, waiting briefly for it to arrive on the
// bus after a failed state change, or a generic error.
func (s *session) failure(what string) error {
	select {
	case <-s.failed:
		return s.Err()
	case <-time.After(time.Second):
		return fmt.Errorf("GStreamer pipeline failed to %s without saying why", what)
	}
}

// start sets the pipeline PLAYING. With preroll, it first waits for the
// first frame (for at most timeout) and returns its caps; live is true
// when the pipeline has a live source.
func (s *session) start(ctx context.Context, preroll bool, timeout time.Duration) (caps string, live bool, err error) {
	s.watchDone = make(chan struct{})
	go s.watch()
	if !preroll || s.reader == nil {
		if setState(s.ptr, gstPlaying) == stateFailure {
			return "", false, s.failure("start")
		}
		return "", false, nil
	}
	switch setState(s.ptr, gstPaused) {
	case stateFailure:
		return "", false, s.failure("start")
	case stateNoPreroll:
		live = true
		if setState(s.ptr, gstPlaying) == stateFailure {
			return "", true, s.failure("start")
		}
	}
	caps, err = s.waitPreroll(ctx, timeout, live)
	if err != nil {
		return "", live, err
	}
	if setState(s.ptr, gstPlaying) == stateFailure {
		return "", live, s.failure("start")
	}
	return caps, live, nil
}

// waitPreroll waits for the appsink's preroll sample and returns its caps.
// It also gives up when streaming stopped without an error message: a
// GStreamer element (decodebin autoplugging a demuxer) may swallow the
// error of a demuxer that fails at once on a corrupt file.
func (s *session) waitPreroll(ctx context.Context, timeout time.Duration, live bool) (string, error) {
	start := time.Now()
	for {
		p, ok := s.reader.pull(pollInterval, true)
		if p.frame != nil {
			p.frame.ReleaseMemory(nil)
		}
		if ok && p.caps != "" {
			return p.caps, nil
		}
		if err := s.Err(); err != nil {
			return "", err
		}
		waited := time.Since(start)
		switch {
		case s.reader.eos():
			return "", errNoFrames
		case ctx.Err() != nil:
			return "", ctx.Err()
		case waited > timeout:
			return "", fmt.Errorf("no frame within %v", timeout)
		case !live && waited > stallCheck:
			if name := pausedTask(s.ptr); name != "" && s.Err() == nil {
				return "", fmt.Errorf("GStreamer element %s stopped streaming before the first frame without an error message (corrupt or truncated input?)", name)
			}
		}
	}
}

// stallCheck is how long preroll may take before waitPreroll checks
// whether streaming stopped.
const stallCheck = 300 * time.Millisecond

// next returns the next frame from the appsink, io.EOF at the end of the
// stream, the first GStreamer error, or ctx's error.
func (s *session) next(ctx context.Context) (pulled, error) {
	for {
		p, ok := s.reader.pull(pollInterval, false)
		if ok && p.frame != nil {
			return p, nil
		}
		if err := s.Err(); err != nil {
			return p, err
		}
		if ctx.Err() != nil {
			return p, ctx.Err()
		}
		if s.reader.eos() {
			return p, io.EOF
		}
	}
}

// waitEOS waits until the pipeline posted EOS, failed, or ctx ended.
func (s *session) waitEOS(ctx context.Context) error {
	select {
	case <-s.eos:
		return nil
	case <-s.failed:
		return s.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// seekStart seeks back to the start of the stream (file-loop).
func (s *session) seekStart() bool {
	return s.pipe.SeekSimple(0, gst.FormatTime, gst.SeekFlagFlush|gst.SeekFlagKeyUnit)
}

// close sets the pipeline to NULL and stops the bus watcher. It is safe
// to call more than once.
func (s *session) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	setState(s.ptr, gstNull)
	if s.watchDone != nil {
		postQuit(s.ptr)
		<-s.watchDone
	}
	if s.reader != nil {
		s.reader.close()
	}
}

// quote quotes a value for a GStreamer launch line.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// flowError describes a failed push into GStreamer.
func flowError(ret pipeline.FlowReturn, s *session) error {
	if err := s.Err(); err != nil {
		return err
	}
	return fmt.Errorf("GStreamer refused the buffer: %s", ret)
}
