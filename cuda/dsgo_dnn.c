//go:build cgo

// dsgo_dnn.c loads cuBLAS and cuDNN with dlopen and wraps the functions
// package cuda uses (see dsgo_dnn.h).

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dsgo_dnn.h"

typedef int st_t; // cublasStatus_t, cudnnStatus_t
typedef void *H;

#define CUBLAS_REQUIRED(X)                                                                            \
	X(cublasCreate, "cublasCreate_v2", st_t, (H *))                                                   \
	X(cublasDestroy, "cublasDestroy_v2", st_t, (H))                                                   \
	X(cublasSetStream, "cublasSetStream_v2", st_t, (H, CUstream))                                     \
	X(cublasGemmStridedBatchedEx, "cublasGemmStridedBatchedEx", st_t,                                 \
		(H, int, int, int, int, int, const void *, const void *, int, int, long long, const void *, int, int, \
			long long, const void *, void *, int, int, long long, int, int, int))

#define CUBLAS_OPTIONAL(X)                                                                            \
	X(cublasGetStatusString, "cublasGetStatusString", const char *, (st_t))                           \
	X(cublasSetWorkspace, "cublasSetWorkspace_v2", st_t, (H, void *, size_t))

#define CUDNN_REQUIRED(X)                                                                             \
	X(cudnnGetVersion, "cudnnGetVersion", size_t, (void))                                             \
	X(cudnnGetErrorString, "cudnnGetErrorString", const char *, (st_t))                               \
	X(cudnnCreate, "cudnnCreate", st_t, (H *))                                                        \
	X(cudnnDestroy, "cudnnDestroy", st_t, (H))                                                        \
	X(cudnnSetStream, "cudnnSetStream", st_t, (H, CUstream))                                          \
	X(cudnnCreateTensorDescriptor, "cudnnCreateTensorDescriptor", st_t, (H *))                        \
	X(cudnnSetTensor4dDescriptor, "cudnnSetTensor4dDescriptor", st_t, (H, int, int, int, int, int, int)) \
	X(cudnnDestroyTensorDescriptor, "cudnnDestroyTensorDescriptor", st_t, (H))                        \
	X(cudnnCreateFilterDescriptor, "cudnnCreateFilterDescriptor", st_t, (H *))                        \
	X(cudnnSetFilter4dDescriptor, "cudnnSetFilter4dDescriptor", st_t, (H, int, int, int, int, int, int)) \
	X(cudnnDestroyFilterDescriptor, "cudnnDestroyFilterDescriptor", st_t, (H))                        \
	X(cudnnCreateConvolutionDescriptor, "cudnnCreateConvolutionDescriptor", st_t, (H *))              \
	X(cudnnSetConvolution2dDescriptor, "cudnnSetConvolution2dDescriptor", st_t,                       \
		(H, int, int, int, int, int, int, int, int))                                                  \
	X(cudnnSetConvolutionGroupCount, "cudnnSetConvolutionGroupCount", st_t, (H, int))                 \
	X(cudnnSetConvolutionMathType, "cudnnSetConvolutionMathType", st_t, (H, int))                     \
	X(cudnnGetConvolution2dForwardOutputDim, "cudnnGetConvolution2dForwardOutputDim", st_t,           \
		(H, H, H, int *, int *, int *, int *))                                                        \
	X(cudnnDestroyConvolutionDescriptor, "cudnnDestroyConvolutionDescriptor", st_t, (H))              \
	X(cudnnGetConvolutionForwardWorkspaceSize, "cudnnGetConvolutionForwardWorkspaceSize", st_t,       \
		(H, H, H, H, H, int, size_t *))                                                               \
	X(cudnnConvolutionForward, "cudnnConvolutionForward", st_t,                                       \
		(H, const void *, H, CUdeviceptr, H, CUdeviceptr, H, int, CUdeviceptr, size_t, const void *, H, CUdeviceptr))

// Autotuning, the fused bias+activation path and ConvTranspose: dsgo
// falls back (heuristics, its own epilogue kernel) or reports the op as
// unsupported when a cuDNN build lacks them.
#define CUDNN_OPTIONAL(X)                                                                             \
	X(cudnnFindConvolutionForwardAlgorithmEx, "cudnnFindConvolutionForwardAlgorithmEx", st_t,         \
		(H, H, CUdeviceptr, H, CUdeviceptr, H, H, CUdeviceptr, int, int *, dsgo_cudnn_perf *, CUdeviceptr, size_t)) \
	X(cudnnGetConvolutionForwardAlgorithm_v7, "cudnnGetConvolutionForwardAlgorithm_v7", st_t,         \
		(H, H, H, H, H, int, int *, dsgo_cudnn_perf *))                                               \
	X(cudnnConvolutionBiasActivationForward, "cudnnConvolutionBiasActivationForward", st_t,           \
		(H, const void *, H, CUdeviceptr, H, CUdeviceptr, H, int, CUdeviceptr, size_t, const void *, H, CUdeviceptr, \
			H, CUdeviceptr, H, H, CUdeviceptr))                                                       \
	X(cudnnCreateActivationDescriptor, "cudnnCreateActivationDescriptor", st_t, (H *))                \
	X(cudnnSetActivationDescriptor, "cudnnSetActivationDescriptor", st_t, (H, int, int, double))      \
	X(cudnnDestroyActivationDescriptor, "cudnnDestroyActivationDescriptor", st_t, (H))                \
	X(cudnnConvolutionBackwardData, "cudnnConvolutionBackwardData", st_t,                             \
		(H, const void *, H, CUdeviceptr, H, CUdeviceptr, H, int, CUdeviceptr, size_t, const void *, H, CUdeviceptr)) \
	X(cudnnGetConvolutionBackwardDataWorkspaceSize, "cudnnGetConvolutionBackwardDataWorkspaceSize", st_t, \
		(H, H, H, H, H, int, size_t *))                                                               \
	X(cudnnFindConvolutionBackwardDataAlgorithmEx, "cudnnFindConvolutionBackwardDataAlgorithmEx", st_t, \
		(H, H, CUdeviceptr, H, CUdeviceptr, H, H, CUdeviceptr, int, int *, dsgo_cudnn_perf *, CUdeviceptr, size_t)) \
	X(cudnnGetConvolutionBackwardDataAlgorithm_v7, "cudnnGetConvolutionBackwardDataAlgorithm_v7", st_t, \
		(H, H, H, H, H, int, int *, dsgo_cudnn_perf *))

#define DECLARE(name, sym, ret, args) static ret(*p_##name) args;
CUBLAS_REQUIRED(DECLARE)
CUBLAS_OPTIONAL(DECLARE)
CUDNN_REQUIRED(DECLARE)
CUDNN_OPTIONAL(DECLARE)

#define RESOLVE_REQUIRED(name, sym, ret, args)                                                         \
	p_##name = (ret(*) args)dlsym(h, sym);                                                            \
	if (!p_##name) {                                                                                  \
		snprintf(err, errlen, "%s: missing symbol %s", path, sym);                                   \
		return -1;                                                                                    \
	}
#define RESOLVE_OPTIONAL(name, sym, ret, args) p_##name = (ret(*) args)dlsym(h, sym);

static char cudnn_missing[1024];

#define NOTE_MISSING(name, sym, ret, args)                                                             \
	if (!p_##name && strlen(cudnn_missing) + strlen(sym) + 2 < sizeof cudnn_missing) {                \
		if (cudnn_missing[0]) strcat(cudnn_missing, " ");                                             \
		strcat(cudnn_missing, sym);                                                                   \
	}

int dsgo_cublas_open(const char *path, char *err, size_t errlen) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "%s", dlerror());
		return -1;
	}
	CUBLAS_REQUIRED(RESOLVE_REQUIRED)
	CUBLAS_OPTIONAL(RESOLVE_OPTIONAL)
	return 0;
}

int dsgo_cudnn_open(const char *path, char *err, size_t errlen) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "%s", dlerror());
		return -1;
	}
	CUDNN_REQUIRED(RESOLVE_REQUIRED)
	CUDNN_OPTIONAL(RESOLVE_OPTIONAL)
	cudnn_missing[0] = 0;
	CUDNN_OPTIONAL(NOTE_MISSING)
	return 0;
}

const char *dsgo_cudnn_missing(void) { return cudnn_missing; }

// NOSYM is the status returned for an optional function the library lacks
// (cuBLAS's and cuDNN's NOT_SUPPORTED codes differ; the Go side checks
// for the function first).
#define NOSYM 9999
#define NEED(name)                                                                                    \
	do {                                                                                              \
		if (!p_##name) return NOSYM;                                                                  \
	} while (0)
#define BINDOR(ctx)                                                                                   \
	do {                                                                                              \
		CUresult r_ = dsgo_bind(ctx);                                                                 \
		if (r_ != DSGO_CUDA_SUCCESS) return -(int)r_;                                                 \
	} while (0)

const char *dsgo_cublasStatusString(int st) { return p_cublasGetStatusString ? p_cublasGetStatusString(st) : NULL; }

int dsgo_cublasCreate(CUcontext ctx, dsgo_handle *h) {
	BINDOR(ctx);
	return p_cublasCreate(h);
}

int dsgo_cublasDestroy(CUcontext ctx, dsgo_handle h) {
	BINDOR(ctx);
	return p_cublasDestroy(h);
}

int dsgo_cublasSetWorkspace(CUcontext ctx, dsgo_handle h, CUdeviceptr ws, size_t n) {
	NEED(cublasSetWorkspace);
	BINDOR(ctx);
	return p_cublasSetWorkspace(h, (void *)ws, n);
}

int dsgo_cublasGemm(CUcontext ctx, dsgo_handle h, CUstream s, int ta, int tb, int m, int n, int k, float alpha,
	CUdeviceptr a, int lda, long long sa, CUdeviceptr b, int ldb, long long sb, float beta, CUdeviceptr c, int ldc,
	long long sc, int batch, int dtype, int compute, int algo) {
	BINDOR(ctx);
	int st = p_cublasSetStream(h, s);
	if (st != 0) return st;
	return p_cublasGemmStridedBatchedEx(h, ta, tb, m, n, k, &alpha, (const void *)a, dtype, lda, sa, (const void *)b,
		dtype, ldb, sb, &beta, (void *)c, dtype, ldc, sc, batch, compute, algo);
}

size_t dsgo_cudnnGetVersion(void) { return p_cudnnGetVersion(); }
const char *dsgo_cudnnErrorString(int st) { return p_cudnnGetErrorString(st); }

int dsgo_cudnnCreate(CUcontext ctx, dsgo_handle *h) {
	BINDOR(ctx);
	return p_cudnnCreate(h);
}

int dsgo_cudnnDestroy(CUcontext ctx, dsgo_handle h) {
	BINDOR(ctx);
	return p_cudnnDestroy(h);
}

int dsgo_cudnn_tensor(dsgo_handle *d, int format, int dtype, int n, int c, int h, int w) {
	int st = p_cudnnCreateTensorDescriptor(d);
	if (st != 0) return st;
	st = p_cudnnSetTensor4dDescriptor(*d, format, dtype, n, c, h, w);
	if (st != 0) {
		p_cudnnDestroyTensorDescriptor(*d);
		*d = NULL;
	}
	return st;
}

int dsgo_cudnn_filter(dsgo_handle *d, int dtype, int format, int k, int c, int h, int w) {
	int st = p_cudnnCreateFilterDescriptor(d);
	if (st != 0) return st;
	st = p_cudnnSetFilter4dDescriptor(*d, dtype, format, k, c, h, w);
	if (st != 0) {
		p_cudnnDestroyFilterDescriptor(*d);
		*d = NULL;
	}
	return st;
}

int dsgo_cudnn_conv(dsgo_handle *d, int ph, int pw, int sh, int sw, int dh, int dw, int compute, int groups, int math) {
	int st = p_cudnnCreateConvolutionDescriptor(d);
	if (st != 0) return st;
	// Mode 1 is CUDNN_CROSS_CORRELATION: ONNX's Conv.
	st = p_cudnnSetConvolution2dDescriptor(*d, ph, pw, sh, sw, dh, dw, 1, compute);
	if (st == 0) st = p_cudnnSetConvolutionGroupCount(*d, groups);
	if (st == 0) st = p_cudnnSetConvolutionMathType(*d, math);
	if (st != 0) {
		p_cudnnDestroyConvolutionDescriptor(*d);
		*d = NULL;
	}
	return st;
}

int dsgo_cudnn_act(dsgo_handle *d, int mode, double coef) {
	NEED(cudnnCreateActivationDescriptor);
	NEED(cudnnSetActivationDescriptor);
	int st = p_cudnnCreateActivationDescriptor(d);
	if (st != 0) return st;
	st = p_cudnnSetActivationDescriptor(*d, mode, 0, coef);
	if (st != 0) {
		p_cudnnDestroyActivationDescriptor(*d);
		*d = NULL;
	}
	return st;
}

void dsgo_cudnn_destroy_tensor(dsgo_handle d) { p_cudnnDestroyTensorDescriptor(d); }
void dsgo_cudnn_destroy_filter(dsgo_handle d) { p_cudnnDestroyFilterDescriptor(d); }
void dsgo_cudnn_destroy_conv(dsgo_handle d) { p_cudnnDestroyConvolutionDescriptor(d); }

void dsgo_cudnn_destroy_act(dsgo_handle d) {
	if (p_cudnnDestroyActivationDescriptor) p_cudnnDestroyActivationDescriptor(d);
}

int dsgo_cudnn_output_dim(dsgo_handle conv, dsgo_handle x, dsgo_handle w, int *dims) {
	return p_cudnnGetConvolution2dForwardOutputDim(conv, x, w, &dims[0], &dims[1], &dims[2], &dims[3]);
}

#define SETSTREAM(h, s)                                                                               \
	do {                                                                                              \
		int st_ = p_cudnnSetStream(h, s);                                                             \
		if (st_ != 0) return st_;                                                                     \
	} while (0)

int dsgo_cudnn_fwd_find(CUcontext ctx, dsgo_handle h, CUstream s, dsgo_handle x, CUdeviceptr xp, dsgo_handle w,
	CUdeviceptr wp, dsgo_handle conv, dsgo_handle y, CUdeviceptr yp, int req, int *ret, dsgo_cudnn_perf *perf,
	CUdeviceptr ws, size_t wsSize) {
	NEED(cudnnFindConvolutionForwardAlgorithmEx);
	BINDOR(ctx);
	SETSTREAM(h, s);
	return p_cudnnFindConvolutionForwardAlgorithmEx(h, x, xp, w, wp, conv, y, yp, req, ret, perf, ws, wsSize);
}

int dsgo_cudnn_fwd_heur(CUcontext ctx, dsgo_handle h, dsgo_handle x, dsgo_handle w, dsgo_handle conv, dsgo_handle y,
	int req, int *ret, dsgo_cudnn_perf *perf) {
	NEED(cudnnGetConvolutionForwardAlgorithm_v7);
	BINDOR(ctx);
	return p_cudnnGetConvolutionForwardAlgorithm_v7(h, x, w, conv, y, req, ret, perf);
}

int dsgo_cudnn_fwd_ws(CUcontext ctx, dsgo_handle h, dsgo_handle x, dsgo_handle w, dsgo_handle conv, dsgo_handle y,
	int algo, size_t *n) {
	BINDOR(ctx);
	return p_cudnnGetConvolutionForwardWorkspaceSize(h, x, w, conv, y, algo, n);
}

int dsgo_cudnn_fwd(CUcontext ctx, dsgo_handle h, CUstream s, dsgo_handle x, CUdeviceptr xp, dsgo_handle w,
	CUdeviceptr wp, dsgo_handle conv, int algo, CUdeviceptr ws, size_t wsSize, dsgo_handle y, CUdeviceptr yp) {
	float one = 1, zero = 0;
	BINDOR(ctx);
	SETSTREAM(h, s);
	return p_cudnnConvolutionForward(h, &one, x, xp, w, wp, conv, algo, ws, wsSize, &zero, y, yp);
}

int dsgo_cudnn_fwd_bias_act(CUcontext ctx, dsgo_handle h, CUstream s, dsgo_handle x, CUdeviceptr xp, dsgo_handle w,
	CUdeviceptr wp, dsgo_handle conv, int algo, CUdeviceptr ws, size_t wsSize, float alpha2, dsgo_handle z,
	CUdeviceptr zp, dsgo_handle bias, CUdeviceptr bp, dsgo_handle act, dsgo_handle y, CUdeviceptr yp) {
	float one = 1;
	NEED(cudnnConvolutionBiasActivationForward);
	BINDOR(ctx);
	SETSTREAM(h, s);
	return p_cudnnConvolutionBiasActivationForward(h, &one, x, xp, w, wp, conv, algo, ws, wsSize, &alpha2, z, zp, bias,
		bp, act, y, yp);
}

int dsgo_cudnn_bwd_find(CUcontext ctx, dsgo_handle h, CUstream s, dsgo_handle w, CUdeviceptr wp, dsgo_handle dy,
	CUdeviceptr dyp, dsgo_handle conv, dsgo_handle dx, CUdeviceptr dxp, int req, int *ret, dsgo_cudnn_perf *perf,
	CUdeviceptr ws, size_t wsSize) {
	NEED(cudnnFindConvolutionBackwardDataAlgorithmEx);
	BINDOR(ctx);
	SETSTREAM(h, s);
	return p_cudnnFindConvolutionBackwardDataAlgorithmEx(h, w, wp, dy, dyp, conv, dx, dxp, req, ret, perf, ws, wsSize);
}

int dsgo_cudnn_bwd_heur(CUcontext ctx, dsgo_handle h, dsgo_handle w, dsgo_handle dy, dsgo_handle conv,
	dsgo_handle dx, int req, int *ret, dsgo_cudnn_perf *perf) {
	NEED(cudnnGetConvolutionBackwardDataAlgorithm_v7);
	BINDOR(ctx);
	return p_cudnnGetConvolutionBackwardDataAlgorithm_v7(h, w, dy, conv, dx, req, ret, perf);
}

int dsgo_cudnn_bwd_ws(CUcontext ctx, dsgo_handle h, dsgo_handle w, dsgo_handle dy, dsgo_handle conv, dsgo_handle dx,
	int algo, size_t *n) {
	NEED(cudnnGetConvolutionBackwardDataWorkspaceSize);
	BINDOR(ctx);
	return p_cudnnGetConvolutionBackwardDataWorkspaceSize(h, w, dy, conv, dx, algo, n);
}

int dsgo_cudnn_bwd(CUcontext ctx, dsgo_handle h, CUstream s, dsgo_handle w, CUdeviceptr wp, dsgo_handle dy,
	CUdeviceptr dyp, dsgo_handle conv, int algo, CUdeviceptr ws, size_t wsSize, dsgo_handle dx, CUdeviceptr dxp) {
	float one = 1, zero = 0;
	NEED(cudnnConvolutionBackwardData);
	BINDOR(ctx);
	SETSTREAM(h, s);
	return p_cudnnConvolutionBackwardData(h, &one, w, wp, dy, dyp, conv, algo, ws, wsSize, &zero, dx, dxp);
}
