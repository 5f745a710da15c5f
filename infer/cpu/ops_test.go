package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
)

// index returns the offset in shape s of the output multi-index idx,
// aligned at the end, with broadcast dimensions pinned at 0.
func bcastOffset(s tensor.Shape, idx []int) int {
	off := 0
	for i := range s {
		d := idx[len(idx)-len(s)+i]
		if s[i] == 1 {
			d = 0
		}
		off = off*s[i] + d
	}
	return off
}

// unravel returns the multi-index of flat offset o in shape s.
func unravel(o int, s tensor.Shape) []int {
	idx := make([]int, len(s))
	for i := len(s) - 1; i >= 0; i-- {
		idx[i] = o % s[i]
		o /= s[i]
	}
	return idx
}

func TestBinaryBroadcasts(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	ref := map[BinaryOp]func(x, y float64) float64{
		OpAdd: func(x, y float64) float64 { return x + y },
		OpSub: func(x, y float64) float64 { return x - y },
		OpMul: func(x, y float64) float64 { return x * y },
		OpDiv: func(x, y float64) float64 { return x / y },
		OpPow: math.Pow,
		OpMin: math.Min,
		OpMax: math.Max,
	}
	shapes := [][2]tensor.Shape{
		{{2, 3, 4, 5}, {2, 3, 4, 5}},
		{{2, 3, 4, 5}, {3, 1, 1}},
		{{2, 3, 4, 5}, {1, 3, 1, 1}},
		{{2, 3, 4, 5}, {}},
		{{1}, {2, 3, 4}},
		{{2, 1, 4}, {3, 1}},
		{{5}, {4, 1}},
		{{2, 3, 1, 5}, {2, 1, 4, 1}},
		{{3, 4}, {4}},
		{{0, 3}, {3}},
	}
	for op, f := range ref {
		for _, s := range shapes {
			t.Run(fmt.Sprintf("%d/%v%v", op, s[0], s[1]), func(t *testing.T) {
				a, b := randT(rng, s[0]...), randT(rng, s[1]...)
				if op == OpPow {
					for i := range a.F32 {
						a.F32[i] = float32(math.Abs(float64(a.F32[i]))) + 0.1
					}
				}
				out, err := BroadcastShape(a.Shape, b.Shape)
				if err != nil {
					t.Fatal(err)
				}
				y := tensor.New(out...)
				if err := Binary(op, y, a, b); err != nil {
					t.Fatal(err)
				}
				want := make([]float32, y.Len())
				for o := range want {
					idx := unravel(o, out)
					want[o] = float32(f(float64(a.F32[bcastOffset(a.Shape, idx)]), float64(b.F32[bcastOffset(b.Shape, idx)])))
				}
				assertClose(t, "binary", y.F32, want, 1e-5)
				if a := testing.AllocsPerRun(5, func() { Binary(op, y, a, b) }); a != 0 {
					t.Errorf("%v allocations", a)
				}
			})
		}
	}
	if err := Binary(OpAdd, tensor.New(3), tensor.New(3), tensor.New(4)); err == nil {
		t.Error("shapes 3 and 4 broadcast")
	}
}

func TestUnary(t *testing.T) {
	p := UnaryParams{Alpha: 0.2, Beta: 0.5, Min: -0.5, Max: 0.7}
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	ref := map[UnaryOp]func(float64) float64{
		OpRelu:        func(x float64) float64 { return math.Max(x, 0) },
		OpLeakyRelu:   func(x float64) float64 { return map[bool]float64{true: x, false: 0.2 * x}[x >= 0] },
		OpSigmoid:     sig,
		OpTanh:        math.Tanh,
		OpExp:         math.Exp,
		OpSqrt:        func(x float64) float64 { return math.Sqrt(math.Abs(x)) },
		OpNeg:         func(x float64) float64 { return -x },
		OpHardSigmoid: func(x float64) float64 { return math.Max(0, math.Min(1, 0.2*x+0.5)) },
		OpHardSwish:   func(x float64) float64 { return x * math.Max(0, math.Min(1, x/6+0.5)) },
		OpSiLU:        func(x float64) float64 { return x * sig(x) },
		OpMish:        func(x float64) float64 { return x * math.Tanh(math.Log(1+math.Exp(x))) },
		OpErf:         math.Erf,
		OpClip:        func(x float64) float64 { return math.Max(-0.5, math.Min(0.7, x)) },
		OpFloor:       math.Floor,
		OpCeil:        math.Ceil,
	}
	x := tensor.New(2, 50)
	for i := range x.F32 {
		x.F32[i] = float32(i-50) / 8
	}
	for op, f := range ref {
		in := x
		if op == OpSqrt {
			in = tensor.New(2, 50)
			for i, v := range x.F32 {
				in.F32[i] = float32(math.Abs(float64(v)))
			}
		}
		y := tensor.New(2, 50)
		if err := Unary(op, y, in, p); err != nil {
			t.Fatal(err)
		}
		want := make([]float32, len(y.F32))
		for i, v := range in.F32 {
			want[i] = float32(f(float64(v)))
		}
		assertClose(t, fmt.Sprint("unary ", op), y.F32, want, 1e-5)
	}
	if err := Unary(OpRelu, tensor.New(3), tensor.New(4), p); err == nil {
		t.Error("output of another shape accepted")
	}
}

func TestBatchNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := randT(rng, 2, 3, 4, 5)
	sc, bi, mu, va := randT(rng, 3), randT(rng, 3), randT(rng, 3), randT(rng, 3)
	for i := range va.F32 {
		va.F32[i] = float32(math.Abs(float64(va.F32[i])))
	}
	y := tensor.New(2, 3, 4, 5)
	if err := BatchNorm(y, x, sc, bi, mu, va, 1e-5); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, x.Len())
	for i, v := range x.F32 {
		c := i / 20 % 3
		want[i] = float32(float64(sc.F32[c])*(float64(v)-float64(mu.F32[c]))/math.Sqrt(float64(va.F32[c])+1e-5) + float64(bi.F32[c]))
	}
	assertClose(t, "batchnorm", y.F32, want, 1e-4)
	if err := BatchNorm(y, x, tensor.New(4), bi, mu, va, 1e-5); err == nil {
		t.Error("scale of 4 channels accepted for 3")
	}
}

func TestGemmOpBroadcastsC(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for name, r := range runners(t) {
		for _, c := range []struct {
			m, n, k int
			c       tensor.Shape
			p       GemmParams
		}{
			{1, 1000, 512, tensor.Shape{1000}, GemmParams{TransB: true, Alpha: 1, Beta: 1}},
			{4, 7, 5, tensor.Shape{4, 1}, GemmParams{TransA: true, Alpha: 0.5, Beta: 2}},
			{4, 7, 5, tensor.Shape{}, GemmParams{Alpha: 1, Beta: -1}},
			{4, 7, 5, tensor.Shape{4, 7}, GemmParams{TransA: true, TransB: true, Alpha: 1, Beta: 1}},
			{4, 7, 5, nil, DefaultGemm()},
		} {
			t.Run(fmt.Sprintf("%s/%dx%dx%d%v", name, c.m, c.n, c.k, c.c), func(t *testing.T) {
				as, bs := tensor.Shape{c.m, c.k}, tensor.Shape{c.k, c.n}
				if c.p.TransA {
					as = tensor.Shape{c.k, c.m}
				}
				if c.p.TransB {
					bs = tensor.Shape{c.n, c.k}
				}
				a, b := randT(rng, as...), randT(rng, bs...)
				var ct *tensor.Tensor
				want := make([]float32, c.m*c.n)
				if c.c != nil {
					ct = randT(rng, c.c...)
					for o := range want {
						want[o] = ct.F32[bcastOffset(c.c, unravel(o, tensor.Shape{c.m, c.n}))]
					}
				}
				beta := c.p.Beta
				if ct == nil {
					beta = 0
				}
				refGemm(c.p.TransA, c.p.TransB, c.m, c.n, c.k, c.p.Alpha, a.F32, as[1], b.F32, bs[1], beta, want, c.n)
				y := tensor.New(c.m, c.n)
				if err := r.Gemm(y, a, b, ct, c.p); err != nil {
					t.Fatal(err)
				}
				assertClose(t, "gemm", y.F32, want, 1e-4)
			})
		}
	}
}

func TestMatMulBatchesAndBroadcasts(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	r := NewRunner(Options{Workers: 2})
	defer r.Close()
	for _, s := range [][3]tensor.Shape{
		{{2, 3, 4}, {2, 4, 5}, {2, 3, 5}},
		{{2, 1, 3, 4}, {3, 4, 5}, {2, 3, 3, 5}},
		{{3, 4}, {2, 4, 5}, {2, 3, 5}},
		{{4}, {2, 4, 5}, {2, 5}},
		{{2, 3, 4}, {4}, {2, 3}},
		{{4}, {4}, {}},
	} {
		a, b := randT(rng, s[0]...), randT(rng, s[1]...)
		out, err := MatMulOutputShape(a.Shape, b.Shape)
		if err != nil || !out.Equal(s[2]) {
			t.Fatalf("%v x %v: shape %v, %v; want %v", s[0], s[1], out, err, s[2])
		}
		y := tensor.New(out...)
		if err := r.MatMul(y, a, b); err != nil {
			t.Fatal(err)
		}
		// Reference: lift vectors to matrices, broadcast batches by index.
		as, bs := append(tensor.Shape(nil), s[0]...), append(tensor.Shape(nil), s[1]...)
		if len(as) == 1 {
			as = tensor.Shape{1, as[0]}
		}
		if len(bs) == 1 {
			bs = tensor.Shape{bs[0], 1}
		}
		m, k, n := as[len(as)-2], as[len(as)-1], bs[len(bs)-1]
		bo, _ := BroadcastShape(as[:len(as)-2], bs[:len(bs)-2])
		want := make([]float32, 0, y.Len())
		for bi := 0; bi < max(bo.NumElements(), 1); bi++ {
			idx := unravel(bi, bo)
			ao, bof := bcastOffset(as[:len(as)-2], idx)*m*k, bcastOffset(bs[:len(bs)-2], idx)*k*n
			c := make([]float32, m*n)
			refGemm(false, false, m, n, k, 1, a.F32[ao:], k, b.F32[bof:], n, 0, c, n)
			want = append(want, c...)
		}
		assertClose(t, fmt.Sprint(s), y.F32, want, 1e-4)
	}
	if _, err := MatMulOutputShape(tensor.Shape{2, 3}, tensor.Shape{4, 5}); err == nil {
		t.Error("3 and 4 inner dimensions accepted")
	}
}

func TestExp32IsCloseToExp(t *testing.T) {
	worst := 0.0
	for x := float32(-87); x < 88; x += 0.0137 {
		got, want := float64(exp32(x)), math.Exp(float64(x))
		if r := math.Abs(got-want) / want; r > worst {
			worst = r
		}
	}
	if worst > 1e-5 {
		t.Fatalf("exp32 relative error %.3g", worst)
	}
	if !math.IsInf(float64(exp32(100)), 1) || exp32(-100) != 0 {
		t.Fatal("exp32 out of range")
	}
}
