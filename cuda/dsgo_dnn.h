// dsgo_dnn.h declares the part of cuBLAS (libcublas.so.13/.12) and of
// cuDNN 9's v7-style API (libcudnn.so.9) that package cuda uses, written
// from NVIDIA's public headers so that dsgo builds without them, and the
// C wrappers (dsgo_dnn.c) that call the functions loaded with dlsym.
//
// Wrappers that queue work take the context first and make it current
// (dsgo_bind) inside the same C call, and the stream to bind the handle
// to. They return the library's status (>= 0), or minus a CUresult when
// binding the context failed.
#ifndef DSGO_DNN_H
#define DSGO_DNN_H

#include <stddef.h>

#include "dsgo_cuda.h"

typedef void *dsgo_handle; // cublasHandle_t, cudnnHandle_t and descriptors

// cudnnConvolutionFwdAlgoPerf_t and cudnnConvolutionBwdDataAlgoPerf_t.
typedef struct {
	int algo;
	int status;
	float time;
	size_t memory;
	int determinism;
	int mathType;
	int reserved[3];
} dsgo_cudnn_perf;

int dsgo_cublas_open(const char *path, char *err, size_t errlen);
int dsgo_cudnn_open(const char *path, char *err, size_t errlen);
// dsgo_cudnn_missing names the optional cuDNN functions the library lacks
// (space separated, empty when none).
const char *dsgo_cudnn_missing(void);

// cuBLAS.
const char *dsgo_cublasStatusString(int st);
int dsgo_cublasCreate(CUcontext ctx, dsgo_handle *h);
int dsgo_cublasDestroy(CUcontext ctx, dsgo_handle h);
int dsgo_cublasSetWorkspace(CUcontext ctx, dsgo_handle h, CUdeviceptr ws, size_t n);
int dsgo_cublasGemm(CUcontext ctx, dsgo_handle h, CUstream s, int ta, int tb, int m, int n, int k, float alpha,
	CUdeviceptr a, int lda, long long sa, CUdeviceptr b, int ldb, long long sb, float beta, CUdeviceptr c, int ldc,
	long long sc, int batch, int dtype, int compute, int algo);

// cuDNN: handles and descriptors.
size_t dsgo_cudnnGetVersion(void);
const char *dsgo_cudnnErrorString(int st);
int dsgo_cudnnCreate(CUcontext ctx, dsgo_handle *h);
int dsgo_cudnnDestroy(CUcontext ctx, dsgo_handle h);
int dsgo_cudnn_tensor(dsgo_handle *d, int format, int dtype, int n, int c, int h, int w);
int dsgo_cudnn_filter(dsgo_handle *d, int dtype, int format, int k, int c, int h, int w);
int dsgo_cudnn_conv(dsgo_handle *d, int ph, int pw, int sh, int sw, int dh, int dw, int compute, int groups, int math);
int dsgo_cudnn_act(dsgo_handle *d, int mode, double coef);
void dsgo_cudnn_destroy_tensor(dsgo_handle d);
void dsgo_cudnn_destroy_filter(dsgo_handle d);
void dsgo_cudnn_destroy_conv(dsgo_handle d);
void dsgo_cudnn_destroy_act(dsgo_handle d);
int dsgo_cudnn_output_dim(dsgo_handle conv, dsgo_handle x, dsgo_handle w, int *dims);

// cuDNN: forward convolution.
int dsgo_cudnn_fwd_find(CUcontext ctx, dsgo_handle h, CUstream s, dsgo_handle x, CUdeviceptr xp, dsgo_handle w,
	CUdeviceptr wp, dsgo_handle conv, dsgo_handle y, CUdeviceptr yp, int req, int *ret, dsgo_cudnn_perf *perf,
	CUdeviceptr ws, size_t wsSize);
int dsgo_cudnn_fwd_heur(CUcontext ctx, dsgo_handle h, dsgo_handle x, dsgo_handle w, dsgo_handle conv, dsgo_handle y,
	int req, int *ret, dsgo_cudnn_perf *perf);
int dsgo_cudnn_fwd_ws(CUcontext ctx, dsgo_handle h, dsgo_handle x, dsgo_handle w, dsgo_handle conv, dsgo_handle y,
	int algo, size_t *n);
int dsgo_cudnn_fwd(CUcontext ctx, dsgo_handle h, CUstream s, dsgo_handle x, CUdeviceptr xp, dsgo_handle w,
	CUdeviceptr wp, dsgo_handle conv, int algo, CUdeviceptr ws, size_t wsSize, dsgo_handle y, CUdeviceptr yp);
int dsgo_cudnn_fwd_bias_act(CUcontext ctx, dsgo_handle h, CUstream s, dsgo_handle x, CUdeviceptr xp, dsgo_handle w,
	CUdeviceptr wp, dsgo_handle conv, int algo, CUdeviceptr ws, size_t wsSize, float alpha2, dsgo_handle z,
	CUdeviceptr zp, dsgo_handle bias, CUdeviceptr bp, dsgo_handle act, dsgo_handle y, CUdeviceptr yp);

// cuDNN: backward data (ConvTranspose): dx = conv^T(w, dy).
int dsgo_cudnn_bwd_find(CUcontext ctx, dsgo_handle h, CUstream s, dsgo_handle w, CUdeviceptr wp, dsgo_handle dy,
	CUdeviceptr dyp, dsgo_handle conv, dsgo_handle dx, CUdeviceptr dxp, int req, int *ret, dsgo_cudnn_perf *perf,
	CUdeviceptr ws, size_t wsSize);
int dsgo_cudnn_bwd_heur(CUcontext ctx, dsgo_handle h, dsgo_handle w, dsgo_handle dy, dsgo_handle conv,
	dsgo_handle dx, int req, int *ret, dsgo_cudnn_perf *perf);
int dsgo_cudnn_bwd_ws(CUcontext ctx, dsgo_handle h, dsgo_handle w, dsgo_handle dy, dsgo_handle conv, dsgo_handle dx,
	int algo, size_t *n);
int dsgo_cudnn_bwd(CUcontext ctx, dsgo_handle h, CUstream s, dsgo_handle w, CUdeviceptr wp, dsgo_handle dy,
	CUdeviceptr dyp, dsgo_handle conv, int algo, CUdeviceptr ws, size_t wsSize, dsgo_handle dx, CUdeviceptr dxp);

#endif
