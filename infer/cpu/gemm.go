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
		r.parallelBLAS(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
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

// gemmSplit is a BLAS matrix product cut into blocks of C's columns (or,
// when C is narrow, rows), one single-threaded OpenBLAS call per block.
type gemmSplit struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	cols           bool // split columns (else rows)
	block          int
}

// parallelBLAS runs a product on the Runner's workers.
func (r *Runner) parallelBLAS(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	const minCols, minRows = 64, 16
	t := &r.split
	*t = gemmSplit{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc}
	var blocks int
	switch {
	case k == 0 || r.workers < 2:
	case n >= 2*minCols:
		t.cols, t.block = true, max(minCols, (n+4*r.workers-1)/(4*r.workers))
		blocks = (n + t.block - 1) / t.block
	case m >= 2*minRows:
		t.block = max(minRows, (m+2*r.workers-1)/(2*r.workers))
		blocks = (m + t.block - 1) / t.block
	}
	if blocks == 0 {
		blasSgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		*t = gemmSplit{}
		return
	}
	r.pool.run(blocks, 1, t)
	*t = gemmSplit{}
}

func (t *gemmSplit) run(_, lo, hi int) {
	for blk := lo; blk < hi; blk++ {
		a, b := t.a, t.b
		m, n := t.m, t.n
		var coff int
		if t.cols {
			j0 := blk * t.block
			n = min(t.block, t.n-j0)
			if t.transB {
				b = b[j0*t.ldb:]
			} else {
				b = b[j0:]
			}
			coff = j0
		} else {
			i0 := blk * t.block
			m = min(t.block, t.m-i0)
			if t.transA {
				a = a[i0:]
			} else {
				a = a[i0*t.lda:]
			}
			coff = i0 * t.ldc
		}
		blasSgemm(t.transA, t.transB, m, n, t.k, t.alpha, a, t.lda, b, t.ldb, t.beta, t.c[coff:], t.ldc)
	}
}
