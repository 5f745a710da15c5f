package rtsp

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
)

// DefaultAddr is the address a Server listens on when Config.Addr is
// empty: the loopback interface on DeepStream's RTSP port.
const DefaultAddr = "127.0.0.1:8554"

// DefaultDescribeWait is how long a DESCRIBE of a stream that has not yet
// seen its parameter sets waits for them when Config.DescribeWait is 0.
const DefaultDescribeWait = 3 * time.Second

// ErrServerClosed is returned by the methods of a closed Server.
var ErrServerClosed = errors.New("rtsp: server closed")

// Config configures a Server. The zero value serves on DefaultAddr, with
// RTP over UDP on a free port pair as well as interleaved in TCP.
type Config struct {
	// Addr is the host:port of the RTSP (TCP) listener; empty means
	// DefaultAddr. Port 0 picks a free port, which Server.Addr reports.
	Addr string
	// UDPRTPPort is the server's UDP port for RTP, which must be even;
	// RTCP uses the next port. 0 picks a free pair on the host of Addr,
	// and -1 disables UDP transport, so clients must use TCP.
	UDPRTPPort int
	// DescribeWait bounds how long a DESCRIBE waits for a stream's
	// parameter sets (SPS, PPS) so that the SDP carries them; 0 means
	// DefaultDescribeWait, a negative value does not wait. A client that
	// is answered without them still decodes from the in-band ones.
	DescribeWait time.Duration
	// WriteQueueSize is the number of RTP packets queued per client
	// before packets are dropped (a power of two; 0 means 512).
	WriteQueueSize int
}

// Server is an RTSP server that serves Streams at paths
// (rtsp://host:port/path) to any number of clients over TCP or UDP. Create
// it with NewServer; it serves until Close.
type Server struct {
	gs           *gortsplib.Server
	addr         string
	udpRTP       int
	udpRTCP      int
	describeWait time.Duration
	done         chan struct{} // closed by Close

	mu      sync.Mutex
	streams map[string]*Stream
	players map[*gortsplib.ServerSession]*Stream // sessions that played a stream
	closed  bool
}

// NewServer starts an RTSP server listening as cfg says. A busy port gives
// an error that names the address.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.WriteQueueSize == 0 {
		cfg.WriteQueueSize = 512
	}
	s := &Server{
		describeWait: cfg.DescribeWait,
		done:         make(chan struct{}),
		streams:      map[string]*Stream{},
		players:      map[*gortsplib.ServerSession]*Stream{},
	}
	if s.describeWait == 0 {
		s.describeWait = DefaultDescribeWait
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("rtsp: listen on %s: %w", cfg.Addr, err)
	}
	s.addr = ln.Addr().String()
	host, _, _ := net.SplitHostPort(s.addr)
	gs := &gortsplib.Server{
		Handler:        &handler{s},
		RTSPAddress:    s.addr,
		WriteQueueSize: cfg.WriteQueueSize,
		Listen: func(string, string) (net.Listener, error) {
			return ln, nil
		},
	}
	if cfg.UDPRTPPort >= 0 {
		rtp, rtcp, err := listenUDPPair(host, cfg.UDPRTPPort)
		if err != nil {
			ln.Close()
			return nil, err
		}
		s.udpRTP = rtp.LocalAddr().(*net.UDPAddr).Port
		s.udpRTCP = rtcp.LocalAddr().(*net.UDPAddr).Port
		conns := map[int]net.PacketConn{s.udpRTP: rtp, s.udpRTCP: rtcp}
		gs.UDPRTPAddress = net.JoinHostPort(host, strconv.Itoa(s.udpRTP))
		gs.UDPRTCPAddress = net.JoinHostPort(host, strconv.Itoa(s.udpRTCP))
		gs.ListenPacket = func(_, address string) (net.PacketConn, error) {
			_, port, _ := net.SplitHostPort(address)
			n, _ := strconv.Atoi(port)
			if c, ok := conns[n]; ok {
				return c, nil
			}
			return nil, fmt.Errorf("rtsp: no UDP socket prepared for %s", address)
		}
		defer func() {
			if s.gs == nil { // Start failed before taking them over
				rtp.Close()
				rtcp.Close()
			}
		}()
	}
	if err := gs.Start(); err != nil {
		ln.Close()
		return nil, fmt.Errorf("rtsp: start server on %s: %w", s.addr, err)
	}
	s.gs = gs
	return s, nil
}

// listenUDPPair opens the UDP sockets for RTP (even port) and RTCP (the
// next port) on host; port 0 picks a free pair.
func listenUDPPair(host string, port int) (rtp, rtcp net.PacketConn, err error) {
	if port != 0 {
		if port%2 != 0 || port > 65534 {
			return nil, nil, fmt.Errorf("rtsp: UDP RTP port %d must be even and below 65535", port)
		}
		return listenPair(host, port)
	}
	for range 50 {
		c, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, nil, fmt.Errorf("rtsp: listen on UDP %s: %w", host, err)
		}
		p := c.LocalAddr().(*net.UDPAddr).Port
		c.Close()
		if p%2 != 0 {
			p--
		}
		if p < 1024 || p > 65534 {
			continue
		}
		if rtp, rtcp, err = listenPair(host, p); err == nil {
			return rtp, rtcp, nil
		}
	}
	return nil, nil, fmt.Errorf("rtsp: no free UDP port pair on %s: %w", host, err)
}

func listenPair(host string, port int) (rtp, rtcp net.PacketConn, err error) {
	a := net.JoinHostPort(host, strconv.Itoa(port))
	if rtp, err = net.ListenPacket("udp", a); err != nil {
		return nil, nil, fmt.Errorf("rtsp: listen for RTP on UDP %s: %w", a, err)
	}
	b := net.JoinHostPort(host, strconv.Itoa(port+1))
	if rtcp, err = net.ListenPacket("udp", b); err != nil {
		rtp.Close()
		return nil, nil, fmt.Errorf("rtsp: listen for RTCP on UDP %s: %w", b, err)
	}
	return rtp, rtcp, nil
}

// Addr returns the address the server listens on, host:port.
func (s *Server) Addr() string { return s.addr }

// UDPPorts returns the server's UDP ports for RTP and RTCP, or zeros when
// UDP transport is off.
func (s *Server) UDPPorts() (rtp, rtcp int) { return s.udpRTP, s.udpRTCP }

// URL returns the rtsp:// URL of path on this server.
func (s *Server) URL(path string) string { return "rtsp://" + s.addr + cleanPath(path) }

// cleanPath gives path a leading slash and no trailing one, as the server
// sees request paths.
func cleanPath(path string) string {
	path = "/" + strings.Trim(path, "/")
	return path
}

// NewStream creates a stream of codec served at path ("/ds-test"). Until
// its first random-access unit is written, clients that play it wait for
// data. A path holds one stream at a time.
func (s *Server) NewStream(path string, codec Codec) (*Stream, error) {
	path = cleanPath(path)
	pk, err := newPacker(codec)
	if err != nil {
		return nil, fmt.Errorf("rtsp: stream %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrServerClosed
	}
	if _, dup := s.streams[path]; dup {
		return nil, fmt.Errorf("rtsp: %s already has a stream at %s", s.addr, path)
	}
	st, err := newStream(s, path, codec, pk)
	if err != nil {
		return nil, fmt.Errorf("rtsp: stream %s: %w", path, err)
	}
	s.streams[path] = st
	return st, nil
}

// Stream returns the stream at path, or nil.
func (s *Server) Stream(path string) *Stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.streams[cleanPath(path)]
}

func (s *Server) removeStream(st *Stream) {
	s.mu.Lock()
	if s.streams[st.path] == st {
		delete(s.streams, st.path)
	}
	s.mu.Unlock()
}

// Close disconnects every client, closes every stream and stops listening.
// It returns when all of the server's goroutines have ended.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.done)
	streams := make([]*Stream, 0, len(s.streams))
	for _, st := range s.streams {
		streams = append(streams, st)
	}
	s.mu.Unlock()
	for _, st := range streams {
		st.Close()
	}
	s.gs.Close()
	return nil
}

// handler answers the RTSP requests of gortsplib's server; it keeps those
// callbacks out of Server's method set.
type handler struct{ s *Server }

// OnDescribe answers with the SDP of the stream at the path, once its
// parameter sets are known or DescribeWait has passed.
func (h *handler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	st := h.s.Stream(ctx.Path)
	if st == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, fmt.Errorf("no stream at %s", ctx.Path)
	}
	if h.s.describeWait > 0 {
		t := time.NewTimer(h.s.describeWait)
		defer t.Stop()
		select {
		case <-st.ready:
		case <-t.C:
		case <-st.done:
		case <-h.s.done:
		}
	}
	return &base.Response{StatusCode: base.StatusOK}, st.ss, nil
}

// OnSetup adds the client to the stream at the path.
func (h *handler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	st := h.s.Stream(ctx.Path)
	if st == nil {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, fmt.Errorf("no stream at %s", ctx.Path)
	}
	return &base.Response{StatusCode: base.StatusOK}, st.ss, nil
}

// OnRequest hides the User-Agent of GStreamer clients from SETUP:
// gortsplib delays its answer to them by a second to work around a bug of
// rtspclientsink, which publishes; this server only plays, and rtspsrc
// would otherwise start a second late.
func (h *handler) OnRequest(_ *gortsplib.ServerConn, req *base.Request) {
	if req.Method == base.Setup {
		delete(req.Header, "User-Agent")
	}
}

// OnPlay counts the session as a client of its stream.
func (h *handler) OnPlay(ctx *gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[cleanPath(ctx.Session.Path())]
	if _, counted := s.players[ctx.Session]; !counted && st != nil {
		s.players[ctx.Session] = st
		st.clients.Add(1)
	}
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnSessionClose stops counting the session.
func (h *handler) OnSessionClose(ctx *gortsplib.ServerHandlerOnSessionCloseCtx) {
	s := h.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.players[ctx.Session]; ok {
		delete(s.players, ctx.Session)
		st.clients.Add(-1)
	}
}
