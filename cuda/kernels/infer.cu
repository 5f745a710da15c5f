// infer.cu: the kernels of dsgo's CUDA inference backend (infer/gpu) for
// everything cuDNN and cuBLAS do not do: element-wise arithmetic with
// broadcasting and fused activations (also the convolution epilogue and
// every strided copy: Transpose, Slice, Concat, Split, Expand, layout
// and type conversion), gathers through a precomputed index map (Pad,
// Tile, Gather with constant indices) or through indices computed on the
// device (Gather), pooling, Resize, Softmax, reductions, ArgMax, TopK,
// RoiAlign and NonMaxSuppression. They follow the CPU backend's
// (infer/cpu) semantics.
//
// Every kernel takes one by-value parameter struct whose layout the Go
// side (infer/gpu/kernels.go) mirrors field for field: 8-byte fields
// first, then 4-byte ones. Tensors may be float32, float16 (stored as
// IEEE half, computed in float32), int32, int64, int8, uint8 or bool; a
// kernel reads the element type of each operand from its descriptor (the
// branch is uniform across the grid). One thread computes one output
// element, with no shared memory or warp collectives (NonMaxSuppression
// uses one atomicAdd and otherwise splits its work into launches), so the
// same source also runs on the host (DSGO_EMU, infer/gpu/emu) to check
// the backend without a GPU.

#ifdef DSGO_EMU
#define DSGO_KERNEL(name, P)                                                                                    \
	static void name##_body(const P &p);                                                                        \
	extern "C" const int name##__argsize = sizeof(P);                                                           \
	extern "C" void name##__emu(void **args) { name##_body(*(const P *)args[0]); }                              \
	static void name##_body(const P &p)
#else
#define DSGO_KERNEL(name, P)                                                                                    \
	__device__ __forceinline__ void name##_body(const P &p);                                                    \
	extern "C" __global__ void __launch_bounds__(256) name(const P p) { name##_body(p); }                      \
	__device__ __forceinline__ void name##_body(const P &p)
#endif

enum { DT_F32 = 0, DT_F16 = 1, DT_I32 = 2, DT_I64 = 3, DT_U8 = 4, DT_I8 = 5, DT_BOOL = 6 };

#define MAXR 6

#ifdef DSGO_EMU
#define NEG_INF (-__builtin_inff())
#else
#define NEG_INF (-__int_as_float(0x7f800000))
#endif

__device__ __forceinline__ int imin(int a, int b) { return a < b ? a : b; }
__device__ __forceinline__ int imax(int a, int b) { return a > b ? a : b; }

__device__ __forceinline__ float h2f(unsigned short h) {
#ifdef DSGO_EMU
	return dsgo_emu_h2f(h);
#else
	float f;
	asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h));
	return f;
#endif
}

__device__ __forceinline__ unsigned short f2h(float f) {
#ifdef DSGO_EMU
	return dsgo_emu_f2h(f);
#else
	unsigned short h;
	asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f));
	return h;
#endif
}

// ld reads element off of a tensor of type dt as C (float or double).
template <typename C>
__device__ __forceinline__ C ld(long long ptr, int dt, long long off) {
	switch (dt) {
	case DT_F32:
		return (C)((const float *)ptr)[off];
	case DT_F16:
		return (C)h2f(((const unsigned short *)ptr)[off]);
	case DT_I32:
		return (C)((const int *)ptr)[off];
	case DT_I64:
		return (C)((const long long *)ptr)[off];
	case DT_I8:
		return (C)((const signed char *)ptr)[off];
	default:
		return (C)((const unsigned char *)ptr)[off];
	}
}

// st writes v into element off, truncating toward zero for integers.
template <typename C>
__device__ __forceinline__ void st(long long ptr, int dt, long long off, C v) {
	switch (dt) {
	case DT_F32:
		((float *)ptr)[off] = (float)v;
		break;
	case DT_F16:
		((unsigned short *)ptr)[off] = f2h((float)v);
		break;
	case DT_I32:
		((int *)ptr)[off] = (int)v;
		break;
	case DT_I64:
		((long long *)ptr)[off] = (long long)v;
		break;
	case DT_I8:
		((signed char *)ptr)[off] = (signed char)(long long)v;
		break;
	case DT_BOOL:
		((unsigned char *)ptr)[off] = v != (C)0 ? 1 : 0;
		break;
	default:
		((unsigned char *)ptr)[off] = (unsigned char)(long long)v;
		break;
	}
}

// ---------------------------------------------------------------------
// Element-wise: out = act(combine(op, a, b, c)) over an iteration space of
// up to MAXR dimensions; each operand has its own element strides over
// those dimensions (0 where it is broadcast, negative for reversed slices).

enum {
	OP_COPY = 0, // a
	OP_ADD,      // a + b
	OP_SUB,      // a - b
	OP_MUL,      // a * b
	OP_DIV,      // a / b
	OP_POW,      // pow(a, b)
	OP_MIN,      // min(a, b)
	OP_MAX,      // max(a, b)
	OP_ADD3,     // a + b + c
	OP_MULADD,   // a * b + c
	OP_WHERE,    // a != 0 ? b : c
	OP_EQUAL,    // a == b
	OP_AXPBY,    // ka * a + kb * b
};

enum {
	ACT_NONE = 0,
	ACT_RELU,
	ACT_LEAKY,       // alpha
	ACT_CLIP,        // lo, hi
	ACT_SIGMOID,
	ACT_SILU,
	ACT_HARDSWISH,
	ACT_HARDSIGMOID, // alpha, beta
	ACT_TANH,
	ACT_EXP,
	ACT_SQRT,
	ACT_NEG,
	ACT_MISH,
	ACT_ERF,
	ACT_FLOOR,
	ACT_CEIL,
};

struct Operand {
	long long ptr;
	long long stride[MAXR];
	int dtype;
	int pad;
}; // 64 bytes

struct EwParams {
	long long n;
	long long dims[MAXR];
	Operand out;
	Operand in[3];
	int rank, op, act, nin;
	float ka, kb, alpha, beta, lo, hi;
	// pre: element-wise steps fused into this one, applied to in[0]
	// before op: first the binary op in bits 24-31 with in[2] (OP_COPY:
	// none), then the activations in the low byte and the next (ACT_NONE:
	// none); bit 16: each result rounded to float16, as the steps stored
	// it. The activations share alpha, beta, lo and hi with act.
	int pre;
	int pad1;
};

template <typename C>
__device__ __forceinline__ C combine(int op, C a, C b, C c, float ka, float kb) {
	switch (op) {
	case OP_ADD:
		return a + b;
	case OP_SUB:
		return a - b;
	case OP_MUL:
		return a * b;
	case OP_DIV:
		return a / b;
	case OP_POW:
		return b == (C)2 ? a * a : (C)pow((double)a, (double)b);
	case OP_MIN:
		return a < b ? a : b;
	case OP_MAX:
		return a > b ? a : b;
	case OP_ADD3:
		return a + b + c;
	case OP_MULADD:
		return a * b + c;
	case OP_WHERE:
		return a != (C)0 ? b : c;
	case OP_EQUAL:
		return a == b ? (C)1 : (C)0;
	case OP_AXPBY:
		return (C)ka * a + (C)kb * b;
	}
	return a;
}

__device__ __forceinline__ float sigm(float v) { return 1.0f / (1.0f + expf(-v)); }

__device__ __forceinline__ float actf(int act, float v, float alpha, float beta, float lo, float hi) {
	switch (act) {
	case ACT_RELU:
		return v > 0.0f ? v : 0.0f;
	case ACT_LEAKY:
		return v < 0.0f ? v * alpha : v;
	case ACT_CLIP:
		return fminf(fmaxf(v, lo), hi);
	case ACT_SIGMOID:
		return sigm(v);
	case ACT_SILU:
		return v * sigm(v);
	case ACT_HARDSWISH:
		return v * fminf(fmaxf(v / 6.0f + 0.5f, 0.0f), 1.0f);
	case ACT_HARDSIGMOID:
		return fminf(fmaxf(alpha * v + beta, 0.0f), 1.0f);
	case ACT_TANH:
		return tanhf(v);
	case ACT_EXP:
		return expf(v);
	case ACT_SQRT:
		return sqrtf(v);
	case ACT_NEG:
		return -v;
	case ACT_MISH:
		return v * tanhf(v < 20.0f ? log1pf(expf(v)) : v);
	case ACT_ERF:
		return erff(v);
	case ACT_FLOOR:
		return floorf(v);
	case ACT_CEIL:
		return ceilf(v);
	}
	return v;
}

// actfast is actf with the fast exponential and division (ex2.approx,
// rcp.approx) for the sigmoid family, for convolution epilogues whose
// result is rounded to float16 anyway (the error is below 1e-6 relative).
// fexp and fdiv are the fast intrinsics on the GPU and the exact
// functions in the emulator.
__device__ __forceinline__ float fexp(float x) {
#ifdef DSGO_EMU
	return expf(x);
#else
	return __expf(x);
#endif
}

__device__ __forceinline__ float fdiv(float a, float b) {
#ifdef DSGO_EMU
	return a / b;
#else
	return __fdividef(a, b);
#endif
}

// The other activations are a call, so that unrolled epilogues stay
// small (inlining all of actf into each of them filled the instruction
// cache).
__device__ __noinline__ float actcall(int act, float v, float alpha, float beta, float lo, float hi) {
	return actf(act, v, alpha, beta, lo, hi);
}

__device__ __forceinline__ float actfast(int act, float v, float alpha, float beta, float lo, float hi) {
	switch (act) {
	case ACT_NONE:
		return v;
	case ACT_RELU:
		return v > 0.0f ? v : 0.0f;
	case ACT_SILU:
		return fdiv(v, 1.0f + fexp(-v));
	case ACT_SIGMOID:
		return fdiv(1.0f, 1.0f + fexp(-v));
	}
	return actcall(act, v, alpha, beta, lo, hi);
}

template <typename C>
__device__ __forceinline__ void ew_at(const EwParams &p, long long i) {
	if (i >= p.n) return;
	unsigned int r = (unsigned int)i;
	long long oo = 0, o0 = 0, o1 = 0, o2 = 0;
	for (int d = p.rank - 1; d >= 0; d--) {
		unsigned int dim = (unsigned int)p.dims[d];
		unsigned int q = r / dim;
		long long x = (long long)(r - q * dim);
		r = q;
		oo += x * p.out.stride[d];
		o0 += x * p.in[0].stride[d];
		o1 += x * p.in[1].stride[d];
		o2 += x * p.in[2].stride[d];
	}
	C a = p.nin > 0 ? ld<C>(p.in[0].ptr, p.in[0].dtype, o0) : (C)0;
	if (p.pre >> 24) {
		C t = combine<C>(p.pre >> 24, a, ld<C>(p.in[2].ptr, p.in[2].dtype, o2), (C)0, p.ka, p.kb);
		a = p.pre & 0x10000 ? (C)h2f(f2h((float)t)) : t;
	}
	for (int pre = p.pre & 0xffff; pre != 0; pre >>= 8) {
		float t = actf(pre & 0xff, (float)a, p.alpha, p.beta, p.lo, p.hi);
		a = (C)(p.pre & 0x10000 ? h2f(f2h(t)) : t);
	}
	C b = p.nin > 1 ? ld<C>(p.in[1].ptr, p.in[1].dtype, o1) : (C)0;
	C c = p.nin > 2 ? ld<C>(p.in[2].ptr, p.in[2].dtype, o2) : (C)0;
	C v = combine<C>(p.op, a, b, c, p.ka, p.kb);
	if (p.act != ACT_NONE) v = (C)actf(p.act, (float)v, p.alpha, p.beta, p.lo, p.hi);
	st<C>(p.out.ptr, p.out.dtype, oo, v);
}

template <typename C>
__device__ __forceinline__ void ew(const EwParams &p) {
	ew_at<C>(p, (long long)blockIdx.x * blockDim.x + threadIdx.x);
}

// EwGroupParams: up to 3 independent element-wise steps in one launch
// (steps computing disjoint parts of one Concat's output): part j takes
// the blocks from first[j] to first[j+1].
struct EwGroupParams {
	EwParams part[3];
	int first[4];
	int parts, pad;
};

DSGO_KERNEL(dsgo_ew_group_f, EwGroupParams) {
	int j = 0;
	while (j + 1 < p.parts && (int)blockIdx.x >= p.first[j + 1]) j++;
	ew_at<float>(p.part[j], (long long)((int)blockIdx.x - p.first[j]) * blockDim.x + threadIdx.x);
}

// Float arithmetic for float tensors; double where integers take part, so
// that int64 values survive Cast, Equal and Where exactly.
DSGO_KERNEL(dsgo_ew_f, EwParams) { ew<float>(p); }
DSGO_KERNEL(dsgo_ew_d, EwParams) { ew<double>(p); }

// EpiParams: a convolution's epilogue over a contiguous channels-last
// float16 tensor, two elements per thread: y = act(op(y, b, r)), b the
// bias (per channel: bchan) or a full operand, r a full operand (the
// residual); absent operands have pointer 0. The arithmetic is dsgo_ew's,
// so results are the same bit for bit.
struct EpiParams {
	long long n2;          // element pairs
	long long y, b, r;     // float16
	int c, bchan, op, act; // channels (even)
	float alpha, beta, lo, hi;
};

__device__ __forceinline__ void unpack2(long long ptr, long long i, float *lo, float *hi) {
	unsigned int v = ((const unsigned int *)ptr)[i];
	*lo = h2f((unsigned short)(v & 0xffffu));
	*hi = h2f((unsigned short)(v >> 16));
}

DSGO_KERNEL(dsgo_epi_h2, EpiParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= p.n2) return;
	float a0, a1, b0 = 0.0f, b1 = 0.0f, c0 = 0.0f, c1 = 0.0f;
	unpack2(p.y, i, &a0, &a1);
	if (p.b) unpack2(p.b, p.bchan ? (long long)(((2 * i) % p.c) / 2) : i, &b0, &b1);
	if (p.r) unpack2(p.r, i, &c0, &c1);
	float v0 = combine<float>(p.op, a0, b0, c0, 0.0f, 0.0f);
	float v1 = combine<float>(p.op, a1, b1, c1, 0.0f, 0.0f);
	if (p.act != ACT_NONE) {
		v0 = actf(p.act, v0, p.alpha, p.beta, p.lo, p.hi);
		v1 = actf(p.act, v1, p.alpha, p.beta, p.lo, p.hi);
	}
	((unsigned int *)p.y)[i] = (unsigned int)f2h(v0) | ((unsigned int)f2h(v1) << 16);
}

// NhwcParams: a float32 NCHW batch to float16 NHWC (the network input of
// a channels-last program), one thread per pixel: each reads its C
// planes (coalesced across the warp) and writes its C channels together.
struct NhwcParams {
	long long x, y;
	long long pixels; // N*H*W
	int c, hw;
};

DSGO_KERNEL(dsgo_to_nhwc_h, NhwcParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= p.pixels) return;
	long long n = i / p.hw, px = i - n * p.hw;
	const float *x = (const float *)p.x + n * p.c * p.hw + px;
	unsigned short *y = (unsigned short *)p.y + i * p.c;
	for (int k = 0; k < p.c; k++) y[k] = f2h(x[(long long)k * p.hw]);
}

// PlanesParams: float16 channels-last pixels to channel planes (NCHW, or
// planes inside a wider tensor: y's images and planes are yn and yc
// elements apart), one thread per pixel: each reads its C channels
// together (16 bytes at a time when C is a multiple of 8 and x is
// aligned) and writes one element of each plane, coalesced across the
// warp (a detection head's output copied into its Concat's output).
struct PlanesParams {
	long long x, y;
	long long pixels; // N*H*W
	long long yn, yc;
	int c, hw;
};

DSGO_KERNEL(dsgo_to_planes_h, PlanesParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= p.pixels) return;
	long long n = i / p.hw, px = i - n * p.hw;
	const unsigned short *x = (const unsigned short *)p.x + i * p.c;
	unsigned short *y = (unsigned short *)p.y + n * p.yn + px;
	int k = 0;
	if ((p.c & 7) == 0 && (p.x & 15) == 0) {
		for (; k < p.c; k += 8) {
			const uint4 v = *(const uint4 *)(x + k);
			const unsigned int w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
			for (int j = 0; j < 4; j++) {
				y[(k + 2 * j) * p.yc] = (unsigned short)(w[j] & 0xffffu);
				y[(k + 2 * j + 1) * p.yc] = (unsigned short)(w[j] >> 16);
			}
		}
	}
	for (; k < p.c; k++) y[k * p.yc] = x[k];
}

// ---------------------------------------------------------------------
// Strided block copies and direct convolution.

// copyv copies vec bytes (16, 8, 4, 2 or 1; both addresses aligned to it).
__device__ __forceinline__ void copyv(char *d, const char *s, int vec) {
	switch (vec) {
	case 16:
		*(uint4 *)d = *(const uint4 *)s;
		break;
	case 8:
		*(uint2 *)d = *(const uint2 *)s;
		break;
	case 4:
		*(unsigned int *)d = *(const unsigned int *)s;
		break;
	case 2:
		*(unsigned short *)d = *(const unsigned short *)s;
		break;
	default:
		*d = *s;
	}
}

// Copy2DParams: rows of units*vec bytes from src (rows sp bytes apart) to
// dst (dp bytes apart), vec bytes per thread: a Concat or Split slice of
// a channels-last tensor is rows of C contiguous elements.
struct Copy2DParams {
	long long src, dst, rows, sp, dp;
	int units, vec;
};

DSGO_KERNEL(dsgo_copy2d, Copy2DParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= p.rows * p.units) return;
	long long r = i / p.units, u = i - r * p.units;
	copyv((char *)p.dst + r * p.dp + u * p.vec, (const char *)p.src + r * p.sp + u * p.vec, p.vec);
}

// ConvDirectParams: a convolution with few input channels (an image
// network's first layer), CD_PX neighbouring output pixels of a row and
// CD_KB output channels per thread. It reads x in any layout and type
// (the float32 NCHW input binding itself, so no conversion pass precedes
// it) and writes y = act(conv(x, w) + b [+ r]) in any layout and type. w
// is float32 [C][R][S][Kp] with Kp the output channels rounded up to
// CD_KB (zeros beyond K), b float32 [Kp] (or 0), r (or 0) is read like y.
#define CD_KB 16
#define CD_PX 2

struct ConvDirectParams {
	long long x, w, b, r, y;
	long long xs[4], ys[4], rs[4];
	int n, c, h, w_, k, kr, ks, oh, ow, kp;
	int sh, sw, ph, pw, dh, dw;
	int xdt, ydt, rdt, act;
	float alpha, beta, lo, hi;
};

// Every loop over acc has a constant trip count and is unrolled, so that
// acc stays in registers (an index known only at run time would put it
// in local memory). KC, KR and KS are the input channels and filter size
// when known at compile time (0: read from p): the 3-channel 3x3 layer
// of image networks then has all its loads unrolled and in flight
// together, instead of one tap's latency after the other.
template <int KC, int KR, int KS>
__device__ __forceinline__ void conv_direct(const ConvDirectParams &p) {
	int owp = (p.ow + CD_PX - 1) / CD_PX;
	long long rows = (long long)p.n * p.oh * owp;
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= rows * (p.kp / CD_KB)) return;
	int kg = (int)(i / rows);
	long long q = i - kg * rows;
	int ox0 = (int)(q % owp) * CD_PX;
	long long t = q / owp;
	int oy = (int)(t % p.oh), n = (int)(t / p.oh);
	int k0 = kg * CD_KB;
	float acc[CD_PX][CD_KB];
#pragma unroll
	for (int j = 0; j < CD_KB; j++) {
		float b = p.b ? ((const float *)p.b)[k0 + j] : 0.0f;
#pragma unroll
		for (int x = 0; x < CD_PX; x++) acc[x][j] = b;
	}
	const float *w = (const float *)p.w + k0;
	int y0 = oy * p.sh - p.ph;
	int x0[CD_PX];
	bool xin[CD_PX];
#pragma unroll
	for (int x = 0; x < CD_PX; x++) x0[x] = (ox0 + x) * p.sw - p.pw, xin[x] = ox0 + x < p.ow;
	const int nc = KC ? KC : p.c, nr = KR ? KR : p.kr, ns = KS ? KS : p.ks;
#pragma unroll
	for (int c = 0; c < nc; c++) {
#pragma unroll
		for (int r = 0; r < nr; r++) {
			int iy = y0 + r * p.dh;
			bool yin = iy >= 0 && iy < p.h;
			long long row = n * p.xs[0] + c * p.xs[1] + iy * p.xs[2];
#pragma unroll
			for (int s = 0; s < ns; s++) {
				float v[CD_PX];
#pragma unroll
				for (int x = 0; x < CD_PX; x++) {
					int ix = x0[x] + s * p.dw;
					v[x] = yin && xin[x] && ix >= 0 && ix < p.w_ ? ld<float>(p.x, p.xdt, row + ix * p.xs[3]) : 0.0f;
				}
				const float4 *wp = (const float4 *)(w + (long long)((c * nr + r) * ns + s) * p.kp);
#pragma unroll
				for (int j = 0; j < CD_KB / 4; j++) {
					float4 wv = wp[j];
#pragma unroll
					for (int x = 0; x < CD_PX; x++) {
						acc[x][4 * j] += v[x] * wv.x;
						acc[x][4 * j + 1] += v[x] * wv.y;
						acc[x][4 * j + 2] += v[x] * wv.z;
						acc[x][4 * j + 3] += v[x] * wv.w;
					}
				}
			}
		}
	}
	int kn = imin(CD_KB, p.k - k0);
#pragma unroll
	for (int x = 0; x < CD_PX; x++) {
		if (!xin[x]) continue;
		long long yo = n * p.ys[0] + k0 * p.ys[1] + oy * p.ys[2] + (ox0 + x) * p.ys[3];
		long long ro = n * p.rs[0] + k0 * p.rs[1] + oy * p.rs[2] + (ox0 + x) * p.rs[3];
#pragma unroll
		for (int j = 0; j < CD_KB; j++) {
			float v = acc[x][j];
			if (p.r && j < kn) v += ld<float>(p.r, p.rdt, ro + j * p.rs[1]);
			acc[x][j] = actfast(p.act, v, p.alpha, p.beta, p.lo, p.hi);
		}
		if (p.ydt == DT_F16 && p.ys[1] == 1 && kn == CD_KB && (((p.y + 2 * yo) & 15) == 0)) {
			uint4 *d = (uint4 *)((unsigned short *)p.y + yo);
#pragma unroll
			for (int j = 0; j < CD_KB / 8; j++) {
				uint4 o;
				o.x = (unsigned int)f2h(acc[x][8 * j]) | ((unsigned int)f2h(acc[x][8 * j + 1]) << 16);
				o.y = (unsigned int)f2h(acc[x][8 * j + 2]) | ((unsigned int)f2h(acc[x][8 * j + 3]) << 16);
				o.z = (unsigned int)f2h(acc[x][8 * j + 4]) | ((unsigned int)f2h(acc[x][8 * j + 5]) << 16);
				o.w = (unsigned int)f2h(acc[x][8 * j + 6]) | ((unsigned int)f2h(acc[x][8 * j + 7]) << 16);
				d[j] = o;
			}
			continue;
		}
#pragma unroll
		for (int j = 0; j < CD_KB; j++)
			if (j < kn) st<float>(p.y, p.ydt, yo + j * p.ys[1], acc[x][j]);
	}
}

DSGO_KERNEL(dsgo_conv_direct, ConvDirectParams) {
	if (p.c == 3 && p.kr == 3 && p.ks == 3 && p.xdt == DT_F32)
		conv_direct<3, 3, 3>(p);
	else
		conv_direct<0, 0, 0>(p);
}

// ---------------------------------------------------------------------
// Gather through a map: out[i] = map[i] >= 0 ? in[map[i]] : fill, for
// elements of esize bytes (fill holds the fill element's bits).

struct MapParams {
	long long n, src, dst, map;
	unsigned long long fill;
	int esize, pad;
};

DSGO_KERNEL(dsgo_map, MapParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= p.n) return;
	int m = ((const int *)p.map)[i];
	switch (p.esize) {
	case 1:
		((unsigned char *)p.dst)[i] = m >= 0 ? ((const unsigned char *)p.src)[m] : (unsigned char)p.fill;
		break;
	case 2:
		((unsigned short *)p.dst)[i] = m >= 0 ? ((const unsigned short *)p.src)[m] : (unsigned short)p.fill;
		break;
	case 4:
		((unsigned int *)p.dst)[i] = m >= 0 ? ((const unsigned int *)p.src)[m] : (unsigned int)p.fill;
		break;
	default:
		((unsigned long long *)p.dst)[i] = m >= 0 ? ((const unsigned long long *)p.src)[m] : p.fill;
		break;
	}
}

// ---------------------------------------------------------------------
// 4-D kernels take element strides for N, C, H, W of input and output,
// so that they run on NCHW and NHWC data alike; order says which output
// dimension the thread index walks fastest (0: W, NCHW order; 1: C, NHWC
// order), so that neighbouring threads write neighbouring elements.

__device__ __forceinline__ void unravel4(long long i, int order, int n, int c, int h, int w, int *in, int *ic, int *ih,
	int *iw) {
	unsigned int r = (unsigned int)i;
	if (order == 0) {
		*iw = r % w, r /= w;
		*ih = r % h, r /= h;
		*ic = r % c, r /= c;
	} else {
		*ic = r % c, r /= c;
		*iw = r % w, r /= w;
		*ih = r % h, r /= h;
	}
	*in = (int)r;
	(void)n;
}

struct PoolParams {
	long long x, y;
	long long xs[4], ys[4];
	int n, c, h, w, oh, ow;
	int kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
	int isMax, includePad, dtype, order;
};

// poolWindow calls f with the element offset (ih*xs[2] + iw*xs[3]) of
// each tap of the pooling window at (h0, w0) that lies inside the input.
template <typename F> __device__ __forceinline__ void poolWindow(const PoolParams &p, int h0, int w0, F f) {
	for (int kh = 0; kh < p.kh; kh++) {
		int ih = h0 + kh * p.dh;
		if (ih < 0 || ih >= p.h) continue;
		for (int kw = 0; kw < p.kw; kw++) {
			int iw = w0 + kw * p.dw;
			if (iw < 0 || iw >= p.w) continue;
			f(ih * p.xs[2] + iw * p.xs[3]);
		}
	}
}

DSGO_KERNEL(dsgo_pool, PoolParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= (long long)p.n * p.c * p.oh * p.ow) return;
	int n, c, oy, ox;
	unravel4(i, p.order, p.n, p.c, p.oh, p.ow, &n, &c, &oy, &ox);
	long long base = n * p.xs[0] + c * p.xs[1];
	int h0 = oy * p.sh - p.pt, w0 = ox * p.sw - p.pl;
	float v;
	if (p.isMax) {
		v = NEG_INF;
		poolWindow(p, h0, w0, [&](long long off) { v = fmaxf(v, ld<float>(p.x, p.dtype, base + off)); });
	} else {
		int h1 = imin(h0 + p.kh, p.h + p.pb), w1 = imin(w0 + p.kw, p.w + p.pr);
		int padded = (h1 - h0) * (w1 - w0);
		int hs = imax(h0, 0), ws = imax(w0, 0), he = imin(h1, p.h), we = imin(w1, p.w);
		float s = 0.0f;
		for (int ih = hs; ih < he; ih++)
			for (int iw = ws; iw < we; iw++) s += ld<float>(p.x, p.dtype, base + ih * p.xs[2] + iw * p.xs[3]);
		int cnt = p.includePad ? padded : (he - hs) * (we - ws);
		v = cnt > 0 ? s / (float)cnt : 0.0f;
	}
	st<float>(p.y, p.dtype, n * p.ys[0] + c * p.ys[1] + oy * p.ys[2] + ox * p.ys[3], v);
}

// Max pooling of float16 channels-last data, 8 channels (16 bytes) per
// thread; xs[3] and ys[3] are the pixel strides, in elements, multiples
// of 8 like c (the engine checks). dsgo_pool reads one element at a time
// and took 0.14 ms of ResNet-50's 1.3 at batch 32 on an H100.
DSGO_KERNEL(dsgo_maxpool_h8, PoolParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	const int c8 = p.c >> 3;
	if (i >= (long long)p.n * p.oh * p.ow * c8) return;
	int cv = (int)(i % c8);
	long long pix = i / c8;
	int ox = (int)(pix % p.ow), oy = (int)(pix / p.ow % p.oh), n = (int)(pix / ((long long)p.ow * p.oh));
	int h0 = oy * p.sh - p.pt, w0 = ox * p.sw - p.pl;
	float m[8];
	for (int j = 0; j < 8; j++) m[j] = NEG_INF;
	const unsigned short *x = (const unsigned short *)p.x + n * p.xs[0] + cv * 8;
	poolWindow(p, h0, w0, [&](long long off) {
		uint4 v = *(const uint4 *)(x + off);
		unsigned u[4] = {v.x, v.y, v.z, v.w};
		for (int j = 0; j < 4; j++) {
			m[2 * j] = fmaxf(m[2 * j], h2f((unsigned short)(u[j] & 0xffffu)));
			m[2 * j + 1] = fmaxf(m[2 * j + 1], h2f((unsigned short)(u[j] >> 16)));
		}
	});
	uint4 o;
	unsigned *ou = (unsigned *)&o;
	for (int j = 0; j < 4; j++) ou[j] = (unsigned)f2h(m[2 * j]) | ((unsigned)f2h(m[2 * j + 1]) << 16);
	*(uint4 *)((unsigned short *)p.y + n * p.ys[0] + oy * p.ys[2] + ox * p.ys[3] + cv * 8) = o;
}

// Global average pooling over H and W: one thread per (n, c).
DSGO_KERNEL(dsgo_gap, PoolParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= (long long)p.n * p.c) return;
	int n = (int)(i / p.c), c = (int)(i % p.c);
	long long base = n * p.xs[0] + c * p.xs[1];
	float s = 0.0f;
	for (int ih = 0; ih < p.h; ih++)
		for (int iw = 0; iw < p.w; iw++) s += ld<float>(p.x, p.dtype, base + ih * p.xs[2] + iw * p.xs[3]);
	st<float>(p.y, p.dtype, n * p.ys[0] + c * p.ys[1], s / (float)(p.h * p.w));
}

// Resize with per-axis tables computed on the host (the CPU backend's
// coordinate rules): for output row oy, rows tabY[oy].i0 and .i1 with
// weight .f on i1; nearest reads i0 only.
struct Tap {
	int i0, i1;
	float f;
};

struct ResizeParams {
	long long x, y, tabY, tabX;
	long long xs[4], ys[4];
	int n, c, h, w, oh, ow;
	int nearest, dtype, order, pad;
};

DSGO_KERNEL(dsgo_resize, ResizeParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= (long long)p.n * p.c * p.oh * p.ow) return;
	int n, c, oy, ox;
	unravel4(i, p.order, p.n, p.c, p.oh, p.ow, &n, &c, &oy, &ox);
	const Tap ty = ((const Tap *)p.tabY)[oy], tx = ((const Tap *)p.tabX)[ox];
	long long base = n * p.xs[0] + c * p.xs[1];
	float v;
	if (p.nearest) {
		v = ld<float>(p.x, p.dtype, base + ty.i0 * p.xs[2] + tx.i0 * p.xs[3]);
	} else {
		long long r0 = base + ty.i0 * p.xs[2], r1 = base + ty.i1 * p.xs[2];
		float a = ld<float>(p.x, p.dtype, r0 + tx.i0 * p.xs[3]), b = ld<float>(p.x, p.dtype, r0 + tx.i1 * p.xs[3]);
		float c0 = ld<float>(p.x, p.dtype, r1 + tx.i0 * p.xs[3]), d = ld<float>(p.x, p.dtype, r1 + tx.i1 * p.xs[3]);
		float top = a + (b - a) * tx.f, bot = c0 + (d - c0) * tx.f;
		v = top + (bot - top) * ty.f;
	}
	st<float>(p.y, p.dtype, n * p.ys[0] + c * p.ys[1] + oy * p.ys[2] + ox * p.ys[3], v);
}

// ResizeVecParams: nearest-neighbour Resize of channels-last data, whose
// pixels are rows of cbytes contiguous bytes (xp and yp bytes apart; y may
// be a slice of a wider tensor, a Concat's output), vec bytes per thread;
// the taps are dsgo_resize's.
struct ResizeVecParams {
	long long x, y, tabY, tabX, xn, xp, yn, yp;
	int n, h, w, oh, ow, units, vec, pad;
};

DSGO_KERNEL(dsgo_resize_vec, ResizeVecParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= (long long)p.n * p.oh * p.ow * p.units) return;
	long long px = i / p.units;
	int u = (int)(i - px * p.units), ox = (int)(px % p.ow);
	long long t = px / p.ow;
	int oy = (int)(t % p.oh), n = (int)(t / p.oh);
	const Tap ty = ((const Tap *)p.tabY)[oy], tx = ((const Tap *)p.tabX)[ox];
	const char *s = (const char *)p.x + n * p.xn + ((long long)ty.i0 * p.w + tx.i0) * p.xp + (long long)u * p.vec;
	char *d = (char *)p.y + n * p.yn + ((long long)oy * p.ow + ox) * p.yp + (long long)u * p.vec;
	copyv(d, s, p.vec);
}

// ---------------------------------------------------------------------
// Row kernels over contiguous data: the axis has len elements inner apart;
// one thread per (outer, inner) pair.

struct RowParams {
	long long x, y, y2;
	int outer, len, inner, k;
	int dtype, largest, pad0, pad1;
};

DSGO_KERNEL(dsgo_softmax, RowParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= (long long)p.outer * p.inner) return;
	long long o = i / p.inner, in = i % p.inner;
	long long base = o * p.len * p.inner + in;
	float m = NEG_INF;
	for (int j = 0; j < p.len; j++) m = fmaxf(m, ld<float>(p.x, p.dtype, base + (long long)j * p.inner));
	float s = 0.0f;
	for (int j = 0; j < p.len; j++) s += expf(ld<float>(p.x, p.dtype, base + (long long)j * p.inner) - m);
	float inv = 1.0f / s;
	for (int j = 0; j < p.len; j++) {
		long long off = base + (long long)j * p.inner;
		st<float>(p.y, p.dtype, off, expf(ld<float>(p.x, p.dtype, off) - m) * inv);
	}
}

// ArgMax writes int64 positions of the first maximum to y.
DSGO_KERNEL(dsgo_argmax, RowParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= (long long)p.outer * p.inner) return;
	long long o = i / p.inner, in = i % p.inner;
	long long base = o * p.len * p.inner + in;
	double best = NEG_INF;
	long long bi = 0;
	for (int j = 0; j < p.len; j++) {
		double v = ld<double>(p.x, p.dtype, base + (long long)j * p.inner);
		if (v > best) best = v, bi = j;
	}
	((long long *)p.y)[o * p.inner + in] = bi;
}

// TopK keeps the k best of a row, sorted best first, in the outputs
// themselves (values y, int64 indices y2): an insertion sort in which an
// element displaces only strictly worse ones, so ties keep the lower index.
DSGO_KERNEL(dsgo_topk, RowParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= (long long)p.outer * p.inner || p.k <= 0) return;
	long long o = i / p.inner, in = i % p.inner;
	long long base = o * p.len * p.inner + in, obase = o * p.k * p.inner + in;
	long long *idx = (long long *)p.y2;
	int have = 0;
	for (int j = 0; j < p.len; j++) {
		float v = ld<float>(p.x, p.dtype, base + (long long)j * p.inner);
		int pos = have;
		while (pos > 0) {
			float u = ld<float>(p.y, p.dtype, obase + (long long)(pos - 1) * p.inner);
			bool better = p.largest ? v > u : v < u;
			if (!better) break;
			pos--;
		}
		if (pos >= p.k) continue;
		int last = have < p.k ? have : p.k - 1;
		for (int s = last; s > pos; s--) {
			long long to = obase + (long long)s * p.inner, from = to - p.inner;
			st<float>(p.y, p.dtype, to, ld<float>(p.y, p.dtype, from));
			idx[to] = idx[from];
		}
		st<float>(p.y, p.dtype, obase + (long long)pos * p.inner, v);
		idx[obase + (long long)pos * p.inner] = j;
		if (have < p.k) have++;
	}
}

// Reduce over any axes of contiguous x: kept dimensions (with their
// strides in x) index the output, reduced ones are walked per thread.
struct ReduceParams {
	long long x, y;
	long long kdims[MAXR], kstr[MAXR], rdims[MAXR], rstr[MAXR];
	long long nout, nred;
	int krank, rrank, op, dtype;
};

enum { RED_SUM = 0, RED_MEAN = 1, RED_MAX = 2 };

DSGO_KERNEL(dsgo_reduce, ReduceParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= p.nout) return;
	long long r = i, base = 0;
	for (int d = p.krank - 1; d >= 0; d--) {
		base += (r % p.kdims[d]) * p.kstr[d];
		r /= p.kdims[d];
	}
	float acc = p.op == RED_MAX ? NEG_INF : 0.0f;
	for (long long j = 0; j < p.nred; j++) {
		long long q = j, off = base;
		for (int d = p.rrank - 1; d >= 0; d--) {
			off += (q % p.rdims[d]) * p.rstr[d];
			q /= p.rdims[d];
		}
		float v = ld<float>(p.x, p.dtype, off);
		acc = p.op == RED_MAX ? fmaxf(acc, v) : acc + v;
	}
	if (p.op == RED_MEAN && p.nred > 0) acc /= (float)p.nred;
	st<float>(p.y, p.dtype, i, acc);
}

// ---------------------------------------------------------------------
// RoiAlign (avg mode) as onnxruntime samples, on contiguous NCHW x; rois
// [R, 4] as x1, y1, x2, y2 and batch indices (int32 or int64) per roi.
struct RoiParams {
	long long x, rois, bidx, y;
	int n, c, h, w, r, oh, ow, sampling;
	float scale;
	int halfPixel, dtype, roiDtype, bidxDtype, pad;
};

__device__ __forceinline__ float bilin(const RoiParams &p, long long plane, float y, float x) {
	if (y < -1.0f || y > (float)p.h || x < -1.0f || x > (float)p.w) return 0.0f;
	y = fmaxf(y, 0.0f), x = fmaxf(x, 0.0f);
	int y0 = (int)y, x0 = (int)x, y1 = y0 + 1, x1 = x0 + 1;
	if (y0 >= p.h - 1) y0 = y1 = p.h - 1, y = (float)(p.h - 1);
	if (x0 >= p.w - 1) x0 = x1 = p.w - 1, x = (float)(p.w - 1);
	float ly = y - (float)y0, lx = x - (float)x0, hy = 1.0f - ly, hx = 1.0f - lx;
	float a = ld<float>(p.x, p.dtype, plane + (long long)y0 * p.w + x0);
	float b = ld<float>(p.x, p.dtype, plane + (long long)y0 * p.w + x1);
	float c = ld<float>(p.x, p.dtype, plane + (long long)y1 * p.w + x0);
	float d = ld<float>(p.x, p.dtype, plane + (long long)y1 * p.w + x1);
	return hy * hx * a + hy * lx * b + ly * hx * c + ly * lx * d;
}

DSGO_KERNEL(dsgo_roialign, RoiParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= (long long)p.r * p.c * p.oh * p.ow) return;
	int pw = (int)(i % p.ow), ph = (int)(i / p.ow % p.oh), c = (int)(i / ((long long)p.ow * p.oh) % p.c);
	int r = (int)(i / ((long long)p.ow * p.oh * p.c));
	long long b = ld<double>(p.bidx, p.bidxDtype, r) >= 0 ? (long long)ld<double>(p.bidx, p.bidxDtype, r) : 0;
	if (b >= p.n) b = p.n - 1;
	float off = p.halfPixel ? 0.5f : 0.0f;
	float x0 = ld<float>(p.rois, p.roiDtype, 4 * r) * p.scale - off, y0 = ld<float>(p.rois, p.roiDtype, 4 * r + 1) * p.scale - off;
	float x1 = ld<float>(p.rois, p.roiDtype, 4 * r + 2) * p.scale - off, y1 = ld<float>(p.rois, p.roiDtype, 4 * r + 3) * p.scale - off;
	float rw = x1 - x0, rh = y1 - y0;
	if (!p.halfPixel) rw = fmaxf(rw, 1.0f), rh = fmaxf(rh, 1.0f);
	float binH = rh / (float)p.oh, binW = rw / (float)p.ow;
	int gh = p.sampling, gw = p.sampling;
	if (p.sampling == 0) gh = (int)ceilf(rh / (float)p.oh), gw = (int)ceilf(rw / (float)p.ow);
	long long plane = (b * p.c + c) * (long long)p.h * p.w;
	float s = 0.0f;
	for (int iy = 0; iy < gh; iy++) {
		float y = y0 + (float)ph * binH + ((float)iy + 0.5f) * binH / (float)gh;
		for (int ix = 0; ix < gw; ix++) {
			float x = x0 + (float)pw * binW + ((float)ix + 0.5f) * binW / (float)gw;
			s += bilin(p, plane, y, x);
		}
	}
	int cnt = gh * gw > 1 ? gh * gw : 1;
	st<float>(p.y, p.dtype, i, s / (float)cnt);
}

// ---------------------------------------------------------------------
// Gather with indices computed on the device (int32 or int64, negative
// ones counting from the end of the axis): y[o, j, in] = x[o, idx[j], in]
// over row-major x [outer, d, inner] for elements of esize bytes. An index
// out of range gives 0 and is reported in err (err[0] = 1, err[1] = the
// index), which the host turns into the CPU backend's error.
struct GatherParams {
	long long x, idx, y, err, n, inner, nidx;
	int d, esize, idxDtype, pad;
};

DSGO_KERNEL(dsgo_gather, GatherParams) {
	long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (i >= p.n) return;
	long long in = i % p.inner, q = i / p.inner, j = q % p.nidx, o = q / p.nidx;
	long long k = p.idxDtype == DT_I32 ? (long long)((const int *)p.idx)[j] : ((const long long *)p.idx)[j];
	long long given = k;
	if (k < 0) k += p.d;
	bool ok = k >= 0 && k < p.d;
	if (!ok) {
		((long long *)p.err)[1] = given;
		((long long *)p.err)[0] = 1;
		k = 0;
	}
	long long s = (o * p.d + k) * p.inner + in;
	switch (p.esize) {
	case 1:
		((unsigned char *)p.y)[i] = ok ? ((const unsigned char *)p.x)[s] : 0;
		break;
	case 2:
		((unsigned short *)p.y)[i] = ok ? ((const unsigned short *)p.x)[s] : 0;
		break;
	case 4:
		((unsigned int *)p.y)[i] = ok ? ((const unsigned int *)p.x)[s] : 0;
		break;
	default:
		((unsigned long long *)p.y)[i] = ok ? ((const unsigned long long *)p.x)[s] : 0;
		break;
	}
}

// ---------------------------------------------------------------------
// NonMaxSuppression over boxes [B, N, 4] and scores [B, C, N], with the
// CPU backend's results (the same rows in the same order): per segment
// (batch b, class c; seg = b*C + c) six launches, each one thread per
// item, so that the source also runs on the host:
//
//   select   one thread per score: those over the threshold are appended
//            (atomically, so in any order) to the segment's candidates,
//            at most mcap of them; cnt counts them all;
//   sort     one thread per candidate: its rank is the number of
//            candidates before it (a higher score, or an equal score and
//            a lower box index: the CPU's order, stable), where it writes
//            its box index and its box's corners;
//   mask     one thread per sorted candidate r: bit c of its row is set
//            when candidate c > r overlaps it by more than the IoU
//            threshold (64 candidates a word, rows stored word-major so
//            that neighbouring threads write neighbouring words);
//   reduce   one thread per segment walks its candidates best first,
//            keeping each that no kept one suppresses and or-ing in the
//            kept one's row (the bitmask NMS of torchvision and
//            TensorRT), until max_output_boxes_per_class are kept;
//   offsets  one thread: each segment's first output row, the total
//            (res[0]) and whether a segment had more than mcap
//            candidates (res[1]; the host then runs the CPU backend);
//   write    one thread per kept box: its (b, c, box) row at res[2...].
//
// The IoU is computed as the CPU backend computes it, in float32 with
// every product rounded on its own (__fmul_rn: no fused multiply-add),
// NaN-propagating min and max, and IEEE division.

#define NMS_MAX_WORDS 160 // the most candidates per segment: 64 * 160

struct NmsParams {
	long long boxes, scores, cnt, cand, candScore, order, corners, mask, keep, kcnt, offs, res;
	int batches, classes, n, mcap;
	int words, maxOut, boxDtype, scoreDtype;
	int center, pad;
	float iouThr, scoreThr;
};

// gmin and gmax are Go's min and max for the values NMS meets: NaN if
// either operand is NaN.
__device__ __forceinline__ float gmin(float a, float b) { return (a < b || a != a) ? a : b; }
__device__ __forceinline__ float gmax(float a, float b) { return (a > b || a != a) ? a : b; }

// nmsIoU is cpu's iou for corners (y0, x0, y1, x1) a and b, with a's area.
__device__ __forceinline__ float nmsIoU(const float *a, float areaA, const float *b) {
	float areaB = __fmul_rn(b[2] - b[0], b[3] - b[1]);
	if (areaA <= 0.0f || areaB <= 0.0f) return 0.0f;
	float ih = gmin(a[2], b[2]) - gmax(a[0], b[0]), iw = gmin(a[3], b[3]) - gmax(a[1], b[1]);
	if (ih <= 0.0f || iw <= 0.0f) return 0.0f;
	float inter = __fmul_rn(ih, iw);
	return inter / (areaA + areaB - inter);
}

DSGO_KERNEL(dsgo_nms_select, NmsParams) {
	long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (t >= (long long)p.batches * p.classes * p.n) return;
	float s = ld<float>(p.scores, p.scoreDtype, t);
	if (!(s > p.scoreThr)) return;
	int seg = (int)(t / p.n);
	int pos = atomicAdd((int *)p.cnt + seg, 1);
	if (pos >= p.mcap) return;
	long long at = (long long)seg * p.mcap + pos;
	((int *)p.cand)[at] = (int)(t % p.n);
	((float *)p.candScore)[at] = s;
}

DSGO_KERNEL(dsgo_nms_sort, NmsParams) {
	long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (t >= (long long)p.batches * p.classes * p.mcap) return;
	int seg = (int)(t / p.mcap), r = (int)(t % p.mcap);
	int m = imin(((const int *)p.cnt)[seg], p.mcap);
	if (r >= m) return;
	long long base = (long long)seg * p.mcap;
	const int *cand = (const int *)p.cand + base;
	const float *cs = (const float *)p.candScore + base;
	int i = cand[r];
	float s = cs[r];
	int rank = 0;
	for (int q = 0; q < m; q++) {
		float u = cs[q];
		rank += (u > s || (u == s && cand[q] < i)) ? 1 : 0;
	}
	((int *)p.order)[base + rank] = i;
	long long b = (long long)(seg / p.classes) * p.n * 4 + (long long)i * 4;
	float v0 = ld<float>(p.boxes, p.boxDtype, b), v1 = ld<float>(p.boxes, p.boxDtype, b + 1);
	float v2 = ld<float>(p.boxes, p.boxDtype, b + 2), v3 = ld<float>(p.boxes, p.boxDtype, b + 3);
	float *c = (float *)p.corners + (base + rank) * 4;
	if (p.center) {
		float hw = __fmul_rn(v2, 0.5f), hh = __fmul_rn(v3, 0.5f); // v/2 exactly
		c[0] = v1 - hh, c[1] = v0 - hw, c[2] = v1 + hh, c[3] = v0 + hw;
	} else {
		c[0] = gmin(v0, v2), c[1] = gmin(v1, v3), c[2] = gmax(v0, v2), c[3] = gmax(v1, v3);
	}
}

DSGO_KERNEL(dsgo_nms_mask, NmsParams) {
	long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (t >= (long long)p.batches * p.classes * p.mcap) return;
	int seg = (int)(t / p.mcap), r = (int)(t % p.mcap);
	int m = imin(((const int *)p.cnt)[seg], p.mcap);
	if (r >= m) return;
	const float *cb = (const float *)p.corners + (long long)seg * p.mcap * 4;
	const float *a = cb + (long long)r * 4;
	float areaA = __fmul_rn(a[2] - a[0], a[3] - a[1]);
	unsigned long long *row = (unsigned long long *)p.mask + (long long)seg * p.words * p.mcap + r;
	int wend = (m + 63) / 64;
	for (int w = r / 64; w < wend; w++) {
		unsigned long long bits = 0;
		int c1 = imin(w * 64 + 64, m);
		for (int c = imax(w * 64, r + 1); c < c1; c++)
			if (nmsIoU(a, areaA, cb + (long long)c * 4) > p.iouThr) bits |= 1ull << (c - w * 64);
		row[(long long)w * p.mcap] = bits;
	}
}

DSGO_KERNEL(dsgo_nms_reduce, NmsParams) {
	long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (t >= (long long)p.batches * p.classes) return;
	int seg = (int)t;
	int m = imin(((const int *)p.cnt)[seg], p.mcap), wend = (m + 63) / 64;
	unsigned long long removed[NMS_MAX_WORDS];
	for (int w = 0; w < wend; w++) removed[w] = 0;
	const unsigned long long *mask = (const unsigned long long *)p.mask + (long long)seg * p.words * p.mcap;
	const int *order = (const int *)p.order + (long long)seg * p.mcap;
	int *keep = (int *)p.keep + (long long)seg * p.maxOut;
	int kept = 0;
	for (int r = 0; r < m && kept < p.maxOut; r++) {
		if ((removed[r / 64] >> (r % 64)) & 1) continue;
		keep[kept++] = order[r];
		for (int w = r / 64; w < wend; w++) removed[w] |= mask[(long long)w * p.mcap + r];
	}
	((int *)p.kcnt)[seg] = kept;
}

DSGO_KERNEL(dsgo_nms_offsets, NmsParams) {
	long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (t != 0) return;
	long long total = 0, over = 0;
	int segs = p.batches * p.classes;
	for (int s = 0; s < segs; s++) {
		((int *)p.offs)[s] = (int)total;
		total += ((const int *)p.kcnt)[s];
		if (((const int *)p.cnt)[s] > p.mcap) over = 1;
	}
	((long long *)p.res)[0] = total;
	((long long *)p.res)[1] = over;
}

DSGO_KERNEL(dsgo_nms_write, NmsParams) {
	long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
	if (t >= (long long)p.batches * p.classes * p.maxOut) return;
	int seg = (int)(t / p.maxOut), k = (int)(t % p.maxOut);
	if (k >= ((const int *)p.kcnt)[seg]) return;
	long long *row = (long long *)p.res + 2 + 3 * ((long long)((const int *)p.offs)[seg] + k);
	row[0] = seg / p.classes;
	row[1] = seg % p.classes;
	row[2] = ((const int *)p.keep)[t];
}
