package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSigmoidAndSiLUMatchFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 64, 1000} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 8)
		}
		if n > 8 {
			x[0], x[1], x[2], x[3] = 200, -200, 0, -90
		}
		sig, silu := append([]float32(nil), x...), append([]float32(nil), x...)
		restS, restL := Sigmoid(sig), SiLU(silu)
		doneS, doneL := n-len(restS), n-len(restL)
		if hasAVX2 && (doneS != n&^7 || doneL != n&^7) {
			t.Fatalf("n=%d: vector kernels did %d and %d elements", n, doneS, doneL)
		}
		for i := range doneS {
			want := 1 / (1 + math.Exp(-float64(x[i])))
			if d := math.Abs(float64(sig[i]) - want); d > 1e-6+1e-5*want {
				t.Fatalf("sigmoid(%v) = %v, want %v", x[i], sig[i], want)
			}
			wl := float64(x[i]) * want
			if d := math.Abs(float64(silu[i]) - wl); d > 1e-6+1e-5*math.Abs(wl) {
				t.Fatalf("silu(%v) = %v, want %v", x[i], silu[i], wl)
			}
		}
	}
}

func BenchmarkSiLU(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%200-100) / 10
	}
	b.SetBytes(4 * 4096)
	for b.Loop() {
		SiLU(x)
	}
}
