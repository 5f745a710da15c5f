// Package cpu holds the kernels of dsgo's CPU inference backend:
// convolution with fused bias, activation and residual add (a direct
// AVX2/FMA kernel over weights packed at load, internal/kern, which also
// runs the products of Winograd F(2x2, 3x3) and F(4x4, 3x3) for
// stride-1 3x3 layers with 16+ channels, winograd.go, dilated ones over
// a mosaic of their phase
// images, convdilated.go; a kernel with output channels in the vector
// lanes for stride-2 3x3 layers of 16+ input channels and the 3-channel
// first layers, convs2.go, and (with AVX-512) for dilated ones too small
// for the mosaic, convd4.go; im2col+GEMM where it does not apply or
// without AVX2; direct depthwise), pooling,
// normalisation, GEMM and MatMul, broadcasting elementwise ops (float32,
// and int32/int64 for index arithmetic) and unary ops, reductions, shape
// ops, Resize, TopK, NonMaxSuppression (the nodes its rows feed run as a
// tail compiled per row count) and RoiAlign, all with ONNX semantics on
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
// Matrix products (and convolutions the direct kernel does not cover) go
// through the Sgemm entry point. By default it calls
// OpenBLAS's cblas_sgemm through cgo; building with the noblas tag selects
// the pure-Go blocked GEMM, which is always compiled so that tests and
// benchmarks can compare the two.
package cpu
