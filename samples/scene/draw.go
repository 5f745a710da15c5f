package scene

import "math"

// draw fills an actor's shapes at time t, with the painter set up for it.
func (p *painter) draw(a *actor, t float64) {
	dist := math.Abs(a.u(t) - a.u0) // metres travelled: drives wheels and legs
	switch a.kind {
	case kindCar:
		switch a.vtype {
		case Sedan:
			p.sedan(a.size)
		case SUV:
			p.suv(a.size)
		case Truck:
			p.truck(a.size)
		default:
			p.bus(a.size)
		}
	case kindPerson:
		p.person(a, dist)
	case kindBike:
		p.bike(a, dist)
	case kindSign:
		p.sign(a)
	case kindPole:
		p.c(1).box(a.a0, 0, a.a1, a.b1)
	case kindLamp:
		p.lampPost(a)
	}
}

// carWheel draws a wheel of radius r under a dark wheel arch.
func (p *painter) carWheel(a, r float64) {
	p.c(cBumper).arch(a, r, r+0.07, r+0.07)
	p.c(cTyre).disc(a, r, r)
	p.c(cRim).disc(a, r, 0.58*r)
	p.c(cBumper).disc(a, r, 0.16*r)
}

func (p *painter) sedan(k float64) {
	p.c(cBody).poly(k, vec{-2.25, 0.30}, vec{-2.25, 0.74}, vec{-2.08, 0.86}, vec{-1.40, 0.92}, vec{-0.92, 1.38},
		vec{0.52, 1.42}, vec{1.18, 0.96}, vec{2.06, 0.86}, vec{2.25, 0.70}, vec{2.25, 0.30})
	p.c(cTrim).poly(k, vec{-2.22, 0.30}, vec{2.22, 0.30}, vec{2.22, 0.46}, vec{-2.22, 0.46})
	p.c(cGlass).poly(k, vec{-1.28, 0.95}, vec{-0.88, 1.33}, vec{-0.22, 1.35}, vec{-0.22, 0.95})
	p.poly(k, vec{-0.10, 0.95}, vec{-0.10, 1.35}, vec{0.48, 1.36}, vec{1.04, 0.97})
	p.c(cSeam).poly(k, vec{-0.18, 0.48}, vec{-0.14, 0.48}, vec{-0.14, 0.93}, vec{-0.18, 0.93})
	p.poly(k, vec{1.06, 0.48}, vec{1.10, 0.48}, vec{1.10, 0.95}, vec{1.06, 0.95})
	p.c(cBumper).poly(k, vec{2.06, 0.30}, vec{2.27, 0.30}, vec{2.27, 0.50}, vec{2.06, 0.50})
	p.poly(k, vec{-2.27, 0.30}, vec{-2.06, 0.30}, vec{-2.06, 0.50}, vec{-2.27, 0.50})
	p.c(cHead).oval(2.17*k, 0.70*k, 0.09*k, 0.06*k)
	p.c(cTail).box(-2.26*k, 0.62*k, -2.14*k, 0.78*k)
	p.carWheel(1.42*k, 0.32*k)
	p.carWheel(-1.42*k, 0.32*k)
}

func (p *painter) suv(k float64) {
	p.c(cBody).poly(k, vec{-2.4, 0.38}, vec{-2.4, 1.08}, vec{-2.32, 1.80}, vec{0.42, 1.84}, vec{1.15, 1.16},
		vec{2.28, 1.06}, vec{2.4, 0.88}, vec{2.4, 0.38})
	p.c(cTrim).poly(k, vec{-2.4, 0.38}, vec{2.4, 0.38}, vec{2.4, 0.58}, vec{-2.4, 0.58})
	p.c(cGlass).poly(k, vec{-2.18, 1.16}, vec{-2.13, 1.70}, vec{-1.35, 1.72}, vec{-1.35, 1.16})
	p.poly(k, vec{-1.22, 1.16}, vec{-1.22, 1.73}, vec{-0.22, 1.74}, vec{-0.22, 1.16})
	p.poly(k, vec{-0.10, 1.16}, vec{-0.10, 1.74}, vec{0.38, 1.75}, vec{1.0, 1.18})
	p.c(cBumper).poly(k, vec{-2.0, 1.80}, vec{0.2, 1.82}, vec{0.2, 1.88}, vec{-2.0, 1.87})
	p.c(cSeam).poly(k, vec{-0.18, 0.6}, vec{-0.14, 0.6}, vec{-0.14, 1.14}, vec{-0.18, 1.14})
	p.poly(k, vec{1.02, 0.6}, vec{1.06, 0.6}, vec{1.06, 1.14}, vec{1.02, 1.14})
	p.c(cBumper).poly(k, vec{2.2, 0.38}, vec{2.43, 0.38}, vec{2.43, 0.62}, vec{2.2, 0.62})
	p.poly(k, vec{-2.43, 0.38}, vec{-2.2, 0.38}, vec{-2.2, 0.62}, vec{-2.43, 0.62})
	p.c(cHead).oval(2.33*k, 0.96*k, 0.08*k, 0.07*k)
	p.c(cTail).box(-2.41*k, 0.88*k, -2.31*k, 1.22*k)
	p.carWheel(1.52*k, 0.38*k)
	p.carWheel(-1.52*k, 0.38*k)
}

func (p *painter) truck(k float64) {
	p.c(cBumper).poly(k, vec{-3.5, 0.45}, vec{3.45, 0.45}, vec{3.45, 0.68}, vec{-3.5, 0.68})
	p.c(cLight).poly(k, vec{-3.6, 0.66}, vec{1.1, 0.66}, vec{1.1, 3.3}, vec{-3.6, 3.3})
	p.c(cTrim).poly(k, vec{-3.6, 0.66}, vec{1.1, 0.66}, vec{1.1, 0.82}, vec{-3.6, 0.82})
	p.c(cSeam).poly(k, vec{-3.6, 3.2}, vec{1.1, 3.2}, vec{1.1, 3.3}, vec{-3.6, 3.3})
	p.c(cBody).poly(k, vec{1.22, 0.5}, vec{1.22, 2.62}, vec{2.95, 2.62}, vec{3.5, 1.62}, vec{3.6, 1.45}, vec{3.6, 0.5})
	p.c(cGlass).poly(k, vec{2.2, 1.62}, vec{2.2, 2.42}, vec{2.88, 2.44}, vec{3.32, 1.66})
	p.c(cSeam).poly(k, vec{2.08, 0.7}, vec{2.12, 0.7}, vec{2.12, 2.5}, vec{2.08, 2.5})
	p.c(cBumper).poly(k, vec{3.45, 0.45}, vec{3.66, 0.45}, vec{3.66, 0.72}, vec{3.45, 0.72})
	p.c(cHead).oval(3.55*k, 0.84*k, 0.07*k, 0.08*k)
	p.c(cTail).box(-3.61*k, 0.7*k, -3.52*k, 0.95*k)
	p.carWheel(2.55*k, 0.48*k)
	p.carWheel(-1.62*k, 0.48*k)
	p.carWheel(-2.68*k, 0.48*k)
}

func (p *painter) bus(k float64) {
	p.c(cBody).poly(k, vec{-5.75, 0.35}, vec{-5.75, 3.02}, vec{-5.58, 3.15}, vec{5.52, 3.15}, vec{5.75, 2.92}, vec{5.75, 0.35})
	p.c(cTrim).poly(k, vec{-5.75, 0.35}, vec{5.75, 0.35}, vec{5.75, 0.8}, vec{-5.75, 0.8})
	p.c(cLight).poly(k, vec{-5.75, 1.32}, vec{5.75, 1.32}, vec{5.75, 1.46}, vec{-5.75, 1.46})
	p.c(cGlass)
	for a := -5.35; a+1.14 < 4.2; a += 1.28 {
		p.box(a*k, 1.58*k, (a+1.14)*k, 2.72*k)
	}
	p.box(4.35*k, 0.48*k, 5.2*k, 2.78*k)
	p.poly(k, vec{5.35, 1.3}, vec{5.35, 2.82}, vec{5.6, 2.82}, vec{5.72, 1.3})
	p.c(cSeam).box(4.76*k, 0.48*k, 4.8*k, 2.78*k)
	p.c(cSign).box(3.0*k, 2.84*k, 5.4*k, 3.05*k)
	p.c(cHead).oval(5.68*k, 0.72*k, 0.07*k, 0.07*k)
	p.c(cTail).box(-5.76*k, 0.6*k, -5.66*k, 1.3*k)
	p.carWheel(3.4*k, 0.5*k)
	p.carWheel(-3.5*k, 0.5*k)
}

// Person palette indexes.
const (
	pSkin uint8 = iota + 1
	pHair
	pShirt
	pShirtFar
	pLegs
	pLegsFar
	pShoes
	pBag
)

// legPose returns knee, ankle and toe of a leg swung th radians forward
// with the knee bent by bend, from hip h.
func legPose(h vec, th, bend, k float64) (knee, ankle, toe vec) {
	knee = vec{h.x + 0.45*k*math.Sin(th), h.y - 0.45*k*math.Cos(th)}
	ankle = vec{knee.x + 0.44*k*math.Sin(th-bend), knee.y - 0.44*k*math.Cos(th-bend)}
	toe = vec{ankle.x + 0.15*k, ankle.y - 0.02*k}
	return knee, ankle, toe
}

// person draws a walker seen from the side: legs and arms swing with the
// distance walked, and the body bobs so a foot stays on the ground.
func (p *painter) person(a *actor, dist float64) {
	k := a.size / 1.75
	amp := 0.42
	if a.speed == 0 {
		amp = 0.04
	}
	ph := a.phase + 2*math.Pi*dist/(1.4*k)
	s, c := math.Sin(ph), math.Cos(ph)
	hip := vec{0, 0.95 * k}
	k1, a1, t1 := legPose(hip, amp*s, 1.3*amp*max(0, c), k)
	k2, a2, t2 := legPose(hip, -amp*s, 1.3*amp*max(0, -c), k)
	dy := 0.075*k - min(a1.y, a2.y)
	up := func(v vec) vec { return vec{v.x, v.y + dy} }
	hip, k1, a1, t1, k2, a2, t2 = up(hip), up(k1), up(a1), up(t1), up(k2), up(a2), up(t2)
	sh := vec{0.02 * k, 1.43*k + dy}
	arm := func(sw float64) (vec, vec) {
		e := vec{sh.x + 0.29*k*math.Sin(sw), sh.y - 0.29*k*math.Cos(sw)}
		return e, vec{e.x + 0.27*k*math.Sin(sw+0.3), e.y - 0.27*k*math.Cos(sw+0.3)}
	}
	e1, h1 := arm(-0.8 * amp * s)
	e2, h2 := arm(0.8 * amp * s)
	lw, aw := 0.14*k, 0.085*k
	// far side first
	p.c(pShirtFar).stroke(sh, e2, aw)
	p.stroke(e2, h2, aw)
	p.c(pLegsFar).stroke(hip, k2, lw)
	p.stroke(k2, a2, lw*0.9)
	p.c(pShoes).stroke(a2, t2, 0.07*k)
	p.c(pShirt).poly(1, vec{-0.12 * k, 0.9*k + dy}, vec{0.10 * k, 0.9*k + dy}, vec{0.13 * k, 1.46*k + dy}, vec{-0.11 * k, 1.48*k + dy})
	if a.variant == 0 {
		p.c(pBag).box(-0.24*k, 1.05*k+dy, -0.1*k, 1.4*k+dy)
	}
	p.c(pSkin).box(-0.03*k, 1.44*k+dy, 0.05*k, 1.54*k+dy)
	p.oval(0.03*k, 1.635*k+dy, 0.095*k, 0.115*k)
	p.c(pHair).oval(-0.01*k, 1.68*k+dy, 0.095*k, 0.075*k)
	p.c(pLegs).stroke(hip, k1, lw)
	p.stroke(k1, a1, lw*0.9)
	p.c(pShoes).stroke(a1, t1, 0.07*k)
	p.c(pShirt).stroke(sh, e1, aw)
	p.stroke(e1, h1, aw)
	p.c(pSkin).disc(h1.x, h1.y, 0.045*k)
}

// Bicycle palette indexes.
const (
	bTyre uint8 = iota + 1
	bFrame
	bDark
	bSkin
	bShirt
	bLegs
	bHelmet
	bShoes
	bLegsFar
	bShirtFar
	bSpokes
	bLamp
)

// knee places the knee of a leg from hip h to foot f (thigh l1, shin l2),
// bent forward.
func knee(h, f vec, l1, l2 float64) vec {
	dx, dy := f.x-h.x, f.y-h.y
	d := math.Hypot(dx, dy)
	d = min(max(d, 1e-6), l1+l2-1e-6)
	a := (l1*l1 - l2*l2 + d*d) / (2 * d)
	q := math.Sqrt(max(0, l1*l1-a*a))
	ux, uy := dx/d, dy/d
	m := vec{h.x + a*ux, h.y + a*uy}
	k1 := vec{m.x - q*uy, m.y + q*ux}
	k2 := vec{m.x + q*uy, m.y - q*ux}
	if k1.x > k2.x {
		return k1
	}
	return k2
}

// bike draws a bicycle with its rider; wheels and pedals turn with the
// distance ridden.
func (p *painter) bike(a *actor, dist float64) {
	k := a.size
	r := 0.34 * k
	rear, front, bb := vec{-0.52 * k, r}, vec{0.52 * k, r}, vec{0, 0.30 * k}
	st, ht, hb := vec{-0.14 * k, 0.82 * k}, vec{0.40 * k, 0.86 * k}, vec{0.44 * k, 0.70 * k}
	bar := vec{0.34 * k, 1.0 * k}
	w := dist / r
	cr := a.phase + w/2.4
	p1 := vec{bb.x + 0.17*k*math.Cos(cr), bb.y + 0.17*k*math.Sin(cr)}
	p2 := vec{bb.x - 0.17*k*math.Cos(cr), bb.y - 0.17*k*math.Sin(cr)}
	hip, sh := vec{-0.15 * k, 0.98 * k}, vec{0.10 * k, 1.42 * k}
	hand := vec{0.31 * k, 1.0 * k}
	elbow := vec{(sh.x+hand.x)/2 + 0.02*k, (sh.y+hand.y)/2 - 0.05*k}
	// far leg and arm
	kf := knee(hip, p2, 0.45*k, 0.47*k)
	p.c(bLegsFar).stroke(hip, kf, 0.13*k)
	p.stroke(kf, p2, 0.11*k)
	p.c(bShirtFar).stroke(sh, elbow, 0.075*k)
	// wheels
	for _, h := range [2]vec{rear, front} {
		p.c(bTyre).wheel(h.x, h.y, r, 0.86)
		p.c(bSpokes)
		for i := 0; i < 3; i++ {
			th := w + float64(i)*math.Pi/3
			dx, dy := 0.85*r*math.Cos(th), 0.85*r*math.Sin(th)
			p.bar(vec{h.x - dx, h.y - dy}, vec{h.x + dx, h.y + dy}, 0.012*k)
		}
		p.disc(h.x, h.y, 0.04*k)
	}
	// frame
	p.c(bFrame)
	fw := 0.045 * k
	p.stroke(rear, bb, fw)
	p.stroke(rear, st, fw)
	p.stroke(bb, st, fw)
	p.stroke(st, ht, fw)
	p.stroke(bb, hb, fw*1.2)
	p.stroke(hb, front, fw)
	p.stroke(ht, hb, fw*1.3)
	p.c(bDark).stroke(ht, bar, 0.035*k)
	p.stroke(vec{-0.24 * k, 0.9 * k}, vec{-0.06 * k, 0.9 * k}, 0.05*k)
	p.stroke(bar, hand, 0.035*k)
	p.stroke(p1, p2, 0.03*k)
	p.c(bLamp).oval(0.47*k, 0.93*k, 0.035*k, 0.03*k)
	// rider
	p.c(bShirt).stroke(hip, sh, 0.24*k)
	p.c(bSkin).disc(0.18*k, 1.6*k, 0.1*k)
	p.c(bHelmet).oval(0.16*k, 1.665*k, 0.115*k, 0.07*k)
	kn := knee(hip, p1, 0.45*k, 0.47*k)
	p.c(bLegs).stroke(hip, kn, 0.13*k)
	p.stroke(kn, p1, 0.11*k)
	p.c(bShoes).stroke(p1, vec{p1.x + 0.1*k, p1.y}, 0.06*k)
	p.c(bShirt).stroke(sh, elbow, 0.08*k)
	p.stroke(elbow, hand, 0.07*k)
	p.c(bSkin).disc(hand.x, hand.y, 0.04*k)
}

// sign draws a sign plate (the pole is a separate actor).
func (p *painter) sign(a *actor) {
	h := a.size / 2
	c := (a.b0 + a.b1) / 2
	switch a.variant {
	case 0: // prohibition: red ring, white face, black figures
		p.c(1).disc(0, c, h)
		p.c(2).disc(0, c, 0.76*h)
		p.c(3).box(-0.36*h, c-0.36*h, -0.2*h, c+0.36*h)
		p.wheel(0.16*h, c, 0.3*h, 0.5)
	case 1: // no entry: red disc, white bar
		p.c(1).disc(0, c, h)
		p.c(2).box(-0.64*h, c-0.17*h, 0.64*h, c+0.17*h)
	case 2: // mandatory: blue disc, white arrow
		p.c(1).disc(0, c, h)
		p.c(3).box(-0.11*h, c-0.6*h, 0.11*h, c+0.1*h)
		p.poly(1, vec{-0.4 * h, c + 0.08*h}, vec{0.4 * h, c + 0.08*h}, vec{0, c + 0.6*h})
	case 3: // warning: red triangle, white face, black exclamation mark
		p.c(1).poly(1, vec{-h, c - 0.8*h}, vec{h, c - 0.8*h}, vec{0, c + 0.95*h})
		p.c(2).poly(1, vec{-0.68 * h, c - 0.6*h}, vec{0.68 * h, c - 0.6*h}, vec{0, c + 0.58*h})
		p.c(3).box(-0.07*h, c-0.2*h, 0.07*h, c+0.3*h)
		p.disc(0, c-0.4*h, 0.08*h)
	default: // parking: white border, blue face, white P
		p.c(1).box(-h, c-h, h, c+h)
		p.c(2).box(-0.88*h, c-0.88*h, 0.88*h, c+0.88*h)
		p.c(3).box(-0.4*h, c-0.62*h, -0.16*h, c+0.62*h)
		p.wheel(0.02*h, c+0.26*h, 0.36*h, 0.45)
	}
}

// lampPost draws a street lamp: pole, arm and head.
func (p *painter) lampPost(a *actor) {
	hgt := a.size
	p.c(1).box(-0.07, 0, 0.07, hgt)
	p.bar(vec{0, hgt - 0.05}, vec{0.9 * a.dir, hgt + 0.15}, 0.06)
	p.c(2).oval(0.9*a.dir, hgt+0.08, 0.22, 0.08)
}
