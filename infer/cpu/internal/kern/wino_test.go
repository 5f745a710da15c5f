package kern

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestWinoMatchesDirect checks that the transforms and a per-value
// product compute a 3x3 convolution of one channel: out(U .* in(x))
// against the direct sums, for F(2x2, 3x3) and F(4x4, 3x3), the vector
// and the portable code, with and without a residual and ReLU, 1 to 3
// groups of 8 tiles; and that the outputs' rows are written only where
// the tiles' outputs go.
func TestWinoMatchesDirect(t *testing.T) {
	type transforms struct {
		in  func(unsafe.Pointer, int, unsafe.Pointer, int, int)
		out func(unsafe.Pointer, int, unsafe.Pointer, int, int, unsafe.Pointer, bool)
	}
	type variant struct {
		name          string
		e             int // tile edge: outputs a tile row and column
		weights       func([]float32) []float32
		portable, vec transforms
	}
	variants := []variant{
		{"F(2x2,3x3)", 2, func(g []float32) []float32 { u := WinoWeights(g); return u[:] },
			transforms{WinoInGo, WinoOutGo}, transforms{WinoIn, WinoOut}},
		{"F(4x4,3x3)", 4, func(g []float32) []float32 { u := Wino4Weights(g); return u[:] },
			transforms{Wino4InGo, Wino4OutGo}, transforms{Wino4In, Wino4Out}},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, vr := range variants {
		for _, n8 := range []int{1, 2, 3} {
			tiles := 8 * n8
			e, nv := vr.e, (vr.e+2)*(vr.e+2)
			ps := e*tiles + 8 // floats per input row
			in := randSlice(rng, (e+2)*ps)
			g := randSlice(rng, 9)
			u := vr.weights(g)
			ys := e*tiles + 5 // floats per output row, some left over
			res := randSlice(rng, e*ys)
			for _, vec := range []bool{false, true} {
				tf := vr.portable
				if vec {
					if !SIMD() {
						continue
					}
					tf = vr.vec
				}
				for _, relu := range []bool{false, true} {
					for _, withRes := range []bool{false, true} {
						name := fmt.Sprintf("%s %d tiles vector %v relu %v residual %v", vr.name, tiles, vec, relu, withRes)
						v := make([]float32, nv*tiles)
						tf.in(unsafe.Pointer(&v[0]), 4*tiles, unsafe.Pointer(&in[0]), 4*ps, n8)
						for xi := range nv {
							for j := range tiles {
								v[xi*tiles+j] *= u[xi]
							}
						}
						y := make([]float32, e*ys)
						for i := range y {
							y[i] = -7
						}
						var rp unsafe.Pointer
						if withRes {
							rp = unsafe.Pointer(&res[0])
						}
						tf.out(unsafe.Pointer(&y[0]), 4*ys, unsafe.Pointer(&v[0]), 4*tiles, n8, rp, relu)
						for r := range e {
							for col := range ys {
								got := y[r*ys+col]
								if col >= e*tiles {
									if got != -7 {
										t.Fatalf("%s: output (%d, %d) past the tiles written", name, r, col)
									}
									continue
								}
								var want, mag float64
								for i := range 3 {
									for k := range 3 {
										p := float64(g[3*i+k]) * float64(in[(r+i)*ps+col+k])
										want += p
										mag += math.Abs(p)
									}
								}
								if withRes {
									want += float64(res[r*ys+col])
								}
								if relu {
									want = max(want, 0)
								}
								if math.Abs(float64(got)-want) > 1e-5*max(1, mag) {
									t.Fatalf("%s: output (%d, %d) = %v, want %v", name, r, col, got, want)
								}
							}
						}
					}
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
