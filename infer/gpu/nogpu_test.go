package gpu

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// On a machine without a GPU the backend says so, wrapping
// cuda.ErrUnavailable, and nothing panics.
func TestNoGPUReportsUnavailable(t *testing.T) {
	if cuda.Available() {
		t.Skip("CUDA is available here; this test is for machines without a GPU")
	}
	g, err := graph.LoadFile(filepath.Join(testdata(t), "models", "classifier", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewEngine(g, Options{})
	if !errors.Is(err, cuda.ErrUnavailable) {
		t.Fatalf("NewEngine: %v does not wrap cuda.ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), "gpu:") {
		t.Errorf("NewEngine: %q does not say which package failed", err)
	}
	t.Logf("NewEngine: %v", err)
	_, err = Compile(g, map[string]tensor.Shape{"input": {1, 3, 96, 96}}, Options{Precision: FP16})
	if !errors.Is(err, cuda.ErrUnavailable) {
		t.Fatalf("Compile: %v does not wrap cuda.ErrUnavailable", err)
	}
	if _, err := NewEngine(nil, Options{}); err == nil {
		t.Error("NewEngine(nil) succeeded")
	}
	if _, err := NewEngine(g, Options{Precision: 7}); err == nil {
		t.Error("precision 7 accepted")
	}
	var p *Program
	if err := p.Close(); err == nil {
		t.Error("closing a nil program succeeded")
	}
}

// The memory planner never gives two buffers that are live at once
// overlapping bytes, and reuses memory when lifetimes allow.
func TestPlanSeparatesLiveBuffers(t *testing.T) {
	mk := func(n, first, last int) *buf {
		return &buf{dt: dF32, shape: []int{n}, stride: []int{1}, first: first, last: last}
	}
	bufs := []*buf{mk(1000, 0, 2), mk(500, 1, 3), mk(2000, 3, 5), mk(300, 4, 6), mk(1000, 6, 7), mk(64, 0, 7)}
	size := plan(bufs)
	for i, a := range bufs {
		if a.at%align != 0 {
			t.Errorf("buffer %d at %d is not aligned", i, a.at)
		}
		for j, b := range bufs[i+1:] {
			if a.first <= b.last && b.first <= a.last && a.at < b.at+b.bytes() && b.at < a.at+a.bytes() {
				t.Errorf("buffers %d [%d,%d] and %d [%d,%d] overlap at %d/%d", i, a.first, a.last, i+1+j, b.first, b.last, a.at, b.at)
			}
		}
	}
	sum := 0
	for _, b := range bufs {
		sum += b.bytes()
	}
	if size >= sum {
		t.Errorf("arena of %d bytes for %d bytes of buffers: nothing shared", size, sum)
	}
}

func TestF32ToF16Rounds(t *testing.T) {
	for _, c := range []struct {
		in   float32
		want uint16
	}{{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {1e6, 0x7c00}, {5.96e-8, 0x0001}, {0.1, 0x2e66}, {1.0009765625, 0x3c01}} {
		if got := f32ToF16(c.in); got != c.want {
			t.Errorf("f32ToF16(%g) = %#04x, want %#04x", c.in, got, c.want)
		}
		if back := graph.Float16ToFloat32(f32ToF16(c.in)); c.in != 0 && c.in < 65504 && math32Rel(back, c.in) > 1e-3 {
			t.Errorf("round trip of %g gives %g", c.in, back)
		}
	}
}

func math32Rel(a, b float32) float64 {
	d := float64(a - b)
	if d < 0 {
		d = -d
	}
	m := float64(b)
	if m < 0 {
		m = -m
	}
	return d / m
}

// A reshape is a view of a strided tensor exactly when the dimensions it
// merges or splits are contiguous (the Concat slot of a detection head's
// [N,8,H*W] output, written from its [N,8,H,W] input).
func TestReshapeStridesSplitOnlyContiguousDimensions(t *testing.T) {
	cases := []struct {
		from, st, to, want []int
	}{
		{[]int{2, 8, 3840}, []int{40320, 5040, 1}, []int{2, 8, 48, 80}, []int{40320, 5040, 80, 1}},
		{[]int{2, 8, 3840}, []int{40320, 5040, 1}, []int{2, 1, 8, 3840}, []int{40320, 40320, 5040, 1}},
		{[]int{4, 6}, []int{6, 1}, []int{24}, []int{1}},
		{[]int{4, 6}, []int{10, 1}, []int{2, 2, 6}, []int{20, 10, 1}},
		{[]int{4, 6}, []int{10, 1}, []int{24}, nil}, // rows are not contiguous
		{[]int{4, 6}, []int{10, 1}, []int{4, 3, 2}, []int{10, 2, 1}},
		{[]int{4, 6}, []int{10, 1}, []int{8, 3}, nil},
	}
	for _, c := range cases {
		got, ok := reshapeStrides(c.from, c.st, c.to)
		if ok != (c.want != nil) || ok && !slices.Equal(got, c.want) {
			t.Errorf("reshapeStrides(%v, %v, %v) = %v, %v; want %v", c.from, c.st, c.to, got, ok, c.want)
		}
	}
}
