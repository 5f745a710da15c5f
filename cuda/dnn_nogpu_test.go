package cuda

import (
	"errors"
	"testing"
)

// cuBLAS and cuDNN entry points fail cleanly on nil and closed objects
// and, without the libraries, with ErrUnavailable.
func TestDNNAndBLASWithoutAGPU(t *testing.T) {
	var ctx *Context
	if _, err := ctx.NewBLAS(); err == nil {
		t.Error("NewBLAS on a nil context succeeded")
	}
	if _, err := ctx.NewDNN(); err == nil {
		t.Error("NewDNN on a nil context succeeded")
	}
	var b *BLAS
	if err := b.Gemm(nil, &Gemm{}); err == nil {
		t.Error("Gemm on a nil handle succeeded")
	}
	if err := b.Close(); err == nil {
		t.Error("Close of a nil BLAS succeeded")
	}
	var d *DNN
	if _, err := d.NewConv(ConvSpec{}); err == nil {
		t.Error("NewConv on a nil handle succeeded")
	}
	var cv *Conv
	if err := cv.Forward(nil, 0, 0, 0, 0, 0, 0); err == nil {
		t.Error("Forward of a nil Conv succeeded")
	}
	if Available() {
		return
	}
	if _, _, err := DNNVersion(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("DNNVersion: %v does not wrap ErrUnavailable", err)
	}
	if HasBiasReLU() {
		t.Error("HasBiasReLU without cuDNN")
	}
}

func TestGemmAndConvSpecsAreValidated(t *testing.T) {
	ok := Gemm{M: 2, N: 3, K: 4, A: 1, B: 1, C: 1, LDA: 2, LDB: 4, LDC: 2, Batch: 1}
	if err := ok.validate(); err != nil {
		t.Fatal(err)
	}
	for _, g := range []Gemm{
		{M: 0, N: 3, K: 4, A: 1, B: 1, C: 1, LDA: 2, LDB: 4, LDC: 2, Batch: 1},
		{M: 2, N: 3, K: 4, A: 1, B: 1, C: 1, LDA: 1, LDB: 4, LDC: 2, Batch: 1},
		{M: 2, N: 3, K: 4, A: 1, B: 1, C: 1, LDA: 2, LDB: 4, LDC: 2, Batch: 0},
		{M: 2, N: 3, K: 4, A: 0, B: 1, C: 1, LDA: 2, LDB: 4, LDC: 2, Batch: 1},
		{M: 2, N: 3, K: 4, A: 1, B: 1, C: 1, LDA: 2, LDB: 4, LDC: 2, Batch: 1, Type: 7},
	} {
		if err := g.validate(); err == nil {
			t.Errorf("%+v accepted", g)
		}
	}
	s := ConvSpec{N: 1, C: 4, H: 8, W: 8, K: 6, R: 3, S: 3, Groups: 4}
	s.norm()
	if err := s.validate(); err == nil {
		t.Error("6 output channels in 4 groups accepted")
	}
	s.K, s.PadH = 8, -1
	if err := s.validate(); err == nil {
		t.Error("negative padding accepted")
	}
	s.PadH = 1
	if err := s.validate(); err != nil {
		t.Error(err)
	}
}
