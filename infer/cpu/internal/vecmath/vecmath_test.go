package vecmath

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestSigmoidAndSiLUMatchFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 24, 48, 64, 1000} {
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
		if hasAVX2 && (doneS != vectorDone(n) || doneL != vectorDone(n)) {
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

// BenchmarkSiLU times SiLU on 4096 floats in [-10, 10) (copied in
// again each time: repeated in place, SiLU took the negative ones down to
// subnormals).
func BenchmarkSiLU(b *testing.B) {
	src, x := make([]float32, 4096), make([]float32, 4096)
	for i := range src {
		src[i] = float32(i%200-100) / 10
	}
	b.SetBytes(4 * 4096)
	for b.Loop() {
		copy(x, src)
		SiLU(x)
	}
}

func TestAddReluAddGather2(t *testing.T) {
	for _, n := range []int{0, 5, 8, 13, 64, 67} {
		y := make([]float32, n)
		for i := range y {
			y[i] = float32(i%7) - 3.5
		}
		a, r := append([]float32(nil), y...), append([]float32(nil), y...)
		doneA, doneR := n-len(Add(a, 1.25)), n-len(AddRelu(r, 1.25))
		if hasAVX2 && (doneA != n&^7 || doneR != n&^7) {
			t.Fatalf("n=%d: Add did %d, AddRelu %d", n, doneA, doneR)
		}
		for i := range doneA {
			if want := y[i] + 1.25; a[i] != want {
				t.Fatalf("Add[%d] = %v, want %v", i, a[i], want)
			}
			if want := max(y[i]+1.25, 0); r[i] != want {
				t.Fatalf("AddRelu[%d] = %v, want %v", i, r[i], want)
			}
		}
		s := make([]float32, 2*n+1)
		for i := range s {
			s[i] = float32(i)
		}
		for _, ls := range []int{max(2*n-1, 0), 2 * n} {
			d := make([]float32, n)
			k := Gather2(d, s[:ls])
			if hasAVX2 && k != min(n/8, ls/16)*8 {
				t.Fatalf("n=%d: Gather2 did %d", n, k)
			}
			for i := range k {
				if d[i] != float32(2*i) {
					t.Fatalf("Gather2 d[%d] = %v", i, d[i])
				}
			}
		}
	}
}

func TestDeinterleave2(t *testing.T) {
	for _, n := range []int{0, 7, 8, 9, 16, 21, 40} {
		s := make([]float32, 2*n+1)
		for i := range s {
			s[i] = float32(i)
		}
		for _, no := range []int{n, max(n-1, 0)} {
			even, odd := make([]float32, n), make([]float32, no)
			k := Deinterleave2(even, odd, s[:2*n])
			if hasAVX2 && k != min(n/8, no/8)*8 {
				t.Fatalf("n=%d, %d odd: did %d", n, no, k)
			}
			for i := range k {
				if even[i] != float32(2*i) || odd[i] != float32(2*i+1) {
					t.Fatalf("n=%d: [%d] = %v, %v", n, i, even[i], odd[i])
				}
			}
		}
	}
}

func TestAddTo(t *testing.T) {
	for _, n := range []int{0, 7, 8, 13, 64} {
		y, x := make([]float32, n), make([]float32, n)
		for i := range y {
			y[i], x[i] = float32(i), float32(3*i)+0.5
		}
		k := AddTo(y, x)
		if hasAVX2 && k != n&^7 {
			t.Fatalf("n=%d: did %d", n, k)
		}
		for i := range n {
			want := float32(i)
			if i < k {
				want = float32(4*i) + 0.5
			}
			if y[i] != want {
				t.Fatalf("n=%d: y[%d] = %v, want %v", n, i, y[i], want)
			}
		}
	}
}

func TestMax2MatchesGoMaxBitForBit(t *testing.T) {
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7fc00001), math.Float32frombits(0xffc00002), math.Float32frombits(0x7f800003)}
	var a, b []float32
	for _, x := range specials {
		for _, y := range specials {
			a, b = append(a, x), append(b, y)
		}
	}
	for len(a)%8 != 3 {
		a, b = append(a, 2), append(b, -2)
	}
	for _, inPlace := range []bool{false, true} {
		d := make([]float32, len(a))
		if inPlace {
			copy(d, a)
		}
		src := a
		if inPlace {
			src = d
		}
		done := Max2(d, src, b)
		if hasAVX2 && done != len(a)&^7 {
			t.Fatalf("did %d of %d", done, len(a))
		}
		for i := range done {
			if got, want := math.Float32bits(d[i]), math.Float32bits(max(a[i], b[i])); got != want {
				t.Errorf("max(%x, %x) = %x, want %x", math.Float32bits(a[i]), math.Float32bits(b[i]), got, want)
			}
		}
	}
}

func TestSigmoidAndSiLUPropagateNaN(t *testing.T) {
	x := []float32{1, float32(math.NaN()), -3, 0, 100, -100, float32(math.Inf(1)), float32(math.Inf(-1))}
	sig, silu := append([]float32(nil), x...), append([]float32(nil), x...)
	if len(Sigmoid(sig)) != 0 || len(SiLU(silu)) != 0 {
		if hasAVX2 {
			t.Fatal("vector kernels left elements")
		}
		t.Skip("no AVX2")
	}
	if sig[1] == sig[1] || silu[1] == silu[1] {
		t.Errorf("sigmoid(NaN) = %v, silu(NaN) = %v, want NaN", sig[1], silu[1])
	}
	if sig[6] != 1 || sig[7] > 1e-38 {
		t.Errorf("sigmoid(+-Inf) = %v, %v", sig[6], sig[7])
	}
	if !math.IsInf(float64(silu[6]), 1) {
		t.Errorf("silu(+Inf) = %v", silu[6])
	}
}

func TestMishMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := make([]float32, 1001)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 6)
	}
	x[0], x[1], x[2], x[3], x[4] = 200, -200, 0, 19.9, 20.1
	x[5], x[6], x[7] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))
	y := append([]float32(nil), x...)
	done := len(x) - len(Mish(y))
	if hasAVX2 && done != vectorDone(len(x)) {
		t.Fatalf("did %d of %d", done, len(x))
	}
	for i := range done {
		v := float64(x[i])
		want := v * math.Tanh(math.Log1p(math.Exp(v)))
		switch {
		case v != v || math.IsInf(v, 1):
			want = v
		case math.IsInf(v, -1):
			continue // -Inf here, NaN in float64 (-Inf*tanh(0)); the limit is 0
		}
		if want != want {
			if y[i] == y[i] {
				t.Errorf("mish(NaN) = %v", y[i])
			}
			continue
		}
		if d := math.Abs(float64(y[i]) - want); d > 1e-6+1e-5*math.Abs(want) {
			t.Errorf("mish(%v) = %v, want %v", x[i], y[i], want)
		}
	}
}

func TestTanhMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	x := make([]float32, 2001)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * math.Pow(10, rng.Float64()*8-6))
	}
	x[0], x[1], x[2], x[3], x[4], x[5] = 0, float32(math.Copysign(0, -1)), 7.9, -8, 100, 1e-30
	x[6], x[7], x[8] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))
	y := append([]float32(nil), x...)
	done := len(x) - len(Tanh(y))
	if hasAVX2 && done != vectorDone(len(x)) {
		t.Fatalf("did %d of %d", done, len(x))
	}
	worst := 0.0
	for i := range done {
		want := math.Tanh(float64(x[i]))
		if want != want {
			if y[i] == y[i] {
				t.Errorf("tanh(NaN) = %v", y[i])
			}
			continue
		}
		d := math.Abs(float64(y[i])-want) / max(math.Abs(want), 1e-38)
		worst = max(worst, d)
		if d > 1e-6 {
			t.Errorf("tanh(%v) = %v, want %v (rel %.2g)", x[i], y[i], want, d)
		}
	}
	t.Logf("worst relative error %.3g", worst)
}

func TestExpMatchesFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	x := make([]float32, 2001)
	for i := range x {
		x[i] = float32(rng.Float64()*180 - 90)
	}
	x[0], x[1], x[2], x[3], x[4], x[5] = 0, 88.7, 88.8, -87.3, -87.4, -200
	x[6], x[7], x[8] = float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))
	y := append([]float32(nil), x...)
	done := len(x) - len(Exp(y))
	if hasAVX2 && done != vectorDone(len(x)) {
		t.Fatalf("did %d of %d", done, len(x))
	}
	for i := range done {
		want := math.Exp(float64(x[i]))
		switch {
		case want != want:
			if y[i] == y[i] {
				t.Errorf("exp(NaN) = %v", y[i])
			}
		case want > math.MaxFloat32:
			if !math.IsInf(float64(y[i]), 1) {
				t.Errorf("exp(%v) = %v, want +Inf", x[i], y[i])
			}
		case want < 0x1p-126:
			if y[i] != 0 && math.Abs(float64(y[i])-want) > 1e-5*want {
				t.Errorf("exp(%v) = %v, want 0 or %v", x[i], y[i], want)
			}
		default:
			if d := math.Abs(float64(y[i])-want) / want; d > 1e-5 {
				t.Errorf("exp(%v) = %v, want %v (rel %.2g)", x[i], y[i], want, d)
			}
		}
	}
}

func TestMaxPool2MatchesGoMaxBitForBit(t *testing.T) {
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.5, float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7fc00001), math.Float32frombits(0xffc00002)}
	rng := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{43, 12, 4, 47} { // blocks of 8, then of 4
		a, b := make([]float32, 2*n), make([]float32, 2*n)
		for i := range a {
			a[i], b[i] = specials[rng.IntN(len(specials))], specials[rng.IntN(len(specials))]
		}
		d := make([]float32, n)
		done := MaxPool2(d, a, b)
		if hasAVX2 && done != n&^3 {
			t.Fatalf("did %d of %d", done, n)
		}
		for i := range done {
			want := max(max(a[2*i], b[2*i]), max(a[2*i+1], b[2*i+1]))
			if got := d[i]; math.Float32bits(got) != math.Float32bits(want) {
				t.Errorf("n=%d: output %d = %x, want %x", n, i, math.Float32bits(got), math.Float32bits(want))
			}
		}
	}
}

// vectorDone is how many of n floats the transcendental kernels compute:
// all of them from one vector up (the last partial vector overlaps the
// one before), none below.
func vectorDone(n int) int {
	if n < 8 {
		return 0
	}
	return n
}

func TestMaxPool2RowsMatchesGoMaxBitForBit(t *testing.T) {
	specials := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.5, float32(math.Inf(1)), float32(math.Inf(-1)),
		math.Float32frombits(0x7fc00001), math.Float32frombits(0xffc00002)}
	rng := rand.New(rand.NewPCG(4, 4))
	for _, c := range [][2]int{{24, 5}, {16, 3}, {8, 1}, {40, 4}} { // w, output rows
		w, rows := c[0], c[1]
		s := make([]float32, 2*w*rows)
		for i := range s {
			s[i] = specials[rng.IntN(len(specials))]
		}
		d := make([]float32, w/2*rows)
		if !MaxPool2Rows(d, s, w) {
			if hasAVX2 {
				t.Fatalf("w=%d: not done", w)
			}
			continue
		}
		for r := range rows {
			for i := range w / 2 {
				a, b := s[2*r*w:], s[(2*r+1)*w:]
				want := max(max(a[2*i], b[2*i]), max(a[2*i+1], b[2*i+1]))
				if got := d[r*w/2+i]; math.Float32bits(got) != math.Float32bits(want) {
					t.Errorf("w=%d: row %d output %d = %x, want %x", w, r, i, math.Float32bits(got), math.Float32bits(want))
				}
			}
		}
	}
	if MaxPool2Rows(make([]float32, 5), make([]float32, 20), 10) {
		t.Error("rows of 5 outputs taken")
	}
}

func TestDouble2(t *testing.T) {
	for _, n := range []int{0, 7, 8, 9, 16, 21, 40} {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(i) + 0.5
		}
		d := make([]float32, 2*n+3)
		done := Double2(d[:2*n], s)
		if hasAVX2 && done != n&^7 {
			t.Fatalf("n=%d: did %d", n, done)
		}
		for i := range done {
			if d[2*i] != s[i] || d[2*i+1] != s[i] {
				t.Fatalf("n=%d: d[%d:%d] = %v, want %v twice", n, 2*i, 2*i+2, d[2*i:2*i+2], s[i])
			}
		}
		for i := 2 * done; i < len(d); i++ {
			if d[i] != 0 {
				t.Fatalf("n=%d: d[%d] = %v written past the prefix", n, i, d[i])
			}
		}
	}
}

// TestUpsample2 checks the 2x nearest upsampling of planes of 1-3 rows of
// 8 to 21 floats (whole blocks and an overlapping last one) against the
// definition, and that nothing past the output is written.
func TestUpsample2(t *testing.T) {
	for h := 1; h <= 3; h++ {
		for w := 8; w <= 21; w++ {
			s := make([]float32, h*w)
			for i := range s {
				s[i] = float32(i + 1)
			}
			d := make([]float32, 4*h*w+1)
			d[4*h*w] = -1
			if !Upsample2(d, s, h, w) {
				if hasAVX2 {
					t.Fatalf("%dx%d: not done", h, w)
				}
				return
			}
			for y := range 2 * h {
				for x := range 2 * w {
					if got, want := d[y*2*w+x], s[y/2*w+x/2]; got != want {
						t.Fatalf("%dx%d: out[%d][%d] = %v, want %v", h, w, y, x, got, want)
					}
				}
			}
			if d[4*h*w] != -1 {
				t.Fatalf("%dx%d: wrote past the output", h, w)
			}
		}
	}
}
