package vecmath

import "golang.org/x/sys/cpu"

// hasAVX2 reports whether the AVX2+FMA kernels can run; fixed at start-up.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// hasAVX512 reports whether the 512-bit kernels can run (AVX-512 F).
var hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F

//go:noescape
func sigmoidAVX512(x []float32)

//go:noescape
func siluAVX512(x []float32)

//go:noescape
func sigmoidAVX2(x []float32)

//go:noescape
func siluAVX2(x []float32)

//go:noescape
func addReluAVX2(y []float32, b float32)

//go:noescape
func addAVX2(y []float32, b float32)

//go:noescape
func gather2AVX2(d, s []float32, blocks int)

//go:noescape
func deinterleave2AVX2(even, odd, s []float32, blocks int)

//go:noescape
func double2AVX2(d, s []float32, blocks int)

//go:noescape
func upsample2AVX2(d, s []float32, h, w int)

//go:noescape
func addToAVX2(y, x []float32)

//go:noescape
func max2AVX2(d, a, b []float32)

//go:noescape
func mishAVX2(x []float32)

//go:noescape
func tanhAVX2(x []float32)

//go:noescape
func expAVX2(x []float32)

//go:noescape
func maxPool2RowsAVX2(d, a, b []float32, rows, stride, blocks, quads int)

// sigmoidVec is the vector sigmoid: 512-bit where there is AVX-512.
func sigmoidVec(x []float32) {
	if hasAVX512 {
		sigmoidAVX512(x)
		return
	}
	sigmoidAVX2(x)
}

// siluVec is the vector SiLU: 512-bit where there is AVX-512.
func siluVec(x []float32) {
	if hasAVX512 {
		siluAVX512(x)
		return
	}
	siluAVX2(x)
}
