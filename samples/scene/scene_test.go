package scene

import (
	"bytes"
	"image"
	"math"
	"reflect"
	"testing"
)

func newScene(t testing.TB, cfg Config) *Scene {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func render(t testing.TB, s *Scene, i int, keep func(int) bool) (*image.RGBA, Frame) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, s.cfg.Width, s.cfg.Height))
	f, err := s.render(i, img, keep)
	if err != nil {
		t.Fatal(err)
	}
	return img, f.clone()
}

func rgbaAt(img *image.RGBA, p int) [4]uint8 {
	return [4]uint8(img.Pix[p*4 : p*4+4])
}

// centreX returns the mean column of an object's visible pixels.
func centreX(f *Frame, o *Object) float64 {
	sum := 0
	for y := o.Box.Min.Y; y < o.Box.Max.Y; y++ {
		for x := o.Box.Min.X; x < o.Box.Max.X; x++ {
			if f.IDs[y*f.Width+x] == o.ID {
				sum += x
			}
		}
	}
	return float64(sum) / float64(o.Area)
}

// clone copies a frame's ground truth out of the scene's buffers.
func (f *Frame) clone() Frame {
	g := *f
	g.Objects = append([]Object(nil), f.Objects...)
	g.IDs = append([]uint16(nil), f.IDs...)
	return g
}

// trackMap returns the track visible at each pixel, 0 for none.
func trackMap(f *Frame) []int {
	byID := map[uint16]int{}
	for _, o := range f.Objects {
		byID[o.ID] = o.Track
	}
	m := make([]int, len(f.IDs))
	for p, id := range f.IDs {
		m[p] = byID[id]
	}
	return m
}

// gtCases are scenes with noise off, so that pixels can be compared.
var gtCases = []struct {
	seed  uint64
	light Lighting
	w, h  int
	frame int
}{
	{1, Day, 1280, 720, 0},
	{2, Night, 640, 360, 45},
	{3, Cycle, 800, 450, 100},
	{4, Dusk, 960, 540, 200},
	{5, Day, 1920, 1080, 12},
}

// Every object's mask is exactly its instance-map pixels: inside its box,
// tight, counted by Area; masks are disjoint; Visibility and Ignore follow
// their definitions.
func TestMasksBoxesAndVisibility(t *testing.T) {
	for _, c := range gtCases {
		s := newScene(t, Config{Seed: c.seed, Width: c.w, Height: c.h, Frames: 240, Lighting: c.light, Density: 2})
		_, f := render(t, s, c.frame, nil)
		if len(f.Objects) < 5 {
			t.Fatalf("seed %d: only %d objects", c.seed, len(f.Objects))
		}
		boxes := map[uint16]image.Rectangle{}
		areas := map[uint16]int{}
		for p, id := range f.IDs {
			if id == 0 {
				continue
			}
			x, y := p%c.w, p/c.w
			boxes[id] = boxes[id].Union(image.Rect(x, y, x+1, y+1))
			areas[id]++
		}
		seen := map[uint16]bool{}
		tracks := map[int]bool{}
		for _, o := range f.Objects {
			if seen[o.ID] || tracks[o.Track] {
				t.Fatalf("seed %d: id %d or track %d used twice", c.seed, o.ID, o.Track)
			}
			seen[o.ID], tracks[o.Track] = true, true
			if boxes[o.ID] != o.Box || areas[o.ID] != o.Area {
				t.Errorf("seed %d track %d: box %v area %d, mask has box %v area %d", c.seed, o.Track, o.Box, o.Area, boxes[o.ID], areas[o.ID])
			}
			if o.Area > o.FullArea || math.Abs(o.Visibility-float64(o.Area)/float64(o.FullArea)) > 1e-12 {
				t.Errorf("seed %d track %d: area %d of %d, visibility %v", c.seed, o.Track, o.Area, o.FullArea, o.Visibility)
			}
			if o.Ignore != (o.Visibility < 0.3 || o.Box.Dx() < 8 || o.Box.Dy() < 12) {
				t.Errorf("seed %d track %d: ignore %v for %v visibility %.2f", c.seed, o.Track, o.Ignore, o.Box, o.Visibility)
			}
			if (o.Class == Car) != (o.Color >= 0 && o.Type >= 0) || o.Color >= len(ColorNames) || o.Type >= len(TypeNames) {
				t.Errorf("seed %d track %d: %v with colour %d type %d", c.seed, o.Track, o.Class, o.Color, o.Type)
			}
		}
		for id := range boxes {
			if !seen[id] {
				t.Errorf("seed %d: instance map has pixels of id %d that no object owns", c.seed, id)
			}
		}
	}
}

// Removing object k changes only pixels inside k's own extent (what it
// covers when drawn alone); pixels of no object are the background; an
// object alone has all its in-frame pixels visible.
func TestOcclusionIsExact(t *testing.T) {
	for _, c := range gtCases[1:4] {
		s := newScene(t, Config{Seed: c.seed, Width: c.w, Height: c.h, Frames: 240, Lighting: c.light, Density: 2})
		full, f := render(t, s, c.frame, nil)
		bg, fb := render(t, s, c.frame, func(tr int) bool { return tr == 0 })
		if len(fb.Objects) != 0 {
			t.Fatalf("background render has %d objects", len(fb.Objects))
		}
		for p, id := range f.IDs {
			if id == 0 && rgbaAt(full, p) != rgbaAt(bg, p) {
				t.Fatalf("seed %d: pixel %d,%d belongs to no object but is not the background", c.seed, p%c.w, p/c.w)
			}
		}
		occluded := 0
		tf := trackMap(&f)
		for _, o := range f.Objects {
			k := o.Track
			without, fw := render(t, s, c.frame, func(tr int) bool { return tr != k })
			_, fa := render(t, s, c.frame, func(tr int) bool { return tr == k }) // without scenery too
			if len(fa.Objects) != 1 || len(fw.Objects) < len(f.Objects)-1 {
				t.Fatalf("seed %d track %d: alone render has %d objects, render without it %d of %d", c.seed, k, len(fa.Objects), len(fw.Objects), len(f.Objects))
			}
			alone := fa.Objects[0]
			tw := trackMap(&fw)
			if alone.FullArea != o.FullArea || alone.Area > o.FullArea || alone.Area < o.Area {
				t.Errorf("seed %d track %d: alone area %d of %d, in the scene %d of %d", c.seed, k, alone.Area, alone.FullArea, o.Area, o.FullArea)
			}
			if alone.Box.In(image.Rect(1, 1, c.w-1, c.h-1)) && alone.Area != alone.FullArea {
				t.Errorf("seed %d track %d: alone, clear of the frame's edges, but visibility %.3f", c.seed, k, alone.Visibility)
			}
			if o.Area < alone.Area {
				occluded++
			}
			for p := range f.IDs {
				mine := fa.IDs[p] == alone.ID
				if f.IDs[p] == o.ID && !mine {
					t.Fatalf("seed %d track %d: visible pixel %d,%d outside its alone extent", c.seed, k, p%c.w, p/c.w)
				}
				if !mine && (rgbaAt(full, p) != rgbaAt(without, p) || tf[p] != tw[p]) {
					t.Fatalf("seed %d track %d: removing it changed pixel %d,%d outside its extent", c.seed, k, p%c.w, p/c.w)
				}
			}
		}
		if occluded == 0 {
			t.Errorf("seed %d: no object is occluded; the test shows nothing", c.seed)
		}
	}
}

// The same seed gives the same pixels and ground truth whatever the order
// of rendering; another seed gives another scene.
func TestDeterminism(t *testing.T) {
	cfg := Config{Seed: 42, Width: 640, Height: 360, Frames: 90, Lighting: Cycle, Noise: 4, Blur: true}
	a, b := newScene(t, cfg), newScene(t, cfg)
	frames := []int{0, 30, 89, 31}
	imgs := map[int]*image.RGBA{}
	gts := map[int]Frame{}
	for _, i := range frames {
		imgs[i], gts[i] = render(t, a, i, nil)
	}
	for k := len(frames) - 1; k >= 0; k-- {
		i := frames[k]
		img, gt := render(t, b, i, nil)
		if !bytes.Equal(img.Pix, imgs[i].Pix) {
			t.Errorf("frame %d: pixels differ between two scenes of one seed", i)
		}
		if !reflect.DeepEqual(gt, gts[i]) {
			t.Errorf("frame %d: ground truth differs between two scenes of one seed", i)
		}
	}
	cfg.Seed = 43
	img, gt := render(t, newScene(t, cfg), 30, nil)
	if bytes.Equal(img.Pix, imgs[30].Pix) || reflect.DeepEqual(gt.Objects, gts[30].Objects) {
		t.Error("seeds 42 and 43 render the same frame")
	}
	// Noise and blur change pixels, never the ground truth.
	cfg.Seed, cfg.Noise, cfg.Blur = 42, 0, false
	clean, gt := render(t, newScene(t, cfg), 30, nil)
	if bytes.Equal(clean.Pix, imgs[30].Pix) || !reflect.DeepEqual(gt.Objects, gts[30].Objects) {
		t.Error("noise should change the pixels and keep the ground truth")
	}
}

// Drop-out frames are black and empty; their neighbours are not.
func TestDropout(t *testing.T) {
	s := newScene(t, Config{Seed: 7, Width: 320, Height: 180, Frames: 60, DropoutFrames: [][2]int{{10, 20}}, Noise: 3})
	for _, i := range []int{9, 10, 19, 20} {
		img, f := render(t, s, i, nil)
		black := true
		for p := 0; p < len(img.Pix); p += 4 {
			if img.Pix[p] != 0 || img.Pix[p+1] != 0 || img.Pix[p+2] != 0 || img.Pix[p+3] != 255 {
				black = false
				break
			}
		}
		want := i >= 10 && i < 20
		if black != want || f.Dropout != want || (want && len(f.Objects) != 0) || (!want && len(f.Objects) == 0) {
			t.Errorf("frame %d: black %v, dropout %v, %d objects", i, black, f.Dropout, len(f.Objects))
		}
	}
}

// Over a clip, tracks keep their class and attributes, move smoothly,
// enter and leave; every class appears; objects in full view are big
// enough to detect.
func TestTracksOverAClip(t *testing.T) {
	type state struct {
		o       Object
		cx      float64
		frame   int
		step    float64
		hasStep bool
	}
	classes := map[Class]int{}
	entered, left := 0, 0
	for _, seed := range []uint64{11, 12, 13} {
		s := newScene(t, Config{Seed: seed, Frames: 300, Density: 1.5})
		last := map[int]state{}
		img := image.NewRGBA(image.Rect(0, 0, 1280, 720))
		for i := 0; i < 300; i += 3 {
			f, err := s.Render(i, img)
			if err != nil {
				t.Fatal(err)
			}
			now := map[int]bool{}
			for _, o := range f.Objects {
				now[o.Track] = true
				classes[o.Class]++
				if p, ok := last[o.Track]; ok {
					if p.o.Class != o.Class || p.o.Color != o.Color || p.o.Type != o.Type {
						t.Fatalf("seed %d track %d changed from %+v to %+v", seed, o.Track, p.o, o)
					}
					// Steady motion: the box centre moves by about the same
					// step each time (legs swing, perspective changes a little).
					cx := centreX(f, &o)
					step := cx - p.cx
					if i-p.frame == 3 && p.hasStep && o.Visibility == 1 {
						if d := step - p.step; d > 3+float64(o.Box.Dx())/10 || d < -3-float64(o.Box.Dx())/10 {
							t.Errorf("seed %d track %d moved %.1f px, then %.1f px in 3 frames", seed, o.Track, p.step, step)
						}
					}
					steady := i-p.frame == 3 && o.Visibility == 1 && p.o.Visibility == 1
					last[o.Track] = state{o, cx, i, step, steady}
				} else {
					if i > 0 {
						entered++
					}
					last[o.Track] = state{o: o, cx: centreX(f, &o), frame: i}
				}
				edge := o.Box.Min.X == 0 || o.Box.Max.X == 1280 || o.Box.Min.Y == 0 || o.Box.Max.Y == 720
				if o.Visibility == 1 && !edge {
					if o.Class == Person && o.Box.Dy() < 28 && o.Depth < 40 {
						t.Errorf("seed %d track %d: person in full view only %d px tall", seed, o.Track, o.Box.Dy())
					}
					if o.Class == Car && o.Box.Dx() < 40 {
						t.Errorf("seed %d track %d: car in full view only %d px wide", seed, o.Track, o.Box.Dx())
					}
				}
			}
			for tr, p := range last {
				if !now[tr] && p.frame == i-3 {
					left++
				}
			}
		}
	}
	if len(classes) != 4 || entered < 10 || left < 10 {
		t.Errorf("classes %v, %d tracks entered and %d left", classes, entered, left)
	}
}

// Night is darker than dusk, dusk darker than day.
func TestLighting(t *testing.T) {
	var mean [3]float64
	for i, l := range []Lighting{Day, Dusk, Night} {
		img, _ := render(t, newScene(t, Config{Seed: 9, Width: 320, Height: 180, Frames: 1, Lighting: l}), 0, nil)
		sum := 0
		for p := 0; p < len(img.Pix); p += 4 {
			sum += int(img.Pix[p]) + int(img.Pix[p+1]) + int(img.Pix[p+2])
		}
		mean[i] = float64(sum) / float64(len(img.Pix)/4*3)
	}
	if !(mean[0] > mean[1] && mean[1] > mean[2] && mean[2] < 60) {
		t.Errorf("mean brightness day %.0f, dusk %.0f, night %.0f", mean[0], mean[1], mean[2])
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{
		{Frames: 0},
		{Frames: 10, Width: 10, Height: 10},
		{Frames: 10, FPS: -1},
		{Frames: 10, Density: -1},
		{Frames: 10, Noise: math.NaN()},
		{Frames: 10, Lighting: 9},
		{Frames: 10, DropoutFrames: [][2]int{{5, 5}}},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	s := newScene(t, Config{Frames: 2, Width: 64, Height: 64})
	if _, err := s.Render(2, image.NewRGBA(image.Rect(0, 0, 64, 64))); err == nil {
		t.Error("frame past the end: no error")
	}
	if _, err := s.Render(0, image.NewRGBA(image.Rect(0, 0, 32, 64))); err == nil {
		t.Error("wrong size: no error")
	}
}

func BenchmarkRender720p(b *testing.B)  { benchRender(b, 1280, 720) }
func BenchmarkRender1080p(b *testing.B) { benchRender(b, 1920, 1080) }

func benchRender(b *testing.B, w, h int) {
	s := newScene(b, Config{Seed: 101, Width: w, Height: h, Frames: 300, Noise: 3})
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < 300; i++ { // warm: background, noise table, scratch
		s.Render(i, img)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Render(i%300, img); err != nil {
			b.Fatal(err)
		}
	}
}

// The packed saturating byte arithmetic of the noise equals the plain one.
func TestSaturatingBytes(t *testing.T) {
	vals := []uint64{0, 1, 2, 126, 127, 128, 129, 200, 254, 255}
	for _, a := range vals {
		for _, b := range vals {
			A := a | (255-a)<<8 | a<<16 | b<<56
			B := b | b<<8 | (255-b)<<16 | a<<56
			add, sub := addSat(A, B), subSat(A, B)
			for k := 0; k < 64; k += 8 {
				x, y := int(A>>k&255), int(B>>k&255)
				if got := int(add >> k & 255); got != min(255, x+y) {
					t.Fatalf("%d+%d: %d", x, y, got)
				}
				if got := int(sub >> k & 255); got != max(0, x-y) {
					t.Fatalf("%d-%d: %d", x, y, got)
				}
			}
		}
	}
}
