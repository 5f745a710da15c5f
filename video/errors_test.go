package video

import (
	"math/rand/v2"
	"testing"
)

// TestConvertErrors checks that bad frames, crops and options are
// reported, and that dst is left alone.
func TestConvertErrors(t *testing.T) {
	good := func(f Format, w, h int) *Frame { return NewFrame(newInfo(t, f, w, h, 0)) }
	tests := []struct {
		name     string
		dst, src *Frame
		opt      ConvertOptions
	}{
		{"nil dst", nil, good(FormatNV12, 8, 8), ConvertOptions{}},
		{"nil src", good(FormatNV12, 8, 8), nil, ConvertOptions{}},
		{"short data", good(FormatNV12, 8, 8), &Frame{Info: good(FormatNV12, 8, 8).Info, Data: make([]byte, 10)}, ConvertOptions{}},
		{"unknown format", good(FormatNV12, 8, 8), &Frame{Info: Info{Width: 8, Height: 8}, Data: make([]byte, 100)}, ConvertOptions{}},
		{"zero size", good(FormatNV12, 8, 8), &Frame{Info: Info{Format: FormatGRAY8, Stride: [3]int{8}}, Data: make([]byte, 100)}, ConvertOptions{}},
		{"small stride", good(FormatRGBA, 8, 8), &Frame{Info: Info{Format: FormatRGBA, Width: 8, Height: 8, Stride: [3]int{31}}, Data: make([]byte, 1000)}, ConvertOptions{}},
		{"negative offset", good(FormatRGBA, 8, 8), &Frame{Info: Info{Format: FormatNV12, Width: 8, Height: 8, Stride: [3]int{8, 8}, Offset: [3]int{0, -8}}, Data: make([]byte, 1000)}, ConvertOptions{}},
		{"overlapping planes", good(FormatRGBA, 8, 8), &Frame{Info: Info{Format: FormatNV12, Width: 8, Height: 8, Stride: [3]int{8, 8}, Offset: [3]int{0, 60}}, Data: make([]byte, 1000)}, ConvertOptions{}},
		{"huge stride", good(FormatRGBA, 8, 8), &Frame{Info: Info{Format: FormatGRAY8, Width: 8, Height: 8, Stride: [3]int{1 << 40}}, Data: make([]byte, 1000)}, ConvertOptions{}},
		{"crop outside", good(FormatRGBA, 8, 8), good(FormatNV12, 16, 16), ConvertOptions{Crop: Rect{10, 0, 8, 8}}},
		{"crop negative", good(FormatRGBA, 8, 8), good(FormatNV12, 16, 16), ConvertOptions{Crop: Rect{-1, 0, 8, 8}}},
		{"crop empty", good(FormatRGBA, 8, 8), good(FormatNV12, 16, 16), ConvertOptions{Crop: Rect{2, 2, 0, 0}}},
		{"crop negative size", good(FormatRGBA, 8, 8), good(FormatNV12, 16, 16), ConvertOptions{Crop: Rect{4, 4, -2, 3}}},
		{"crop overflow", good(FormatRGBA, 8, 8), good(FormatNV12, 16, 16), ConvertOptions{Crop: Rect{1, 1, 1<<62 + 1, 4}}},
		{"interp", good(FormatRGBA, 8, 8), good(FormatNV12, 16, 16), ConvertOptions{Interp: 7}},
		{"workers", good(FormatRGBA, 8, 8), good(FormatNV12, 16, 16), ConvertOptions{Workers: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before []byte
			if tc.dst != nil {
				before = append(before, tc.dst.Data...)
			}
			if err := Convert(tc.dst, tc.src, tc.opt); err == nil {
				t.Fatal("no error")
			} else {
				t.Log(err)
			}
			if tc.dst != nil && string(before) != string(tc.dst.Data) {
				t.Error("dst changed")
			}
		})
	}
}

// TestConvertRandomLayouts throws random layouts, sizes and crops at
// Convert: it must return an error or succeed, never panic.
func TestConvertRandomLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	n := 3000
	if testing.Short() {
		n = 300
	}
	for i := 0; i < n; i++ {
		src, dst := randomFrame(rng), randomFrame(rng)
		opt := ConvertOptions{
			Crop:       Rect{rng.IntN(40) - 5, rng.IntN(40) - 5, rng.IntN(40) - 5, rng.IntN(40) - 5},
			Interp:     Interp(rng.IntN(3)),
			KeepAspect: rng.IntN(2) == 0,
			Symmetric:  rng.IntN(2) == 0,
			Workers:    rng.IntN(4) - 1,
			Pool:       testWorkers,
		}
		if rng.IntN(3) == 0 {
			opt.Crop = Rect{}
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic for src %+v (%d bytes) dst %+v (%d bytes) opt %+v: %v",
						src.Info, len(src.Data), dst.Info, len(dst.Data), opt, r)
				}
			}()
			_ = Convert(dst, src, opt)
			Fill(dst, [4]uint8{1, 2, 3, 4})
			_, _ = src.Image()
		}()
	}
}

// randomFrame returns a frame whose layout is usually almost right.
func randomFrame(rng *rand.Rand) *Frame {
	f := Format(rng.IntN(len(formatNames) + 1))
	w, h := rng.IntN(40)-2, rng.IntN(40)-2
	in, err := NewInfo(f, max(w, 1), max(h, 1))
	if err != nil {
		in = Info{Format: f}
	}
	in.Width, in.Height = w, h
	for i := range 3 {
		switch rng.IntN(6) {
		case 0:
			in.Stride[i] += rng.IntN(9) - 4
		case 1:
			in.Offset[i] += rng.IntN(9) - 4
		}
	}
	size := in.Size
	if rng.IntN(4) == 0 {
		size += rng.IntN(21) - 10
	}
	return &Frame{Info: in, Data: make([]byte, max(size, 0))}
}

// FuzzConvert runs Convert on fuzzed frame layouts and crops; it must
// never panic.
func FuzzConvert(f *testing.F) {
	f.Add(uint8(FormatNV12), 16, 16, 16, 0, uint8(FormatRGBA), 8, 8, 32, 0, 0, 0, 0, 0, false)
	f.Add(uint8(FormatI420), 15, 9, 16, 3, uint8(FormatNV12), 7, 3, 7, -1, 1, 1, 5, 5, true)
	f.Fuzz(func(t *testing.T, sf uint8, sw, sh, sst, soff int, df uint8, dw, dh, dst, doff, cx, cy, cw, ch int, keep bool) {
		mk := func(fm uint8, w, h, st, off int) *Frame {
			in, _ := NewInfo(Format(fm), max(1, min(w, 64)), max(1, min(h, 64)))
			in.Format, in.Width, in.Height = Format(fm), w, h
			in.Stride[0], in.Offset[1] = st, in.Offset[1]+off
			return &Frame{Info: in, Data: make([]byte, max(0, min(in.Size, 1<<16)))}
		}
		s, d := mk(sf, sw, sh, sst, soff), mk(df, dw, dh, dst, doff)
		_ = Convert(d, s, ConvertOptions{Crop: Rect{cx, cy, cw, ch}, KeepAspect: keep})
	})
}
