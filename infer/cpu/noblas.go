//go:build noblas

package cpu

// haveBLAS reports whether this build links OpenBLAS.
const haveBLAS = false

func setBLASThreads(int) {}

func blasSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	panic("cpu: built with noblas")
}
