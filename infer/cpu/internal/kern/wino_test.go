package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestWinoMatchesDirect checks that the transforms and a per-value
// product compute a 3x3 convolution of one channel: WinoOut(U .* WinoIn(x))
// against the direct sums, for the vector and the portable code, with and
// without a residual and ReLU.
func TestWinoMatchesDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n8, tiles = 2, 16
	ps := 2*tiles + 8 // floats per input row
	in := randSlice(rng, 4*ps)
	g := randSlice(rng, 9)
	u := WinoWeights(g)
	type pair struct {
		name string
		in   func(unsafe.Pointer, int, unsafe.Pointer, int, int)
		out  func(unsafe.Pointer, int, unsafe.Pointer, int, int, unsafe.Pointer, bool)
		relu bool
		res  bool
	}
	var cases []pair
	for _, k := range []pair{{name: "go", in: WinoInGo, out: WinoOutGo}, {name: "avx2", in: WinoIn, out: WinoOut}} {
		if k.name == "avx2" && !SIMD() {
			continue
		}
		for _, relu := range []bool{false, true} {
			for _, res := range []bool{false, true} {
				c := k
				c.name = fmt.Sprintf("%s relu %v residual %v", k.name, relu, res)
				c.relu, c.res = relu, res
				cases = append(cases, c)
			}
		}
	}
	res := randSlice(rng, 2*2*tiles)
	for _, c := range cases {
		v := make([]float32, 16*tiles)
		c.in(unsafe.Pointer(&v[0]), 4*tiles, unsafe.Pointer(&in[0]), 4*ps, n8)
		for xi := range 16 {
			for j := range tiles {
				v[xi*tiles+j] *= u[xi]
			}
		}
		y := make([]float32, 2*2*tiles)
		var rp unsafe.Pointer
		if c.res {
			rp = unsafe.Pointer(&res[0])
		}
		c.out(unsafe.Pointer(&y[0]), 4*2*tiles, unsafe.Pointer(&v[0]), 4*tiles, n8, rp, c.relu)
		for r := range 2 {
			for col := range 2 * tiles {
				var want float64
				for i := range 3 {
					for k := range 3 {
						want += float64(g[3*i+k]) * float64(in[(r+i)*ps+col+k])
					}
				}
				if c.res {
					want += float64(res[r*2*tiles+col])
				}
				if c.relu {
					want = max(want, 0)
				}
				if got := y[r*2*tiles+col]; math.Abs(float64(got)-want) > 1e-5 {
					t.Fatalf("%s: output (%d, %d) = %v, want %v", c.name, r, col, got, want)
				}
			}
		}
	}
}

// TestWinoInRowMatchesWinoIn checks that each value row of WinoInRow, vector
// and portable, stores exactly the floats WinoIn stores for those values.
func TestWinoInRowMatchesWinoIn(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n8, tiles = 3, 24
	ps := 2*tiles + 8
	in := randSlice(rng, 4*ps)
	want := make([]float32, 16*tiles)
	WinoInGo(unsafe.Pointer(&want[0]), 4*tiles, unsafe.Pointer(&in[0]), 4*ps, n8)
	kernels := map[string]func(unsafe.Pointer, int, unsafe.Pointer, int, int, int){"go": WinoInRowGo}
	if SIMD() {
		kernels["avx2"] = WinoInRow
	}
	for name, k := range kernels {
		for i := range 4 {
			got := make([]float32, 4*tiles+1)
			got[4*tiles] = 7 // past the last value: must stay
			k(unsafe.Pointer(&got[0]), 4*tiles, unsafe.Pointer(&in[0]), 4*ps, n8, i)
			for j := range 4 * tiles {
				if w := want[4*i*tiles+j]; got[j] != w {
					t.Fatalf("%s row %d: value %d tile %d = %v, WinoIn's %v", name, i, 4*i+j/tiles, j%tiles, got[j], w)
				}
			}
			if got[4*tiles] != 7 {
				t.Fatalf("%s row %d wrote past its 4 values", name, i)
			}
		}
	}
}
