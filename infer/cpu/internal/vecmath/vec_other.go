//go:build !amd64

package vecmath

const hasAVX2 = false

func sigmoidAVX2([]float32) {}

func siluAVX2([]float32) {}

func addReluAVX2([]float32, float32) {}

func addAVX2([]float32, float32) {}

func gather2AVX2(_, _ []float32, _ int) {}

func deinterleave2AVX2(_, _, _ []float32, _ int) {}

func double2AVX2(_, _ []float32, _ int) {}

func upsample2AVX2(_, _ []float32, _, _ int) {}

func addToAVX2(_, _ []float32) {}

func max2AVX2(_, _, _ []float32) {}

func mishAVX2([]float32) {}

func tanhAVX2([]float32) {}

func expAVX2([]float32) {}

func maxPool2RowsAVX2(_, _, _ []float32, _, _, _, _ int) {}

func sigmoidVec([]float32) {}

func siluVec([]float32) {}
