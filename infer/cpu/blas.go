//go:build !noblas

package cpu

/*
#cgo LDFLAGS: -lopenblas
#include <cblas.h>
void openblas_set_num_threads(int num_threads);
*/
import "C"

import (
	"sync"
	"unsafe"
)

// haveBLAS reports whether this build links OpenBLAS.
const haveBLAS = true

var blasThreads sync.Once

// setBLASThreads sets OpenBLAS's thread count, once per process: OpenBLAS
// keeps one global pool, so the first Runner decides.
func setBLASThreads(n int) {
	blasThreads.Do(func() { C.openblas_set_num_threads(C.int(n)) })
}

func blasSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	ta, tb := uint32(C.CblasNoTrans), uint32(C.CblasNoTrans)
	if transA {
		ta = C.CblasTrans
	}
	if transB {
		tb = C.CblasTrans
	}
	var ap, bp *float32
	if k > 0 {
		ap, bp = &a[0], &b[0]
	}
	C.cblas_sgemm(C.CblasRowMajor, C.enum_CBLAS_TRANSPOSE(ta), C.enum_CBLAS_TRANSPOSE(tb),
		C.blasint(m), C.blasint(n), C.blasint(k), C.float(alpha),
		(*C.float)(unsafe.Pointer(ap)), C.blasint(lda),
		(*C.float)(unsafe.Pointer(bp)), C.blasint(ldb), C.float(beta),
		(*C.float)(unsafe.Pointer(&c[0])), C.blasint(ldc))
}
