//go:build kcheck

// kcheck.cpp compiles kernels/preprocess.cu for the host, with the few
// CUDA built-ins it uses defined in plain C++, and runs its grid in a
// loop: a check of the kernel's arithmetic on machines without a GPU
// (go test -tags kcheck,nogst ./cuda). IEEE float and double arithmetic
// without fused multiply-adds, as the kernel's _rn intrinsics ask.

#include <cmath>

struct dsgo_uint3 {
	unsigned x, y, z;
};
static dsgo_uint3 threadIdx, blockIdx, blockDim;

#define __global__
#define __device__
#define __forceinline__ inline
#define __launch_bounds__(n)
#define __restrict__ __restrict

static inline unsigned char __ldg(const unsigned char *p) { return *p; }
static inline double __ddiv_rn(double a, double b) { return a / b; }
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline double __dmul_rn(double a, double b) { return a * b; }
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fsub_rn(float a, float b) { return a - b; }

// cvt.rn.f16.f32 in C++: round to nearest even half.
#include "kernels/half.h"

#define asm(insn, ...) (h = dsgo_emu_f2h(v))

#include "kernels/preprocess.cu"

typedef void (*kernel)(const PrepItem *, void *, int, int, int, int, float, float, float, float);

extern "C" void dsgo_emulate_preprocess(int dtype, int layout, const void *items, void *dst, int n, int netW, int netH,
	int color, int nearest, float scale, float o0, float o1, float o2) {
	kernel k = layout == 0 ? (dtype == 0 ? dsgo_preprocess_f32_nchw : dsgo_preprocess_f16_nchw)
			       : (dtype == 0 ? dsgo_preprocess_f32_nhwc : dsgo_preprocess_f16_nhwc);
	blockDim = {32, 8, 1};
	for (unsigned z = 0; z < (unsigned)n; z++)
		for (unsigned by = 0; by < (unsigned)(netH + 7) / 8; by++)
			for (unsigned bx = 0; bx < (unsigned)(netW + 31) / 32; bx++)
				for (unsigned ty = 0; ty < 8; ty++)
					for (unsigned tx = 0; tx < 32; tx++) {
						blockIdx = {bx, by, z};
						threadIdx = {tx, ty, 0};
						k((const PrepItem *)items, dst, netW, netH, color, nearest, scale, o0, o1, o2);
					}
}
