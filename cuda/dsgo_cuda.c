//go:build cgo

// dsgo_cuda.c loads libcuda and libnvrtc with dlopen, resolves the
// functions package cuda uses and wraps each in a C function cgo can
// call (cgo cannot call through function pointers).

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "dsgo_cuda.h"

// Symbol tables: Go-side name, exported symbol (the versioned names of
// cuda.h's #defines), return type and parameter list.
#define CU_REQUIRED(X)                                                                                \
	X(cuInit, "cuInit", CUresult, (unsigned int))                                                     \
	X(cuDriverGetVersion, "cuDriverGetVersion", CUresult, (int *))                                    \
	X(cuGetErrorName, "cuGetErrorName", CUresult, (CUresult, const char **))                          \
	X(cuGetErrorString, "cuGetErrorString", CUresult, (CUresult, const char **))                      \
	X(cuDeviceGetCount, "cuDeviceGetCount", CUresult, (int *))                                        \
	X(cuDeviceGet, "cuDeviceGet", CUresult, (CUdevice *, int))                                        \
	X(cuDeviceGetName, "cuDeviceGetName", CUresult, (char *, int, CUdevice))                          \
	X(cuDeviceGetAttribute, "cuDeviceGetAttribute", CUresult, (int *, int, CUdevice))                 \
	X(cuDeviceTotalMem, "cuDeviceTotalMem_v2", CUresult, (size_t *, CUdevice))                        \
	X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", CUresult, (CUcontext *, CUdevice))        \
	X(cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", CUresult, (CUdevice))                \
	X(cuCtxGetCurrent, "cuCtxGetCurrent", CUresult, (CUcontext *))                                    \
	X(cuCtxSetCurrent, "cuCtxSetCurrent", CUresult, (CUcontext))                                      \
	X(cuCtxSynchronize, "cuCtxSynchronize", CUresult, (void))                                         \
	X(cuMemGetInfo, "cuMemGetInfo_v2", CUresult, (size_t *, size_t *))                                \
	X(cuMemAlloc, "cuMemAlloc_v2", CUresult, (CUdeviceptr *, size_t))                                 \
	X(cuMemFree, "cuMemFree_v2", CUresult, (CUdeviceptr))                                             \
	X(cuMemHostAlloc, "cuMemHostAlloc", CUresult, (void **, size_t, unsigned int))                    \
	X(cuMemFreeHost, "cuMemFreeHost", CUresult, (void *))                                             \
	X(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", CUresult, (CUdeviceptr, const void *, size_t, CUstream)) \
	X(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", CUresult, (void *, CUdeviceptr, size_t, CUstream))   \
	X(cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2", CUresult, (CUdeviceptr, CUdeviceptr, size_t, CUstream)) \
	X(cuMemcpy2DAsync, "cuMemcpy2DAsync_v2", CUresult, (const dsgo_memcpy2d *, CUstream))             \
	X(cuMemsetD8Async, "cuMemsetD8Async", CUresult, (CUdeviceptr, unsigned char, size_t, CUstream))   \
	X(cuStreamCreate, "cuStreamCreate", CUresult, (CUstream *, unsigned int))                         \
	X(cuStreamDestroy, "cuStreamDestroy_v2", CUresult, (CUstream))                                    \
	X(cuStreamSynchronize, "cuStreamSynchronize", CUresult, (CUstream))                               \
	X(cuStreamWaitEvent, "cuStreamWaitEvent", CUresult, (CUstream, CUevent, unsigned int))            \
	X(cuEventCreate, "cuEventCreate", CUresult, (CUevent *, unsigned int))                            \
	X(cuEventDestroy, "cuEventDestroy_v2", CUresult, (CUevent))                                       \
	X(cuEventRecord, "cuEventRecord", CUresult, (CUevent, CUstream))                                  \
	X(cuEventSynchronize, "cuEventSynchronize", CUresult, (CUevent))                                  \
	X(cuEventElapsedTime, "cuEventElapsedTime", CUresult, (float *, CUevent, CUevent))                \
	X(cuModuleLoadData, "cuModuleLoadData", CUresult, (CUmodule *, const void *))                     \
	X(cuModuleUnload, "cuModuleUnload", CUresult, (CUmodule))                                         \
	X(cuModuleGetFunction, "cuModuleGetFunction", CUresult, (CUfunction *, CUmodule, const char *))   \
	X(cuLaunchKernel, "cuLaunchKernel", CUresult,                                                     \
		(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream, void **, void **)) \
	X(cuStreamBeginCapture, "cuStreamBeginCapture_v2", CUresult, (CUstream, int))                     \
	X(cuStreamEndCapture, "cuStreamEndCapture", CUresult, (CUstream, CUgraph *))                      \
	X(cuGraphInstantiate, "cuGraphInstantiateWithFlags", CUresult, (CUgraphExec *, CUgraph, unsigned long long)) \
	X(cuGraphLaunch, "cuGraphLaunch", CUresult, (CUgraphExec, CUstream))                              \
	X(cuGraphExecDestroy, "cuGraphExecDestroy", CUresult, (CUgraphExec))                              \
	X(cuGraphDestroy, "cuGraphDestroy", CUresult, (CUgraph))

// Stream-ordered allocation came with CUDA 11.2; older drivers fall back
// to cuMemAlloc.
#define CU_OPTIONAL(X)                                                                                \
	X(cuMemAllocAsync, "cuMemAllocAsync", CUresult, (CUdeviceptr *, size_t, CUstream))                \
	X(cuMemFreeAsync, "cuMemFreeAsync", CUresult, (CUdeviceptr, CUstream))                            \
	X(cuDeviceGetDefaultMemPool, "cuDeviceGetDefaultMemPool", CUresult, (CUmemoryPool *, CUdevice))   \
	X(cuMemPoolSetAttribute, "cuMemPoolSetAttribute", CUresult, (CUmemoryPool, int, void *))        \
	X(cuFuncSetAttribute, "cuFuncSetAttribute", CUresult, (CUfunction, int, int))                    \
	X(cuOccupancyMaxActiveBlocksPerMultiprocessor, "cuOccupancyMaxActiveBlocksPerMultiprocessor",    \
		CUresult, (int *, CUfunction, int, size_t))

#define NVRTC_REQUIRED(X)                                                                             \
	X(nvrtcVersion, "nvrtcVersion", nvrtcResult, (int *, int *))                                      \
	X(nvrtcGetErrorString, "nvrtcGetErrorString", const char *, (nvrtcResult))                        \
	X(nvrtcCreateProgram, "nvrtcCreateProgram", nvrtcResult,                                          \
		(nvrtcProgram *, const char *, const char *, int, const char *const *, const char *const *))  \
	X(nvrtcDestroyProgram, "nvrtcDestroyProgram", nvrtcResult, (nvrtcProgram *))                      \
	X(nvrtcCompileProgram, "nvrtcCompileProgram", nvrtcResult, (nvrtcProgram, int, const char *const *)) \
	X(nvrtcGetProgramLogSize, "nvrtcGetProgramLogSize", nvrtcResult, (nvrtcProgram, size_t *))        \
	X(nvrtcGetProgramLog, "nvrtcGetProgramLog", nvrtcResult, (nvrtcProgram, char *))                  \
	X(nvrtcGetCUBINSize, "nvrtcGetCUBINSize", nvrtcResult, (nvrtcProgram, size_t *))                  \
	X(nvrtcGetCUBIN, "nvrtcGetCUBIN", nvrtcResult, (nvrtcProgram, char *))

#define DECLARE(name, sym, ret, args) static ret(*p_##name) args;
CU_REQUIRED(DECLARE)
CU_OPTIONAL(DECLARE)
NVRTC_REQUIRED(DECLARE)

#define RESOLVE_REQUIRED(name, sym, ret, args)                                                         \
	p_##name = (ret(*) args)dlsym(h, sym);                                                            \
	if (!p_##name) {                                                                                  \
		snprintf(err, errlen, "%s: missing symbol %s", path, sym);                                   \
		return -1;                                                                                    \
	}
#define RESOLVE_OPTIONAL(name, sym, ret, args) p_##name = (ret(*) args)dlsym(h, sym);

int dsgo_cuda_open(const char *path, char *err, size_t errlen) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "%s", dlerror());
		return -1;
	}
	CU_REQUIRED(RESOLVE_REQUIRED)
	CU_OPTIONAL(RESOLVE_OPTIONAL)
	return 0;
}

int dsgo_nvrtc_open(const char *path, char *err, size_t errlen) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		snprintf(err, errlen, "%s", dlerror());
		return -1;
	}
	NVRTC_REQUIRED(RESOLVE_REQUIRED)
	return 0;
}

int dsgo_has_mempool(void) {
	return p_cuMemAllocAsync && p_cuMemFreeAsync && p_cuDeviceGetDefaultMemPool && p_cuMemPoolSetAttribute;
}

// bind makes ctx current on this thread unless it already is: a
// thread-local read in the driver, so every wrapper can afford it.
static CUresult bind(CUcontext ctx) {
	CUcontext cur = NULL;
	CUresult r = p_cuCtxGetCurrent(&cur);
	if (r != DSGO_CUDA_SUCCESS || cur == ctx) {
		return r;
	}
	return p_cuCtxSetCurrent(ctx);
}

// dsgo_bind is bind for the other libraries' wrappers (dsgo_dnn.c).
CUresult dsgo_bind(CUcontext ctx) { return bind(ctx); }

#define BIND(ctx)                                                                                     \
	do {                                                                                              \
		CUresult r_ = bind(ctx);                                                                      \
		if (r_ != DSGO_CUDA_SUCCESS) return r_;                                                       \
	} while (0)

CUresult dsgo_cuInit(void) { return p_cuInit(0); }
CUresult dsgo_cuDriverGetVersion(int *v) { return p_cuDriverGetVersion(v); }

const char *dsgo_cuErrorName(CUresult r) {
	const char *s = NULL;
	if (p_cuGetErrorName(r, &s) != DSGO_CUDA_SUCCESS) return NULL;
	return s;
}

const char *dsgo_cuErrorString(CUresult r) {
	const char *s = NULL;
	if (p_cuGetErrorString(r, &s) != DSGO_CUDA_SUCCESS) return NULL;
	return s;
}

CUresult dsgo_cuDeviceGetCount(int *n) { return p_cuDeviceGetCount(n); }
CUresult dsgo_cuDeviceGet(CUdevice *d, int ordinal) { return p_cuDeviceGet(d, ordinal); }
CUresult dsgo_cuDeviceGetName(char *name, int len, CUdevice d) { return p_cuDeviceGetName(name, len, d); }
CUresult dsgo_cuDeviceGetAttribute(int *v, int attr, CUdevice d) { return p_cuDeviceGetAttribute(v, attr, d); }
CUresult dsgo_cuDeviceTotalMem(size_t *bytes, CUdevice d) { return p_cuDeviceTotalMem(bytes, d); }
CUresult dsgo_cuDevicePrimaryCtxRetain(CUcontext *ctx, CUdevice d) { return p_cuDevicePrimaryCtxRetain(ctx, d); }
CUresult dsgo_cuDevicePrimaryCtxRelease(CUdevice d) { return p_cuDevicePrimaryCtxRelease(d); }
CUresult dsgo_cuDeviceGetDefaultMemPool(CUmemoryPool *pool, CUdevice d) { return p_cuDeviceGetDefaultMemPool(pool, d); }

CUresult dsgo_cuMemPoolSetReleaseThreshold(CUmemoryPool pool, unsigned long long bytes) {
	return p_cuMemPoolSetAttribute(pool, DSGO_CU_MEMPOOL_ATTR_RELEASE_THRESHOLD, &bytes);
}

CUresult dsgo_cuCtxSynchronize(CUcontext ctx) {
	BIND(ctx);
	return p_cuCtxSynchronize();
}

CUresult dsgo_cuMemGetInfo(CUcontext ctx, size_t *free, size_t *total) {
	BIND(ctx);
	return p_cuMemGetInfo(free, total);
}

CUresult dsgo_cuMemAlloc(CUcontext ctx, CUdeviceptr *p, size_t n) {
	BIND(ctx);
	return p_cuMemAlloc(p, n);
}

CUresult dsgo_cuMemFree(CUcontext ctx, CUdeviceptr p) {
	BIND(ctx);
	return p_cuMemFree(p);
}

CUresult dsgo_cuMemAllocAsync(CUcontext ctx, CUdeviceptr *p, size_t n, CUstream s) {
	BIND(ctx);
	return p_cuMemAllocAsync(p, n, s);
}

CUresult dsgo_cuMemFreeAsync(CUcontext ctx, CUdeviceptr p, CUstream s) {
	BIND(ctx);
	return p_cuMemFreeAsync(p, s);
}

CUresult dsgo_cuMemHostAlloc(CUcontext ctx, void **p, size_t n) {
	BIND(ctx);
	return p_cuMemHostAlloc(p, n, DSGO_CU_MEMHOSTALLOC_PORTABLE);
}

CUresult dsgo_cuMemFreeHost(CUcontext ctx, void *p) {
	BIND(ctx);
	return p_cuMemFreeHost(p);
}

CUresult dsgo_cuMemcpyHtoDAsync(CUcontext ctx, CUdeviceptr dst, const void *src, size_t n, CUstream s) {
	BIND(ctx);
	return p_cuMemcpyHtoDAsync(dst, src, n, s);
}

CUresult dsgo_cuMemcpyDtoHAsync(CUcontext ctx, void *dst, CUdeviceptr src, size_t n, CUstream s) {
	BIND(ctx);
	return p_cuMemcpyDtoHAsync(dst, src, n, s);
}

CUresult dsgo_cuMemcpyDtoDAsync(CUcontext ctx, CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s) {
	BIND(ctx);
	return p_cuMemcpyDtoDAsync(dst, src, n, s);
}

CUresult dsgo_cuMemcpy2DAsync(CUcontext ctx, int dstType, void *dstHost, CUdeviceptr dstDev, size_t dstPitch,
	int srcType, const void *srcHost, CUdeviceptr srcDev, size_t srcPitch, size_t width, size_t height, CUstream s) {
	dsgo_memcpy2d c;
	memset(&c, 0, sizeof c);
	c.srcMemoryType = srcType;
	c.srcHost = srcHost;
	c.srcDevice = srcDev;
	c.srcPitch = srcPitch;
	c.dstMemoryType = dstType;
	c.dstHost = dstHost;
	c.dstDevice = dstDev;
	c.dstPitch = dstPitch;
	c.WidthInBytes = width;
	c.Height = height;
	BIND(ctx);
	return p_cuMemcpy2DAsync(&c, s);
}

CUresult dsgo_cuMemsetD8Async(CUcontext ctx, CUdeviceptr dst, unsigned char v, size_t n, CUstream s) {
	BIND(ctx);
	return p_cuMemsetD8Async(dst, v, n, s);
}

CUresult dsgo_cuStreamCreate(CUcontext ctx, CUstream *s) {
	BIND(ctx);
	return p_cuStreamCreate(s, DSGO_CU_STREAM_NON_BLOCKING);
}

CUresult dsgo_cuStreamDestroy(CUcontext ctx, CUstream s) {
	BIND(ctx);
	return p_cuStreamDestroy(s);
}

CUresult dsgo_cuStreamSynchronize(CUcontext ctx, CUstream s) {
	BIND(ctx);
	return p_cuStreamSynchronize(s);
}

CUresult dsgo_cuStreamWaitEvent(CUcontext ctx, CUstream s, CUevent e) {
	BIND(ctx);
	return p_cuStreamWaitEvent(s, e, 0);
}

CUresult dsgo_cuEventCreate(CUcontext ctx, CUevent *e) {
	BIND(ctx);
	return p_cuEventCreate(e, DSGO_CU_EVENT_DEFAULT);
}

CUresult dsgo_cuEventDestroy(CUcontext ctx, CUevent e) {
	BIND(ctx);
	return p_cuEventDestroy(e);
}

CUresult dsgo_cuEventRecord(CUcontext ctx, CUevent e, CUstream s) {
	BIND(ctx);
	return p_cuEventRecord(e, s);
}

CUresult dsgo_cuEventSynchronize(CUcontext ctx, CUevent e) {
	BIND(ctx);
	return p_cuEventSynchronize(e);
}

CUresult dsgo_cuEventElapsedTime(CUcontext ctx, float *ms, CUevent start, CUevent end) {
	BIND(ctx);
	return p_cuEventElapsedTime(ms, start, end);
}

CUresult dsgo_cuModuleLoadData(CUcontext ctx, CUmodule *m, const void *image) {
	BIND(ctx);
	return p_cuModuleLoadData(m, image);
}

CUresult dsgo_cuModuleUnload(CUcontext ctx, CUmodule m) {
	BIND(ctx);
	return p_cuModuleUnload(m);
}

CUresult dsgo_cuModuleGetFunction(CUcontext ctx, CUfunction *f, CUmodule m, const char *name) {
	BIND(ctx);
	return p_cuModuleGetFunction(f, m, name);
}

CUresult dsgo_cuLaunchKernel(CUcontext ctx, CUfunction f, unsigned gx, unsigned gy, unsigned gz,
	unsigned bx, unsigned by, unsigned bz, unsigned shared, CUstream s, dsgo_args *args, int nargs) {
	BIND(ctx);
	return p_cuLaunchKernel(f, gx, gy, gz, bx, by, bz, shared, s, nargs > 0 ? args->ptrs : NULL, NULL);
}

// CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
#define DSGO_CU_FUNC_MAX_DYNAMIC_SHARED 8

CUresult dsgo_cuFuncSetMaxDynamicShared(CUcontext ctx, CUfunction f, int bytes) {
	if (!p_cuFuncSetAttribute) return 801; // CUDA_ERROR_NOT_SUPPORTED
	BIND(ctx);
	return p_cuFuncSetAttribute(f, DSGO_CU_FUNC_MAX_DYNAMIC_SHARED, bytes);
}

CUresult dsgo_cuOccupancy(CUcontext ctx, int *blocks, CUfunction f, int threads, size_t shared) {
	if (!p_cuOccupancyMaxActiveBlocksPerMultiprocessor) return 801; // CUDA_ERROR_NOT_SUPPORTED
	BIND(ctx);
	return p_cuOccupancyMaxActiveBlocksPerMultiprocessor(blocks, f, threads, shared);
}

CUresult dsgo_cuStreamBeginCapture(CUcontext ctx, CUstream s) {
	BIND(ctx);
	return p_cuStreamBeginCapture(s, DSGO_CU_STREAM_CAPTURE_MODE_RELAXED);
}

CUresult dsgo_cuStreamEndCapture(CUcontext ctx, CUstream s, CUgraph *g) {
	BIND(ctx);
	return p_cuStreamEndCapture(s, g);
}

CUresult dsgo_cuGraphInstantiate(CUcontext ctx, CUgraphExec *x, CUgraph g) {
	BIND(ctx);
	return p_cuGraphInstantiate(x, g, 0);
}

CUresult dsgo_cuGraphLaunch(CUcontext ctx, CUgraphExec x, CUstream s) {
	BIND(ctx);
	return p_cuGraphLaunch(x, s);
}

CUresult dsgo_cuGraphExecDestroy(CUcontext ctx, CUgraphExec x) {
	BIND(ctx);
	return p_cuGraphExecDestroy(x);
}

CUresult dsgo_cuGraphDestroy(CUcontext ctx, CUgraph g) {
	BIND(ctx);
	return p_cuGraphDestroy(g);
}

nvrtcResult dsgo_nvrtcVersion(int *major, int *minor) { return p_nvrtcVersion(major, minor); }

const char *dsgo_nvrtcErrorString(nvrtcResult r) { return p_nvrtcGetErrorString(r); }

nvrtcResult dsgo_nvrtcCreateProgram(nvrtcProgram *p, const char *src, const char *name) {
	return p_nvrtcCreateProgram(p, src, name, 0, NULL, NULL);
}

nvrtcResult dsgo_nvrtcDestroyProgram(nvrtcProgram *p) { return p_nvrtcDestroyProgram(p); }

nvrtcResult dsgo_nvrtcCompileProgram(nvrtcProgram p, int n, const char *const *opts) {
	return p_nvrtcCompileProgram(p, n, opts);
}

nvrtcResult dsgo_nvrtcGetProgramLogSize(nvrtcProgram p, size_t *n) { return p_nvrtcGetProgramLogSize(p, n); }
nvrtcResult dsgo_nvrtcGetProgramLog(nvrtcProgram p, char *log) { return p_nvrtcGetProgramLog(p, log); }
nvrtcResult dsgo_nvrtcGetCUBINSize(nvrtcProgram p, size_t *n) { return p_nvrtcGetCUBINSize(p, n); }
nvrtcResult dsgo_nvrtcGetCUBIN(nvrtcProgram p, char *cubin) { return p_nvrtcGetCUBIN(p, cubin); }
