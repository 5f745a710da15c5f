package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

func TestS2TileLayout(t *testing.T) {
	var x S2Tile
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"W", unsafe.Offsetof(x.W), 0}, {"In", unsafe.Offsetof(x.In), 8},
		{"Rows", unsafe.Offsetof(x.Rows), 16}, {"WRows", unsafe.Offsetof(x.WRows), 40},
		{"NRows", unsafe.Offsetof(x.NRows), 64}, {"NC", unsafe.Offsetof(x.NC), 72},
		{"CStride", unsafe.Offsetof(x.CStride), 80}, {"Out", unsafe.Offsetof(x.Out), 88},
		{"LDO", unsafe.Offsetof(x.LDO), 96}, {"Bias", unsafe.Offsetof(x.Bias), 104},
		{"Flags", unsafe.Offsetof(x.Flags), 112},
	} {
		if f.got != f.want {
			t.Errorf("S2Tile.%s at offset %d; the assembly reads it at %d", f.name, f.got, f.want)
		}
	}
}

// TestConvS2MatchesFloat64 runs the stride-2 kernel on random input
// (rows with an odd stride, some filter rows left out, padding on either
// side) against sums in float64.
func TestConvS2MatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	kernels := map[string]func(*S2Tile){"go": ConvS2Go}
	if SIMD() {
		kernels["avx2"] = convS2AVX2
	}
	const ldx, ldo = 23, 11 // floats per input row and between output channels
	for _, tc := range []struct {
		nc, flags int
		rows      []int // filter rows used
	}{
		{1, 0, []int{0, 1, 2}},
		{3, Relu, []int{0, 1, 2}},
		{5, LeftPad, []int{1, 2}},
		{7, RightPad | Relu, []int{0, 1}},
		{16, LeftPad | RightPad, []int{1}},
	} {
		cstride := 3*ldx + 5
		// One float of room on each side, which the pads must not read
		// (NaN would show).
		in := randSlice(rng, tc.nc*cstride+2)
		in[0], in[len(in)-1] = float32(math.NaN()), float32(math.NaN())
		w := randSlice(rng, tc.nc*S2WeightsPerChannel)
		bias := randSlice(rng, 8)
		out := make([]float32, 8*ldo)
		tl := S2Tile{Out: unsafe.Pointer(&out[0]), W: unsafe.Pointer(&w[0]), In: unsafe.Pointer(&in[1]), NRows: len(tc.rows), NC: tc.nc,
			CStride: 4 * cstride, LDO: 4 * ldo, Bias: unsafe.Pointer(&bias[0]), Flags: tc.flags}
		// The first channel's row 0 starts at float 0 of In, where
		// LeftPad makes it read from float 1.
		for r, kh := range tc.rows {
			tl.Rows[r] = 4 * kh * ldx
			tl.WRows[r] = 4 * 24 * kh
		}
		if tc.flags&LeftPad != 0 {
			for r := range tc.rows {
				tl.Rows[r] -= 4
			}
		}
		if tc.flags&RightPad != 0 && tc.flags&LeftPad == 0 {
			// The last channel's last row's 17th float is the NaN past
			// the input.
			tl.Rows[len(tc.rows)-1] = 4 * (cstride - 16)
		}
		for o := range 8 {
			for p := range 8 {
				s := float64(bias[o])
				for c := range tc.nc {
					for r, kh := range tc.rows {
						for j := range 3 {
							e := 2*p + j
							if e == 0 && tc.flags&LeftPad != 0 || e == 16 && tc.flags&RightPad != 0 {
								continue
							}
							x := in[1+c*cstride+tl.Rows[r]/4+e]
							s += float64(w[c*S2WeightsPerChannel+(kh*3+j)*8+o]) * float64(x)
						}
					}
				}
				if tc.flags&Relu != 0 {
					s = max(s, 0)
				}
				for name, k := range kernels {
					clear(out)
					k(&tl)
					if got := out[o*ldo+p]; math.Abs(float64(got)-s) > 1e-5*(1+math.Abs(s)) {
						t.Fatalf("%s %+v: out[%d][%d] = %v, want %v", name, tc, o, p, got, s)
					}
				}
			}
		}
	}
}

// BenchmarkConvS2 is one stride-2 tile over 64 input channels with the
// data in cache: the kernel's peak.
func BenchmarkConvS2(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const nc, ldx = 64, 40
	in := randSlice(rng, nc*3*ldx)
	w := randSlice(rng, nc*S2WeightsPerChannel)
	bias := randSlice(rng, 8)
	out := make([]float32, 64)
	tl := S2Tile{W: unsafe.Pointer(&w[0]), In: unsafe.Pointer(&in[0]), Rows: [3]int{0, 4 * ldx, 8 * ldx},
		WRows: [3]int{0, 96, 192}, NRows: 3, NC: nc, CStride: 4 * 3 * ldx, Out: unsafe.Pointer(&out[0]), LDO: 32, Bias: unsafe.Pointer(&bias[0])}
	flops := 2 * 64 * 9 * float64(nc)
	for name, k := range map[string]func(*S2Tile){"go": ConvS2Go, "simd": ConvS2} {
		b.Run(fmt.Sprint(name), func(b *testing.B) {
			for b.Loop() {
				k(&tl)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
