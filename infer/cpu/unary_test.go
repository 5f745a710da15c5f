package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
)

func TestUnarySigmoidAndSiLUInPlaceAndNaN(t *testing.T) {
	x := randT(rand.New(rand.NewPCG(3, 4)), 1, 3, 7, 5) // 105: vector body and scalar tail
	x.F32[2], x.F32[103] = float32(math.NaN()), float32(math.NaN())
	for _, op := range []UnaryOp{OpSigmoid, OpSiLU} {
		y := tensor.New(x.Shape...)
		if err := Unary(op, y, x, UnaryParams{}); err != nil {
			t.Fatal(err)
		}
		in := tensor.New(x.Shape...)
		copy(in.F32, x.F32)
		if err := Unary(op, in, in, UnaryParams{}); err != nil {
			t.Fatal(err)
		}
		for i, v := range x.F32 {
			want := sigmoid(v)
			if op == OpSiLU {
				want *= v
			}
			if v != v {
				if y.F32[i] == y.F32[i] {
					t.Errorf("%d(NaN) = %v", op, y.F32[i])
				}
				continue
			}
			if d := math.Abs(float64(y.F32[i] - want)); d > 1e-6+1e-5*math.Abs(float64(want)) {
				t.Errorf("%d(%v) = %v, want %v", op, v, y.F32[i], want)
			}
			if in.F32[i] != y.F32[i] {
				t.Errorf("%d in place: %v, want %v", op, in.F32[i], y.F32[i])
			}
		}
	}
}

func BenchmarkUnary(b *testing.B) {
	x := randT(rand.New(rand.NewPCG(1, 2)), 1, 64, 80, 80)
	y := tensor.New(x.Shape...)
	for _, op := range []UnaryOp{OpSigmoid, OpSiLU, OpMish, OpTanh, OpExp} {
		b.Run(fmt.Sprint(op), func(b *testing.B) {
			b.SetBytes(int64(4 * x.Len()))
			for b.Loop() {
				if err := Unary(op, y, x, UnaryParams{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
