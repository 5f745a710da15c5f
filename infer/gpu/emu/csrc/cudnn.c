// cudnn.c: an emulated libcudnn.so.9 (see cuda.c): the v7-style calls
// dsgo makes, with naive loops. Two forward algorithms exist: 0 needs no
// workspace, 1 "needs" 4 KiB and scribbles over it, so that a workspace
// that overlaps live data shows up in the results.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu.h"

enum { BAD_PARAM = 2000, NOT_SUPPORTED = 3000 };

typedef struct {
	void *stream;
} handle_t;

typedef struct {
	int format, dtype, n, c, h, w;
} tensor_t;

typedef struct {
	int ph, pw, sh, sw, dh, dw, mode, compute, groups, math;
} conv_t;

typedef struct {
	int mode;
	double coef;
} act_t;

typedef struct {
	int algo, status;
	float time;
	size_t memory;
	int determinism, mathType, reserved[3];
} perf_t;

size_t cudnnGetVersion(void) { return 91900; }
const char *cudnnGetErrorString(int st) { return st ? "CUDNN_STATUS_EMULATED_ERROR" : "CUDNN_STATUS_SUCCESS"; }
int cudnnCreate(void **h) { *h = calloc(1, sizeof(handle_t)); return 0; }
int cudnnDestroy(void *h) { free(h); return 0; }
int cudnnSetStream(void *h, void *s) { ((handle_t *)h)->stream = s; return 0; }
int cudnnCreateTensorDescriptor(void **d) { *d = calloc(1, sizeof(tensor_t)); return 0; }
int cudnnDestroyTensorDescriptor(void *d) { free(d); return 0; }
int cudnnCreateFilterDescriptor(void **d) { *d = calloc(1, sizeof(tensor_t)); return 0; }
int cudnnDestroyFilterDescriptor(void *d) { free(d); return 0; }
int cudnnCreateConvolutionDescriptor(void **d) { *d = calloc(1, sizeof(conv_t)); return 0; }
int cudnnDestroyConvolutionDescriptor(void *d) { free(d); return 0; }
int cudnnCreateActivationDescriptor(void **d) { *d = calloc(1, sizeof(act_t)); return 0; }
int cudnnDestroyActivationDescriptor(void *d) { free(d); return 0; }

static int set4(tensor_t *t, int format, int dtype, int n, int c, int h, int w) {
	if ((format != 0 && format != 1) || (dtype != 0 && dtype != 2) || n <= 0 || c <= 0 || h <= 0 || w <= 0) return BAD_PARAM;
	*t = (tensor_t){format, dtype, n, c, h, w};
	return 0;
}

int cudnnSetTensor4dDescriptor(void *d, int format, int dtype, int n, int c, int h, int w) {
	return set4(d, format, dtype, n, c, h, w);
}

int cudnnSetFilter4dDescriptor(void *d, int dtype, int format, int k, int c, int h, int w) {
	return set4(d, format, dtype, k, c, h, w);
}

int cudnnSetConvolution2dDescriptor(void *d, int ph, int pw, int sh, int sw, int dh, int dw, int mode, int compute) {
	if (mode != 1 || sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0 || ph < 0 || pw < 0) return BAD_PARAM;
	conv_t *c = d;
	*c = (conv_t){ph, pw, sh, sw, dh, dw, mode, compute, 1, 0};
	return 0;
}

int cudnnSetConvolutionGroupCount(void *d, int g) { ((conv_t *)d)->groups = g; return g > 0 ? 0 : BAD_PARAM; }
int cudnnSetConvolutionMathType(void *d, int m) { ((conv_t *)d)->math = m; return 0; }

int cudnnSetActivationDescriptor(void *d, int mode, int nan, double coef) {
	*(act_t *)d = (act_t){mode, coef};
	return 0;
}

static int outdim(const conv_t *c, const tensor_t *x, const tensor_t *w, int *d) {
	if (x->c != w->c * c->groups || w->n % c->groups) return BAD_PARAM;
	d[0] = x->n;
	d[1] = w->n;
	d[2] = (x->h + 2 * c->ph - c->dh * (w->h - 1) - 1) / c->sh + 1;
	d[3] = (x->w + 2 * c->pw - c->dw * (w->w - 1) - 1) / c->sw + 1;
	return d[2] > 0 && d[3] > 0 ? 0 : BAD_PARAM;
}

int cudnnGetConvolution2dForwardOutputDim(void *conv, void *x, void *w, int *n, int *c, int *h, int *wd) {
	int d[4];
	int st = outdim(conv, x, w, d);
	*n = d[0], *c = d[1], *h = d[2], *wd = d[3];
	return st;
}

static int check(const conv_t *c, const tensor_t *x, const tensor_t *w, const tensor_t *y) {
	int d[4];
	if (outdim(c, x, w, d)) return BAD_PARAM;
	if (d[0] != y->n || d[1] != y->c || d[2] != y->h || d[3] != y->w) return BAD_PARAM;
	if (x->dtype != w->dtype || x->dtype != y->dtype || x->format != w->format || x->format != y->format) return NOT_SUPPORTED;
	return 0;
}

static size_t wsneed(int algo) { return algo == 1 ? 4096 : 0; }

int cudnnGetConvolutionForwardWorkspaceSize(void *h, void *x, void *w, void *conv, void *y, int algo, size_t *n) {
	if (algo < 0 || algo > 1) return NOT_SUPPORTED;
	*n = wsneed(algo);
	return check(conv, x, w, y);
}

static long long off(const tensor_t *t, int n, int c, int h, int w) {
	if (t->format == 0) return (((long long)n * t->c + c) * t->h + h) * t->w + w;
	return (((long long)n * t->h + h) * t->w + w) * t->c + c;
}

static float get(const tensor_t *t, const void *p, long long i) {
	return t->dtype == 2 ? dsgo_emu_h2f(((const unsigned short *)p)[i]) : ((const float *)p)[i];
}

static void put(const tensor_t *t, void *p, long long i, float v) {
	if (t->dtype == 2) {
		((unsigned short *)p)[i] = dsgo_emu_f2h(v);
	} else {
		((float *)p)[i] = v;
	}
}

typedef struct {
	tensor_t x, w, y, z, b;
	conv_t c;
	const void *xp, *wp, *zp, *bp;
	void *yp, *ws;
	size_t wsSize;
	int algo, relu, bias;
	float alpha2;
} fwd_t;

// conv computes the cross correlation at one output element.
static double conv1(const fwd_t *f, int n, int k, int oh, int ow) {
	int cg = f->w.c, kg = f->w.n / f->c.groups, g = k / kg;
	double s = 0;
	for (int c = 0; c < cg; c++)
		for (int r = 0; r < f->w.h; r++) {
			int ih = oh * f->c.sh - f->c.ph + r * f->c.dh;
			if (ih < 0 || ih >= f->x.h) continue;
			for (int q = 0; q < f->w.w; q++) {
				int iw = ow * f->c.sw - f->c.pw + q * f->c.dw;
				if (iw < 0 || iw >= f->x.w) continue;
				s += (double)get(&f->x, f->xp, off(&f->x, n, g * cg + c, ih, iw)) * get(&f->w, f->wp, off(&f->w, k, c, r, q));
			}
		}
	return s;
}

static void do_fwd(void *d) {
	fwd_t *f = d;
	if (f->ws && f->wsSize) memset(f->ws, 0x7f, f->wsSize);
	for (int n = 0; n < f->y.n; n++)
		for (int k = 0; k < f->y.c; k++)
			for (int oh = 0; oh < f->y.h; oh++)
				for (int ow = 0; ow < f->y.w; ow++) {
					long long yi = off(&f->y, n, k, oh, ow);
					double v = conv1(f, n, k, oh, ow);
					if (f->bias) {
						if (f->alpha2 != 0) v += f->alpha2 * get(&f->z, f->zp, yi);
						v += get(&f->b, f->bp, off(&f->b, 0, k, 0, 0));
						if (f->relu && v < 0) v = 0;
					}
					put(&f->y, f->yp, yi, (float)v);
				}
}

static int fwd(void *h, void *x, const void *xp, void *w, const void *wp, void *conv, int algo, void *ws, size_t wsSize,
	void *y, void *yp, fwd_t *f) {
	int st = check(conv, x, w, y);
	if (st) return st;
	if (algo < 0 || algo > 1) return NOT_SUPPORTED;
	if (wsSize < wsneed(algo) || (wsneed(algo) && !ws)) return BAD_PARAM;
	f->x = *(tensor_t *)x, f->w = *(tensor_t *)w, f->y = *(tensor_t *)y, f->c = *(conv_t *)conv;
	f->xp = xp, f->wp = wp, f->yp = yp, f->ws = ws, f->wsSize = wsneed(algo), f->algo = algo;
	dsgo_emu_enqueue(((handle_t *)h)->stream, do_fwd, f, sizeof *f);
	return 0;
}

int cudnnConvolutionForward(void *h, const void *alpha, void *x, const void *xp, void *w, const void *wp, void *conv,
	int algo, void *ws, size_t wsSize, const void *beta, void *y, void *yp) {
	if (*(const float *)alpha != 1 || *(const float *)beta != 0) return NOT_SUPPORTED;
	fwd_t f;
	memset(&f, 0, sizeof f);
	return fwd(h, x, xp, w, wp, conv, algo, ws, wsSize, y, yp, &f);
}

int cudnnConvolutionBiasActivationForward(void *h, const void *alpha1, void *x, const void *xp, void *w,
	const void *wp, void *conv, int algo, void *ws, size_t wsSize, const void *alpha2, void *z, const void *zp,
	void *bias, const void *bp, void *act, void *y, void *yp) {
	act_t *a = act;
	tensor_t *b = bias, *yt = y;
	if (*(const float *)alpha1 != 1 || (a->mode != 1 && a->mode != 5)) return NOT_SUPPORTED;
	if (a->mode == 5 && algo != 1) return NOT_SUPPORTED; // identity needs IMPLICIT_PRECOMP_GEMM
	if (b->n != 1 || b->c != yt->c || b->h != 1 || b->w != 1 || b->dtype != yt->dtype) return BAD_PARAM;
	fwd_t f;
	memset(&f, 0, sizeof f);
	f.z = *(tensor_t *)z, f.b = *b, f.zp = zp, f.bp = bp, f.bias = 1, f.relu = a->mode == 1;
	f.alpha2 = *(const float *)alpha2;
	return fwd(h, x, xp, w, wp, conv, algo, ws, wsSize, y, yp, &f);
}

static void perfs(perf_t *p, int req, int *ret, size_t wsSize) {
	*ret = req < 2 ? req : 2;
	for (int i = 0; i < *ret; i++) {
		int algo = 1 - i;
		p[i] = (perf_t){algo, wsneed(algo) <= wsSize ? 0 : 2001, (float)(i + 1), wsneed(algo), 1, 0, {0, 0, 0}};
	}
}

int cudnnFindConvolutionForwardAlgorithmEx(void *h, void *x, const void *xp, void *w, const void *wp, void *conv,
	void *y, void *yp, int req, int *ret, perf_t *p, void *ws, size_t wsSize) {
	int st = check(conv, x, w, y);
	if (st) return st;
	perfs(p, req, ret, wsSize);
	return 0;
}

int cudnnGetConvolutionForwardAlgorithm_v7(void *h, void *x, void *w, void *conv, void *y, int req, int *ret, perf_t *p) {
	int st = check(conv, x, w, y);
	if (st) return st;
	perfs(p, req, ret, (size_t)-1);
	return 0;
}

typedef struct {
	tensor_t w, dy, dx;
	conv_t c;
	const void *wp, *dyp;
	void *dxp;
} bwd_t;

static void do_bwd(void *d) {
	bwd_t *b = d;
	long long n = (long long)b->dx.n * b->dx.c * b->dx.h * b->dx.w;
	float *acc = calloc(n, sizeof(float));
	int cg = b->w.c, kg = b->w.n / b->c.groups;
	for (int in = 0; in < b->dy.n; in++)
		for (int k = 0; k < b->dy.c; k++)
			for (int oh = 0; oh < b->dy.h; oh++)
				for (int ow = 0; ow < b->dy.w; ow++) {
					float v = get(&b->dy, b->dyp, off(&b->dy, in, k, oh, ow));
					int g = k / kg;
					for (int c = 0; c < cg; c++)
						for (int r = 0; r < b->w.h; r++) {
							int ih = oh * b->c.sh - b->c.ph + r * b->c.dh;
							if (ih < 0 || ih >= b->dx.h) continue;
							for (int q = 0; q < b->w.w; q++) {
								int iw = ow * b->c.sw - b->c.pw + q * b->c.dw;
								if (iw < 0 || iw >= b->dx.w) continue;
								long long i = ((((long long)in * b->dx.c) + g * cg + c) * b->dx.h + ih) * b->dx.w + iw;
								acc[i] += v * get(&b->w, b->wp, off(&b->w, k, c, r, q));
							}
						}
				}
	for (int in = 0; in < b->dx.n; in++)
		for (int c = 0; c < b->dx.c; c++)
			for (int h = 0; h < b->dx.h; h++)
				for (int w = 0; w < b->dx.w; w++)
					put(&b->dx, b->dxp, off(&b->dx, in, c, h, w), acc[(((long long)in * b->dx.c + c) * b->dx.h + h) * b->dx.w + w]);
	free(acc);
}

int cudnnGetConvolutionBackwardDataWorkspaceSize(void *h, void *w, void *dy, void *conv, void *dx, int algo, size_t *n) {
	*n = 0;
	return algo == 0 || algo == 1 ? check(conv, dx, w, dy) : NOT_SUPPORTED;
}

int cudnnConvolutionBackwardData(void *h, const void *alpha, void *w, const void *wp, void *dy, const void *dyp,
	void *conv, int algo, void *ws, size_t wsSize, const void *beta, void *dx, void *dxp) {
	int st = check(conv, dx, w, dy);
	if (st) return st;
	if (*(const float *)alpha != 1 || *(const float *)beta != 0 || algo < 0 || algo > 1) return NOT_SUPPORTED;
	bwd_t b = {*(tensor_t *)w, *(tensor_t *)dy, *(tensor_t *)dx, *(conv_t *)conv, wp, dyp, dxp};
	dsgo_emu_enqueue(((handle_t *)h)->stream, do_bwd, &b, sizeof b);
	return 0;
}

int cudnnFindConvolutionBackwardDataAlgorithmEx(void *h, void *w, const void *wp, void *dy, const void *dyp,
	void *conv, void *dx, void *dxp, int req, int *ret, perf_t *p, void *ws, size_t wsSize) {
	int st = check(conv, dx, w, dy);
	if (st) return st;
	*ret = req < 1 ? req : 1;
	if (*ret) p[0] = (perf_t){0, 0, 1.0f, 0, 1, 0, {0, 0, 0}};
	return 0;
}

int cudnnGetConvolutionBackwardDataAlgorithm_v7(void *h, void *w, void *dy, void *conv, void *dx, int req, int *ret,
	perf_t *p) {
	return cudnnFindConvolutionBackwardDataAlgorithmEx(h, w, NULL, dy, NULL, conv, dx, NULL, req, ret, p, NULL, 0);
}
