package scene

import (
	"math"
	"math/rand/v2"
)

// Background pixel kinds: how a pixel reacts to the lighting.
const (
	pxPlain  uint8 = iota // albedo times the ambient light, plus lamp light
	pxSky                 // the sky gradient of the lighting
	pxWindow              // a window lit from inside at night
)

// background is everything static behind the actors: sky, hills,
// buildings, trees and the street surface. It is drawn once as albedo
// (colour in daylight) with a pixel kind and a lamp-light value per pixel,
// and relit for each lighting level.
type background struct {
	w, h   int
	alb    []uint8 // RGBA albedo
	kind   []uint8
	glow   []uint8 // street-lamp light falling on the ground, 0-255
	lit    []uint8 // RGBA for litKey
	litKey int
}

// bgCanvas writes spans of one albedo colour and kind into the background.
type bgCanvas struct {
	bg   *background
	c    rgb
	kind uint8
}

func (b *bgCanvas) span(y, x0, x1 int) {
	row := b.bg.alb[(y*b.bg.w+x0)*4 : (y*b.bg.w+x1+1)*4]
	for i := 0; i < len(row); i += 4 {
		row[i], row[i+1], row[i+2], row[i+3] = b.c[0], b.c[1], b.c[2], 255
	}
	k := b.bg.kind[y*b.bg.w+x0 : y*b.bg.w+x1+1]
	for i := range k {
		k[i] = b.kind
	}
}

// hash2 is a small integer hash used for texture: deterministic and
// independent of everything but its inputs.
func hash2(a, b int32, seed uint32) uint32 {
	h := uint32(a)*0x9E3779B1 ^ uint32(b)*0x85EBCA77 ^ seed*0xC2B2AE3D
	h ^= h >> 15
	h *= 0x2C1B3C6D
	h ^= h >> 12
	h *= 0x297A2D39
	h ^= h >> 15
	return h
}

// texture returns c varied by up to ±amp with a hash of the cell (i, j).
func texture(c rgb, i, j int32, seed uint32, amp int) rgb {
	d := int(hash2(i, j, seed)%uint32(2*amp+1)) - amp
	var o rgb
	for k, v := range c {
		o[k] = uint8(min(255, max(0, int(v)+d)))
	}
	return o
}

// newBackground draws the static scene.
func (s *Scene) newBackground(r *rand.Rand) {
	w, h := s.cfg.Width, s.cfg.Height
	s.bg = background{w: w, h: h, alb: make([]uint8, w*h*4), kind: make([]uint8, w*h),
		glow: make([]uint8, w*h), lit: make([]uint8, w*h*4), litKey: -1}
	s.drawGround()
	cv := &bgCanvas{bg: &s.bg}
	rs := raster{w: w, h: h, out: cv}
	s.drawHills(r, cv, &rs)
	s.drawClouds(r, cv, &rs)
	s.drawBuildings(r, cv, &rs)
	s.drawTrees(r, cv, &rs)
}

// drawGround fills sky and street pixel by pixel: each ground pixel is
// traced to its street point (u, v), which decides the surface, the lane
// markings and the texture, so everything is in exact perspective.
func (s *Scene) drawGround() {
	c, l, bg := &s.cam, &s.lay, &s.bg
	seed := uint32(s.cfg.Seed)
	grass, verge, far := rgb{70, 110, 50}, rgb{78, 118, 56}, rgb{120, 118, 112}
	white, yellow := rgb{225, 225, 220}, rgb{222, 180, 40}
	park := l.asphalt.scale(1.08)
	for y := 0; y < bg.h; y++ {
		yc := float64(y) + 0.5
		if yc-c.yh < 0.5 {
			for x := 0; x < bg.w; x++ {
				bg.kind[y*bg.w+x] = pxSky
				bg.alb[(y*bg.w+x)*4+3] = 255
			}
			continue
		}
		z := c.f * c.hc / (yc - c.yh)
		for x := 0; x < bg.w; x++ {
			gx := (float64(x) + 0.5 - c.cx) * z / c.f
			u := gx*c.cos + (z-c.d0)*c.sin
			v := -gx*c.sin + (z-c.d0)*c.cos
			i, j := int32(math.Floor(u*5)), int32(math.Floor(v*5))
			var col rgb
			switch {
			case v < l.walkN0:
				col = texture(grass, i, j, seed, 10)
			case v < l.walkN1-0.18 || (v >= l.walkF0+0.18 && v < l.walkF1):
				col = texture(l.walk, i/3, j/3, seed, 6)
				if f := u/1.2 - math.Floor(u/1.2); f < 0.04 {
					col = col.scale(0.8)
				}
			case v < l.walkN1 || (v >= l.walkF0 && v < l.walkF1):
				col = l.curb
			case v < l.bike1:
				col = texture(l.asphalt, i, j, seed, 5)
				if v > l.bike1-0.14 && v < l.bike1-0.02 {
					col = white
				}
			case v < l.road1:
				col = texture(l.asphalt, i, j, seed, 5)
				col = s.marking(u, v, col, white, yellow)
			case v < l.park1:
				col = texture(park, i, j, seed, 5)
				if f := u/6 - math.Floor(u/6); f < 0.015 && v > l.park0+0.3 {
					col = white
				}
			case v < l.facade:
				col = texture(verge, i, j, seed, 12)
			default:
				col = texture(far, i, j, seed, 6)
			}
			p := (y*bg.w + x) * 4
			bg.alb[p], bg.alb[p+1], bg.alb[p+2], bg.alb[p+3] = col[0], col[1], col[2], 255
			bg.glow[y*bg.w+x] = s.lampGlow(u, v)
		}
	}
}

// marking returns the colour of lane markings at (u, v) on the carriageway.
func (s *Scene) marking(u, v float64, col, white, yellow rgb) rgb {
	l := &s.lay
	if v > l.road1-0.2 && v < l.road1-0.08 {
		return white
	}
	for i := 1; i < l.lanes; i++ {
		vb := l.road0 + float64(i)*l.laneW
		d := math.Abs(v - vb)
		if i == l.lanes/2 {
			if d > 0.04 && d < 0.14 {
				return yellow
			}
		} else if d < 0.07 && u/9-math.Floor(u/9) < 0.34 {
			return white
		}
	}
	return col
}

// lampGlow is the light of the street lamps falling on ground point (u, v).
func (s *Scene) lampGlow(u, v float64) uint8 {
	g := 0.0
	for _, lp := range s.lamps {
		du, dv := u-lp.x, v-lp.y-0.6
		if du > 6 || du < -6 {
			continue
		}
		if d := (du*du + dv*dv) / 36; d < 1 {
			g += (1 - d) * (1 - d)
		}
	}
	return uint8(min(255, 230*g))
}

// drawHills draws a distant ridge above the horizon.
func (s *Scene) drawHills(r *rand.Rand, cv *bgCanvas, rs *raster) {
	c := &s.cam
	var pts [18]vec
	n := 16
	for i := 0; i < n; i++ {
		x := c.w * float64(i) / float64(n-1)
		pts[i] = vec{x, c.yh - c.h*(0.015+0.06*r.Float64())}
	}
	pts[n], pts[n+1] = vec{c.w, c.yh + 1}, vec{0, c.yh + 1}
	cv.c, cv.kind = rgb{118, 134, 150}.scale(0.9+0.2*r.Float64()), pxPlain
	rs.poly(pts[:n+2])
}

// drawClouds puts a few clouds in the sky.
func (s *Scene) drawClouds(r *rand.Rand, cv *bgCanvas, rs *raster) {
	c := &s.cam
	cv.kind = pxPlain
	for n := r.IntN(7); n > 0; n-- {
		x, y := c.w*r.Float64(), c.yh*(0.08+0.6*r.Float64())
		sz := c.h * (0.02 + 0.04*r.Float64())
		cv.c = rgb{236, 238, 242}.scale(0.9 + 0.1*r.Float64())
		for k := 3 + r.IntN(3); k > 0; k-- {
			rs.ellipse(x+sz*4*(r.Float64()-0.5), y+sz*(r.Float64()-0.5), sz*(1.5+r.Float64()), sz*(0.6+0.4*r.Float64()))
		}
	}
}

var facadeColors = []rgb{{196, 180, 150}, {160, 82, 62}, {150, 150, 150}, {222, 218, 206},
	{120, 96, 80}, {112, 128, 144}, {190, 160, 120}, {90, 90, 96}}

// drawBuildings lines the far side of the street with building fronts
// (vertical planes along the street), their windows, doors and cornices.
func (s *Scene) drawBuildings(r *rand.Rand, cv *bgCanvas, rs *raster) {
	c := &s.cam
	vf := s.lay.facade
	lo, hi := c.uRange(vf + 4)
	type building struct{ u0, u1, hgt, set float64 }
	var bs []building
	for u := lo - 8*r.Float64(); u < hi+4; {
		wd := 6 + 14*r.Float64()
		bs = append(bs, building{u, u + wd, 7 + 22*r.Float64(), 3 * r.Float64() * float64(r.IntN(2))})
		u += wd
		if r.IntN(3) == 0 {
			u += 1 + 4*r.Float64()
		}
	}
	// Farther fronts first.
	for pass := 0; pass < 2; pass++ {
		for i, b := range bs {
			if (b.set > 0) != (pass == 0) {
				continue
			}
			v := vf + b.set
			q := func(u, hgt float64) vec {
				x, z := c.ground(u, v)
				return c.project(x, hgt, z)
			}
			col := facadeColors[r.IntN(len(facadeColors))]
			cv.c, cv.kind = col, pxPlain
			rs.poly([]vec{q(b.u0, 0), q(b.u1, 0), q(b.u1, b.hgt), q(b.u0, b.hgt)})
			cv.c = col.scale(0.7)
			rs.poly([]vec{q(b.u0, b.hgt-0.5), q(b.u1, b.hgt-0.5), q(b.u1, b.hgt), q(b.u0, b.hgt)})
			glass := rgb{52, 64, 80}.scale(0.8 + 0.4*r.Float64())
			cols := int((b.u1 - b.u0 - 1) / 2.4)
			pad := (b.u1 - b.u0 - float64(cols)*2.4) / 2
			for fl := 1; float64(fl)*3.2+2.2 < b.hgt-0.6; fl++ {
				for k := 0; k < cols; k++ {
					u := b.u0 + pad + float64(k)*2.4 + 0.6
					b0 := float64(fl)*3.2 + 0.7
					cv.c, cv.kind = glass, pxPlain
					if hash2(int32(i*97+k), int32(fl), uint32(s.cfg.Seed))%5 < 2 {
						cv.kind = pxWindow
					}
					rs.poly([]vec{q(u, b0), q(u+1.2, b0), q(u+1.2, b0+1.5), q(u, b0+1.5)})
				}
			}
			cv.c, cv.kind = col.scale(0.45), pxPlain
			du := b.u0 + (b.u1-b.u0)*(0.2+0.5*r.Float64())
			rs.poly([]vec{q(du, 0), q(du+1.4, 0), q(du+1.4, 2.3), q(du, 2.3)})
		}
	}
}

// drawTrees plants trees on the verge between the far sidewalk and the
// buildings, nearer ones over farther ones.
func (s *Scene) drawTrees(r *rand.Rand, cv *bgCanvas, rs *raster) {
	c, l := &s.cam, &s.lay
	if l.facade-l.verge0 < 1.5 {
		return
	}
	v := (l.verge0 + l.facade) / 2
	lo, hi := c.uRange(v)
	cv.kind = pxPlain
	for u := lo - 3*r.Float64(); u < hi+3; u += 5 + 9*r.Float64() {
		if r.IntN(4) == 0 {
			continue
		}
		x, z := c.ground(u, v)
		f := c.project(x, 0, z)
		k := c.f / z
		th, cr := 2+1.5*r.Float64(), 1.3+1.2*r.Float64()
		cv.c = rgb{88, 66, 46}
		rs.rect(f.x-0.15*k, f.y-th*k, f.x+0.15*k, f.y)
		g := rgb{46 + uint8(r.IntN(30)), 100 + uint8(r.IntN(40)), 40 + uint8(r.IntN(20))}
		for n := 0; n < 4; n++ {
			cv.c = g.scale(0.8 + 0.3*r.Float64())
			ox, oy := cr*(r.Float64()-0.5)*1.2, cr*(r.Float64()-0.3)
			rs.ellipse(f.x+ox*k, f.y-(th+cr*0.8+oy)*k, cr*(0.7+0.3*r.Float64())*k, cr*(0.6+0.3*r.Float64())*k)
		}
	}
}
