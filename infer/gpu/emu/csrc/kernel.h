// kernel.h: the CUDA built-ins dsgo's kernels use, for compiling them
// with the host compiler (the emulated NVRTC includes it first). The
// emulated driver sets the thread and block indices before it calls a
// kernel for each thread of the grid. The indices are per host thread:
// a launch runs on the calling thread, and two execution contexts run
// by two goroutines launch the same kernel at once (with one set of
// indices for all, their grids overwrote each other's: the test that
// compares two contexts' outputs failed now and then).
#include <cmath>
#include <cstring>

#include "half.h"

struct dsgo_emu_dim3 {
	unsigned x, y, z;
};
static thread_local dsgo_emu_dim3 threadIdx, blockIdx, blockDim, gridDim;

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
