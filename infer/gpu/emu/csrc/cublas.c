// cublas.c: an emulated libcublas.so.13 (see cuda.c): the handful of
// cuBLAS calls dsgo makes, with naive column-major loops.
#include <stdlib.h>
#include <string.h>

#include "emu.h"

typedef struct {
	void *stream;
} handle_t;

int cublasCreate_v2(void **h) { *h = calloc(1, sizeof(handle_t)); return 0; }
int cublasDestroy_v2(void *h) { free(h); return 0; }
int cublasSetStream_v2(void *h, void *s) { ((handle_t *)h)->stream = s; return 0; }
int cublasSetWorkspace_v2(void *h, void *ws, size_t n) { return 0; }
const char *cublasGetStatusString(int st) { return st ? "CUBLAS_STATUS_EMULATED_ERROR" : "CUBLAS_STATUS_SUCCESS"; }

typedef struct {
	int ta, tb, m, n, k, lda, ldb, ldc, batch, dtype;
	float alpha, beta;
	const void *a, *b;
	void *c;
	long long sa, sb, sc;
} gemm_t;

static float get(const void *p, int dt, long long i) {
	return dt == 2 ? dsgo_emu_h2f(((const unsigned short *)p)[i]) : ((const float *)p)[i];
}

static void put(void *p, int dt, long long i, float v) {
	if (dt == 2) {
		((unsigned short *)p)[i] = dsgo_emu_f2h(v);
	} else {
		((float *)p)[i] = v;
	}
}

static void do_gemm(void *d) {
	gemm_t *g = d;
	for (int b = 0; b < g->batch; b++) {
		long long ao = b * g->sa, bo = b * g->sb, co = b * g->sc;
		for (int j = 0; j < g->n; j++)
			for (int i = 0; i < g->m; i++) {
				double s = 0;
				for (int l = 0; l < g->k; l++) {
					long long ai = g->ta ? l + (long long)i * g->lda : i + (long long)l * g->lda;
					long long bi = g->tb ? j + (long long)l * g->ldb : l + (long long)j * g->ldb;
					s += (double)get(g->a, g->dtype, ao + ai) * get(g->b, g->dtype, bo + bi);
				}
				long long ci = co + i + (long long)j * g->ldc;
				float v = g->alpha * (float)s;
				if (g->beta != 0) v += g->beta * get(g->c, g->dtype, ci);
				put(g->c, g->dtype, ci, v);
			}
	}
}

int cublasGemmStridedBatchedEx(void *h, int ta, int tb, int m, int n, int k, const void *alpha, const void *a,
	int atype, int lda, long long sa, const void *b, int btype, int ldb, long long sb, const void *beta, void *c,
	int ctype, int ldc, long long sc, int batch, int compute, int algo) {
	if (atype != btype || atype != ctype || (atype != 0 && atype != 2) || (compute != 68 && compute != 77)) return 7;
	if (m <= 0 || n <= 0 || k <= 0 || batch <= 0 || lda < (ta ? k : m) || ldb < (tb ? n : k) || ldc < m) return 7;
	gemm_t g = {ta, tb, m, n, k, lda, ldb, ldc, batch, atype, *(const float *)alpha, *(const float *)beta, a, b, c,
		sa, sb, sc};
	dsgo_emu_enqueue(((handle_t *)h)->stream, do_gemm, &g, sizeof g);
	return 0;
}
