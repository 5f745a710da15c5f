package scene

import (
	"math"
	"math/rand/v2"
)

// camera is a pinhole camera a few metres above a flat street, looking
// level along the ground so that the horizon is a row of the frame. The
// street runs along direction (cos, sin) in ground coordinates (X right,
// Z away from the camera); a ground point is named by u, metres along the
// street, and v, metres across it (0 is the near edge of the near
// sidewalk, larger is farther away).
type camera struct {
	f, cx, yh float64 // focal length and principal point in pixels; horizon row
	hc        float64 // camera height in metres
	d0        float64 // depth of the street point u=0, v=0
	cos, sin  float64 // street direction
	w, h      float64 // frame size
}

// ground returns the ground coordinates of street point (u, v).
func (c *camera) ground(u, v float64) (x, z float64) {
	return u*c.cos - v*c.sin, c.d0 + u*c.sin + v*c.cos
}

// project maps a world point (x, height b, depth z) to frame pixels.
func (c *camera) project(x, b, z float64) vec {
	return vec{c.cx + c.f*x/z, c.yh + c.f*(c.hc-b)/z}
}

// depth returns the depth of street point (u, v).
func (c *camera) depth(u, v float64) float64 { return c.d0 + u*c.sin + v*c.cos }

// uRange returns the street positions where the ground line at v leaves
// the frame on the left and on the right.
func (c *camera) uRange(v float64) (lo, hi float64) {
	kl := c.cx / c.f
	kr := (c.w - c.cx) / c.f
	// x = 0:  X + kl Z = 0;  x = w:  X - kr Z = 0, with X, Z linear in u.
	lo = (v*c.sin - kl*(c.d0+v*c.cos)) / (c.cos + kl*c.sin)
	hi = (v*c.sin + kr*(c.d0+v*c.cos)) / (c.cos - kr*c.sin)
	return lo, hi
}

// layout is where the parts of the street lie across it (v, metres).
type layout struct {
	lanes               int
	laneW               float64
	walkN0, walkN1      float64 // near sidewalk
	bike0, bike1        float64 // bike lane (part of the road, near side)
	road0, road1        float64 // traffic lanes
	park0, park1        float64 // parking lane on the far side (may be empty)
	walkF0, walkF1      float64 // far sidewalk
	verge0, facade      float64 // grass with trees; building fronts
	asphalt, walk, curb rgb
}

// kind is what an actor is; objects have a class, scenery does not.
type kind uint8

const (
	kindCar kind = iota
	kindBike
	kindPerson
	kindSign
	kindLamp // street lamp: scenery
	kindPole // a sign's pole: scenery
)

// class returns the object class of an object kind; ok is false for scenery.
func (k kind) class() (Class, bool) {
	switch k {
	case kindCar:
		return Car, true
	case kindBike:
		return Bicycle, true
	case kindPerson:
		return Person, true
	case kindSign:
		return Roadsign, true
	}
	return 0, false
}

// actor is anything drawn in depth order over the background: objects
// (cars, bicycles, people, signs) and scenery (lamps, poles). It stands
// at street position u(t) = u0 + speed*(t-t0) for t0 <= t < t1.
type actor struct {
	kind   kind
	track  int // 1-based track id of objects, 0 for scenery
	v      float64
	u0     float64
	t0, t1 float64
	speed  float64
	dir    float64 // +1 faces towards +u, -1 towards -u
	phase  float64 // animation phase offset
	// extent in local metres: a along its facing, b up
	a0, a1, b0, b1 float64
	// appearance
	vtype, color int     // cars; -1 otherwise
	variant      int     // shape variant (sign shape, person build, ...)
	size         float64 // scale factor (length or height)
	pal          palette
}

// u returns the street position at time t.
func (a *actor) u(t float64) float64 {
	if a.speed == 0 {
		return a.u0 // static actors live from -Inf
	}
	return a.u0 + a.speed*(t-a.t0)
}

// alive reports whether the actor exists at time t.
func (a *actor) alive(t float64) bool { return t >= a.t0 && t < a.t1 }

// stream is a source of actors moving along one line of the street.
type stream struct {
	kind     kind
	v0, v1   float64 // across-street range of their paths
	dir      float64
	speed    [2]float64 // range of speeds, m/s
	fixed    bool       // every actor of the stream has the same speed (lanes)
	meanGap  float64    // seconds between arrivals on average
	minSpace float64    // metres kept between consecutive actors
}

// newLayout chooses the street's cross-section.
func newLayout(r *rand.Rand) layout {
	var l layout
	l.lanes = 2 + r.IntN(3)
	l.laneW = 3.0 + 0.5*r.Float64()
	l.walkN0, l.walkN1 = 0, 2.8+0.8*r.Float64()
	l.bike0, l.bike1 = l.walkN1, l.walkN1+1.6
	l.road0 = l.bike1
	l.road1 = l.road0 + float64(l.lanes)*l.laneW
	l.park0 = l.road1
	l.park1 = l.park0
	if r.IntN(3) > 0 {
		l.park1 += 2.4
	}
	l.walkF0, l.walkF1 = l.park1, l.park1+2.8+0.8*r.Float64()
	l.verge0 = l.walkF1
	l.facade = l.verge0 + 2.5 + 3*r.Float64()
	g := 70 + r.IntN(30)
	l.asphalt = rgb{uint8(g), uint8(g + 2), uint8(g + 6)}
	s := 150 + r.IntN(50)
	l.walk = rgb{uint8(s), uint8(s - 6 - r.IntN(10)), uint8(s - 14 - r.IntN(16))}
	l.curb = rgb{190, 188, 182}
	return l
}

// newCamera places the camera so the near sidewalk reaches the bottom of
// the frame; the focal length scales with the width so every frame size
// shows the same street.
func newCamera(r *rand.Rand, w, h int) camera {
	c := camera{w: float64(w), h: float64(h)}
	c.f = float64(w) * (0.70 + 0.10*r.Float64())
	c.cx = float64(w) / 2
	c.yh = float64(h) * (0.27 + 0.08*r.Float64())
	c.d0 = 6.5 + 1.5*r.Float64()
	c.hc = (0.97*float64(h) - c.yh) * c.d0 / c.f
	yaw := (r.Float64()*2 - 1) * 12 * math.Pi / 180
	c.cos, c.sin = math.Cos(yaw), math.Sin(yaw)
	return c
}

// spawn fills the timeline of one stream from before the clip starts (so
// the street is busy at frame 0) to its end, using rng for everything.
func (s *Scene) spawn(st stream, r *rand.Rand, end float64) {
	sp := st.speed[0] + (st.speed[1]-st.speed[0])*r.Float64()
	var prev actor
	first := true
	t := math.Inf(-1)
	for {
		a := s.newActor(st.kind, r)
		a.v = st.v0 + (st.v1-st.v0)*r.Float64()
		if !st.fixed {
			sp = st.speed[0] + (st.speed[1]-st.speed[0])*r.Float64()
		}
		a.dir, a.speed = st.dir, st.dir*sp
		lo, hi := s.cam.uRange(a.v)
		start, stop := lo+a.a0-1, hi+a.a1+1 // fully outside at both ends
		if st.dir < 0 {
			start, stop = hi-a.a0+1, lo-a.a1-1
		}
		life := math.Abs(stop-start) / sp
		gap := st.meanGap / s.cfg.Density * r.ExpFloat64()
		if first {
			// Arrivals from long before the clip, so that frame 0 shows
			// the stream in its steady state.
			t, first = -life+gap, false
		} else {
			space := (prev.a1 - prev.a0 + a.a1 - a.a0) / 2
			t += max(gap, (space+st.minSpace)/sp)
		}
		if t >= end {
			return
		}
		a.u0, a.t0, a.t1 = start, t, t+life
		s.actors = append(s.actors, a)
		prev = a
	}
}

// populate creates the street's actors: static signs, lamps, parked cars
// and standing people, then the moving traffic of each lane and sidewalk.
func (s *Scene) populate(r *rand.Rand) {
	l := &s.lay
	end := float64(s.cfg.Frames) / float64(s.cfg.FPS)
	static := func(k kind, v, u float64) *actor {
		a := s.newActor(k, r)
		a.v, a.u0, a.t0, a.t1 = v, u, math.Inf(-1), math.Inf(1)
		a.dir = 1
		if r.IntN(2) == 0 {
			a.dir = -1
		}
		s.actors = append(s.actors, a)
		return &s.actors[len(s.actors)-1]
	}
	pick := func(v float64) float64 { // a street position inside the frame
		lo, hi := s.cam.uRange(v)
		return lo + (hi-lo)*(0.08+0.84*r.Float64())
	}
	// Lamps on both sidewalks, evenly spaced.
	for _, v := range []float64{l.walkN1 - 0.4, l.walkF0 + 0.4} {
		lo, hi := s.cam.uRange(v)
		step := 14 + 8*r.Float64()
		for u := lo - step*r.Float64(); u < hi+2; u += step {
			s.lamps = append(s.lamps, vec{u, v})
			static(kindLamp, v, u)
		}
	}
	for n := 1 + r.IntN(3); n > 0; n-- {
		v := l.walkN1 - 0.35
		if r.IntN(2) == 0 {
			v = l.walkF0 + 0.35
		}
		u := pick(v)
		pole := len(s.actors)
		static(kindPole, v+0.001, u)
		sg := static(kindSign, v, u)
		s.actors[pole].b1 = (sg.b0 + sg.b1) / 2
	}
	if l.park1 > l.park0 {
		lo, hi := s.cam.uRange(l.park0 + 1.2)
		for u := lo + 6*r.Float64(); u < hi; u += 7 + 12*r.Float64() {
			if r.Float64() < min(0.6, 0.3*s.cfg.Density) {
				a := static(kindCar, l.park0+1.1+0.2*r.Float64(), u)
				u += (a.a1 - a.a0) / 2
			}
		}
	}
	for n := int(float64(r.IntN(3)) * min(1, s.cfg.Density)); n > 0; n-- {
		v := l.walkN0 + 0.5 + (l.walkN1-l.walkN0-1)*r.Float64()
		if r.IntN(2) == 0 {
			v = l.walkF0 + 0.5 + (l.walkF1-l.walkF0-1)*r.Float64()
		}
		static(kindPerson, v, pick(v)).speed = 0
	}
	var streams []stream
	for i := 0; i < l.lanes; i++ {
		dir := 1.0
		if i >= l.lanes/2 {
			dir = -1
		}
		v := l.road0 + (float64(i)+0.5)*l.laneW
		streams = append(streams, stream{kind: kindCar, v0: v - 0.15, v1: v + 0.15, dir: dir,
			speed: [2]float64{8, 14}, fixed: true, meanGap: 4.5, minSpace: 4})
	}
	for _, dir := range []float64{1, -1} {
		streams = append(streams,
			stream{kind: kindPerson, v0: l.walkN0 + 0.5, v1: l.walkN1 - 0.7, dir: dir,
				speed: [2]float64{0.9, 1.8}, meanGap: 9, minSpace: 0.3},
			stream{kind: kindPerson, v0: l.walkF0 + 0.6, v1: l.walkF1 - 0.4, dir: dir,
				speed: [2]float64{0.9, 1.8}, meanGap: 7, minSpace: 0.3},
			stream{kind: kindBike, v0: (l.bike0+l.bike1)/2 - 0.3, v1: (l.bike0+l.bike1)/2 + 0.3, dir: dir,
				speed: [2]float64{3.5, 6.5}, meanGap: 16, minSpace: 2})
	}
	for i, st := range streams {
		// Each stream has its own generator, so a longer clip of the same
		// seed begins with the same traffic.
		sr := rand.New(rand.NewPCG(s.cfg.Seed, uint64(i)*0x9e3779b97f4a7c15+0x5ce2))
		s.spawn(st, sr, end)
	}
}
