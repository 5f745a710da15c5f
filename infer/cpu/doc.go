// Package cpu holds the float32 kernels of dsgo's CPU inference backend:
// convolution (im2col+GEMM, direct 1x1 GEMM, direct depthwise) with fused
// bias, activation and residual add, pooling, normalisation, GEMM and
// MatMul, broadcasting elementwise and unary ops, reductions, shape ops,
// Resize, TopK, NonMaxSuppression and RoiAlign, all with ONNX semantics on
// NCHW data.
//
// Kernels never allocate in steady state: the caller passes the output
// tensor (already shaped) and, where a kernel needs one, a scratch slice
// whose length the matching ...Workspace function gives, so that the graph
// lowering can plan one arena at load time. A Runner owns the worker
// goroutines that the heavy kernels (GEMM, convolution, pooling) split
// their work over; a Runner is not safe for concurrent use, so run one per
// inference stream.
//
// Matrix products go through the Sgemm entry point. By default it calls
// OpenBLAS's cblas_sgemm through cgo; building with the noblas tag selects
// the pure-Go blocked GEMM, which is always compiled so that tests and
// benchmarks can compare the two.
package cpu
