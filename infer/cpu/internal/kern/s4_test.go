package kern

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

func TestS4TileLayout(t *testing.T) {
	var x S4Tile
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"W", unsafe.Offsetof(x.W), 0}, {"In", unsafe.Offsetof(x.In), 8},
		{"Rows", unsafe.Offsetof(x.Rows), 16}, {"WRows", unsafe.Offsetof(x.WRows), 40},
		{"NRows", unsafe.Offsetof(x.NRows), 64}, {"NC", unsafe.Offsetof(x.NC), 72},
		{"CStride", unsafe.Offsetof(x.CStride), 80}, {"Out", unsafe.Offsetof(x.Out), 88},
		{"LDO", unsafe.Offsetof(x.LDO), 96}, {"Bias", unsafe.Offsetof(x.Bias), 104},
		{"Flags", unsafe.Offsetof(x.Flags), 112}, {"NB", unsafe.Offsetof(x.NB), 120},
		{"WCStride", unsafe.Offsetof(x.WCStride), 128}, {"PF", unsafe.Offsetof(x.PF), 136},
		{"NG", unsafe.Offsetof(x.NG), 144}, {"Acc", unsafe.Offsetof(x.Acc), 152},
		{"AccLDO", unsafe.Offsetof(x.AccLDO), 160}, {"TapStride", unsafe.Offsetof(x.TapStride), 168},
	} {
		if f.got != f.want {
			t.Errorf("S4Tile.%s at offset %d; the assembly reads it at %d", f.name, f.got, f.want)
		}
	}
}

// TestConvS4MatchesFloat64 runs the stride-2 kernels on random input
// (2, 3, 4 and 8 blocks, some filter rows left out, padding on either side,
// NaN just outside the input, sums accumulated from the output or from a
// separate block with the output NaN; ConvS6's groups of 6 pixels)
// against sums in float64, the output past the groups untouched.
func TestConvS4MatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	kernels := map[int]map[string]func(*S4Tile){4: {"go": ConvS4Go}, 6: {"go": ConvS6Go}}
	if SIMD() {
		kernels[4]["avx2"], kernels[6]["avx2"] = convS4AVX2, convS6AVX2
	}
	if Wide() {
		kernels[6]["avx512"] = ConvS6 // pairs of groups on the 512-bit kernel
		kernels[4]["avx512"] = ConvS4 // triples of groups
	}
	const ldx = 48
	for _, tc := range []struct {
		nb, nc, flags, ng int
		rows              []int
		acc               bool // the sums so far in Acc, not Out
		px                int  // pixels a group: 4 (0) or 6 (ConvS6)
	}{
		{2, 1, 0, 1, []int{0, 1, 2}, false, 0},
		{3, 3, Relu, 1, []int{0, 1, 2}, false, 0},
		{3, 5, LeftPad, 1, []int{1, 2}, false, 0},
		{2, 7, RightPad | Relu, 1, []int{0, 1}, false, 0},
		{3, 16, LeftPad | RightPad, 1, []int{1}, false, 0},
		{2, 4, Accumulate, 1, []int{0, 1, 2}, false, 0},
		{3, 6, Accumulate | Relu | LeftPad, 1, []int{0, 2}, false, 0},
		{3, 5, LeftPad | RightPad, 3, []int{0, 1, 2}, false, 0}, // padding in the first and last groups only
		{2, 3, Accumulate | RightPad, 2, []int{1, 2}, false, 0},
		{3, 17, Accumulate | Relu, 2, []int{0, 1, 2}, false, 0}, // the unpadded 3-row path, groups in a row
		{2, 16, 0, 2, []int{0, 1, 2}, false, 0},
		{2, 5, Accumulate | Relu, 3, []int{0, 1, 2}, true, 0},
		{3, 4, Accumulate | LeftPad | RightPad, 2, []int{1, 2}, true, 0},
		{3, 9, Accumulate, 1, []int{0, 1, 2}, true, 0},
		{3, 6, Accumulate | Relu | LeftPad, 6, []int{0, 1, 2}, true, 0}, // two triples, from Acc
		{3, 5, RightPad, 4, []int{1, 2}, false, 0},                      // a triple and one left over
		{3, 9, LeftPad | RightPad | Relu, 7, []int{0, 1}, false, 0},
		{3, 4, Accumulate, 3, []int{0, 1, 2}, false, 0},
		{3, 16, 0, 6, []int{0, 1, 2}, false, 0},
		{3, 7, Accumulate | LeftPad, 5, []int{0, 2}, true, 0},
		{2, 6, Accumulate | Relu | LeftPad, 6, []int{0, 1, 2}, true, 0}, // 2 blocks: two triples, from Acc
		{2, 5, LeftPad | RightPad, 4, []int{1, 2}, false, 0},
		{2, 9, Relu | RightPad, 7, []int{0, 1}, false, 0},
		{2, 3, Accumulate, 3, []int{0, 1, 2}, false, 0},
		{2, 5, LeftPad | Relu, 2, []int{0, 1, 2}, false, 0},      // the 3-row path with the left padding, 2 blocks
		{3, 7, Accumulate | LeftPad, 3, []int{0, 1, 2}, true, 0}, // and 3 blocks, accumulating
		{2, 1, 0, 1, []int{0, 1, 2}, false, 6},
		{2, 5, Relu, 2, []int{0, 1, 2}, false, 6},
		{2, 16, 0, 3, []int{0, 1, 2}, false, 6},
		{2, 3, Relu, 1, []int{0, 1, 2}, false, 6},
		{2, 4, LeftPad, 1, []int{0, 1, 2}, false, 6},
		{2, 7, LeftPad | RightPad | Relu, 4, []int{0, 1, 2}, false, 6}, // padding in the first and last groups only
		{2, 5, RightPad, 2, []int{1, 2}, false, 6},
		{2, 9, LeftPad | RightPad, 1, []int{0}, false, 6},
		{2, 6, Relu, 3, []int{0, 2}, false, 6},
		{2, 6, LeftPad | RightPad, 5, []int{0, 1}, false, 6}, // two pairs and an odd last group
		{2, 11, Relu, 6, []int{0}, false, 6},
		{2, 6, LeftPad, 2, []int{0, 1, 2}, false, 6}, // one pair with the left padding
		// 4 blocks (AVX-512 and Go only): triples with and without the
		// padding, accumulating, one-group leftovers and calls.
		{4, 1, 0, 1, []int{0, 1, 2}, false, 0},
		{4, 5, Relu | LeftPad | RightPad, 2, []int{0, 1, 2}, false, 0},
		{4, 7, 0, 3, []int{0, 1, 2}, false, 0},
		{4, 6, Accumulate | Relu | LeftPad, 6, []int{0, 1, 2}, true, 0},
		{4, 9, LeftPad | RightPad | Relu, 7, []int{0, 1}, false, 0},
		{4, 4, Accumulate, 5, []int{0, 1, 2}, false, 0},
		{4, 16, RightPad, 4, []int{1, 2}, false, 0},
		{4, 3, Accumulate | LeftPad, 3, []int{0, 1, 2}, true, 0},
		{4, 5, Accumulate | RightPad, 8, []int{0, 1, 2}, true, 0},
		// 6 blocks (AVX-512 and Go only): pairs of groups and an odd
		// last one, with and without the padding, accumulating.
		{6, 1, 0, 1, []int{0, 1, 2}, false, 0},
		{6, 5, Relu | LeftPad | RightPad, 2, []int{0, 1, 2}, false, 0},
		{6, 6, Accumulate | Relu | LeftPad, 3, []int{0, 1, 2}, true, 0},
		{6, 9, LeftPad | RightPad | Relu, 4, []int{0, 1}, false, 0},
		{6, 4, Accumulate, 5, []int{0, 1, 2}, false, 0},
		{6, 3, Accumulate | RightPad, 2, []int{1, 2}, true, 0},
		{6, 7, LeftPad, 1, []int{0, 2}, false, 0},
		{6, 16, Accumulate | LeftPad | RightPad, 6, []int{0, 1, 2}, true, 0},
		// 8 blocks (AVX-512 and Go only): one group at a time.
		{8, 1, 0, 1, []int{0, 1, 2}, false, 0},
		{8, 5, Relu | LeftPad | RightPad, 2, []int{0, 1, 2}, false, 0},
		{8, 6, Accumulate | Relu | LeftPad, 3, []int{0, 1, 2}, true, 0},
		{8, 9, LeftPad | RightPad | Relu, 4, []int{0, 1}, false, 0},
		{8, 4, Accumulate, 5, []int{0, 1, 2}, false, 0},
		{8, 3, Accumulate | RightPad, 2, []int{1, 2}, true, 0},
		// 8 blocks of groups of 6 (ConvS6; AVX-512 and Go only).
		{8, 1, 0, 1, []int{0, 1, 2}, false, 6},
		{8, 5, Relu, 2, []int{0, 1, 2}, false, 6},
		{8, 4, LeftPad, 1, []int{0, 1, 2}, false, 6},
		{8, 7, LeftPad | RightPad | Relu, 3, []int{0, 1, 2}, false, 6},
		{8, 5, RightPad, 2, []int{1, 2}, false, 6},
		{8, 6, Relu, 3, []int{0, 2}, false, 6},
		{8, 9, LeftPad | RightPad, 1, []int{0}, false, 6},
	} {
		px := max(tc.px, 4)
		no, ldo := 8*tc.nb, px*tc.ng+3
		cstride := 3*ldx + 5
		in := randSlice(rng, tc.nc*cstride+2)
		in[0], in[len(in)-1] = float32(math.NaN()), float32(math.NaN())
		w := randSlice(rng, tc.nc*9*no)
		bias := randSlice(rng, no)
		out := make([]float32, no*ldo)
		start := randSlice(rng, no*ldo) // the sums so far, with Accumulate
		tl := S4Tile{Out: unsafe.Pointer(&out[0]), W: unsafe.Pointer(&w[0]), In: unsafe.Pointer(&in[1]), NRows: len(tc.rows), NC: tc.nc,
			CStride: 4 * cstride, LDO: 4 * ldo, Bias: unsafe.Pointer(&bias[0]), Flags: tc.flags, NB: tc.nb, WCStride: 4 * 9 * no, NG: tc.ng}
		for r, kh := range tc.rows {
			tl.Rows[r] = 4 * kh * ldx
			tl.WRows[r] = 4 * 3 * no * kh
			if tc.flags&LeftPad != 0 {
				tl.Rows[r] -= 4
			}
		}
		if tc.flags&RightPad != 0 && tc.flags&LeftPad == 0 {
			// The last channel's last row's last float is the NaN past
			// the input.
			tl.Rows[len(tc.rows)-1] = 4 * (cstride - 2*px - 2*px*(tc.ng-1))
		}
		accLDO := ldo + 5
		accBuf := make([]float32, no*accLDO)
		if tc.acc {
			for o := range no {
				copy(accBuf[o*accLDO:], start[o*ldo:(o+1)*ldo])
			}
			tl.Acc, tl.AccLDO = unsafe.Pointer(&accBuf[0]), 4*accLDO
		}
		for name, k := range kernels[px] {
			if tc.nb >= 4 && name == "avx2" {
				continue // 16 sums and 4 weight vectors: too many for 16 registers
			}
			copy(out, start)
			if tc.acc {
				for i := range out {
					out[i] = float32(math.NaN())
				}
			}
			k(&tl)
			for o := range no {
				for q := range px * tc.ng {
					g, p := q/px, q%px
					s := float64(bias[o])
					if tc.flags&Accumulate != 0 {
						s = float64(start[o*ldo+q])
					}
					for c := range tc.nc {
						for r, kh := range tc.rows {
							for j := range 3 {
								e := 2*p + j
								if e == 0 && g == 0 && tc.flags&LeftPad != 0 || e == 2*px && g == tc.ng-1 && tc.flags&RightPad != 0 {
									continue
								}
								x := in[1+c*cstride+tl.Rows[r]/4+2*px*g+e]
								s += float64(w[c*9*no+(kh*3+j)*no+o]) * float64(x)
							}
						}
					}
					if tc.flags&Relu != 0 {
						s = max(s, 0)
					}
					if got := out[o*ldo+q]; math.Abs(float64(got)-s) > 1e-5*(1+math.Abs(s)) {
						t.Fatalf("%s %+v: out[%d][%d] = %v, want %v", name, tc, o, q, got, s)
					}
				}
				for q := px * tc.ng; q < ldo; q++ {
					want := start[o*ldo+q]
					if tc.acc {
						want = float32(math.NaN())
					}
					if got := out[o*ldo+q]; math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("%s %+v: out[%d][%d] = %v written past the groups", name, tc, o, q, got)
					}
				}
			}
		}
	}
}

// BenchmarkConvS4 is one stride-2 tile (24 output channels) over 64
// input channels with the data in cache: the kernel's peak. The nb2-nb8
// cases are 3 groups (12 pixels, a 512-bit kernel's call where Wide)
// of 16, 24, 32, 48 and 64 channels over 16 input channels (weights in
// L1; 48 channels a pair and one group, 64 one group at a time).
func BenchmarkConvS4(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const nc, ldx = 64, 40
	in := randSlice(rng, nc*3*ldx)
	w := randSlice(rng, nc*9*64)
	bias := randSlice(rng, 64)
	out := make([]float32, 64*12)
	tl := S4Tile{W: unsafe.Pointer(&w[0]), In: unsafe.Pointer(&in[0]), Rows: [3]int{0, 4 * ldx, 8 * ldx},
		WRows: [3]int{0, 288, 576}, NRows: 3, NC: nc, CStride: 4 * 3 * ldx, Out: unsafe.Pointer(&out[0]), LDO: 16,
		Bias: unsafe.Pointer(&bias[0]), NB: 3, WCStride: 4 * 9 * 24, NG: 1}
	run := func(name string, k func(*S4Tile), t S4Tile) {
		flops := 2 * float64(32*t.NB*t.NG*9*t.NC)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				k(&t)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
	run("go", ConvS4Go, tl)
	run("simd", ConvS4, tl)
	for _, nb := range []int{2, 3, 4, 6, 8} {
		if nb >= 4 && !Wide() {
			continue
		}
		t := tl
		t.NB, t.NG, t.NC, t.LDO, t.WCStride = nb, 3, 16, 48, 4*72*nb
		t.WRows = [3]int{0, 96 * nb, 192 * nb}
		run("nb"+string(rune('0'+nb)), ConvS4, t)
	}
}

// BenchmarkConvS6 compares the 6-pixel kernel with the 4-pixel one on 16
// output channels over 16 input channels (the weights in L1), data in
// cache, and times its paths for a row's first group (s6left) and for a
// top row of 2 filter rows (s6top, the per-row path).
func BenchmarkConvS6(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	const nc, ldx = 16, 40
	in := randSlice(rng, nc*3*ldx)
	w := randSlice(rng, nc*9*16)
	bias := randSlice(rng, 16)
	out := make([]float32, 16*12)
	tl := S4Tile{W: unsafe.Pointer(&w[0]), In: unsafe.Pointer(&in[0]), Rows: [3]int{0, 4 * ldx, 8 * ldx},
		WRows: [3]int{0, 192, 384}, NRows: 3, NC: nc, CStride: 4 * 3 * ldx, Out: unsafe.Pointer(&out[0]), LDO: 48,
		Bias: unsafe.Pointer(&bias[0]), NB: 2, WCStride: 4 * 9 * 16, NG: 2}
	for _, name := range []string{"s4x2", "s6", "s6left", "s6top"} {
		k := ConvS4
		b.Run(name, func(b *testing.B) {
			px := 4 * 2
			t := tl
			switch name {
			case "s6":
				k, px, t.NG = ConvS6, 6, 1
			case "s6left":
				k, px, t.NG, t.Flags = ConvS6, 6, 1, LeftPad
				t.In = unsafe.Pointer(&in[1])
			case "s6top":
				k, px, t.NG, t.NRows = ConvS6, 6, 1, 2
				t.Rows, t.WRows = [3]int{4 * ldx, 8 * ldx}, [3]int{192, 384}
			}
			for b.Loop() {
				k(&t)
			}
			b.ReportMetric(2*16*3*float64(t.NRows)*float64(nc*px)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// TestConvD4MatchesFloat64 runs the dilated stride-1 kernel (6 and 8
// blocks, dilations 1, 2 and 8, 1-5 groups, some filter rows left out,
// sums accumulated from the output or from a separate block, ReLU)
// against float64 sums; with AVX-512 the vector kernels, elsewhere the
// portable loop.
func TestConvD4MatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for _, tc := range []struct {
		nb, nc, d, ng, flags int
		rows                 []int
		acc                  bool
	}{
		{8, 1, 1, 1, 0, []int{0, 1, 2}, false},
		{8, 5, 2, 3, Relu, []int{0, 1, 2}, false},
		{6, 7, 8, 5, 0, []int{0, 2}, false},
		{6, 3, 2, 2, Accumulate | Relu, []int{1}, false},
		{8, 6, 8, 4, Accumulate, []int{1, 2}, true},
		{6, 9, 1, 3, Accumulate, []int{0, 1, 2}, true},
	} {
		no, ldo := 8*tc.nb, 4*tc.ng+3
		rowLen := 4*tc.ng + 2*tc.d + 1
		ldx := rowLen + 3
		cstride := 3*tc.d*ldx + ldx
		in := randSlice(rng, tc.nc*cstride)
		w := randSlice(rng, tc.nc*9*no)
		bias := randSlice(rng, no)
		out := make([]float32, no*ldo)
		start := randSlice(rng, no*ldo)
		tl := S4Tile{Out: unsafe.Pointer(&out[0]), W: unsafe.Pointer(&w[0]), In: unsafe.Pointer(&in[0]), NRows: len(tc.rows), NC: tc.nc,
			CStride: 4 * cstride, LDO: 4 * ldo, Bias: unsafe.Pointer(&bias[0]), Flags: tc.flags, NB: tc.nb, WCStride: 4 * 9 * no,
			NG: tc.ng, TapStride: 4 * tc.d}
		for r, kh := range tc.rows {
			tl.Rows[r] = 4 * kh * tc.d * ldx
			tl.WRows[r] = 4 * 3 * no * kh
		}
		accLDO := ldo + 5
		accBuf := make([]float32, no*accLDO)
		copy(out, start)
		if tc.acc {
			for o := range no {
				copy(accBuf[o*accLDO:], start[o*ldo:(o+1)*ldo])
			}
			tl.Acc, tl.AccLDO = unsafe.Pointer(&accBuf[0]), 4*accLDO
			for i := range out {
				out[i] = float32(math.NaN())
			}
		}
		ConvD4(&tl)
		for o := range no {
			for q := range 4 * tc.ng {
				s := float64(bias[o])
				if tc.flags&Accumulate != 0 {
					s = float64(start[o*ldo+q])
				}
				for c := range tc.nc {
					for _, kh := range tc.rows {
						for j := range 3 {
							x := in[c*cstride+kh*tc.d*ldx+q+j*tc.d]
							s += float64(w[c*9*no+(kh*3+j)*no+o]) * float64(x)
						}
					}
				}
				if tc.flags&Relu != 0 {
					s = max(s, 0)
				}
				if got := out[o*ldo+q]; math.Abs(float64(got)-s) > 1e-5*(1+math.Abs(s)) {
					t.Fatalf("%+v: out[%d][%d] = %v, want %v", tc, o, q, got, s)
				}
			}
		}
	}
}
