package video

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"
)

// tolerance is how far a dedicated loop may be from the reference: its
// weights are 8-bit, so a bilinear sample may be off by one, which a
// colour conversion amplifies; nearest sampling must match exactly.
func tolerance(dst, src Format, interp Interp) int {
	if interp == InterpNearest {
		return 0
	}
	switch {
	case src.IsYUV() && !dst.IsYUV():
		return 5 // an error of one in Y, U and V adds up in B
	case dst.IsYUV() != src.IsYUV():
		return 3
	}
	return 2
}

type convertCase struct {
	name     string
	sw, sh   int
	dw, dh   int
	opt      ConvertOptions
	srcPad   int
	dstPad   int
	skipSame bool
}

var convertCases = []convertCase{
	{name: "same", sw: 64, sh: 48, dw: 64, dh: 48},
	{name: "same-odd", sw: 37, sh: 21, dw: 37, dh: 21, srcPad: 2},
	{name: "crop-same", sw: 40, sh: 30, dw: 23, dh: 17, opt: ConvertOptions{Crop: Rect{5, 3, 23, 17}}},
	{name: "crop-same-even", sw: 40, sh: 30, dw: 22, dh: 16, opt: ConvertOptions{Crop: Rect{4, 2, 22, 16}}},
	{name: "down", sw: 97, sh: 61, dw: 40, dh: 26},
	{name: "up-odd", sw: 21, sh: 15, dw: 67, dh: 45, srcPad: 5, dstPad: 3},
	{name: "crop-odd", sw: 80, sh: 60, dw: 33, dh: 17, opt: ConvertOptions{Crop: Rect{7, 3, 51, 41}}},
	{name: "aspect", sw: 64, sh: 48, dw: 50, dh: 50, opt: ConvertOptions{KeepAspect: true, Symmetric: true, PadColor: [4]uint8{10, 200, 30, 255}}},
	{name: "aspect-left", sw: 30, sh: 71, dw: 45, dh: 31, opt: ConvertOptions{KeepAspect: true, PadColor: [4]uint8{0, 0, 0, 255}}},
	{name: "tiny", sw: 1, sh: 1, dw: 3, dh: 2},
	{name: "to-one", sw: 9, sh: 7, dw: 1, dh: 1, srcPad: 1},
	{name: "parallel", sw: 700, sh: 400, dw: 333, dh: 241, opt: ConvertOptions{Workers: 3, Pool: testWorkers}},
}

// TestConvertMatchesReference holds every path, dedicated or not, to the
// reference for all format pairs, sizes, crops and both filters.
func TestConvertMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range convertCases {
		for _, sf := range allFormats {
			for _, df := range allFormats {
				for _, interp := range []Interp{InterpBilinear, InterpNearest} {
					name := fmt.Sprintf("%s/%v-%v/%d", c.name, sf, df, interp)
					if testing.Short() && c.name == "parallel" && sf != df {
						continue
					}
					t.Run(name, func(t *testing.T) {
						checkAgainstReference(t, c, sf, df, interp, rng)
					})
				}
			}
		}
	}
}

func checkAgainstReference(t *testing.T, c convertCase, sf, df Format, interp Interp, rng *rand.Rand) {
	src := noiseFrame(t, sf, c.sw, c.sh, c.srcPad, rng)
	got := noiseFrame(t, df, c.dw, c.dh, c.dstPad, rng)
	want := NewFrame(got.Info)
	copy(want.Data, got.Data)
	opt := c.opt
	opt.Interp = interp
	if err := Convert(got, src, opt); err != nil {
		t.Fatal(err)
	}
	referenceConvert(want, src, opt)
	if d, p, x, y := maxDiff(got, want); d > tolerance(df, sf, interp) {
		t.Errorf("differs from the reference by %d at plane %d byte %d row %d (tolerance %d)",
			d, p, x, y, tolerance(df, sf, interp))
	}
	// Bytes outside the pixel rows (row and plane padding) stay untouched.
	pixels := pixelMask(got)
	for i, in := range pixels {
		if !in && got.Data[i] != 0xEE {
			t.Fatalf("byte %d outside the pixels changed", i)
		}
	}
}

// pixelMask marks the bytes of f's planes' pixel rows.
func pixelMask(f *Frame) []bool {
	m := make([]bool, len(f.Data))
	for p := 0; p < f.Format.NumPlanes(); p++ {
		for r := 0; r < f.PlaneHeight(p); r++ {
			start := f.Offset[p] + r*f.Stride[p]
			for i := start; i < start+f.rowBytes(p); i++ {
				m[i] = true
			}
		}
	}
	return m
}

// TestConvertIdentity checks that converting a frame to its own format
// and size copies it exactly, with either filter.
func TestConvertIdentity(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, f := range allFormats {
		for _, interp := range []Interp{InterpBilinear, InterpNearest} {
			src := noiseFrame(t, f, 37, 23, 0, rng)
			if f == FormatBGRx {
				for i := 3; i < len(src.Data); i += 4 {
					src.Data[i] = 255 // Convert sets the unused byte
				}
			}
			dst := NewFrame(src.Info)
			if err := Convert(dst, src, ConvertOptions{Interp: interp}); err != nil {
				t.Fatal(err)
			}
			if d, p, x, y := maxDiff(dst, src); d != 0 {
				t.Errorf("%v interp %d: differs by %d at plane %d byte %d row %d", f, interp, d, p, x, y)
			}
		}
	}
}

// TestConvertColours checks known colours through YUV and back.
func TestConvertColours(t *testing.T) {
	colours := [][4]uint8{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}, {0, 0, 0, 255}, {128, 64, 32, 255}}
	for _, c := range colours {
		for _, yuv := range []Format{FormatNV12, FormatI420} {
			src := NewFrame(newInfo(t, yuv, 16, 10, 0))
			Fill(src, c)
			dst := NewFrame(newInfo(t, FormatRGBA, 8, 5, 0))
			if err := Convert(dst, src, ConvertOptions{}); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				if d := int(dst.Data[i]) - int(c[i]); d < -3 || d > 3 {
					t.Errorf("%v via %v: got %v", c, yuv, dst.Data[:4])
					break
				}
			}
		}
	}
}

// TestConvertWorkers checks that splitting the rows changes nothing.
func TestConvertWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, pair := range [][2]Format{{FormatNV12, FormatNV12}, {FormatNV12, FormatRGB}, {FormatRGBA, FormatNV12}, {FormatRGBA, FormatRGBA}, {FormatI420, FormatNV12}} {
		src := noiseFrame(t, pair[0], 641, 479, 0, rng)
		one := NewFrame(newInfo(t, pair[1], 403, 301, 0))
		many := NewFrame(one.Info)
		for _, w := range []int{1, 2, 5} {
			dst := one
			if w > 1 {
				dst = many
			}
			if err := Convert(dst, src, ConvertOptions{Workers: w, Pool: testWorkers, Crop: Rect{1, 3, 600, 471}}); err != nil {
				t.Fatal(err)
			}
			if w > 1 && !bytes.Equal(one.Data, many.Data) {
				t.Errorf("%v->%v: %d workers differ from one", pair[0], pair[1], w)
			}
		}
	}
}

// TestConvertNoAllocs checks the dedicated paths, serial and parallel.
func TestConvertNoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	pairs := [][2]Format{{FormatNV12, FormatNV12}, {FormatNV12, FormatRGB}, {FormatNV12, FormatRGBA},
		{FormatRGBA, FormatRGBA}, {FormatI420, FormatNV12}, {FormatRGBA, FormatNV12}, {FormatGRAY8, FormatRGBA}}
	for _, pair := range pairs {
		src := noiseFrame(t, pair[0], 640, 480, 0, rng)
		dst := NewFrame(newInfo(t, pair[1], 300, 200, 0))
		for _, w := range []int{1, 0} {
			opt := ConvertOptions{Workers: w, Pool: testWorkers, KeepAspect: true, Symmetric: true}
			n := testing.AllocsPerRun(20, func() {
				if err := Convert(dst, src, opt); err != nil {
					t.Fatal(err)
				}
			})
			if n != 0 {
				t.Errorf("%v->%v workers=%d: %v allocations per Convert", pair[0], pair[1], w, n)
			}
		}
	}
}

func TestWorkersCloseEndsTheirGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	w := NewWorkers(4)
	src, _ := NewInfo(FormatNV12, 1280, 720)
	dst, _ := NewInfo(FormatNV12, 640, 480)
	if err := Convert(NewFrame(dst), NewFrame(src), ConvertOptions{Pool: w}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	w.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left after Close, %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond)
	}
}
