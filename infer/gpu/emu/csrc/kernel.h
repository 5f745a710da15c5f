// kernel.h: the CUDA built-ins dsgo's kernels use, for compiling them
// with the host compiler (the emulated NVRTC includes it first). The
// emulated driver sets the thread and block indices before it calls a
// kernel for each thread of the grid.
#include <cmath>
#include <cstring>

struct dsgo_emu_dim3 {
	unsigned x, y, z;
};
static dsgo_emu_dim3 threadIdx, blockIdx, blockDim, gridDim;

extern "C" void dsgo_emu_setidx(unsigned bx, unsigned by, unsigned bz, unsigned tx, unsigned ty, unsigned tz,
	unsigned bdx, unsigned bdy, unsigned bdz, unsigned gdx, unsigned gdy, unsigned gdz) {
	blockIdx = {bx, by, bz};
	threadIdx = {tx, ty, tz};
	blockDim = {bdx, bdy, bdz};
	gridDim = {gdx, gdy, gdz};
}

// The vector types of the kernels' 16- and 8-byte copies.
struct uint4 {
	unsigned int x, y, z, w;
};
struct uint2 {
	unsigned int x, y;
};
struct float4 {
	float x, y, z, w;
};

#define __global__
#define __device__
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(n)
#define __restrict__ __restrict

// __fmul_rn is a product rounded on its own, never fused into an add:
// the host compiler (x86-64, no -mfma) fuses nothing.
static inline float __fmul_rn(float a, float b) { return a * b; }

// atomicAdd needs no atomicity: the emulated grid runs one thread at a
// time.
static inline int atomicAdd(int *p, int v) {
	int old = *p;
	*p = old + v;
	return old;
}

template <typename T> static inline T min(T a, T b) { return a < b ? a : b; }
template <typename T> static inline T max(T a, T b) { return a > b ? a : b; }

static inline float dsgo_emu_h2f(unsigned short h) {
	unsigned int sign = (unsigned int)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, x;
	if (exp == 0x1f) {
		x = sign | 0x7f800000 | (man << 13);
	} else if (exp == 0) {
		if (man == 0) {
			x = sign;
		} else {
			int e = -1;
			do {
				e++;
				man <<= 1;
			} while (!(man & 0x400));
			x = sign | ((unsigned int)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
		}
	} else {
		x = sign | ((exp + 127 - 15) << 23) | (man << 13);
	}
	float f;
	memcpy(&f, &x, 4);
	return f;
}

static inline unsigned short dsgo_emu_f2h(float v) {
	unsigned int x;
	memcpy(&x, &v, 4);
	unsigned int sign = (x >> 16) & 0x8000;
	int exp = (int)((x >> 23) & 0xff) - 127 + 15;
	unsigned int man = x & 0x7fffff;
	if (((x >> 23) & 0xff) == 0xff) return sign | 0x7c00 | (man ? 0x200 : 0);
	if (exp >= 31) return sign | 0x7c00;
	if (exp <= 0) {
		if (exp < -10) return sign;
		man |= 0x800000;
		int shift = 14 - exp;
		unsigned int half = man >> shift, rem = man & ((1u << shift) - 1), mid = 1u << (shift - 1);
		if (rem > mid || (rem == mid && (half & 1))) half++;
		return sign | half;
	}
	unsigned int half = ((unsigned int)exp << 10) | (man >> 13), rem = man & 0x1fff;
	if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) half++;
	return sign | half;
}
