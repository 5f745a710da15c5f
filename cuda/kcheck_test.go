//go:build kcheck

package cuda_test

import (
	"testing"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/video"
)

// TestPreprocessKernelOnCPU runs the kernel's C++ on the host (kcheck
// builds) against the CPU preprocessing: the kernel's arithmetic, checked
// without a GPU.
func TestPreprocessKernelOnCPU(t *testing.T) {
	frames := make([]testFrame, len(frameSpecs))
	for i, s := range frameSpecs {
		h := newHostFrame(t, s.format, s.width, s.height, uint64(i+1))
		f := cuda.Frame{Width: s.width, Height: s.height, Format: cuda.PixelRGBA}
		if s.format == video.FormatNV12 {
			f.Format = cuda.PixelNV12
		}
		for p := 0; p < s.format.NumPlanes(); p++ {
			pitch := h.Stride[p] + 96 // not the host's, to catch pitch mistakes
			rows := h.PlaneHeight(p)
			ptr, mem := cuda.EmulateAlloc(pitch * rows)
			for r := 0; r < rows; r++ {
				copy(mem[r*pitch:(r+1)*pitch], h.Plane(p)[r*h.Stride[p]:(r+1)*h.Stride[p]])
			}
			f.Planes[p], f.Pitches[p] = ptr, pitch
		}
		frames[i] = testFrame{host: h, dev: f}
	}
	for _, c := range prepCases() {
		t.Run(caseName(c), func(t *testing.T) {
			c.cfg.MaxBatch = len(c.items)
			n := len(c.items) * c.cfg.TensorLen() * c.cfg.DataType.Size()
			_, raw := cuda.EmulateAlloc(n)
			if err := cuda.EmulatePreprocess(c.cfg, raw, caseItems(c, frames)); err != nil {
				t.Fatal(err)
			}
			compare(t, c, decode(c.cfg, raw), reference(t, c, frames))
		})
	}
}
