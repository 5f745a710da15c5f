package eval

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRLEStringHandEncoded(t *testing.T) {
	for _, c := range []struct {
		s      string
		h, w   int
		counts []uint32
	}{
		// 100 = 0b11_00100: low group 4 with the continuation bit ('T'),
		// then 3 ('3'); 50 = 0b1_10010: group 18 has bit 4 set, so a
		// further group 1 follows ('b', '1').
		{"T3b1", 10, 15, []uint32{100, 50}},
		// From the fourth count on the value is a delta to the count two
		// before: 2 - 10 = -8 = group 24 with the sign bit ('H').
		{"5:3H", 4, 5, []uint32{5, 10, 3, 2}},
		{"", 0, 0, []uint32{}},
	} {
		r, err := DecodeRLEString(c.s, c.h, c.w)
		if err != nil {
			t.Fatalf("%q: %v", c.s, err)
		}
		if !slices.Equal(r.Counts, c.counts) {
			t.Errorf("%q decodes to %v, want %v", c.s, r.Counts, c.counts)
		}
		if got := r.String(); got != c.s {
			t.Errorf("%v encodes to %q, want %q", c.counts, got, c.s)
		}
	}
}

func TestRLEStringErrors(t *testing.T) {
	for _, c := range []struct {
		s    string
		h, w int
	}{
		{"T", 10, 15},          // ends inside a count
		{"T3b1", 10, 14},       // covers 150 pixels, mask has 140
		{"T3 1", 10, 15},       // space is not a code
		{"ooooooooo0", 10, 10}, // too many groups
		{"0H", 1, 1},           // a negative delta with nothing before
		{"01", -1, 5},          // bad size
	} {
		if _, err := DecodeRLEString(c.s, c.h, c.w); err == nil {
			t.Errorf("%q (%dx%d) accepted", c.s, c.h, c.w)
		}
	}
}

// randomMask returns a column-major mask with a few random rectangles.
func randomMask(rng *rand.Rand, h, w int) []byte {
	m := make([]byte, h*w)
	for range rng.IntN(4) {
		x0, y0 := rng.IntN(w), rng.IntN(h)
		x1, y1 := x0+rng.IntN(w-x0)+1, y0+rng.IntN(h-y0)+1
		for x := x0; x < x1; x++ {
			for y := y0; y < y1; y++ {
				m[x*h+y] = 1
			}
		}
	}
	return m
}

func TestRLERoundTripAndMeasures(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 500 {
		h, w := 1+rng.IntN(20), 1+rng.IntN(20)
		a, b := randomMask(rng, h, w), randomMask(rng, h, w)
		ra, err := RLEFromMask(a, h, w)
		if err != nil {
			t.Fatal(err)
		}
		rb, _ := RLEFromMask(b, h, w)
		dec, err := DecodeRLEString(ra.String(), h, w)
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		got := make([]byte, h*w)
		if err := dec.Decode(got); err != nil || !bytes.Equal(got, a) {
			t.Fatalf("trial %d: round trip differs (%v)", trial, err)
		}
		// Brute-force area, box and IoU on the bitmaps.
		var inter, union, area, areaB int
		x0, y0, x1, y1 := w, h, -1, -1
		for i := range a {
			if a[i] != 0 {
				area++
				x, y := i/h, i%h
				x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
			}
			if b[i] != 0 {
				areaB++
			}
			if a[i] != 0 && b[i] != 0 {
				inter++
			}
			if a[i] != 0 || b[i] != 0 {
				union++
			}
		}
		if int(ra.Area()) != area {
			t.Fatalf("trial %d: area %d, want %d", trial, ra.Area(), area)
		}
		if area > 0 {
			want := Box{float64(x0), float64(y0), float64(x1 - x0 + 1), float64(y1 - y0 + 1)}
			if bb := ra.Bbox(); bb != want {
				t.Fatalf("trial %d: box %v, want %v", trial, bb, want)
			}
		}
		for _, crowd := range []bool{false, true} {
			iou, err := MaskIoU(&ra, &rb, crowd)
			if err != nil {
				t.Fatal(err)
			}
			want := 0.0
			if inter > 0 {
				den := union
				if crowd {
					den = area
				}
				want = float64(inter) / float64(den)
			}
			if iou != want {
				t.Fatalf("trial %d crowd %v: IoU %v, want %v", trial, crowd, iou, want)
			}
		}
	}
}

func TestParseSegmentation(t *testing.T) {
	for _, s := range []string{
		`{"size":[10,15],"counts":"T3b1"}`,
		`{"size":[10,15],"counts":[100,50]}`,
	} {
		r, err := parseSegmentation([]byte(s))
		if err != nil || r.Area() != 50 {
			t.Errorf("%s: %v %v", s, r, err)
		}
	}
	for _, s := range []string{
		`[[1,2,3,4,5,6]]`, // polygon
		`{"size":[10],"counts":[150]}`,
		`{"size":[10,15],"counts":[100,40]}`,
		`{"size":[10,15],"counts":[100,-50]}`,
		`{"size":[10,15],"counts":7}`,
		`null`,
		``,
	} {
		if _, err := parseSegmentation([]byte(s)); err == nil {
			t.Errorf("%s accepted", s)
		}
	}
	a, _ := parseSegmentation([]byte(`{"size":[10,15],"counts":[100,50]}`))
	b, _ := parseSegmentation([]byte(`{"size":[15,10],"counts":[100,50]}`))
	if _, err := MaskIoU(a, b, false); err == nil {
		t.Error("masks of different sizes compared")
	}
}
