package osd

import (
	"math"

	"github.com/dsgo/dsgo/meta"
)

// Shapes are rasterised without anti-aliasing, as spans of the pixels
// whose centres they cover. Coordinates from metadata are clamped to
// maxCoord, so that a wild value costs no more than a frame-sized shape.
const maxCoord = 1 << 16

func clampCoord(v float64) float64 {
	if math.IsNaN(v) {
		return 0
	}
	return min(max(v, -maxCoord), maxCoord)
}

func roundCoord(v float32) int { return int(math.Round(clampCoord(float64(v)))) }

// fillRect fills [x0, x1) x [y0, y1).
func (c *canvas) fillRect(x0, y0, x1, y1 int, p *paint) {
	c.beginShape()
	for y := max(y0, 0); y < min(y1, c.h); y++ {
		c.span(y, x0, x1, p)
	}
}

// rectBounds returns the pixel rectangle of a box.
func rectBounds(r *meta.RectParams) (x0, y0, x1, y1 int) {
	x0, y0 = roundCoord(r.Left), roundCoord(r.Top)
	x1, y1 = roundCoord(r.Left+r.Width), roundCoord(r.Top+r.Height)
	return x0, y0, x1, y1
}

// drawRect draws a box as DeepStream does: the background, if any,
// inside the border, and the border, BorderWidth pixels wide, inside the
// box's edges.
func (c *canvas) drawRect(r *meta.RectParams) {
	x0, y0, x1, y1 := rectBounds(r)
	if x0 >= x1 || y0 >= y1 {
		return
	}
	bw := max(r.BorderWidth, 0)
	if r.HasBgColor {
		bg := paintOf(r.BgColor)
		c.fillRect(x0+bw, y0+bw, x1-bw, y1-bw, &bg)
	}
	if bw == 0 {
		return
	}
	p := paintOf(r.BorderColor)
	c.beginShape()
	for y := max(y0, 0); y < min(y1, c.h); y++ {
		if y < y0+bw || y >= y1-bw {
			c.span(y, x0, x1, &p)
			continue
		}
		c.span(y, x0, min(x0+bw, x1), &p)
		c.span(y, max(x1-bw, x0+bw), x1, &p)
	}
}

// pt is a point in pixel units; pixel (x, y) has its centre at
// (x+0.5, y+0.5).
type pt struct{ x, y float64 }

// fillConvex fills a convex polygon of up to 8 corners.
func (c *canvas) fillConvex(poly []pt, p *paint) {
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for _, q := range poly {
		ymin, ymax = min(ymin, q.y), max(ymax, q.y)
	}
	c.beginShape()
	y0 := max(int(math.Ceil(ymin-0.5)), 0)
	y1 := min(int(math.Floor(ymax-0.5)), c.h-1)
	for y := y0; y <= y1; y++ {
		yc := float64(y) + 0.5
		xl, xr := math.Inf(1), math.Inf(-1)
		for i, a := range poly {
			b := poly[(i+1)%len(poly)]
			if (a.y <= yc) == (b.y <= yc) {
				continue // the edge does not cross this row's centre line
			}
			x := a.x + (yc-a.y)*(b.x-a.x)/(b.y-a.y)
			xl, xr = min(xl, x), max(xr, x)
		}
		if xl <= xr {
			c.span(y, int(math.Ceil(xl-0.5)), int(math.Floor(xr-0.5))+1, p)
		}
	}
}

// thickLine fills the line from a to b, w pixels wide; square caps (the
// line extended by half its width) where capA and capB say.
func (c *canvas) thickLine(a, b pt, w float64, capA, capB bool, p *paint) {
	dx, dy := b.x-a.x, b.y-a.y
	l := math.Hypot(dx, dy)
	if l < 1e-9 {
		dx, dy, l = 1, 0, 1
		capA, capB = true, true
	}
	dx, dy = dx/l, dy/l
	h := w / 2
	if capA {
		a = pt{a.x - dx*h, a.y - dy*h}
	}
	if capB {
		b = pt{b.x + dx*h, b.y + dy*h}
	}
	nx, ny := -dy*h, dx*h
	poly := [4]pt{{a.x + nx, a.y + ny}, {b.x + nx, b.y + ny}, {b.x - nx, b.y - ny}, {a.x - nx, a.y - ny}}
	c.fillConvex(poly[:], p)
}

// centre returns the centre of pixel (x, y).
func centre(x, y int) pt {
	return pt{clampCoord(float64(x)) + 0.5, clampCoord(float64(y)) + 0.5}
}

// drawLine draws a line segment between pixel centres.
func (c *canvas) drawLine(l *meta.LineParams) {
	if l.Width <= 0 {
		return
	}
	p := paintOf(l.Color)
	c.thickLine(centre(l.X1, l.Y1), centre(l.X2, l.Y2), float64(min(l.Width, maxCoord)), true, true, &p)
}

// drawArrow draws a line with a triangular head at one or both ends. The
// head is 3*width+6 pixels long (at most half the arrow) and as wide.
func (c *canvas) drawArrow(ar *meta.ArrowParams) {
	if ar.Width <= 0 {
		return
	}
	p := paintOf(ar.Color)
	a, b := centre(ar.X1, ar.Y1), centre(ar.X2, ar.Y2)
	w := float64(min(ar.Width, maxCoord))
	l := math.Hypot(b.x-a.x, b.y-a.y)
	atA := ar.Head == meta.ArrowHeadStart || ar.Head == meta.ArrowHeadBoth
	atB := ar.Head == meta.ArrowHeadEnd || ar.Head == meta.ArrowHeadBoth
	hl := min(3*w+6, l/2)
	if l < 1 || hl < 1 {
		c.thickLine(a, b, w, true, true, &p)
		return
	}
	ux, uy := (b.x-a.x)/l, (b.y-a.y)/l
	s, e := a, b
	if atA {
		s = pt{a.x + ux*hl, a.y + uy*hl}
		c.head(a, -ux, -uy, hl, &p)
	}
	if atB {
		e = pt{b.x - ux*hl, b.y - uy*hl}
		c.head(b, ux, uy, hl, &p)
	}
	c.thickLine(s, e, w, !atA, !atB, &p)
}

// head fills an arrow head with its tip at tip, pointing along (ux, uy),
// hl long and hl wide.
func (c *canvas) head(tip pt, ux, uy, hl float64, p *paint) {
	base := pt{tip.x - ux*hl, tip.y - uy*hl}
	nx, ny := -uy*hl/2, ux*hl/2
	tri := [3]pt{tip, {base.x + nx, base.y + ny}, {base.x - nx, base.y - ny}}
	c.fillConvex(tri[:], p)
}

// drawCircle draws a circle's outline, 2 pixels wide (1 below radius 4),
// and fills its inside with BgColor when HasBgColor is set.
func (c *canvas) drawCircle(ci *meta.CircleParams) {
	r := min(ci.Radius, maxCoord)
	if r < 0 {
		return
	}
	lw := 2
	if r < 4 {
		lw = 1
	}
	xc, yc := min(max(ci.XC, -maxCoord), maxCoord), min(max(ci.YC, -maxCoord), maxCoord)
	outer, inner := float64(r)+0.5, float64(r-lw)+0.5
	p, bg := paintOf(ci.Color), paintOf(ci.BgColor)
	if ci.HasBgColor {
		c.beginShape()
		for y := max(yc-r, 0); y <= min(yc+r, c.h-1); y++ {
			if hi, ok := halfWidth(inner, y-yc); ok {
				c.span(y, xc-hi, xc+hi+1, &bg)
			}
		}
	}
	c.beginShape()
	for y := max(yc-r, 0); y <= min(yc+r, c.h-1); y++ {
		ho, _ := halfWidth(outer, y-yc)
		hi, ok := halfWidth(inner, y-yc)
		if !ok || r < lw {
			c.span(y, xc-ho, xc+ho+1, &p)
			continue
		}
		c.span(y, xc-ho, xc-hi, &p)
		c.span(y, xc+hi+1, xc+ho+1, &p)
	}
}

// halfWidth returns how far from the centre column a disc of radius rad
// reaches on the row dy rows from the centre row.
func halfWidth(rad float64, dy int) (int, bool) {
	d := rad*rad - float64(dy*dy)
	if rad <= 0 || d < 0 {
		return 0, false
	}
	return int(math.Sqrt(d)), true
}
