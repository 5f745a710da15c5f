// Package testsrc provides videotestsrc: synthetic raw video in pure Go
// (colour bars, solid colours, a moving ball, snow), so media pipelines
// run and are tested without GStreamer, such as on the GPU machine.
package testsrc

import (
	"context"
	"io"
	"math/rand/v2"

	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// Patterns, named as GStreamer's videotestsrc.
var patterns = []string{"smpte", "snow", "black", "white", "red", "green", "blue", "ball", "solid-color"}

const (
	patSMPTE = iota
	patSnow
	patBlack
	patWhite
	patRed
	patGreen
	patBlue
	patBall
	patSolid
)

const srcCaps = "video/x-raw, format={ NV12, I420, RGBA, BGRA, BGRx, RGB, BGR, GRAY8 }, width=[16, 16384], height=[16, 16384], framerate=[0/1, 1000/1]"

// Src is the videotestsrc element.
type Src struct {
	pipeline.SourceBase
	numBuffers int64
	pattern    int
	isLive     bool
	fg         int64 // 0xAARRGGBB as GStreamer
	seed       int64

	info  video.Info
	pool  *pipeline.BufferPool
	count int64
	rng   *rand.Rand
}

var srcClass = &pipeline.ElementClass{
	Factory:     "videotestsrc",
	Klass:       "Source/Video",
	Description: "Synthetic raw video: colour bars, solid colours, a moving ball, snow",
	Templates:   []*pipeline.PadTemplate{pipeline.NewPadTemplate("src", pipeline.PadSrc, pipeline.PadAlways, srcCaps)},
	Props: []pipeline.Prop{
		pipeline.IntProp("num-buffers", "Frames to produce before EOS (-1 = unlimited)", -1, -1, 1<<62, func(e *Src) *int64 { return &e.numBuffers }),
		pipeline.EnumProp("pattern", "What to draw", patSMPTE, patterns, func(e *Src) *int { return &e.pattern }),
		pipeline.BoolProp("is-live", "Produce frames at the frame rate, only while PLAYING", false, func(e *Src) *bool { return &e.isLive }),
		pipeline.IntProp("foreground-color", "Colour of solid-color and ball, 0xAARRGGBB", 0xffffffff, 0, 0xffffffff, func(e *Src) *int64 { return &e.fg }),
		pipeline.IntProp("seed", "Seed of the snow pattern", 1, 0, 1<<62, func(e *Src) *int64 { return &e.seed }),
	},
}

func init() { pipeline.Register(srcClass, func() pipeline.Element { return New() }) }

// New returns a videotestsrc with default properties.
func New() *Src {
	s := &Src{}
	s.InitSource(s, srcClass)
	return s
}

// Caps returns what the source can produce, for negotiation.
func (s *Src) Caps() *pipeline.Caps { return pipeline.MustParseCaps(srcCaps) }

// FixateCaps prefers GStreamer's defaults: 320x240 I420 at 30 fps.
func (s *Src) FixateCaps(allowed *pipeline.Caps) *pipeline.Caps {
	return allowed.FixateNear(
		pipeline.Field{Name: "format", Value: "I420"},
		pipeline.Field{Name: "width", Value: 320},
		pipeline.Field{Name: "height", Value: 240},
		pipeline.Field{Name: "framerate", Value: pipeline.Fraction{Num: 30, Den: 1}})
}

// Start resets the frame counter.
func (s *Src) Start(context.Context) error {
	s.count = 0
	s.pool = nil
	s.rng = rand.New(rand.NewPCG(uint64(s.seed), 7))
	s.SetLive(s.isLive)
	return nil
}

// setup sizes the frame pool for the negotiated caps, known once the
// base has sent them on the src pad.
func (s *Src) setup() error {
	info, err := video.InfoFromCaps(s.Src().CurrentCaps())
	if err != nil {
		return err
	}
	pool, err := pipeline.NewBufferPool(info.Size, 2, 0)
	if err != nil {
		return err
	}
	s.info, s.pool = info, pool
	return nil
}

func (s *Src) frameDuration() pipeline.ClockTime {
	if s.info.FPS.Num <= 0 {
		return pipeline.NoTime
	}
	return pipeline.ClockTime(int64(s.info.FPS.Den) * 1e9 / int64(s.info.FPS.Num))
}

// Create draws the next frame; a live source waits for its time.
func (s *Src) Create(ctx context.Context) (*pipeline.Buffer, error) {
	if s.numBuffers >= 0 && s.count >= s.numBuffers {
		return nil, io.EOF
	}
	if s.pool == nil {
		if err := s.setup(); err != nil {
			return nil, err
		}
	}
	dur := s.frameDuration()
	pts := pipeline.ClockTime(0)
	if dur != pipeline.NoTime {
		pts = pipeline.ClockTime(s.count) * dur
	}
	if s.isLive && dur != pipeline.NoTime {
		if err := s.waitUntil(ctx, pts); err != nil {
			return nil, err
		}
	}
	b, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	f, err := video.FrameFromMemory(s.info, b.Memory(0))
	if err != nil {
		b.Unref()
		return nil, err
	}
	s.draw(&f)
	b.PTS, b.Duration, b.Offset = pts, dur, uint64(s.count)
	s.count++
	return b, nil
}

// waitUntil sleeps until running time pts on the pipeline clock.
func (s *Src) waitUntil(ctx context.Context, pts pipeline.ClockTime) error {
	rt := s.RunningTime()
	if rt == pipeline.NoTime || rt >= pts {
		return nil
	}
	return sleepCtx(ctx, pts-rt)
}
