package testsrc

import (
	"context"
	"time"

	"github.com/dsgo/dsgo/video"
)

// smpteBars are the seven 75% colour bars of the top of an SMPTE pattern.
var smpteBars = [][4]uint8{
	{191, 191, 191, 255}, {191, 191, 0, 255}, {0, 191, 191, 255}, {0, 191, 0, 255},
	{191, 0, 191, 255}, {191, 0, 0, 255}, {0, 0, 191, 255},
}

func (s *Src) foreground() [4]uint8 {
	c := uint32(s.fg)
	return [4]uint8{uint8(c >> 16), uint8(c >> 8), uint8(c), uint8(c >> 24)}
}

// draw paints the pattern for the current frame.
func (s *Src) draw(f *video.Frame) {
	switch s.pattern {
	case patSMPTE:
		for i, c := range smpteBars {
			x0 := (i * f.Width / len(smpteBars)) &^ 1
			x1 := ((i + 1) * f.Width / len(smpteBars)) &^ 1
			if i == len(smpteBars)-1 {
				x1 = f.Width
			}
			if sub, err := video.SubFrame(f, video.Rect{X: x0, Y: 0, W: x1 - x0, H: f.Height}); err == nil {
				video.Fill(&sub, c)
			}
		}
	case patSnow:
		s.snow(f)
	case patBall:
		video.Fill(f, [4]uint8{0, 0, 0, 255})
		s.ball(f)
	default:
		video.Fill(f, s.solid())
	}
}

func (s *Src) solid() [4]uint8 {
	switch s.pattern {
	case patWhite:
		return [4]uint8{255, 255, 255, 255}
	case patRed:
		return [4]uint8{255, 0, 0, 255}
	case patGreen:
		return [4]uint8{0, 255, 0, 255}
	case patBlue:
		return [4]uint8{0, 0, 255, 255}
	case patSolid:
		return s.foreground()
	}
	return [4]uint8{0, 0, 0, 255}
}

// ball draws a square "ball" moving across the frame; its position is a
// function of the frame number, so tests can predict it.
func (s *Src) ball(f *video.Frame) {
	size := max(f.Height/8, 2) &^ 1
	span := max(f.Width-size, 2)
	x := int(s.count*4) % (2 * span)
	if x >= span {
		x = 2*span - x
	}
	x &^= 1
	y := (f.Height/2 - size/2) &^ 1
	if sub, err := video.SubFrame(f, video.Rect{X: x, Y: y, W: size, H: size}); err == nil {
		video.Fill(&sub, s.foreground())
	}
}

// snow fills every byte of the frame with noise.
func (s *Src) snow(f *video.Frame) {
	for i := 0; i < len(f.Data); i += 8 {
		v := s.rng.Uint64()
		for k := 0; k < 8 && i+k < len(f.Data); k++ {
			f.Data[i+k] = byte(v >> (8 * k))
		}
	}
	if f.Format == video.FormatRGBA || f.Format == video.FormatBGRA {
		for i := 3; i < len(f.Data); i += 4 {
			f.Data[i] = 255
		}
	}
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
