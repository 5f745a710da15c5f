package cpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
)

func randT(rng *rand.Rand, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	for i := range t.F32 {
		t.F32[i] = rng.Float32()*2 - 1
	}
	return t
}

// runners returns a BLAS runner (when built) and pure-Go runners with one
// and two workers, each named.
func runners(t testing.TB) map[string]*Runner {
	m := map[string]*Runner{}
	for _, w := range []int{1, 2} {
		r := NewRunner(Options{Workers: w})
		r.UseBLAS(false)
		m["go"+string(rune('0'+w))] = r
		t.Cleanup(r.Close)
	}
	if haveBLAS {
		r := NewRunner(Options{Workers: 2})
		m["blas"] = r
		t.Cleanup(r.Close)
	}
	return m
}

func assertClose(t testing.TB, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if math.IsNaN(g) != math.IsNaN(w) || (!math.IsNaN(w) && math.Abs(g-w) > tol*(1+math.Abs(w))) {
			t.Fatalf("%s: [%d] = %g, want %g", what, i, g, w)
		}
	}
}
