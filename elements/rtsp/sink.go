package rtsp

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dsgo/dsgo/pipeline"
)

// sinkCaps are the formats rtspserversink takes: one access unit per
// buffer, in Annex-B byte-stream form, as encoders and parsers produce.
const sinkCaps = "video/x-h264, stream-format=byte-stream, alignment=au; " +
	"video/x-h265, stream-format=byte-stream, alignment=au"

// ServerSink is the rtspserversink element: it runs an RTSP server and
// serves the encoded video it receives at rtsp://address:port/mount, as
// deepstream-app's RTSP sink does (rtsp://127.0.0.1:8554/ds-test by
// default). The server listens from READY->PAUSED to PAUSED->READY; the
// stream appears at the mount once caps arrive.
type ServerSink struct {
	pipeline.SinkBase
	port    int64
	mount   string
	address string
	udpPort int64
	rtpPort int64

	url atomic.Pointer[string] // read by the "url" property

	mu     sync.Mutex // guards what follows against Render
	srv    *Server
	stream *Stream
	start  time.Time // wall time of Start, for buffers without PTS
}

var serverSinkClass = &pipeline.ElementClass{
	Factory:     "rtspserversink",
	Klass:       "Sink/Network",
	Description: "Serve H.264/H.265 video to RTSP clients",
	Templates:   []*pipeline.PadTemplate{pipeline.NewPadTemplate("sink", pipeline.PadSink, pipeline.PadAlways, sinkCaps)},
	Props: []pipeline.Prop{
		pipeline.IntProp("port", "RTSP port to listen on (0 = any free port; see url)", 8554, 0, 65535, func(e *ServerSink) *int64 { return &e.port }),
		pipeline.StringProp("mount", "Path of the stream in the URL", "/ds-test", func(e *ServerSink) *string { return &e.mount }, checkMount),
		pipeline.StringProp("address", "Address (interface) to listen on", "127.0.0.1", func(e *ServerSink) *string { return &e.address }, nil),
		pipeline.IntProp("udp-port", "Accepted for DeepStream configs (its internal udpsink port); unused, as there is no internal UDP hop", 5400, 0, 65535, func(e *ServerSink) *int64 { return &e.udpPort }),
		pipeline.IntProp("rtp-port", "UDP port for RTP to clients, RTCP on the next (0 = any free even port, -1 = TCP only)", 0, -1, 65534, func(e *ServerSink) *int64 { return &e.rtpPort }),
		pipeline.BoolProp("sync", "Send each access unit at its running time on the clock", true, func(e *ServerSink) *bool { return &e.Sync }),
		pipeline.BoolProp("async", "Go to PAUSED only once the first buffer arrives (preroll)", false, func(e *ServerSink) *bool { return &e.Async }),
		pipeline.ReadOnlyProp("url", "URL of the stream while serving", pipeline.PropString, func(e *ServerSink) any {
			if u := e.url.Load(); u != nil {
				return *u
			}
			return ""
		}),
		pipeline.ReadOnlyProp("clients", "Clients playing the stream", pipeline.PropInt, func(e *ServerSink) any {
			e.mu.Lock()
			defer e.mu.Unlock()
			if e.stream == nil {
				return int64(0)
			}
			return int64(e.stream.Clients())
		}),
	},
}

func init() {
	pipeline.Register(serverSinkClass, func() pipeline.Element { return NewServerSink() })
}

// NewServerSink returns an rtspserversink with default properties.
func NewServerSink() *ServerSink {
	s := &ServerSink{}
	s.InitSink(s, serverSinkClass)
	return s
}

func checkMount(m string) error {
	if !strings.HasPrefix(m, "/") || len(strings.Trim(m, "/")) == 0 || strings.ContainsAny(m, " ?#") {
		return fmt.Errorf("mount %q must be a path such as /ds-test", m)
	}
	return nil
}

// Server returns the running server, or nil when not serving.
func (s *ServerSink) Server() *Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.srv
}

// Start starts the server; a busy port fails the state change with an
// error naming the address.
func (s *ServerSink) Start(context.Context) error {
	addr := net.JoinHostPort(s.address, strconv.FormatInt(s.port, 10))
	srv, err := NewServer(Config{Addr: addr, UDPRTPPort: int(s.rtpPort)})
	if err != nil {
		return fmt.Errorf("serve rtsp://%s%s: %w", addr, s.mount, err)
	}
	url := srv.URL(s.mount)
	s.mu.Lock()
	s.srv, s.start = srv, time.Now()
	s.mu.Unlock()
	s.url.Store(&url)
	s.PostInfo("serving RTSP at " + url)
	return nil
}

// Stop closes the server and disconnects its clients.
func (s *ServerSink) Stop() error {
	s.mu.Lock()
	srv := s.srv
	s.srv, s.stream = nil, nil
	s.mu.Unlock()
	s.url.Store(nil)
	if srv != nil {
		return srv.Close()
	}
	return nil
}

// SinkEvent creates the stream at the mount for the codec of the caps.
func (s *ServerSink) SinkEvent(ev *pipeline.Event) (bool, bool) {
	if ev.Type != pipeline.EventCaps {
		return false, false
	}
	if err := s.setCaps(ev.Caps); err != nil {
		s.PostError(err, "")
		return true, false
	}
	return false, false
}

func (s *ServerSink) setCaps(caps *pipeline.Caps) error {
	if caps.IsEmpty() || caps.IsAny() {
		return fmt.Errorf("caps %v are not H.264 or H.265", caps)
	}
	var codec Codec
	switch name := caps.Structures[0].Name; name {
	case "video/x-h264":
		codec = H264
	case "video/x-h265":
		codec = H265
	default:
		return fmt.Errorf("caps %s are not H.264 or H.265", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return fmt.Errorf("caps %v arrived while not serving", caps)
	}
	if s.stream != nil {
		if s.stream.Codec() == codec {
			return nil
		}
		s.stream.Close()
		s.stream = nil
	}
	st, err := s.srv.NewStream(s.mount, codec)
	if err != nil {
		return err
	}
	s.stream = st
	return nil
}

// Render splits the buffer's Annex-B byte-stream into NAL units and sends
// them as one access unit with the buffer's PTS.
func (s *ServerSink) Render(_ context.Context, buf *pipeline.Buffer) error {
	var au [][]byte
	for i := 0; i < buf.NumMemory(); i++ {
		m := buf.Memory(i)
		if m.Type == pipeline.MemoryCUDA {
			return fmt.Errorf("buffer in %v memory: rtspserversink takes host memory", m.Type)
		}
		data := m.Data
		if m.Size < len(data) {
			data = data[:m.Size]
		}
		au = append(au, SplitAnnexB(data)...)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv == nil {
		return nil // stopping
	}
	if s.stream == nil {
		return fmt.Errorf("buffer before caps: the codec of the stream is unknown")
	}
	if len(au) == 0 {
		return nil
	}
	pts := buf.PTS
	if pts == pipeline.NoTime {
		pts = time.Since(s.start)
	}
	return s.stream.WriteAccessUnit(pts, au)
}
