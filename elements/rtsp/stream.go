package rtsp

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/description"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
)

// ErrStreamClosed is returned by WriteAccessUnit after Close.
var ErrStreamClosed = errors.New("rtsp: stream closed")

// clockRate is the RTP clock of H.264 and H.265 video.
const clockRate = 90000

// Stream is one video stream of a Server, served at its path. Go code
// feeds it with WriteAccessUnit and every client playing the path receives
// it. Its methods may be called from any goroutine.
type Stream struct {
	srv   *Server
	path  string
	codec Codec
	ss    *gortsplib.ServerStream
	media *description.Media
	ready chan struct{} // closed once the parameter sets are known
	done  chan struct{} // closed by Close

	clients atomic.Int32 // sessions playing the stream

	mu       sync.Mutex
	pk       packer
	isReady  bool
	started  bool // a random-access unit has been sent
	haveBase bool
	rtpBase  uint32
	ptsBase  time.Duration
	ntpBase  time.Time
	written  int64
	skipped  int64
	closed   bool
}

func newStream(s *Server, path string, codec Codec, pk packer) (*Stream, error) {
	media := &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{pk.format()}}
	ss := &gortsplib.ServerStream{Server: s.gs, Desc: &description.Session{Medias: []*description.Media{media}}}
	if err := ss.Initialize(); err != nil {
		return nil, err
	}
	return &Stream{
		srv: s, path: path, codec: codec, ss: ss, media: media, pk: pk,
		ready: make(chan struct{}), done: make(chan struct{}),
		rtpBase: rand.Uint32(),
	}, nil
}

// Path returns the path the stream is served at.
func (st *Stream) Path() string { return st.path }

// Codec returns the stream's codec.
func (st *Stream) Codec() Codec { return st.codec }

// URL returns the rtsp:// URL that plays the stream.
func (st *Stream) URL() string { return st.srv.URL(st.path) }

// Clients returns the number of clients playing the stream.
func (st *Stream) Clients() int { return int(st.clients.Load()) }

// Counts returns the number of access units sent to clients and of those
// skipped because no random-access unit with parameter sets had come yet.
func (st *Stream) Counts() (written, skipped int64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.written, st.skipped
}

// WriteAccessUnit sends one access unit, given as its NAL units without
// start codes, to every client playing the stream. pts is its
// presentation time on any timeline that starts anywhere but advances in
// real time; the first unit written is RTP time 0 plus a random offset.
//
// Parameter sets (SPS, PPS and for H.265 VPS) are taken from the stream:
// they update the SDP of later DESCRIBEs and are repeated in front of
// random-access units that lack them. Access-unit delimiters and filler
// data are dropped, and units before the first random-access unit with
// known parameter sets are skipped, since no client could decode them.
// au is not retained after the call returns.
func (st *Stream) WriteAccessUnit(pts time.Duration, au [][]byte) error {
	nalus := make([][]byte, 0, len(au))
	for _, n := range au {
		if len(n) > 0 {
			nalus = append(nalus, n)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return fmt.Errorf("rtsp: write to %s: %w", st.path, ErrStreamClosed)
	}
	out, key, changed := st.pk.prepare(nalus)
	if changed {
		st.ss.ReloadDesc()
	}
	if !st.isReady && st.pk.ready() {
		st.isReady = true
		close(st.ready)
	}
	if !st.started && (!key || !st.isReady) || len(out) == 0 {
		st.skipped++
		return nil
	}
	st.started = true
	pkts, err := st.pk.encode(out)
	if err != nil {
		return fmt.Errorf("rtsp: %s: pack %v access unit: %w", st.path, st.codec, err)
	}
	if !st.haveBase {
		st.haveBase, st.ptsBase, st.ntpBase = true, pts, time.Now()
	}
	d := pts - st.ptsBase
	ts := st.rtpBase + uint32(rtpTicks(d))
	ntp := st.ntpBase.Add(d)
	for _, pkt := range pkts {
		pkt.Timestamp = ts
		if err := st.ss.WritePacketRTPWithNTP(st.media, pkt, ntp); err != nil {
			return fmt.Errorf("rtsp: %s: write RTP: %w", st.path, err)
		}
	}
	st.written++
	return nil
}

// rtpTicks converts a duration to 90 kHz clock ticks without overflowing.
func rtpTicks(d time.Duration) int64 {
	return int64(d/time.Second)*clockRate + int64(d%time.Second)*clockRate/int64(time.Second)
}

// Close removes the stream from its server and disconnects its clients.
func (st *Stream) Close() error {
	st.mu.Lock()
	if st.closed {
		st.mu.Unlock()
		return nil
	}
	st.closed = true
	close(st.done)
	st.mu.Unlock()
	st.srv.removeStream(st)
	st.ss.Close()
	return nil
}
