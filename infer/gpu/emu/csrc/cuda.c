// cuda.c: an emulated libcuda.so.1 for checking dsgo's CUDA code on a
// machine without a GPU. One device ("dsgo emulator", sm_90); device
// memory is host memory; every call runs synchronously on the calling
// thread; kernels are shared libraries that the emulated NVRTC (nvrtc.c)
// compiles from the CUDA source with the host compiler, run thread by
// thread; stream capture records the work for graph replay.
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu.h"

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum { OK = 0, ERR_INVALID_VALUE = 1, ERR_OOM = 2, ERR_INVALID_HANDLE = 400, ERR_NOT_FOUND = 500, ERR_CAPTURE = 900 };

typedef struct {
	dsgo_emu_fn fn;
	void *data;
	size_t size;
} op_t;

typedef struct {
	op_t *ops;
	int n, cap;
} oplist;

typedef struct {
	int capturing;
	oplist rec;
} stream_t;

typedef struct {
	oplist ops;
} graph_t;

typedef struct {
	struct timespec t;
} event_t;

static int ctx_dummy;
static void *current;
static size_t used;
static const size_t total = (size_t)16 << 30;

static void push(oplist *l, dsgo_emu_fn fn, const void *data, size_t size) {
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->ops = realloc(l->ops, l->cap * sizeof(op_t));
	}
	void *d = malloc(size ? size : 1);
	memcpy(d, data, size);
	l->ops[l->n].fn = fn;
	l->ops[l->n].data = d;
	l->ops[l->n].size = size;
	l->n++;
}

static void freelist(oplist *l) {
	for (int i = 0; i < l->n; i++) free(l->ops[i].data);
	free(l->ops);
	memset(l, 0, sizeof *l);
}

void dsgo_emu_enqueue(void *stream, dsgo_emu_fn fn, const void *data, size_t size) {
	stream_t *s = stream;
	if (s && s->capturing) {
		push(&s->rec, fn, data, size);
		return;
	}
	fn((void *)data);
}

CUresult cuInit(unsigned int f) { return OK; }
CUresult cuDriverGetVersion(int *v) { *v = 13000; return OK; }

CUresult cuGetErrorName(CUresult r, const char **s) {
	static char buf[64];
	snprintf(buf, sizeof buf, "CUDA_ERROR_EMULATED_%d", r);
	*s = buf;
	return OK;
}

CUresult cuGetErrorString(CUresult r, const char **s) {
	*s = "emulated CUDA error";
	return OK;
}

CUresult cuDeviceGetCount(int *n) { *n = 1; return OK; }
CUresult cuDeviceGet(int *d, int ordinal) { *d = ordinal; return ordinal == 0 ? OK : ERR_INVALID_VALUE; }

CUresult cuDeviceGetName(char *name, int len, int d) {
	snprintf(name, len, "dsgo emulator");
	return OK;
}

CUresult cuDeviceGetAttribute(int *v, int attr, int d) {
	switch (attr) {
	case 1: *v = 1024; break;
	case 16: *v = 1; break;
	case 75: *v = 9; break;
	case 76: *v = 0; break;
	default: *v = 0;
	}
	return OK;
}

CUresult cuDeviceTotalMem_v2(size_t *b, int d) { *b = total; return OK; }
CUresult cuDevicePrimaryCtxRetain(void **ctx, int d) { *ctx = &ctx_dummy; return OK; }
CUresult cuDevicePrimaryCtxRelease_v2(int d) { return OK; }
CUresult cuCtxGetCurrent(void **ctx) { *ctx = current; return OK; }
CUresult cuCtxSetCurrent(void *ctx) { current = ctx; return OK; }
CUresult cuCtxSynchronize(void) { return OK; }
CUresult cuMemGetInfo_v2(size_t *f, size_t *t) { *f = total - used; *t = total; return OK; }

// Allocations carry their size 64 bytes before the address.
static void *alloc(size_t n) {
	unsigned char *p = aligned_alloc(256, ((n + 64 + 255) / 256 + 1) * 256);
	if (!p) return NULL;
	p += 256;
	((size_t *)(p - 64))[0] = n;
	used += n;
	memset(p, 0xff, n); // NaNs: reading memory nothing wrote shows
	return p;
}

static void release(void *p) {
	if (!p) return;
	used -= ((size_t *)((unsigned char *)p - 64))[0];
	free((unsigned char *)p - 256);
}

CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t n) {
	void *m = alloc(n);
	if (!m) return ERR_OOM;
	*p = (CUdeviceptr)(uintptr_t)m;
	return OK;
}

CUresult cuMemFree_v2(CUdeviceptr p) { release((void *)(uintptr_t)p); return OK; }

CUresult cuMemHostAlloc(void **p, size_t n, unsigned int f) {
	*p = malloc(n ? n : 1);
	return *p ? OK : ERR_OOM;
}

CUresult cuMemFreeHost(void *p) { free(p); return OK; }

typedef struct {
	void *dst;
	const void *src;
	size_t n;
} copy_t;

static void do_copy(void *d) {
	copy_t *c = d;
	memmove(c->dst, c->src, c->n);
}

static CUresult copy(void *dst, const void *src, size_t n, void *s) {
	copy_t c = {dst, src, n};
	dsgo_emu_enqueue(s, do_copy, &c, sizeof c);
	return OK;
}

CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void *s, size_t n, void *st) { return copy((void *)(uintptr_t)d, s, n, st); }
CUresult cuMemcpyDtoHAsync_v2(void *d, CUdeviceptr s, size_t n, void *st) { return copy(d, (void *)(uintptr_t)s, n, st); }
CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr s, size_t n, void *st) {
	return copy((void *)(uintptr_t)d, (void *)(uintptr_t)s, n, st);
}

typedef struct {
	size_t srcXInBytes, srcY;
	int srcMemoryType;
	const void *srcHost;
	CUdeviceptr srcDevice;
	void *srcArray;
	size_t srcPitch;
	size_t dstXInBytes, dstY;
	int dstMemoryType;
	void *dstHost;
	CUdeviceptr dstDevice;
	void *dstArray;
	size_t dstPitch;
	size_t WidthInBytes, Height;
} memcpy2d;

CUresult cuMemcpy2DAsync_v2(const memcpy2d *c, void *s) {
	const unsigned char *src = c->srcMemoryType == 1 ? c->srcHost : (const void *)(uintptr_t)c->srcDevice;
	unsigned char *dst = c->dstMemoryType == 1 ? c->dstHost : (void *)(uintptr_t)c->dstDevice;
	for (size_t r = 0; r < c->Height; r++) copy(dst + r * c->dstPitch, src + r * c->srcPitch, c->WidthInBytes, s);
	return OK;
}

typedef struct {
	unsigned char *dst;
	unsigned char v;
	size_t n;
} set_t;

static void do_set(void *d) {
	set_t *c = d;
	memset(c->dst, c->v, c->n);
}

CUresult cuMemsetD8Async(CUdeviceptr d, unsigned char v, size_t n, void *s) {
	set_t c = {(unsigned char *)(uintptr_t)d, v, n};
	dsgo_emu_enqueue(s, do_set, &c, sizeof c);
	return OK;
}

CUresult cuStreamCreate(void **s, unsigned int f) { *s = calloc(1, sizeof(stream_t)); return OK; }

CUresult cuStreamDestroy_v2(void *s) {
	freelist(&((stream_t *)s)->rec);
	free(s);
	return OK;
}

CUresult cuStreamSynchronize(void *s) { return s && ((stream_t *)s)->capturing ? ERR_CAPTURE : OK; }
CUresult cuStreamWaitEvent(void *s, void *e, unsigned int f) { return OK; }
CUresult cuEventCreate(void **e, unsigned int f) { *e = calloc(1, sizeof(event_t)); return OK; }
CUresult cuEventDestroy_v2(void *e) { free(e); return OK; }

CUresult cuEventRecord(void *e, void *s) {
	clock_gettime(CLOCK_MONOTONIC, &((event_t *)e)->t);
	return OK;
}

CUresult cuEventSynchronize(void *e) { return OK; }

CUresult cuEventElapsedTime(float *ms, void *a, void *b) {
	event_t *x = a, *y = b;
	*ms = (float)((y->t.tv_sec - x->t.tv_sec) * 1e3 + (y->t.tv_nsec - x->t.tv_nsec) / 1e6);
	return OK;
}

// A module is a kernel library made by the emulated NVRTC; its "cubin"
// is the library's path.
CUresult cuModuleLoadData(void **m, const void *image) {
	void *h = dlopen((const char *)image, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		fprintf(stderr, "emulated cuModuleLoadData: %s\n", dlerror());
		return ERR_INVALID_VALUE;
	}
	*m = h;
	return OK;
}

CUresult cuModuleUnload(void *m) { dlclose(m); return OK; }

typedef void (*tramp_t)(void **);
typedef void (*setidx_t)(unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
	unsigned, unsigned, unsigned);

typedef struct {
	tramp_t run;
	setidx_t setidx;
	int argsize;
} func_t;

CUresult cuModuleGetFunction(void **f, void *m, const char *name) {
	char buf[512];
	snprintf(buf, sizeof buf, "%s__emu", name);
	tramp_t run = (tramp_t)dlsym(m, buf);
	snprintf(buf, sizeof buf, "%s__argsize", name);
	const int *size = dlsym(m, buf);
	setidx_t setidx = (setidx_t)dlsym(m, "dsgo_emu_setidx");
	if (!run || !size || !setidx) return ERR_NOT_FOUND;
	func_t *fn = malloc(sizeof *fn);
	fn->run = run;
	fn->setidx = setidx;
	fn->argsize = *size;
	*f = fn; // never freed: modules live as long as the test process
	return OK;
}

typedef struct {
	func_t *f;
	unsigned g[3], b[3];
	unsigned char args[4096];
} launch_t;

static void do_launch(void *d) {
	launch_t *l = d;
	void *args[1] = {l->args};
	for (unsigned bz = 0; bz < l->g[2]; bz++)
		for (unsigned by = 0; by < l->g[1]; by++)
			for (unsigned bx = 0; bx < l->g[0]; bx++)
				for (unsigned tz = 0; tz < l->b[2]; tz++)
					for (unsigned ty = 0; ty < l->b[1]; ty++)
						for (unsigned tx = 0; tx < l->b[0]; tx++) {
							l->f->setidx(bx, by, bz, tx, ty, tz, l->b[0], l->b[1], l->b[2], l->g[0], l->g[1], l->g[2]);
							l->f->run(args);
						}
}

CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
	unsigned shared, void *s, void **params, void **extra) {
	func_t *fn = f;
	if (!fn || !params || fn->argsize > 4096) return ERR_INVALID_VALUE;
	if ((unsigned long long)bx * by * bz > 1024) return ERR_INVALID_VALUE;
	launch_t l = {fn, {gx, gy, gz}, {bx, by, bz}};
	memcpy(l.args, params[0], fn->argsize);
	dsgo_emu_enqueue(s, do_launch, &l, sizeof l);
	return OK;
}

CUresult cuStreamBeginCapture_v2(void *s, int mode) {
	stream_t *st = s;
	if (!st || st->capturing) return ERR_CAPTURE;
	st->capturing = 1;
	return OK;
}

CUresult cuStreamEndCapture(void *s, void **g) {
	stream_t *st = s;
	if (!st || !st->capturing) return ERR_CAPTURE;
	graph_t *gr = calloc(1, sizeof *gr);
	gr->ops = st->rec;
	memset(&st->rec, 0, sizeof st->rec);
	st->capturing = 0;
	*g = gr;
	return OK;
}

CUresult cuGraphInstantiateWithFlags(void **x, void *g, unsigned long long f) {
	graph_t *src = g, *dst = calloc(1, sizeof *dst);
	for (int i = 0; i < src->ops.n; i++) push(&dst->ops, src->ops.ops[i].fn, src->ops.ops[i].data, src->ops.ops[i].size);
	*x = dst;
	return OK;
}

CUresult cuGraphLaunch(void *x, void *s) {
	graph_t *g = x;
	for (int i = 0; i < g->ops.n; i++) dsgo_emu_enqueue(s, g->ops.ops[i].fn, g->ops.ops[i].data, g->ops.ops[i].size);
	return OK;
}

CUresult cuGraphExecDestroy(void *x) {
	freelist(&((graph_t *)x)->ops);
	free(x);
	return OK;
}

CUresult cuGraphDestroy(void *g) {
	freelist(&((graph_t *)g)->ops);
	free(g);
	return OK;
}
