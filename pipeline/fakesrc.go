package pipeline

import (
	"context"
	"io"
)

// FakeSrc pushes empty or fixed-size buffers: the source for engine tests
// and benchmarks, as GStreamer's fakesrc.
type FakeSrc struct {
	SourceBase
	numBuffers int64
	sizeType   int
	sizeMax    int64
	isLive     bool
	frameDur   ClockTime

	pool  *BufferPool
	count int64
}

var fakeSrcClass = &ElementClass{
	Factory:     "fakesrc",
	Klass:       "Source",
	Description: "Push empty (no data) or fixed-size buffers",
	Templates:   []*PadTemplate{NewPadTemplate("src", PadSrc, PadAlways, "ANY")},
	Props: []Prop{
		IntProp("num-buffers", "Number of buffers to output before EOS (-1 = unlimited)", -1, -1, 1<<62, func(e *FakeSrc) *int64 { return &e.numBuffers }),
		EnumProp("sizetype", "How to determine buffer sizes", 0, []string{"empty", "fixed"}, func(e *FakeSrc) *int { return &e.sizeType }),
		IntProp("sizemax", "Size of fixed buffers in bytes", 4096, 0, 1<<30, func(e *FakeSrc) *int64 { return &e.sizeMax }),
		BoolProp("is-live", "Produce only while PLAYING, timestamped with running time", false, func(e *FakeSrc) *bool { return &e.isLive }),
		IntProp("duration", "Duration (and PTS step) of each buffer in ns (0 = none)", 0, 0, 1<<62, func(e *FakeSrc) *ClockTime { return &e.frameDur }),
	},
}

func init() { Register(fakeSrcClass, func() Element { return NewFakeSrc() }) }

// NewFakeSrc returns a fakesrc with default properties.
func NewFakeSrc() *FakeSrc {
	s := &FakeSrc{}
	s.InitSource(s, fakeSrcClass)
	return s
}

// Start makes the buffer pool for the configured size.
func (s *FakeSrc) Start(context.Context) error {
	size := 0
	if s.sizeType == 1 {
		size = int(s.sizeMax)
	}
	pool, err := NewBufferPool(size, 2, 0)
	if err != nil {
		return err
	}
	s.pool, s.count = pool, 0
	s.SetLive(s.isLive)
	return nil
}

// Create returns the next buffer or io.EOF after num-buffers.
func (s *FakeSrc) Create(ctx context.Context) (*Buffer, error) {
	if s.numBuffers >= 0 && s.count >= s.numBuffers {
		return nil, io.EOF
	}
	b, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	b.Offset = uint64(s.count)
	switch {
	case s.isLive:
		b.PTS = s.RunningTime()
		b.Flags |= BufferFlagLive
	case s.frameDur > 0:
		b.PTS = ClockTime(s.count) * s.frameDur
	}
	if s.frameDur > 0 {
		b.Duration = s.frameDur
	}
	s.count++
	return b, nil
}
