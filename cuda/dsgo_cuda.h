// dsgo_cuda.h declares the part of the CUDA driver API and NVRTC that
// package cuda uses, written from NVIDIA's public cuda.h and nvrtc.h so
// that dsgo builds without the CUDA toolkit, and the C wrappers
// (dsgo_cuda.c) that call the functions loaded with dlopen/dlsym.
//
// Every wrapper that needs a context takes it as its first argument and
// makes it current on the calling OS thread first, inside the same C
// call: a goroutine may move between threads between two cgo calls, so
// binding the context in Go would not hold.
#ifndef DSGO_CUDA_H
#define DSGO_CUDA_H

#include <stddef.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef struct CUgraph_st *CUgraph;
typedef struct CUgraphExec_st *CUgraphExec;
typedef struct CUmemPoolHandle_st *CUmemoryPool;
typedef struct CUarray_st *CUarray;
typedef struct _nvrtcProgram *nvrtcProgram;
typedef int nvrtcResult;

enum {
	DSGO_CUDA_SUCCESS = 0,
	DSGO_CUDA_ERROR_NOT_READY = 600,
	DSGO_CU_MEMORYTYPE_HOST = 1,
	DSGO_CU_MEMORYTYPE_DEVICE = 2,
	DSGO_CU_STREAM_NON_BLOCKING = 1,
	DSGO_CU_EVENT_DEFAULT = 0,
	DSGO_CU_MEMHOSTALLOC_PORTABLE = 1,
	DSGO_CU_MEMPOOL_ATTR_RELEASE_THRESHOLD = 4,
	DSGO_CU_STREAM_CAPTURE_MODE_RELAXED = 2,
	DSGO_CU_DEVICE_ATTRIBUTE_MEMORY_POOLS_SUPPORTED = 115,
};

// The layout of CUDA_MEMCPY2D (CUDA_MEMCPY2D_v2 in cuda.h).
typedef struct {
	size_t srcXInBytes, srcY;
	int srcMemoryType;
	const void *srcHost;
	CUdeviceptr srcDevice;
	CUarray srcArray;
	size_t srcPitch;
	size_t dstXInBytes, dstY;
	int dstMemoryType;
	void *dstHost;
	CUdeviceptr dstDevice;
	CUarray dstArray;
	size_t dstPitch;
	size_t WidthInBytes, Height;
} dsgo_memcpy2d;

// Kernel argument block for cuLaunchKernel, in C memory so that Go can
// fill it without allocating and pass it without breaking cgo's pointer
// rules: ptrs[i] points at argument i inside buf.
#define DSGO_MAX_ARGS 64
#define DSGO_ARG_BYTES 4096
typedef struct {
	unsigned char buf[DSGO_ARG_BYTES];
	void *ptrs[DSGO_MAX_ARGS];
} dsgo_args;

// Loaders: each opens the library at path (a file name the dynamic
// loader searches for, or a full path) and resolves every symbol; 0 on
// success, else err names the library or the missing symbol. The Go side
// calls them once (sync.Once).
int dsgo_cuda_open(const char *path, char *err, size_t errlen);
int dsgo_nvrtc_open(const char *path, char *err, size_t errlen);
int dsgo_has_mempool(void);

// dsgo_bind makes ctx current on the calling thread (a thread-local read
// when it already is); the cuBLAS and cuDNN wrappers call it first.
CUresult dsgo_bind(CUcontext ctx);

// Driver API wrappers.
CUresult dsgo_cuInit(void);
CUresult dsgo_cuDriverGetVersion(int *v);
const char *dsgo_cuErrorName(CUresult r);
const char *dsgo_cuErrorString(CUresult r);
CUresult dsgo_cuDeviceGetCount(int *n);
CUresult dsgo_cuDeviceGet(CUdevice *d, int ordinal);
CUresult dsgo_cuDeviceGetName(char *name, int len, CUdevice d);
CUresult dsgo_cuDeviceGetAttribute(int *v, int attr, CUdevice d);
CUresult dsgo_cuDeviceTotalMem(size_t *bytes, CUdevice d);
CUresult dsgo_cuDevicePrimaryCtxRetain(CUcontext *ctx, CUdevice d);
CUresult dsgo_cuDevicePrimaryCtxRelease(CUdevice d);
CUresult dsgo_cuDeviceGetDefaultMemPool(CUmemoryPool *pool, CUdevice d);
CUresult dsgo_cuMemPoolSetReleaseThreshold(CUmemoryPool pool, unsigned long long bytes);
CUresult dsgo_cuCtxSynchronize(CUcontext ctx);
CUresult dsgo_cuMemGetInfo(CUcontext ctx, size_t *free, size_t *total);
CUresult dsgo_cuMemAlloc(CUcontext ctx, CUdeviceptr *p, size_t n);
CUresult dsgo_cuMemFree(CUcontext ctx, CUdeviceptr p);
CUresult dsgo_cuMemAllocAsync(CUcontext ctx, CUdeviceptr *p, size_t n, CUstream s);
CUresult dsgo_cuMemFreeAsync(CUcontext ctx, CUdeviceptr p, CUstream s);
CUresult dsgo_cuMemHostAlloc(CUcontext ctx, void **p, size_t n);
CUresult dsgo_cuMemFreeHost(CUcontext ctx, void *p);
CUresult dsgo_cuMemcpyHtoDAsync(CUcontext ctx, CUdeviceptr dst, const void *src, size_t n, CUstream s);
CUresult dsgo_cuMemcpyDtoHAsync(CUcontext ctx, void *dst, CUdeviceptr src, size_t n, CUstream s);
CUresult dsgo_cuMemcpyDtoDAsync(CUcontext ctx, CUdeviceptr dst, CUdeviceptr src, size_t n, CUstream s);
CUresult dsgo_cuMemcpy2DAsync(CUcontext ctx, int dstType, void *dstHost, CUdeviceptr dstDev, size_t dstPitch,
	int srcType, const void *srcHost, CUdeviceptr srcDev, size_t srcPitch, size_t width, size_t height, CUstream s);
CUresult dsgo_cuMemsetD8Async(CUcontext ctx, CUdeviceptr dst, unsigned char v, size_t n, CUstream s);
CUresult dsgo_cuStreamCreate(CUcontext ctx, CUstream *s);
CUresult dsgo_cuStreamDestroy(CUcontext ctx, CUstream s);
CUresult dsgo_cuStreamSynchronize(CUcontext ctx, CUstream s);
CUresult dsgo_cuStreamWaitEvent(CUcontext ctx, CUstream s, CUevent e);
CUresult dsgo_cuEventCreate(CUcontext ctx, CUevent *e);
CUresult dsgo_cuEventDestroy(CUcontext ctx, CUevent e);
CUresult dsgo_cuEventRecord(CUcontext ctx, CUevent e, CUstream s);
CUresult dsgo_cuEventSynchronize(CUcontext ctx, CUevent e);
CUresult dsgo_cuEventElapsedTime(CUcontext ctx, float *ms, CUevent start, CUevent end);
CUresult dsgo_cuModuleLoadData(CUcontext ctx, CUmodule *m, const void *image);
CUresult dsgo_cuModuleUnload(CUcontext ctx, CUmodule m);
CUresult dsgo_cuModuleGetFunction(CUcontext ctx, CUfunction *f, CUmodule m, const char *name);
CUresult dsgo_cuLaunchKernel(CUcontext ctx, CUfunction f, unsigned gx, unsigned gy, unsigned gz,
	unsigned bx, unsigned by, unsigned bz, unsigned shared, CUstream s, dsgo_args *args, int nargs);
CUresult dsgo_cuFuncSetMaxDynamicShared(CUcontext ctx, CUfunction f, int bytes);
CUresult dsgo_cuOccupancy(CUcontext ctx, int *blocks, CUfunction f, int threads, size_t shared);
CUresult dsgo_cuStreamBeginCapture(CUcontext ctx, CUstream s);
CUresult dsgo_cuStreamEndCapture(CUcontext ctx, CUstream s, CUgraph *g);
CUresult dsgo_cuGraphInstantiate(CUcontext ctx, CUgraphExec *x, CUgraph g);
CUresult dsgo_cuGraphLaunch(CUcontext ctx, CUgraphExec x, CUstream s);
CUresult dsgo_cuGraphExecDestroy(CUcontext ctx, CUgraphExec x);
CUresult dsgo_cuGraphDestroy(CUcontext ctx, CUgraph g);

// NVRTC wrappers.
nvrtcResult dsgo_nvrtcVersion(int *major, int *minor);
const char *dsgo_nvrtcErrorString(nvrtcResult r);
nvrtcResult dsgo_nvrtcCreateProgram(nvrtcProgram *p, const char *src, const char *name);
nvrtcResult dsgo_nvrtcDestroyProgram(nvrtcProgram *p);
nvrtcResult dsgo_nvrtcCompileProgram(nvrtcProgram p, int n, const char *const *opts);
nvrtcResult dsgo_nvrtcGetProgramLogSize(nvrtcProgram p, size_t *n);
nvrtcResult dsgo_nvrtcGetProgramLog(nvrtcProgram p, char *log);
nvrtcResult dsgo_nvrtcGetCUBINSize(nvrtcProgram p, size_t *n);
nvrtcResult dsgo_nvrtcGetCUBIN(nvrtcProgram p, char *cubin);

#endif
