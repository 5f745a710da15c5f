package scene

import "math"

// vec is a point in pixel coordinates (or metres before projection).
type vec struct{ x, y float64 }

// spanner receives the horizontal runs of pixels a shape covers: row y,
// columns x0..x1 inclusive, already clipped to the target.
type spanner interface {
	span(y, x0, x1 int)
}

// raster turns filled shapes into spans. A pixel belongs to a shape when
// its centre (x+0.5, y+0.5) lies inside it, so that every pixel is decided
// by one exact rule and masks match drawn pixels. There is no
// anti-aliasing. The zero value is not usable: set w and h.
type raster struct {
	w, h int // clip: columns [0,w), rows [0,h)
	out  spanner
	xs   [64]float64 // edge crossings of one row
}

// spanX converts the covered interval [xa, xb) of pixel centres into the
// inclusive column range, clipped; ok is false when nothing is covered.
func (r *raster) spanX(xa, xb float64) (int, int, bool) {
	x0 := int(math.Ceil(xa - 0.5))
	x1 := int(math.Ceil(xb-0.5)) - 1
	if x0 < 0 {
		x0 = 0
	}
	if x1 >= r.w {
		x1 = r.w - 1
	}
	return x0, x1, x0 <= x1
}

// rows returns the clipped row range whose centres lie in [ya, yb).
func (r *raster) rows(ya, yb float64) (int, int) {
	y0 := int(math.Ceil(ya - 0.5))
	y1 := int(math.Ceil(yb-0.5)) - 1
	if y0 < 0 {
		y0 = 0
	}
	if y1 >= r.h {
		y1 = r.h - 1
	}
	return y0, y1
}

// poly fills a simple polygon (even-odd rule) of up to 60 vertices.
func (r *raster) poly(pts []vec) {
	n := len(pts)
	if n < 3 {
		return
	}
	ymin, ymax := pts[0].y, pts[0].y
	for _, p := range pts[1:] {
		ymin = min(ymin, p.y)
		ymax = max(ymax, p.y)
	}
	y0, y1 := r.rows(ymin, ymax)
	for y := y0; y <= y1; y++ {
		yc := float64(y) + 0.5
		k := 0
		for i := 0; i < n && k < len(r.xs); i++ {
			a, b := pts[i], pts[(i+1)%n]
			if (a.y <= yc && yc < b.y) || (b.y <= yc && yc < a.y) {
				r.xs[k] = a.x + (yc-a.y)*(b.x-a.x)/(b.y-a.y)
				k++
			}
		}
		for i := 1; i < k; i++ { // insertion sort: k is tiny
			for j := i; j > 0 && r.xs[j] < r.xs[j-1]; j-- {
				r.xs[j], r.xs[j-1] = r.xs[j-1], r.xs[j]
			}
		}
		for i := 0; i+1 < k; i += 2 {
			if x0, x1, ok := r.spanX(r.xs[i], r.xs[i+1]); ok {
				r.out.span(y, x0, x1)
			}
		}
	}
}

// rect fills the axis-aligned rectangle [x0,x1) x [y0,y1).
func (r *raster) rect(x0, y0, x1, y1 float64) {
	if x1 < x0 {
		x0, x1 = x1, x0
	}
	if y1 < y0 {
		y0, y1 = y1, y0
	}
	ya, yb := r.rows(y0, y1)
	xa, xb, ok := r.spanX(x0, x1)
	if !ok {
		return
	}
	for y := ya; y <= yb; y++ {
		r.out.span(y, xa, xb)
	}
}

// ellipse fills an axis-aligned ellipse.
func (r *raster) ellipse(cx, cy, rx, ry float64) {
	if rx <= 0 || ry <= 0 {
		return
	}
	y0, y1 := r.rows(cy-ry, cy+ry)
	for y := y0; y <= y1; y++ {
		d := (float64(y) + 0.5 - cy) / ry
		q := 1 - d*d
		if q <= 0 {
			continue
		}
		hw := rx * math.Sqrt(q)
		if x0, x1, ok := r.spanX(cx-hw, cx+hw); ok {
			r.out.span(y, x0, x1)
		}
	}
}

// ring fills the area between two concentric axis-aligned ellipses, the
// inner one t times the size of the outer (0 < t < 1).
func (r *raster) ring(cx, cy, rx, ry, t float64) {
	if rx <= 0 || ry <= 0 {
		return
	}
	irx, iry := rx*t, ry*t
	y0, y1 := r.rows(cy-ry, cy+ry)
	for y := y0; y <= y1; y++ {
		yc := float64(y) + 0.5 - cy
		d := yc / ry
		q := 1 - d*d
		if q <= 0 {
			continue
		}
		hw := rx * math.Sqrt(q)
		di := yc / iry
		qi := 1 - di*di
		if qi <= 0 {
			if x0, x1, ok := r.spanX(cx-hw, cx+hw); ok {
				r.out.span(y, x0, x1)
			}
			continue
		}
		ihw := irx * math.Sqrt(qi)
		if x0, x1, ok := r.spanX(cx-hw, cx-ihw); ok {
			r.out.span(y, x0, x1)
		}
		if x0, x1, ok := r.spanX(cx+ihw, cx+hw); ok {
			r.out.span(y, x0, x1)
		}
	}
}

// line fills a straight stroke of the given width (at least one pixel,
// so that thin parts never break up) with square ends.
func (r *raster) line(a, b vec, width float64) {
	width = max(width, 1)
	dx, dy := b.x-a.x, b.y-a.y
	l := math.Hypot(dx, dy)
	if l < 1e-9 {
		r.rect(a.x-width/2, a.y-width/2, a.x+width/2, a.y+width/2)
		return
	}
	nx, ny := -dy/l*width/2, dx/l*width/2
	q := [4]vec{{a.x + nx, a.y + ny}, {b.x + nx, b.y + ny}, {b.x - nx, b.y - ny}, {a.x - nx, a.y - ny}}
	r.poly(q[:])
}

// limb is a line with round ends: the shape of arms, legs and tubes.
func (r *raster) limb(a, b vec, width float64) {
	width = max(width, 1)
	r.line(a, b, width)
	r.ellipse(a.x, a.y, width/2, width/2)
	r.ellipse(b.x, b.y, width/2, width/2)
}
