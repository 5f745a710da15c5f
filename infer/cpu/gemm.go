package cpu

import "fmt"

// Sgemm computes C = alpha*op(A)*op(B) + beta*C on row-major matrices,
// where op(A) is m x k, op(B) is k x n and C is m x n; lda, ldb and ldc are
// the row strides of the matrices as stored. It uses OpenBLAS unless the
// Runner was switched to (or built with) the pure-Go GEMM. When beta is 0,
// C is not read, so it may hold garbage.
func (r *Runner) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) error {
	if err := checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc); err != nil {
		return err
	}
	if m == 0 || n == 0 {
		return nil
	}
	r.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	return nil
}

// sgemm is Sgemm without the checks, for kernels that size their own
// operands.
func (r *Runner) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if r.blas {
		blasSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	r.goSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) error {
	if m < 0 || n < 0 || k < 0 {
		return fmt.Errorf("cpu: gemm: negative size m=%d n=%d k=%d", m, n, k)
	}
	if m == 0 || n == 0 {
		return nil
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	for _, op := range []struct {
		name       string
		rows, cols int
		ld, have   int
	}{{"A", ar, ac, lda, len(a)}, {"B", br, bc, ldb, len(b)}, {"C", m, n, ldc, len(c)}} {
		if op.rows == 0 || op.cols == 0 {
			continue
		}
		if op.ld < op.cols {
			return fmt.Errorf("cpu: gemm: %s has %d columns but row stride %d", op.name, op.cols, op.ld)
		}
		if need := (op.rows-1)*op.ld + op.cols; op.have < need {
			return fmt.Errorf("cpu: gemm: %s (%dx%d, stride %d) needs %d elements, has %d", op.name, op.rows, op.cols, op.ld, need, op.have)
		}
	}
	return nil
}
