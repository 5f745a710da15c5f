package scene

import (
	"math"
	"math/rand/v2"
)

// rgb is an 8-bit colour.
type rgb [3]uint8

// scale multiplies a colour by k, saturating.
func (c rgb) scale(k float64) rgb {
	var o rgb
	for i, v := range c {
		o[i] = uint8(min(255, max(0, math.Round(float64(v)*k))))
	}
	return o
}

// Palette entry flags.
const (
	lookPlain      uint8 = iota
	lookEmissive         // lamps: glow with emit at night
	lookReflective       // sign faces: stay readable in the dark
)

// palette holds an actor's colours; index 0 of a sprite is "nothing".
type palette struct {
	n    int
	alb  [16]rgb // colour in daylight
	emit [16]rgb // colour of a lit lamp
	flag [16]uint8
}

// add appends a colour and returns its sprite index.
func (p *palette) add(c rgb) uint8 {
	p.n++
	p.alb[p.n] = c
	return uint8(p.n)
}

// lamp appends a colour that glows as emit at night.
func (p *palette) lamp(c, emit rgb) uint8 {
	i := p.add(c)
	p.emit[i], p.flag[i] = emit, lookEmissive
	return i
}

var (
	carColors = [8]rgb{{28, 28, 32}, {232, 232, 228}, {168, 172, 178}, {180, 24, 28},
		{28, 62, 160}, {32, 110, 52}, {228, 196, 36}, {232, 116, 24}}
	skinTones = []rgb{{240, 200, 170}, {222, 172, 132}, {184, 134, 98}, {140, 96, 66}, {96, 66, 46}}
	hairTones = []rgb{{30, 25, 20}, {72, 46, 26}, {140, 100, 52}, {205, 172, 112}, {125, 125, 125}}
	shirts    = []rgb{{200, 40, 40}, {40, 90, 190}, {240, 240, 235}, {30, 30, 34}, {60, 140, 70},
		{230, 190, 40}, {150, 60, 150}, {240, 130, 40}, {120, 120, 130}, {90, 170, 200},
		{170, 40, 80}, {200, 180, 150}, {50, 60, 90}, {110, 70, 40}}
	trousers = []rgb{{32, 44, 78}, {26, 26, 30}, {92, 82, 70}, {142, 132, 110}, {60, 72, 52},
		{160, 160, 170}, {110, 30, 40}, {60, 60, 66}}
)

// Car palette indexes, in the order carPalette adds them.
const (
	cBody uint8 = iota + 1
	cTrim
	cGlass
	cTyre
	cRim
	cHead
	cTail
	cBumper
	cLight
	cSeam
	cSign
)

// newActor chooses an actor's size and look (not its place or motion).
func (s *Scene) newActor(k kind, r *rand.Rand) actor {
	a := actor{kind: k, vtype: -1, color: -1, dir: 1, phase: 2 * math.Pi * r.Float64()}
	switch k {
	case kindCar:
		s.newCar(&a, r)
	case kindPerson:
		a.size = 1.55 + 0.35*r.Float64()
		if r.IntN(10) == 0 {
			a.size = 1.1 + 0.3*r.Float64() // a child
		}
		a.variant = r.IntN(4) // 0: bag
		a.a0, a.a1, a.b0, a.b1 = -0.45*a.size, 0.45*a.size, 0, a.size*1.02
		personPalette(&a.pal, r)
	case kindBike:
		a.size = 0.95 + 0.1*r.Float64()
		a.a0, a.a1, a.b0, a.b1 = -0.95*a.size, 0.95*a.size, 0, 1.85*a.size
		p := &a.pal
		p.add(rgb{20, 20, 22})                         // 1 tyre
		p.add(shirts[r.IntN(len(shirts))].scale(0.9))  // 2 frame
		p.add(rgb{35, 35, 38})                         // 3 saddle, bar
		p.add(skinTones[r.IntN(len(skinTones))])       // 4 skin
		shirt := p.add(shirts[r.IntN(len(shirts))])    // 5 shirt
		legs := p.add(trousers[r.IntN(len(trousers))]) // 6 trousers
		p.add(shirts[r.IntN(len(shirts))].scale(1.1))  // 7 helmet
		p.add(rgb{30, 28, 28})                         // 8 shoes
		p.add(p.alb[legs].scale(0.7))                  // 9 far leg
		p.add(p.alb[shirt].scale(0.7))                 // 10 far arm
		p.add(rgb{150, 150, 156})                      // 11 spokes
		p.lamp(rgb{200, 200, 190}, rgb{255, 255, 230}) // 12 front lamp
	case kindSign:
		a.variant = r.IntN(5)
		a.size = 0.6 + 0.2*r.Float64() // plate size
		hp := 2.1 + 0.5*r.Float64()    // plate centre height
		h := a.size / 2
		a.a0, a.a1, a.b0, a.b1 = -h, h, hp-h, hp+h
		signPalette(&a.pal, a.variant)
	case kindPole:
		a.a0, a.a1, a.b0, a.b1 = -0.04, 0.04, 0, 2.4
		a.pal.add(rgb{120, 122, 126})
	case kindLamp:
		a.size = 5 + r.Float64()
		a.a0, a.a1, a.b0, a.b1 = -1.15, 1.15, 0, a.size+0.3
		a.pal.add(rgb{66, 68, 72})
		a.pal.lamp(rgb{190, 190, 180}, rgb{255, 226, 160})
	}
	return a
}

// carDims are the nominal length and height of each vehicle type.
var carDims = [4][2]float64{Sedan: {4.5, 1.42}, SUV: {4.8, 1.84}, Truck: {7.2, 3.3}, Bus: {11.5, 3.15}}

// newCar chooses a vehicle type, colour and size.
func (s *Scene) newCar(a *actor, r *rand.Rand) {
	switch x := r.IntN(100); {
	case x < 45:
		a.vtype = Sedan
	case x < 75:
		a.vtype = SUV
	case x < 88:
		a.vtype = Truck
	default:
		a.vtype = Bus
	}
	a.color = r.IntN(len(carColors))
	a.size = 0.93 + 0.14*r.Float64()
	l, h := carDims[a.vtype][0]*a.size, carDims[a.vtype][1]*a.size
	a.a0, a.a1, a.b0, a.b1 = -l/2-0.05, l/2+0.05, 0, h+0.08
	body := carColors[a.color].scale(0.9 + 0.18*r.Float64())
	p := &a.pal
	p.add(body)                                    // cBody
	p.add(body.scale(0.72))                        // cTrim
	p.add(rgb{38, 48, 62})                         // cGlass
	p.add(rgb{22, 22, 24})                         // cTyre
	p.add(rgb{150, 152, 158})                      // cRim
	p.lamp(rgb{215, 215, 200}, rgb{255, 252, 228}) // cHead
	p.lamp(rgb{150, 22, 22}, rgb{255, 48, 36})     // cTail
	p.add(rgb{46, 46, 50})                         // cBumper
	p.add(body.scale(1.12))                        // cLight
	p.add(body.scale(0.55))                        // cSeam
	p.lamp(rgb{32, 32, 32}, rgb{255, 168, 40})     // cSign
}

// personPalette chooses skin, hair and clothes.
func personPalette(p *palette, r *rand.Rand) {
	p.add(skinTones[r.IntN(len(skinTones))]) // 1 skin
	p.add(hairTones[r.IntN(len(hairTones))]) // 2 hair
	shirt := shirts[r.IntN(len(shirts))].scale(0.85 + 0.3*r.Float64())
	legs := trousers[r.IntN(len(trousers))].scale(0.85 + 0.3*r.Float64())
	p.add(shirt)                                  // 3 shirt
	p.add(shirt.scale(0.7))                       // 4 far arm
	p.add(legs)                                   // 5 trousers
	p.add(legs.scale(0.7))                        // 6 far leg
	p.add(rgb{30, 26, 24})                        // 7 shoes
	p.add(shirts[r.IntN(len(shirts))].scale(0.6)) // 8 bag
}

// signPalette sets a sign's colours for its shape variant.
func signPalette(p *palette, variant int) {
	red, white, blue, black := rgb{200, 30, 30}, rgb{240, 240, 236}, rgb{30, 80, 170}, rgb{20, 20, 20}
	cols := [5][3]rgb{
		{red, white, black},  // 0 circle: prohibition
		{red, white, black},  // 1 circle: no entry (bar)
		{blue, blue, white},  // 2 circle: mandatory arrow
		{red, white, black},  // 3 triangle: warning
		{white, blue, white}, // 4 rectangle: parking
	}[variant]
	for _, c := range cols {
		i := p.add(c)
		p.flag[i] = lookReflective
	}
}

// painter maps an actor's local coordinates (metres: a along its facing,
// b up from the ground) to its sprite and fills shapes there.
type painter struct {
	raster
	cam            *camera
	x0, z0, dx, dz float64 // side view: X = x0 + a dx, Z = z0 + a dz
	board          bool    // billboard facing the camera
	bx, by, bs     float64 // billboard foot point and pixels per metre
	ox, oy         float64 // sprite origin in the frame
	buf            [32]vec
	cur            *uint8
}

// setSide sets up a side view of an actor at street point (u, v) facing dir.
func (p *painter) setSide(c *camera, u, v, dir float64) {
	p.cam, p.board = c, false
	p.x0, p.z0 = c.ground(u, v)
	p.dx, p.dz = dir*c.cos, dir*c.sin
}

// setBoard sets up a camera-facing view of an actor standing at (u, v).
func (p *painter) setBoard(c *camera, u, v float64) {
	p.cam, p.board = c, true
	x, z := c.ground(u, v)
	f := c.project(x, 0, z)
	p.bx, p.by, p.bs = f.x, f.y, c.f/z
}

// at returns the frame position of local point (a, b).
func (p *painter) at(a, b float64) vec {
	if p.board {
		return vec{p.bx + a*p.bs, p.by - b*p.bs}
	}
	z := p.z0 + a*p.dz
	return vec{p.cam.cx + p.cam.f*(p.x0+a*p.dx)/z, p.cam.yh + p.cam.f*(p.cam.hc-b)/z}
}

// pt returns the sprite position of local point (a, b).
func (p *painter) pt(a, b float64) vec {
	v := p.at(a, b)
	return vec{v.x - p.ox, v.y - p.oy}
}

// scale returns pixels per metre along a and b at local position a.
func (p *painter) scale(a float64) (sx, sy float64) {
	if p.board {
		return p.bs, p.bs
	}
	z := p.z0 + a*p.dz
	x := p.x0 + a*p.dx
	return math.Abs(p.cam.f * (p.dx*z - x*p.dz) / (z * z)), p.cam.f / z
}

// c selects the palette index that following shapes are filled with.
func (p *painter) c(i uint8) *painter { *p.cur = i; return p }

// poly fills a polygon given in local coordinates, scaled by k.
func (p *painter) poly(k float64, pts ...vec) {
	n := min(len(pts), len(p.buf))
	for i := 0; i < n; i++ {
		p.buf[i] = p.pt(pts[i].x*k, pts[i].y*k)
	}
	p.raster.poly(p.buf[:n])
}

// box fills a local rectangle [a0,a1] x [b0,b1] (a quadrilateral on screen).
func (p *painter) box(a0, b0, a1, b1 float64) {
	p.buf[0], p.buf[1], p.buf[2], p.buf[3] = p.pt(a0, b0), p.pt(a1, b0), p.pt(a1, b1), p.pt(a0, b1)
	p.raster.poly(p.buf[:4])
}

// disc fills a local circle of radius rad (an ellipse on screen).
func (p *painter) disc(a, b, rad float64) {
	c := p.pt(a, b)
	sx, sy := p.scale(a)
	p.ellipse(c.x, c.y, rad*sx, rad*sy)
}

// oval fills a local axis-aligned ellipse.
func (p *painter) oval(a, b, ra, rb float64) {
	c := p.pt(a, b)
	sx, sy := p.scale(a)
	p.ellipse(c.x, c.y, ra*sx, rb*sy)
}

// wheel fills a local ring (a tyre) whose hole is t times its radius.
func (p *painter) wheel(a, b, rad, t float64) {
	c := p.pt(a, b)
	sx, sy := p.scale(a)
	p.ring(c.x, c.y, rad*sx, rad*sy, t)
}

// stroke fills a local limb of width wd metres with round ends.
func (p *painter) stroke(a, b vec, wd float64) {
	_, sy := p.scale((a.x + b.x) / 2)
	p.limb(p.pt(a.x, a.y), p.pt(b.x, b.y), wd*sy)
}

// bar fills a local straight stroke of width wd metres with square ends.
func (p *painter) bar(a, b vec, wd float64) {
	_, sy := p.scale((a.x + b.x) / 2)
	p.line(p.pt(a.x, a.y), p.pt(b.x, b.y), wd*sy)
}

// arch fills the upper half of a local ellipse standing on height b.
func (p *painter) arch(a, b, ra, rb float64) {
	const n = 10
	for i := 0; i <= n; i++ {
		th := math.Pi * float64(i) / n
		p.buf[i] = p.pt(a+ra*math.Cos(th), b+rb*math.Sin(th))
	}
	p.raster.poly(p.buf[:n+1])
}
