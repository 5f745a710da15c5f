package osd

import (
	"math"

	"github.com/dsgo/dsgo/meta"
)

// maskAlpha is the opacity of instance masks, as DeepStream's
// display-mask draws them.
const maskAlpha = 128

// drawMask blends an object's mask, stretched bilinearly over its box,
// with the box's border colour at half opacity wherever it exceeds the
// mask's threshold.
func (c *canvas) drawMask(r *meta.RectParams, m *meta.MaskParams) {
	mw, mh := m.Width, m.Height
	if mw <= 0 || mh <= 0 || len(m.Data) < mw*mh {
		return
	}
	x0, y0, x1, y1 := rectBounds(r)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	p := paintOf(r.BorderColor)
	p.a = maskAlpha
	sx := float64(mw) / float64(x1-x0)
	sy := float64(mh) / float64(y1-y0)
	c.beginShape()
	for y := max(y0, 0); y < min(y1, c.h); y++ {
		my, fy := maskPos(float64(y-y0), sy, mh)
		row0 := m.Data[my*mw : (my+1)*mw]
		row1 := row0
		if my+1 < mh {
			row1 = m.Data[(my+1)*mw : (my+2)*mw]
		}
		run := -1 // start of the current run of pixels inside the mask
		for x := max(x0, 0); x < min(x1, c.w); x++ {
			mx, fx := maskPos(float64(x-x0), sx, mw)
			mx1 := min(mx+1, mw-1)
			top := row0[mx]*(1-fx) + row0[mx1]*fx
			bot := row1[mx]*(1-fx) + row1[mx1]*fx
			in := top*(1-fy)+bot*fy > m.Threshold
			switch {
			case in && run < 0:
				run = x
			case !in && run >= 0:
				c.span(y, run, x, &p)
				run = -1
			}
		}
		if run >= 0 {
			c.span(y, run, min(x1, c.w), &p)
		}
	}
}

// maskPos maps pixel i of a box onto a mask axis of n values, scale
// values a pixel: the index of the value before the pixel's centre, and
// the weight of the next one.
func maskPos(i, scale float64, n int) (int, float32) {
	pos := (i+0.5)*scale - 0.5
	if pos <= 0 {
		return 0, 0
	}
	fl := math.Floor(pos)
	if int(fl) >= n-1 {
		return n - 1, 0
	}
	return int(fl), float32(pos - fl)
}
