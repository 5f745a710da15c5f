package osd

import (
	"fmt"
	"math"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/video"
)

// paint is a colour ready for blending: 8-bit RGB, the same colour as
// BT.601 limited-range YUV for NV12 frames, and its opacity from 0
// (transparent) to 256 (opaque).
type paint struct {
	r, g, b uint8
	y, u, v uint8
	a       int32
}

// paintOf converts a metadata colour, clamping its components to [0, 1].
func paintOf(c meta.Color) paint {
	r, g, b := unit8(c.R), unit8(c.G), unit8(c.B)
	y, u, v := video.RGBToYUV(r, g, b)
	return paint{r: r, g: g, b: b, y: y, u: u, v: v, a: int32(math.Round(unit(c.A) * 256))}
}

// paintRGBA converts a 0xRRGGBBAA colour (the clock-color property).
func paintRGBA(c uint32) paint {
	return paintOf(meta.Color{
		R: float64(c>>24) / 255, G: float64(c>>16&0xff) / 255,
		B: float64(c>>8&0xff) / 255, A: float64(c&0xff) / 255,
	})
}

func unit(x float64) float64 {
	if !(x > 0) { // also NaN
		return 0
	}
	return min(x, 1)
}

func unit8(x float64) uint8 { return uint8(math.Round(unit(x) * 255)) }

// mix blends s over d with opacity a (0 to 256).
func mix(d, s uint8, a int32) uint8 { return uint8(int32(d) + (int32(s)-int32(d))*a>>8) }

// canvas draws on one RGBA or NV12 frame. Shapes are drawn as spans of
// pixels, row by row from the top. On NV12 the chroma of a 2x2 block is
// blended once per shape, by the first row of the shape that touches the
// block, so that translucent shapes are not blended twice there.
type canvas struct {
	nv12     bool
	w, h     int
	pix      []byte // RGBA pixels, or NV12 luma
	stride   int
	uv       []byte // NV12 interleaved chroma
	uvStride int
	// chromaRow is the chroma row the current shape last drew in, and
	// paintRow the luma row that paints it.
	chromaRow, paintRow int
}

// reset makes c draw on f, which must be RGBA or NV12 in host memory.
func (c *canvas) reset(f *video.Frame) error {
	switch f.Format {
	case video.FormatRGBA, video.FormatNV12:
	default:
		return fmt.Errorf("osd: cannot draw on %s frames (want RGBA or NV12)", f.Format)
	}
	c.nv12 = f.Format == video.FormatNV12
	c.w, c.h = f.Width, f.Height
	c.pix, c.stride = f.Plane(0), f.Stride[0]
	c.uv, c.uvStride = nil, 0
	if c.nv12 {
		c.uv, c.uvStride = f.Plane(1), f.Stride[1]
	}
	c.beginShape()
	return nil
}

// beginShape starts a new shape: its spans must come in row order.
func (c *canvas) beginShape() { c.chromaRow, c.paintRow = -1, -1 }

// span blends pixels [x0, x1) of row y, clipped to the frame.
func (c *canvas) span(y, x0, x1 int, p *paint) {
	if y < 0 || y >= c.h || p.a <= 0 {
		return
	}
	x0, x1 = max(x0, 0), min(x1, c.w)
	if x0 >= x1 {
		return
	}
	if !c.nv12 {
		row := c.pix[y*c.stride+4*x0 : y*c.stride+4*x1]
		if p.a >= 256 {
			for i := 0; i < len(row); i += 4 {
				row[i], row[i+1], row[i+2], row[i+3] = p.r, p.g, p.b, 255
			}
			return
		}
		for i := 0; i < len(row); i += 4 {
			row[i], row[i+1], row[i+2] = mix(row[i], p.r, p.a), mix(row[i+1], p.g, p.a), mix(row[i+2], p.b, p.a)
			row[i+3] = mix(row[i+3], 255, p.a)
		}
		return
	}
	luma := c.pix[y*c.stride+x0 : y*c.stride+x1]
	for i := range luma {
		luma[i] = mix(luma[i], p.y, p.a)
	}
	if cr := y >> 1; cr != c.chromaRow {
		c.chromaRow, c.paintRow = cr, y
	}
	if y != c.paintRow {
		return
	}
	cr := y >> 1
	uv := c.uv[cr*c.uvStride+(x0>>1)*2 : cr*c.uvStride+((x1-1)>>1)*2+2]
	for i := 0; i < len(uv); i += 2 {
		uv[i], uv[i+1] = mix(uv[i], p.u, p.a), mix(uv[i+1], p.v, p.a)
	}
}

// coverage scales an 8-bit coverage to an opacity with paint p.
func coverage(cov uint8, p *paint) int32 {
	c := int32(cov)
	return (c + c>>7) * p.a >> 8
}

// blendMask blends p through an 8-bit coverage mask of mw x mh values
// (rows stride apart) whose top-left pixel goes at (x0, y0). On NV12 each
// chroma block takes the largest coverage of its pixels in the mask.
func (c *canvas) blendMask(x0, y0 int, m []byte, mw, mh, stride int, p *paint) {
	cx0, cy0 := max(x0, 0), max(y0, 0)
	cx1, cy1 := min(x0+mw, c.w), min(y0+mh, c.h)
	if cx0 >= cx1 || cy0 >= cy1 || p.a <= 0 {
		return
	}
	for y := cy0; y < cy1; y++ {
		mrow := m[(y-y0)*stride+(cx0-x0) : (y-y0)*stride+(cx1-x0)]
		if !c.nv12 {
			row := c.pix[y*c.stride+4*cx0 : y*c.stride+4*cx1]
			for i, cov := range mrow {
				if a := coverage(cov, p); a > 0 {
					q := row[4*i : 4*i+4]
					q[0], q[1], q[2], q[3] = mix(q[0], p.r, a), mix(q[1], p.g, a), mix(q[2], p.b, a), mix(q[3], 255, a)
				}
			}
			continue
		}
		row := c.pix[y*c.stride+cx0 : y*c.stride+cx1]
		for i, cov := range mrow {
			if cov != 0 {
				row[i] = mix(row[i], p.y, coverage(cov, p))
			}
		}
	}
	if c.nv12 {
		c.blendMaskChroma(x0, y0, m, stride, cx0, cy0, cx1, cy1, p)
	}
}

// blendMaskChroma blends the chroma blocks of the clipped mask rectangle
// [cx0, cx1) x [cy0, cy1).
func (c *canvas) blendMaskChroma(x0, y0 int, m []byte, stride, cx0, cy0, cx1, cy1 int, p *paint) {
	for by := cy0 >> 1; by <= (cy1-1)>>1; by++ {
		uv := c.uv[by*c.uvStride:]
		for bx := cx0 >> 1; bx <= (cx1-1)>>1; bx++ {
			var cov uint8
			for y := max(2*by, cy0); y < min(2*by+2, cy1); y++ {
				for x := max(2*bx, cx0); x < min(2*bx+2, cx1); x++ {
					cov = max(cov, m[(y-y0)*stride+x-x0])
				}
			}
			if a := coverage(cov, p); a > 0 {
				uv[2*bx], uv[2*bx+1] = mix(uv[2*bx], p.u, a), mix(uv[2*bx+1], p.v, a)
			}
		}
	}
}
