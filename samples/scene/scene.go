package scene

import (
	"bytes"
	"cmp"
	"fmt"
	"image"
	"math"
	"math/rand/v2"
	"slices"
)

// Object is the ground truth of one object in one frame.
type Object struct {
	// ID is the value of the object's visible pixels in Frame.IDs.
	ID uint16
	// Track is the object's track id, the same in every frame of its life.
	Track int
	Class Class
	// Box is the tight bounding box of the visible pixels (Max exclusive).
	Box image.Rectangle
	// Area is the number of visible pixels.
	Area int
	// FullArea is the number of pixels the object would cover alone in an
	// unbounded frame: without nearer objects and without the frame edge.
	FullArea int
	// Visibility is Area/FullArea: it falls with occlusion by nearer
	// objects and with truncation at the frame edge, as MOT17's does.
	Visibility float64
	// Ignore marks objects too occluded (visibility < 0.3) or too small
	// (box narrower than 8 or lower than 12 pixels) to be fairly expected
	// of a detector.
	Ignore bool
	// Color and Type are the car attributes (indexes into ColorNames and
	// TypeNames); -1 for other classes.
	Color, Type int
	// Depth is the object's distance from the camera in metres.
	Depth float64
}

// Frame is the ground truth of one rendered frame. Its slices belong to
// the Scene and are overwritten by the next Render.
type Frame struct {
	Index   int
	Dropout bool
	// Level is the lighting from 0 (day) to 1 (night).
	Level   float64
	Objects []Object
	// IDs is the instance map, Width*Height values row by row: 0 where no
	// object is visible, else the visible object's ID.
	IDs           []uint16
	Width, Height int
}

// Ignored applies the ground truth's ignore rule to a visible box and
// visibility.
func Ignored(box image.Rectangle, visibility float64) bool {
	return visibility < 0.3 || box.Dy() < 12 || box.Dx() < 8
}

// sprite is the scratch image an actor is drawn into before it is placed
// in the frame: palette indexes, 0 where the actor has no pixel.
type sprite struct {
	w, h int
	pix  []uint8
	cur  uint8
}

func (s *sprite) span(y, x0, x1 int) {
	row := s.pix[y*s.w+x0 : y*s.w+x1+1]
	for i := range row {
		row[i] = s.cur
	}
}

// drawItem is an actor placed in one frame.
type drawItem struct {
	a     *actor
	u, z  float64
	id    uint16          // 0 for scenery
	rect  image.Rectangle // sprite extent in frame pixels
	full  int
	order int
}

// Scene renders one street scene; it is not safe for concurrent use (give
// each goroutine its own Scene).
type Scene struct {
	cfg    Config
	cam    camera
	lay    layout
	actors []actor
	lamps  []vec // (u, v) of street lamps
	bg     background

	ids      []uint16
	items    []drawItem
	order    []int
	frame    Frame
	spr      sprite
	pnt      painter
	noiseTab noiseTable
	tmp      []uint8
}

// New builds the scene of cfg: street, background and the whole timeline
// of traffic.
func New(cfg Config) (*Scene, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	cfg.DropoutFrames = slices.Clone(cfg.DropoutFrames)
	s := &Scene{cfg: cfg}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5ce1e))
	s.cam = newCamera(r, cfg.Width, cfg.Height)
	s.lay = newLayout(r)
	s.populate(r)
	s.newBackground(r)
	// Static actors first, then traffic by arrival: track ids follow.
	slices.SortStableFunc(s.actors, func(a, b actor) int {
		return cmp.Compare(a.t0, b.t0)
	})
	n := 0
	for i := range s.actors {
		if _, ok := s.actors[i].kind.class(); ok {
			n++
			s.actors[i].track = n
		}
	}
	s.ids = make([]uint16, cfg.Width*cfg.Height)
	s.noiseTab.key = -1
	s.pnt.out = &s.spr
	s.pnt.cur = &s.spr.cur
	return s, nil
}

// Config returns the scene's configuration with defaults filled in.
func (s *Scene) Config() Config { return s.cfg }

// Tracks returns the number of track ids the scene uses (1..Tracks).
func (s *Scene) Tracks() int {
	n := 0
	for i := range s.actors {
		n = max(n, s.actors[i].track)
	}
	return n
}

// Render draws frame i into dst (which must be Width x Height) and returns
// its ground truth, valid until the next Render.
func (s *Scene) Render(i int, dst *image.RGBA) (*Frame, error) {
	return s.render(i, dst, nil)
}

// render draws frame i with the actors keep accepts by track id (all if
// keep is nil; scenery has track 0). Tests use it to compare renders.
func (s *Scene) render(i int, dst *image.RGBA, keep func(track int) bool) (*Frame, error) {
	w, h := s.cfg.Width, s.cfg.Height
	if dst == nil || dst.Rect.Dx() != w || dst.Rect.Dy() != h {
		return nil, fmt.Errorf("scene: render: destination must be %dx%d", w, h)
	}
	if i < 0 || i >= s.cfg.Frames {
		return nil, fmt.Errorf("scene: render: frame %d outside 0-%d", i, s.cfg.Frames-1)
	}
	pix := dst.Pix[dst.PixOffset(dst.Rect.Min.X, dst.Rect.Min.Y):]
	f := &s.frame
	*f = Frame{Index: i, Objects: f.Objects[:0], IDs: s.ids, Width: w, Height: h}
	clear(s.ids)
	if s.cfg.dropout(i) {
		f.Dropout = true
		for y := 0; y < h; y++ {
			row := pix[y*dst.Stride : y*dst.Stride+w*4]
			for x := 0; x < len(row); x += 4 {
				row[x], row[x+1], row[x+2], row[x+3] = 0, 0, 0, 255
			}
		}
		return f, nil
	}
	q := s.level(i)
	f.Level = float64(q) / lightLevels
	lit := s.relight(q)
	for y := 0; y < h; y++ {
		copy(pix[y*dst.Stride:y*dst.Stride+w*4], lit[y*w*4:(y+1)*w*4])
	}
	l := lightAt(q)
	t := float64(i) / float64(s.cfg.FPS)
	s.place(t, keep)
	for _, k := range s.order {
		s.drawItem(&s.items[k], t, &l, pix, dst.Stride)
	}
	s.groundTruth()
	if s.cfg.Blur {
		s.blur(pix, dst.Stride)
	}
	if s.cfg.Noise > 0 {
		s.addNoise(pix, dst.Stride, i, q)
	}
	return f, nil
}

// place lists the actors in view at time t, numbers the objects in track
// order and sorts everything far to near.
func (s *Scene) place(t float64, keep func(int) bool) {
	s.items, s.order = s.items[:0], s.order[:0]
	frame := image.Rect(0, 0, s.cfg.Width, s.cfg.Height)
	id := uint16(0)
	for k := range s.actors {
		a := &s.actors[k]
		if !a.alive(t) || (keep != nil && !keep(a.track)) {
			continue
		}
		u := a.u(t)
		s.setup(a, u)
		r := s.extent(a)
		if !r.Overlaps(frame) {
			continue
		}
		it := drawItem{a: a, u: u, z: s.cam.depth(u, a.v), rect: r, order: len(s.items)}
		if a.track > 0 {
			id++
			it.id = id
		}
		s.items = append(s.items, it)
		s.order = append(s.order, len(s.items)-1)
	}
	slices.SortFunc(s.order, func(x, y int) int {
		if c := cmp.Compare(s.items[y].z, s.items[x].z); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
}

// setup points the painter at actor a standing at street position u.
func (s *Scene) setup(a *actor, u float64) {
	switch a.kind {
	case kindSign, kindPole, kindLamp:
		s.pnt.setBoard(&s.cam, u, a.v)
	default:
		s.pnt.setSide(&s.cam, u, a.v, a.dir)
	}
}

// extent returns the frame pixels that hold the actor's local extent.
func (s *Scene) extent(a *actor) image.Rectangle {
	p := &s.pnt
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, c := range [4]vec{p.at(a.a0, a.b0), p.at(a.a1, a.b0), p.at(a.a0, a.b1), p.at(a.a1, a.b1)} {
		x0, y0, x1, y1 = min(x0, c.x), min(y0, c.y), max(x1, c.x), max(y1, c.y)
	}
	return image.Rect(int(math.Floor(x0))-2, int(math.Floor(y0))-2, int(math.Ceil(x1))+2, int(math.Ceil(y1))+2)
}

// drawItem draws one actor into its sprite and from there into the frame
// and the instance map.
func (s *Scene) drawItem(it *drawItem, t float64, l *light, pix []uint8, stride int) {
	a := it.a
	sp := &s.spr
	sp.w, sp.h = it.rect.Dx(), it.rect.Dy()
	if n := sp.w * sp.h; cap(sp.pix) < n {
		sp.pix = make([]uint8, n)
	} else {
		sp.pix = sp.pix[:n]
		clear(sp.pix)
	}
	p := &s.pnt
	s.setup(a, it.u)
	p.w, p.h = sp.w, sp.h
	p.ox, p.oy = float64(it.rect.Min.X), float64(it.rect.Min.Y)
	p.draw(a, t)
	var pal [16][4]uint8
	for c := 1; c <= a.pal.n; c++ {
		pal[c] = l.color(&a.pal, c)
	}
	if it.id != 0 {
		it.full = len(sp.pix) - countZero(sp.pix)
	}
	r := it.rect.Intersect(image.Rect(0, 0, s.cfg.Width, s.cfg.Height))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		src := sp.pix[(y-it.rect.Min.Y)*sp.w+r.Min.X-it.rect.Min.X : (y-it.rect.Min.Y)*sp.w+r.Max.X-it.rect.Min.X]
		drow := pix[y*stride+r.Min.X*4 : y*stride+r.Max.X*4]
		irow := s.ids[y*s.cfg.Width+r.Min.X : y*s.cfg.Width+r.Max.X]
		for x, c := range src {
			if c != 0 {
				copy(drow[x*4:x*4+4], pal[c][:])
				irow[x] = it.id
			}
		}
	}
}

// countZero counts the zero bytes of b.
func countZero(b []uint8) int { return bytes.Count(b, []byte{0}) }

// groundTruth measures each placed object's visible pixels in the
// instance map and lists the visible ones.
func (s *Scene) groundTruth() {
	w := s.cfg.Width
	frame := image.Rect(0, 0, w, s.cfg.Height)
	for k := range s.items {
		it := &s.items[k]
		if it.id == 0 {
			continue
		}
		r := it.rect.Intersect(frame)
		box, n := image.Rectangle{}, 0
		for y := r.Min.Y; y < r.Max.Y; y++ {
			row := s.ids[y*w+r.Min.X : y*w+r.Max.X]
			x0 := -1
			x1 := 0
			for x, v := range row {
				if v == it.id {
					if x0 < 0 {
						x0 = x
					}
					x1 = x
					n++
				}
			}
			if x0 >= 0 {
				box = box.Union(image.Rect(r.Min.X+x0, y, r.Min.X+x1+1, y+1))
			}
		}
		if n == 0 {
			continue
		}
		a := it.a
		cls, _ := a.kind.class()
		vis := float64(n) / float64(it.full)
		s.frame.Objects = append(s.frame.Objects, Object{ID: it.id, Track: a.track, Class: cls, Box: box,
			Area: n, FullArea: it.full, Visibility: vis, Ignore: Ignored(box, vis),
			Color: a.color, Type: a.vtype, Depth: it.z})
	}
}
