package cuda

/*
#include "dsgo_dnn.h"
*/
import "C"

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// cudaLibs returns the names tried, in order, for a CUDA toolkit library
// with the given sonames: each through the dynamic loader, then in the
// toolkit's usual directories.
func cudaLibs(names ...string) []string {
	libs := append([]string(nil), names...)
	var dirs []string
	for _, env := range []string{"CUDA_HOME", "CUDA_PATH"} {
		if d := os.Getenv(env); d != "" {
			dirs = append(dirs, filepath.Join(d, "lib64"))
		}
	}
	dirs = append(dirs, "/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu")
	for _, d := range dirs {
		for _, n := range names {
			libs = append(libs, filepath.Join(d, n))
		}
	}
	return libs
}

var cublasOnce = sync.OnceValue(func() error {
	if err := Init(); err != nil {
		return err
	}
	return openLib("cuBLAS (libcublas)", cudaLibs("libcublas.so.13", "libcublas.so.12", "libcublas.so"),
		func(p, e *C.char, n C.size_t) C.int { return C.dsgo_cublas_open(p, e, n) })
})

// noSymbol is the wrappers' status for an optional function the loaded
// library lacks.
const noSymbol = 9999

// LibError is a failed cuBLAS or cuDNN call.
type LibError struct {
	Lib    string // "cublas" or "cudnn"
	Op     string // the API function
	Status int    // the library's status code
	Msg    string
}

func (e *LibError) Error() string {
	return fmt.Sprintf("cuda: %s: %s: status %d: %s", e.Lib, e.Op, e.Status, e.Msg)
}

func checkBLAS(op string, st C.int) error {
	switch {
	case st == 0:
		return nil
	case st < 0:
		return check("cuCtxSetCurrent", C.CUresult(-st))
	case st == noSymbol:
		return &LibError{Lib: "cublas", Op: op, Status: int(st), Msg: "the loaded cuBLAS lacks this function"}
	}
	msg := "unknown status"
	if s := C.dsgo_cublasStatusString(st); s != nil {
		msg = C.GoString(s)
	}
	return &LibError{Lib: "cublas", Op: op, Status: int(st), Msg: msg}
}

// BLAS is a cuBLAS handle bound to a context. Its GEMMs run on the stream
// each call names; a BLAS is not safe for concurrent use (the handle
// holds the stream between setting it and queueing the work).
type BLAS struct {
	ctx *Context
	h   C.dsgo_handle
}

// NewBLAS loads cuBLAS (libcublas.so.13 or .12) on first use and creates
// a handle. Without the library the error wraps ErrUnavailable.
func (c *Context) NewBLAS() (*BLAS, error) {
	h, err := c.handle()
	if err != nil {
		return nil, err
	}
	if err := cublasOnce(); err != nil {
		return nil, err
	}
	var bh C.dsgo_handle
	if err := checkBLAS("cublasCreate", C.dsgo_cublasCreate(h, &bh)); err != nil {
		return nil, err
	}
	return &BLAS{ctx: c, h: bh}, nil
}

// SetWorkspace gives cuBLAS n bytes at p for its kernels, so that it
// allocates nothing while a stream is being captured into a graph. The
// memory must outlive the handle's use.
func (b *BLAS) SetWorkspace(p DevicePtr, n int) error {
	if b == nil || b.h == nil {
		return errClosed
	}
	h, err := b.ctx.handle()
	if err != nil {
		return err
	}
	return checkBLAS("cublasSetWorkspace", C.dsgo_cublasSetWorkspace(h, b.h, C.CUdeviceptr(p), C.size_t(n)))
}

// Close destroys the handle.
func (b *BLAS) Close() error {
	if b == nil || b.h == nil {
		return errClosed
	}
	h, err := b.ctx.handle()
	if err != nil {
		return err
	}
	bh := b.h
	b.h = nil
	return checkBLAS("cublasDestroy", C.dsgo_cublasDestroy(h, bh))
}

// Gemm is one strided batched matrix product in cuBLAS's column-major
// convention: for each of Batch items, C = Alpha*op(A)*op(B) + Beta*C with
// op(A) M x K, op(B) K x N and C M x N, the items StrideA, StrideB and
// StrideC elements apart (0 repeats an operand). A row-major product
// Y = X*W is the column-major Y^T = W^T*X^T: swap the operands.
type Gemm struct {
	TransA, TransB bool
	M, N, K        int
	Alpha, Beta    float32
	A, B, C        DevicePtr
	LDA, LDB, LDC  int
	StrideA        int64
	StrideB        int64
	StrideC        int64
	Batch          int
	// Type is the element type of A, B and C; products accumulate in
	// float32 either way (tensor cores for Float16, plain FMA for
	// Float32 unless TF32 is set).
	Type DataType
	// TF32 lets Float32 products use TF32 tensor cores (about 1e-3
	// relative error).
	TF32 bool
}

// cuBLAS enum values (cublas_api.h, library_types.h).
const (
	cudaR32F             = 0
	cudaR16F             = 2
	cublasCompute32F     = 68
	cublasCompute32FTF32 = 77
	cublasGemmDefault    = -1
	cublasGemmDefaultTOp = 99
	cublasOpN, cublasOpT = 0, 1
	maxGemmDim           = 1<<31 - 1
)

func (g *Gemm) validate() error {
	switch {
	case g.M <= 0 || g.N <= 0 || g.K <= 0 || g.M > maxGemmDim || g.N > maxGemmDim || g.K > maxGemmDim:
		return fmt.Errorf("cuda: gemm: dimensions %dx%dx%d", g.M, g.N, g.K)
	case g.Batch <= 0:
		return fmt.Errorf("cuda: gemm: batch of %d", g.Batch)
	case g.Type != Float32 && g.Type != Float16:
		return fmt.Errorf("cuda: gemm: element type %d", g.Type)
	case g.A == 0 || g.B == 0 || g.C == 0:
		return fmt.Errorf("cuda: gemm: nil operand")
	}
	rowsA, rowsB := g.M, g.K
	if g.TransA {
		rowsA = g.K
	}
	if g.TransB {
		rowsB = g.N
	}
	if g.LDA < rowsA || g.LDB < rowsB || g.LDC < g.M {
		return fmt.Errorf("cuda: gemm: leading dimensions %d, %d, %d too small for %dx%dx%d", g.LDA, g.LDB, g.LDC, g.M, g.N, g.K)
	}
	return nil
}

// Gemm queues g on s. It allocates nothing.
func (b *BLAS) Gemm(s *Stream, g *Gemm) error {
	if b == nil || b.h == nil {
		return errClosed
	}
	c, sh, err := s.handles()
	if err != nil {
		return err
	}
	if err := g.validate(); err != nil {
		return err
	}
	ta, tb := C.int(cublasOpN), C.int(cublasOpN)
	if g.TransA {
		ta = cublasOpT
	}
	if g.TransB {
		tb = cublasOpT
	}
	dt, compute, algo := C.int(cudaR32F), C.int(cublasCompute32F), C.int(cublasGemmDefault)
	if g.Type == Float16 {
		dt, algo = cudaR16F, cublasGemmDefaultTOp
	} else if g.TF32 {
		compute, algo = cublasCompute32FTF32, cublasGemmDefaultTOp
	}
	st := C.dsgo_cublasGemm(c, b.h, sh, ta, tb, C.int(g.M), C.int(g.N), C.int(g.K), C.float(g.Alpha),
		C.CUdeviceptr(g.A), C.int(g.LDA), C.longlong(g.StrideA), C.CUdeviceptr(g.B), C.int(g.LDB), C.longlong(g.StrideB),
		C.float(g.Beta), C.CUdeviceptr(g.C), C.int(g.LDC), C.longlong(g.StrideC), C.int(g.Batch), dt, compute, algo)
	return checkBLAS("cublasGemmStridedBatchedEx", st)
}
