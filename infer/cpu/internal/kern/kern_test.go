package kern

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

func TestTileLayout(t *testing.T) {
	var x Tile
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"W", unsafe.Offsetof(x.W), 0}, {"WStride", unsafe.Offsetof(x.WStride), 8},
		{"In", unsafe.Offsetof(x.In), 16}, {"Taps", unsafe.Offsetof(x.Taps), 40},
		{"NTaps", unsafe.Offsetof(x.NTaps), 48}, {"NC", unsafe.Offsetof(x.NC), 56},
		{"CStride", unsafe.Offsetof(x.CStride), 64}, {"Out", unsafe.Offsetof(x.Out), 72},
		{"LDO", unsafe.Offsetof(x.LDO), 96}, {"Bias", unsafe.Offsetof(x.Bias), 120},
		{"NOB", unsafe.Offsetof(x.NOB), 128}, {"LastRows", unsafe.Offsetof(x.LastRows), 136},
		{"Flags", unsafe.Offsetof(x.Flags), 144}, {"WSkip", unsafe.Offsetof(x.WSkip), 152},
	} {
		if f.got != f.want {
			t.Errorf("Tile.%s at offset %d; the assembly reads it at %d", f.name, f.got, f.want)
		}
	}
}

// tileCase is one micro-kernel call on random data, with the expected
// outputs computed in float64.
type tileCase struct {
	nob, lastRows, nc, flags int
	taps                     []int // float offsets
	skip                     int   // weights of taps left out, per channel
	cstride                  int   // floats
	in, w, bias              []float32
	inOff                    [3]int
	out                      []float32 // three vectors' outputs: [v][4*nob][ldo]
	ldo                      int       // floats
	px                       int       // pixels a vector: 8 (Conv4x24) or 16 (Conv4x48)
}

func newTileCase(rng *rand.Rand, nob, lastRows, nc, flags int, taps []int, skip int) *tileCase {
	c := &tileCase{nob: nob, lastRows: lastRows, nc: nc, flags: flags, taps: taps, skip: skip, cstride: 61, ldo: 21, px: 8}
	c.in = randSlice(rng, nc*c.cstride+100)
	c.w = randSlice(rng, nob*nc*(len(taps)+skip)*4)
	c.bias = randSlice(rng, 4*nob)
	c.inOff = [3]int{0, 17, 5} // vectors overlap and come in any order
	c.out = randSlice(rng, 3*4*nob*c.ldo)
	return c
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

func (c *tileCase) want() []float32 {
	want := append([]float32(nil), c.out...)
	for b := range c.nob {
		rows := 4
		if b == c.nob-1 {
			rows = c.lastRows
		}
		for v := range 3 {
			for r := range rows {
				row := want[(v*4*c.nob+4*b+r)*c.ldo:][:c.px]
				for i := range c.px {
					s := float64(c.bias[4*b+r])
					if c.flags&Accumulate != 0 {
						s = float64(row[i])
					}
					for ch := range c.nc {
						for ti, off := range c.taps {
							s += float64(c.w[((b*c.nc+ch)*(len(c.taps)+c.skip)+ti)*4+r]) * float64(c.in[c.inOff[v]+ch*c.cstride+off+i])
						}
					}
					if c.flags&Relu != 0 {
						s = max(s, 0)
					}
					row[i] = float32(s)
				}
			}
		}
	}
	return want
}

func (c *tileCase) run(kernel func(*Tile)) []float32 {
	out := append([]float32(nil), c.out...)
	t := c.tile(out)
	kernel(&t)
	return out
}

// tile describes the case's call writing to out.
func (c *tileCase) tile(out []float32) Tile {
	taps := make([]int, len(c.taps))
	for i, o := range c.taps {
		taps[i] = 4 * o
	}
	t := Tile{W: unsafe.Pointer(&c.w[0]), WStride: 4 * c.nc * (len(c.taps) + c.skip) * 4, WSkip: 16 * c.skip, Taps: unsafe.Pointer(&taps[0]),
		NTaps: len(taps), NC: c.nc, CStride: 4 * c.cstride, Bias: unsafe.Pointer(&c.bias[0]),
		NOB: c.nob, LastRows: c.lastRows, Flags: c.flags}
	for v := range 3 {
		t.In[v] = unsafe.Pointer(&c.in[c.inOff[v]])
		t.Out[v] = unsafe.Pointer(&out[v*4*c.nob*c.ldo])
		t.LDO[v] = 4 * c.ldo
	}
	return t
}

// tileCases are the micro-kernel calls the tests check: 1x1 and 3x3
// taps, taps left out of the weights, accumulating, ReLU, partial last
// blocks.
var tileCases = []struct {
	nob, lastRows, nc, flags int
	taps                     []int
	skip                     int
}{
	{1, 4, 1, 0, []int{0}, 0},
	{1, 1, 3, Relu, []int{0}, 0},
	{3, 2, 4, Accumulate, []int{7}, 0}, // one tap off the start, channels in pairs
	{2, 4, 5, Relu, []int{3}, 0},       // ... and a last odd one
	{2, 4, 4, 0, []int{0}, 1},          // one tap of two
	{2, 3, 7, Accumulate, []int{0, 1, 2, 9, 10, 11, 18, 19, 20}, 0},
	{3, 2, 5, Accumulate | Relu, []int{0, 2, 4, 30}, 0},
	{4, 4, 16, 0, []int{3, 1}, 0},
	{2, 4, 6, 0, []int{9, 10, 11, 18, 19, 20}, 3}, // a 3x3 filter's last two rows
}

// checkTileCases runs kernels on tileCases with vectors of px pixels
// against sums in float64 (the outputs past each vector left as they
// were).
func checkTileCases(t *testing.T, rng *rand.Rand, px int, kernels map[string]func(*Tile)) {
	for _, tc := range tileCases {
		c := newTileCase(rng, tc.nob, tc.lastRows, tc.nc, tc.flags, tc.taps, tc.skip)
		c.px = px
		want := c.want()
		for name, k := range kernels {
			got := c.run(k)
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-5*(1+math.Abs(float64(want[i]))) {
					t.Fatalf("%s %+v: out[%d] = %v, want %v", name, tc, i, got[i], want[i])
				}
			}
		}
	}
}

func TestConv4x24MatchesFloat64(t *testing.T) {
	kernels := map[string]func(*Tile){"go": Conv4x24Go}
	if SIMD() {
		kernels["avx2"] = conv4x24AVX2
	}
	checkTileCases(t, rand.New(rand.NewPCG(5, 6)), 8, kernels)
}

// TestConv4x48MatchesFloat64 runs the 16-pixel-vector kernel (512-bit
// where the CPU has AVX-512, else as two Conv4x24 calls) on the same
// cases.
func TestConv4x48MatchesFloat64(t *testing.T) {
	kernels := map[string]func(*Tile){"by24": conv4x48By24}
	if Wide() {
		kernels["avx512"] = conv4x48AVX512
	}
	checkTileCases(t, rand.New(rand.NewPCG(7, 8)), 16, kernels)
}

// BenchmarkConv4x24 is one 3x3 convolution tile of 112 output channels
// over 32 input channels, with the data in cache: the kernel's peak.
func BenchmarkConv4x24(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	taps := []int{0, 1, 2, 42, 43, 44, 84, 85, 86}
	c := newTileCase(rng, 28, 4, 32, Accumulate, taps, 0)
	c.cstride = 42 * 4
	c.in = randSlice(rng, c.nc*c.cstride+100)
	c.inOff = [3]int{0, 8, 16}
	flops := 2 * 12 * 8 * float64(c.nob*c.nc*len(taps))
	for name, k := range map[string]func(*Tile){"go": Conv4x24Go, "simd": Conv4x24} {
		b.Run(name, func(b *testing.B) {
			t := c.tile(c.out)
			for b.Loop() {
				k(&t)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
	// Conv4x48 on the same tile with 16-pixel vectors (twice the work).
	c.inOff = [3]int{0, 16, 32}
	c.ldo = 48
	c.out = randSlice(rng, 3*4*c.nob*c.ldo)
	b.Run("wide", func(b *testing.B) {
		t := c.tile(c.out)
		for b.Loop() {
			Conv4x48(&t)
		}
		b.ReportMetric(2*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	})
}

// TestPrefetch runs the prefetch hint over rows of a buffer, lengths not
// a multiple of a cache line included: it must neither fault nor change
// the memory.
func TestPrefetch(t *testing.T) {
	buf := make([]float32, 4096)
	for i := range buf {
		buf[i] = float32(i)
	}
	for _, c := range [][3]int{{4, 1, 0}, {100, 3, 4000}, {4096, 4, 4096}, {0, 5, 64}, {64, 0, 64}} {
		Prefetch(unsafe.Pointer(&buf[0]), c[0], c[1], c[2])
	}
	for i, v := range buf {
		if v != float32(i) {
			t.Fatalf("buf[%d] = %v after Prefetch", i, v)
		}
	}
}
