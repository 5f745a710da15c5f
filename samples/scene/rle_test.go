package scene

import (
	"image"
	"reflect"
	"testing"
)

// Hand-made masks against counts worked out by hand (pycocotools' rules:
// column-major, starting with a zero run, no empty trailing run).
func TestEncodeRLEKnownMasks(t *testing.T) {
	// 3 wide, 2 high; column-major order is (0,0) (0,1) (1,0) (1,1) (2,0) (2,1).
	for _, c := range []struct {
		name string
		ids  []uint16 // row-major
		want []int
	}{
		{"empty", []uint16{0, 0, 0, 0, 0, 0}, []int{6}},
		{"full", []uint16{1, 1, 1, 1, 1, 1}, []int{0, 6}},
		{"first", []uint16{1, 0, 0, 0, 0, 0}, []int{0, 1, 5}},
		{"last", []uint16{0, 0, 0, 0, 0, 1}, []int{5, 1}},
		{"middle column", []uint16{0, 1, 0, 0, 1, 0}, []int{2, 2, 2}},
		{"top row", []uint16{1, 1, 1, 0, 0, 0}, []int{0, 1, 1, 1, 1, 1, 1}},
		{"other id", []uint16{2, 1, 2, 2, 1, 2}, []int{2, 2, 2}},
	} {
		got := EncodeRLE(nil, c.ids, 3, 2, 1, image.Rect(0, 0, 3, 2))
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
		mask := make([]uint8, 6)
		if err := DecodeRLE(got, 3, 2, mask); err != nil {
			t.Fatal(err)
		}
		for p, id := range c.ids {
			if (mask[p] == 1) != (id == 1) {
				t.Errorf("%s: decoded pixel %d is %d", c.name, p, mask[p])
			}
		}
	}
}

// Every object's mask in real frames survives encoding and decoding.
func TestRLERoundTripsRenderedMasks(t *testing.T) {
	for _, c := range gtCases[:3] {
		s := newScene(t, Config{Seed: c.seed, Width: c.w, Height: c.h, Frames: 240, Lighting: c.light, Density: 2})
		_, f := render(t, s, c.frame, nil)
		mask := make([]uint8, c.w*c.h)
		var counts []int
		for _, o := range f.Objects {
			counts = f.RLE(counts[:0], &o)
			if err := DecodeRLE(counts, c.w, c.h, mask); err != nil {
				t.Fatal(err)
			}
			n := 0
			for p, id := range f.IDs {
				if (mask[p] == 1) != (id == o.ID) {
					t.Fatalf("seed %d track %d: pixel %d decodes to %d", c.seed, o.Track, p, mask[p])
				}
				n += int(mask[p])
			}
			if n != o.Area {
				t.Errorf("seed %d track %d: %d mask pixels, area %d", c.seed, o.Track, n, o.Area)
			}
		}
	}
}

func TestDecodeRLEErrors(t *testing.T) {
	mask := make([]uint8, 6)
	for _, counts := range [][]int{{5}, {7}, {3, -1, 4}, {2, 2, 2, 1}, {}} {
		if err := DecodeRLE(counts, 3, 2, mask); err == nil {
			t.Errorf("%v: no error", counts)
		}
	}
	if err := DecodeRLE([]int{6}, 3, 2, mask[:5]); err == nil {
		t.Error("short mask: no error")
	}
}

// DecodeRLE reads counts from files: whatever they hold, it returns an
// error or a mask, never panics, and a mask re-encodes to the same counts
// once empty runs are merged.
func FuzzDecodeRLE(f *testing.F) {
	f.Add(uint8(3), uint8(2), []byte{2, 2, 2})
	f.Add(uint8(4), uint8(4), []byte{0, 16})
	f.Add(uint8(1), uint8(1), []byte{255})
	f.Fuzz(func(t *testing.T, w, h uint8, raw []byte) {
		counts := make([]int, len(raw))
		for i, b := range raw {
			counts[i] = int(int8(b))
		}
		mask := make([]uint8, int(w)*int(h))
		if err := DecodeRLE(counts, int(w), int(h), mask); err != nil {
			return
		}
		ids := make([]uint16, len(mask))
		for i, m := range mask {
			ids[i] = uint16(m)
		}
		again := make([]uint8, len(mask))
		if err := DecodeRLE(EncodeRLE(nil, ids, int(w), int(h), 1, image.Rect(0, 0, int(w), int(h))), int(w), int(h), again); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(mask, again) {
			t.Fatal("mask does not survive re-encoding")
		}
	})
}
