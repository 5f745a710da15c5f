//go:build !amd64

package vecmath

const hasAVX2 = false

func sigmoidAVX2([]float32) {}

func siluAVX2([]float32) {}
