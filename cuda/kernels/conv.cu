// conv.cu: dsgo's own convolution kernel for channels-last float16 data:
// an implicit GEMM on tensor cores (mma.sync m16n8k16, sm_80 and later)
// with the epilogue fused: y = act(conv(x, w) + b [+ r]), accumulated in
// float32 and rounded once. Small-channel layers (16 to 128 channels, as
// in YOLO-style detectors) are where cuDNN's kernels are weakest and a
// separate epilogue pass costs as much as the convolution; the engine
// times these kernels against cuDNN for each layer and keeps the faster.
//
// The GEMM: M = output pixels (N*OH*OW), N = output channels (K), and
// the reduction runs over (r, s, c) in chunks of BK channels of one
// filter tap, so that an A row is BK contiguous channels of one input
// pixel: 16-byte cp.async copies (zero-filled outside the image and past
// C), a pipeline of ST shared-memory stages, ldmatrix fragments. Input
// channels and output channels must be multiples of 8.
//
// NVRTC compiles this file after infer.cu, in the same program (it uses
// h2f, f2h and actf). The emulator (DSGO_EMU) and GPUs before sm_80 leave
// it out: there the engine finds no such kernels and uses cuDNN.
#if !defined(DSGO_EMU) && (!defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800)

struct IgemmParams {
	long long x, w, b, r, y; // x NHWC, w [K][R][S][C], r and y NHWC (float16); b float32 [K] or 0; r or 0
	int m;                   // output pixels (the engine keeps every offset below 2^31)
	int c, h, w_, k, kr, ks, oh, ow;
	int sh, sw, ph, pw, dh, dw;
	int ldy, ldr; // pixel strides of y and r, in elements
	int act;
	float alpha, beta, lo, hi;
};

__device__ __forceinline__ unsigned smem(const void *p) {
	unsigned a;
	asm("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }" : "=r"(a) : "l"(p));
	return a;
}

// cp.async of 16 bytes, of which bytes are read and the rest zero-filled;
// ca keeps the line in L1 (input pixels are read again by the next taps),
// cg only in L2 (weights).
__device__ __forceinline__ void cp_ca(unsigned dst, const void *src, int bytes) {
	asm volatile("cp.async.ca.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(bytes));
}
__device__ __forceinline__ void cp_cg(unsigned dst, const void *src, int bytes) {
	asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(bytes));
}
__device__ __forceinline__ void cp_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N> __device__ __forceinline__ void cp_wait() { asm volatile("cp.async.wait_group %0;\n" ::"n"(N)); }

__device__ __forceinline__ void ldsm4(unsigned addr, unsigned &a, unsigned &b, unsigned &c, unsigned &d) {
	asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
		: "=r"(a), "=r"(b), "=r"(c), "=r"(d)
		: "r"(addr));
}

__device__ __forceinline__ void mma16816(float *c, const unsigned *a, const unsigned *b) {
	asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
				 "{%0,%1,%2,%3};\n"
		: "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
		: "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
}

// igemm: a block computes BM pixels x BN channels with (BM/WM)x(BN/WN)
// warps of WM x WN each, through ST stages of BK-channel chunks. Offsets
// are 32-bit and advanced incrementally: the kernel is otherwise bound
// by its own address arithmetic on small-channel layers.
template <int BM, int BN, int BK, int WM, int WN, int ST>
__device__ __forceinline__ void igemm(const IgemmParams &p) {
	constexpr int WGM = BM / WM, T = WGM * (BN / WN) * 32;
	constexpr int LDS = BK + 8; // padded rows: ldmatrix without bank conflicts
	constexpr int VPR = BK / 8, RSTEP = T / VPR, AV = BM / RSTEP, BVN = (BN * VPR + T - 1) / T;
	constexpr int MT = WM / 16, NT = WN / 8;
	static_assert(BM % RSTEP == 0 && NT % 2 == 0 && ST >= 2, "igemm tile");
	__shared__ __align__(16) unsigned short sa[ST][BM * LDS];
	__shared__ __align__(16) unsigned short sb[ST][BN * LDS];

	const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
	const int wm = warp % WGM, wn = warp / WGM;
	const int m0 = blockIdx.x * BM, n0 = blockIdx.y * BN;
	const unsigned short *x = (const unsigned short *)p.x, *w = (const unsigned short *)p.w;

	// This thread's A rows: the offset of their tap (0, 0) and its input
	// row and column (far outside for rows past M), fixed over the loop.
	const int vj = tid % VPR, arow = tid / VPR;
	int abase[AV], aiy[AV], aix[AV];
	{
		// Divide once, then step RSTEP pixels at a time.
		int mm = m0 + arow, ox = mm % p.ow, t = mm / p.ow, oy = t % p.oh, nb = t / p.oh;
#pragma unroll
		for (int i = 0; i < AV; i++) {
			abase[i] = 0, aiy[i] = -0x40000000, aix[i] = 0;
			if (mm < p.m) {
				aiy[i] = oy * p.sh - p.ph, aix[i] = ox * p.sw - p.pw;
				abase[i] = ((nb * p.h + aiy[i]) * p.w_ + aix[i]) * p.c + vj * 8;
			}
			mm += RSTEP, ox += RSTEP;
			while (ox >= p.ow) {
				ox -= p.ow;
				if (++oy == p.oh) oy = 0, nb++;
			}
		}
	}
	// This thread's B vectors: their filter row's offset (-1: none).
	const int wk = p.kr * p.ks * p.c;
	int bbase[BVN];
#pragma unroll
	for (int j = 0; j < BVN; j++) {
		int v = tid + j * T, kk = n0 + v / VPR;
		bbase[j] = v < BN * VPR && kk < p.k ? kk * wk + (v % VPR) * 8 : -1;
	}
	const int iters = p.kr * p.ks * ((p.c + BK - 1) / BK);

	int lr = 0, ls = 0, lc = 0; // the tap and channel chunk of the next load
	auto load = [&](int stage) {
		const int dy = lr * p.dh, dx = ls * p.dw;
		const int tap = (dy * p.w_ + dx) * p.c + lc, wtap = (lr * p.ks + ls) * p.c + lc;
		const bool cok = lc + vj * 8 < p.c;
		unsigned short *sA = sa[stage] + arow * LDS + vj * 8;
#pragma unroll
		for (int i = 0; i < AV; i++) {
			bool ok = cok && (unsigned)(aiy[i] + dy) < (unsigned)p.h && (unsigned)(aix[i] + dx) < (unsigned)p.w_;
			cp_ca(smem(sA + i * RSTEP * LDS), x + (ok ? abase[i] + tap : 0), ok ? 16 : 0);
		}
#pragma unroll
		for (int j = 0; j < BVN; j++) {
			int v = tid + j * T;
			if (v < BN * VPR) {
				bool ok = bbase[j] >= 0 && lc + (v % VPR) * 8 < p.c;
				cp_cg(smem(sb[stage] + (v / VPR) * LDS + (v % VPR) * 8), w + (ok ? bbase[j] + wtap : 0), ok ? 16 : 0);
			}
		}
		lc += BK;
		if (lc >= p.c) {
			lc = 0;
			if (++ls == p.ks) ls = 0, lr++;
		}
	};

	float acc[MT][NT][4];
#pragma unroll
	for (int i = 0; i < MT; i++)
#pragma unroll
		for (int j = 0; j < NT; j++) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.0f;

#pragma unroll
	for (int st = 0; st < ST - 1; st++) {
		if (st < iters) load(st);
		cp_commit();
	}
	const unsigned aoff = smem(sa[0] + (wm * WM + (lane & 15)) * LDS + (lane >> 4) * 8);
	const unsigned boff = smem(sb[0] + (wn * WN + (lane & 7) + (lane >> 4) * 8) * LDS + ((lane >> 3) & 1) * 8);
	int cs = 0, ls_ = ST - 1; // the stage computed and the stage loaded next
	for (int it = 0; it < iters; it++) {
		cp_wait<ST - 2>();
		__syncthreads();
		if (it + ST - 1 < iters) load(ls_);
		cp_commit();
		ls_ = ls_ + 1 == ST ? 0 : ls_ + 1;
		const unsigned A = aoff + cs * (BM * LDS * 2), B = boff + cs * (BN * LDS * 2);
		cs = cs + 1 == ST ? 0 : cs + 1;
#pragma unroll
		for (int kk = 0; kk < BK; kk += 16) {
			unsigned af[MT][4], bf[NT][2];
#pragma unroll
			for (int mt = 0; mt < MT; mt++)
				ldsm4(A + (mt * 16 * LDS + kk) * 2, af[mt][0], af[mt][1], af[mt][2], af[mt][3]);
#pragma unroll
			for (int np = 0; np < NT / 2; np++)
				ldsm4(B + (np * 16 * LDS + kk) * 2, bf[2 * np][0], bf[2 * np][1], bf[2 * np + 1][0], bf[2 * np + 1][1]);
#pragma unroll
			for (int mt = 0; mt < MT; mt++)
#pragma unroll
				for (int nt = 0; nt < NT; nt++) mma16816(acc[mt][nt], af[mt], bf[nt]);
		}
	}
	cp_wait<0>();

	// Epilogue: thread (lane) holds rows lane/4 and lane/4+8 of each
	// 16x8 tile, channels 2*(lane%4) and the next.
	const float *bias = (const float *)p.b;
	float2 bv[NT];
#pragma unroll
	for (int nt = 0; nt < NT; nt++) {
		int k = n0 + wn * WN + nt * 8 + (lane & 3) * 2;
		bv[nt] = bias && k < p.k ? make_float2(bias[k], bias[k + 1]) : make_float2(0.0f, 0.0f);
	}
#pragma unroll
	for (int mt = 0; mt < MT; mt++) {
#pragma unroll
		for (int hf = 0; hf < 2; hf++) {
			int mm = m0 + wm * WM + mt * 16 + (lane >> 2) + hf * 8;
			if (mm >= p.m) continue;
			unsigned short *yrow = (unsigned short *)p.y + mm * p.ldy;
			const unsigned short *rrow = p.r ? (const unsigned short *)p.r + mm * p.ldr : 0;
#pragma unroll
			for (int nt = 0; nt < NT; nt++) {
				int k = n0 + wn * WN + nt * 8 + (lane & 3) * 2;
				if (k >= p.k) continue;
				float v0 = acc[mt][nt][2 * hf] + bv[nt].x, v1 = acc[mt][nt][2 * hf + 1] + bv[nt].y;
				if (rrow) {
					unsigned rv = *(const unsigned *)(rrow + k);
					v0 += h2f((unsigned short)(rv & 0xffffu)), v1 += h2f((unsigned short)(rv >> 16));
				}
				v0 = actfast(p.act, v0, p.alpha, p.beta, p.lo, p.hi);
				v1 = actfast(p.act, v1, p.alpha, p.beta, p.lo, p.hi);
				*(unsigned *)(yrow + k) = (unsigned)f2h(v0) | ((unsigned)f2h(v1) << 16);
			}
		}
	}
}

// ConvSmallParams: a convolution whose whole reduction (C*R*S, e.g. 27
// for a 3x3 filter over an RGB image) fits one 32-wide tensor-core step:
// each thread gathers the taps of one output pixel from x in any layout
// and type (the float32 NCHW input binding itself), so the layer needs
// neither a conversion pass nor per-pixel FMA loops. w is float16
// [Kp][32] (Kp the output channels rounded up to 16, taps in (c, r, s)
// order, zeros beyond); b float32 [Kp] or 0; r and y channels last.
struct ConvSmallParams {
	long long x, w, b, r, y;
	long long xs[4];
	int m, c, h, w_, k, kr, ks, oh, ow;
	int sh, sw, ph, pw, dh, dw;
	int ldy, ldr, act, xdt, off32; // off32: x's offsets fit 32 bits
	float alpha, beta, lo, hi;
};

// conv_small: 128 pixels x 16 channels per block of 4 warps; KC, KR, KS
// are the input channels and filter size when known at compile time (0:
// read from p), so that the 3x3 RGB layer's gather is fully unrolled.
template <int KC, int KR, int KS, bool F32>
__device__ __forceinline__ void conv_small(const ConvSmallParams &p) {
	constexpr int BM = 128, LDS = 40, KMAX = 64;
	__shared__ __align__(16) unsigned short sa[BM * LDS];
	__shared__ __align__(16) unsigned short sb[KMAX * LDS];
	const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
	const int m0 = blockIdx.x * BM, kp = (p.k + 15) & ~15;
	for (int v = tid; v < kp * 4; v += BM) // every filter: the pixels are gathered once
		*(uint4 *)&sb[(v >> 2) * LDS + (v & 3) * 8] = ((const uint4 *)p.w)[v];
	const int kc = KC ? KC : p.c, kr = KR ? KR : p.kr, ks = KS ? KS : p.ks, crs = kc * kr * ks;
	const int mm = m0 + tid;
	unsigned packed[16];
	{
		float vals[32];
		int ox = mm % p.ow, t = mm / p.ow, oy = t % p.oh, nb = t / p.oh;
		int y0 = oy * p.sh - p.ph, x0 = ox * p.sw - p.pw;
		long long base = nb * p.xs[0];
#pragma unroll
		for (int i = 0; i < 32; i++) {
			float v = 0.0f;
			if (i < crs && mm < p.m) {
				int c = i / (kr * ks), rs = i - c * (kr * ks), r = rs / ks, s = rs - r * ks;
				int iy = y0 + r * p.dh, ix = x0 + s * p.dw;
				if ((unsigned)iy < (unsigned)p.h && (unsigned)ix < (unsigned)p.w_) {
					if (F32) // float32 input with 32-bit offsets: the gather is most of this kernel's work
						v = ((const float *)p.x)[(int)base + c * (int)p.xs[1] + iy * (int)p.xs[2] + ix * (int)p.xs[3]];
					else
						v = ld<float>(p.x, p.xdt, base + c * p.xs[1] + iy * p.xs[2] + ix * p.xs[3]);
				}
			}
			vals[i] = v;
		}
#pragma unroll
		for (int j = 0; j < 16; j++) packed[j] = (unsigned)f2h(vals[2 * j]) | ((unsigned)f2h(vals[2 * j + 1]) << 16);
	}
	uint4 *dst = (uint4 *)&sa[tid * LDS];
#pragma unroll
	for (int j = 0; j < 4; j++) dst[j] = make_uint4(packed[4 * j], packed[4 * j + 1], packed[4 * j + 2], packed[4 * j + 3]);
	__syncthreads();

	const unsigned A = smem(sa + (warp * 32 + (lane & 15)) * LDS + (lane >> 4) * 8);
	const unsigned B = smem(sb + ((lane & 7) + (lane >> 4) * 8) * LDS + ((lane >> 3) & 1) * 8);
	unsigned af[2][2][4]; // [kk][mt]
#pragma unroll
	for (int kk = 0; kk < 2; kk++)
#pragma unroll
		for (int mt = 0; mt < 2; mt++)
			ldsm4(A + (mt * 16 * LDS + kk * 16) * 2, af[kk][mt][0], af[kk][mt][1], af[kk][mt][2], af[kk][mt][3]);
	const float *bias = (const float *)p.b;
	for (int n0 = 0; n0 < kp; n0 += 16) {
		float acc[2][2][4];
#pragma unroll
		for (int i = 0; i < 2; i++)
#pragma unroll
			for (int j = 0; j < 2; j++) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.0f;
#pragma unroll
		for (int kk = 0; kk < 2; kk++) {
			unsigned bf[2][2];
			ldsm4(B + (n0 * LDS + kk * 16) * 2, bf[0][0], bf[0][1], bf[1][0], bf[1][1]);
#pragma unroll
			for (int mt = 0; mt < 2; mt++)
#pragma unroll
				for (int nt = 0; nt < 2; nt++) mma16816(acc[mt][nt], af[kk][mt], bf[nt]);
		}
#pragma unroll
		for (int mt = 0; mt < 2; mt++) {
#pragma unroll
			for (int hf = 0; hf < 2; hf++) {
				int row = m0 + warp * 32 + mt * 16 + (lane >> 2) + hf * 8;
				if (row >= p.m) continue;
				unsigned short *yrow = (unsigned short *)p.y + (long long)row * p.ldy;
				const unsigned short *rrow = p.r ? (const unsigned short *)p.r + (long long)row * p.ldr : 0;
#pragma unroll
				for (int nt = 0; nt < 2; nt++) {
					int k = n0 + nt * 8 + (lane & 3) * 2;
					if (k >= p.k) continue;
					float v0 = acc[mt][nt][2 * hf], v1 = acc[mt][nt][2 * hf + 1];
					if (bias) v0 += bias[k], v1 += bias[k + 1];
					if (rrow) {
						unsigned rv = *(const unsigned *)(rrow + k);
						v0 += h2f((unsigned short)(rv & 0xffffu)), v1 += h2f((unsigned short)(rv >> 16));
					}
					v0 = actfast(p.act, v0, p.alpha, p.beta, p.lo, p.hi);
					v1 = actfast(p.act, v1, p.alpha, p.beta, p.lo, p.hi);
					*(unsigned *)(yrow + k) = (unsigned)f2h(v0) | ((unsigned)f2h(v1) << 16);
				}
			}
		}
	}
}

extern "C" __global__ void __launch_bounds__(128) dsgo_conv_small(const ConvSmallParams p) {
	if (p.c == 3 && p.kr == 3 && p.ks == 3 && p.xdt == DT_F32 && p.off32)
		conv_small<3, 3, 3, true>(p);
	else
		conv_small<0, 0, 0, false>(p);
}

// The configurations the engine times (infer/gpu/igemm.go lists them):
// dsgo_igemm_<BM>x<BN>x<BK>[w<warps> when not 4].
#define IGEMM(NAME, BM, BN, BK, WM, WN, ST)                                                                        \
	extern "C" __global__ void __launch_bounds__((BM / WM) * (BN / WN) * 32) NAME(const IgemmParams p) {        \
		igemm<BM, BN, BK, WM, WN, ST>(p);                                                                       \
	}

IGEMM(dsgo_igemm_128x64x32, 128, 64, 32, 64, 32, 3)
IGEMM(dsgo_igemm_128x32x32, 128, 32, 32, 32, 32, 3)
IGEMM(dsgo_igemm_64x64x32, 64, 64, 32, 32, 32, 3)
IGEMM(dsgo_igemm_256x32x32, 256, 32, 32, 64, 32, 2)
IGEMM(dsgo_igemm_128x32x16, 128, 32, 16, 32, 32, 4)
IGEMM(dsgo_igemm_64x32x16, 64, 32, 16, 32, 16, 4)
IGEMM(dsgo_igemm_128x16x16, 128, 16, 16, 32, 16, 4)
IGEMM(dsgo_igemm_64x16x16, 64, 16, 16, 16, 16, 4)
IGEMM(dsgo_igemm_64x32x32, 64, 32, 32, 32, 16, 4)
IGEMM(dsgo_igemm_128x64x32w8, 128, 64, 32, 32, 32, 3)
IGEMM(dsgo_igemm_128x32x32w8, 128, 32, 32, 16, 32, 3)
IGEMM(dsgo_igemm_256x32x16w8, 256, 32, 16, 32, 32, 3)

#endif
