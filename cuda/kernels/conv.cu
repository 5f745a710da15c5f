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

// res2 reads the residual of output channels k and k+1 of output pixel
// mm (0 without one). Kernels read every residual of a tile before they
// store any output: the compiler cannot tell y from r, so a load after a
// store waits for it, and interleaved they made a 3x3 layer 1.5x slower.
template <class P>
__device__ __forceinline__ unsigned res2(const P &p, long long mm, int k) {
	return p.r ? *(const unsigned *)((const unsigned short *)p.r + mm * p.ldr + k) : 0u;
}

// epi2 finishes output channels k and k+1 of output pixel mm from their
// float32 sums: bias (b, already read), residual (rv from res2),
// activation, one rounding to float16 and one 4-byte store. Every kernel
// of this file ends with it (P: IgemmParams or ConvSmallParams, same
// field names).
template <class P>
__device__ __forceinline__ void epi2(const P &p, long long mm, int k, float v0, float v1, float2 b, unsigned rv) {
	v0 = (v0 + b.x) + h2f((unsigned short)(rv & 0xffffu)), v1 = (v1 + b.y) + h2f((unsigned short)(rv >> 16));
	v0 = actfast(p.act, v0, p.alpha, p.beta, p.lo, p.hi);
	v1 = actfast(p.act, v1, p.alpha, p.beta, p.lo, p.hi);
	*(unsigned *)((unsigned short *)p.y + mm * p.ldy + k) = (unsigned)f2h(v0) | ((unsigned)f2h(v1) << 16);
}

// bias2 reads the float32 bias of channels k and k+1 (zeros without one
// or past the last channel).
__device__ __forceinline__ float2 bias2(long long b, int k, int nk) {
	const float *bias = (const float *)b;
	return bias && k < nk ? make_float2(bias[k], bias[k + 1]) : make_float2(0.0f, 0.0f);
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
	float2 bv[NT];
#pragma unroll
	for (int nt = 0; nt < NT; nt++) bv[nt] = bias2(p.b, n0 + wn * WN + nt * 8 + (lane & 3) * 2, p.k);
	unsigned rv[MT][2][NT];
#pragma unroll
	for (int mt = 0; mt < MT; mt++)
#pragma unroll
		for (int hf = 0; hf < 2; hf++) {
			int mm = m0 + wm * WM + mt * 16 + (lane >> 2) + hf * 8;
#pragma unroll
			for (int nt = 0; nt < NT; nt++) {
				int k = n0 + wn * WN + nt * 8 + (lane & 3) * 2;
				rv[mt][hf][nt] = mm < p.m && k < p.k ? res2(p, mm, k) : 0u;
			}
		}
#pragma unroll
	for (int mt = 0; mt < MT; mt++) {
#pragma unroll
		for (int hf = 0; hf < 2; hf++) {
			int mm = m0 + wm * WM + mt * 16 + (lane >> 2) + hf * 8;
			if (mm >= p.m) continue;
#pragma unroll
			for (int nt = 0; nt < NT; nt++) {
				int k = n0 + wn * WN + nt * 8 + (lane & 3) * 2;
				if (k < p.k)
					epi2(p, mm, k, acc[mt][nt][2 * hf], acc[mt][nt][2 * hf + 1], bv[nt], rv[mt][hf][nt]);
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
	int px2;                       // conv_small_s2's layer: two pixels a thread, 256 a block
	float alpha, beta, lo, hi;
};

// SMALL_LDS: the padded shared-memory row of a pixel's 32 taps or a
// filter, in halves (ldmatrix without bank conflicts).
#define SMALL_LDS 40

// conv_small_mma multiplies the taps of 128 pixels from m0 (rows of sa,
// LDS halves apart) by every filter in sb and finishes them (bias,
// residual, activation) into y: 4 warps of 32 pixels, 16 channels a step.
// A warp's finished 32x16 tile goes through its own rows of sa (read
// into registers by then) so that each lane stores one pixel's 16
// channels as two 16-byte writes (the warp's writes are contiguous when
// y has 16 channels) rather than 4-byte pieces of eight pixels.
template <int LDS>
__device__ __forceinline__ void conv_small_mma(const ConvSmallParams &p, unsigned short *sa,
	const unsigned short *sb, int m0, int kp) {
	const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
	const unsigned A = smem(sa + (warp * 32 + (lane & 15)) * LDS + (lane >> 4) * 8);
	const unsigned B = smem(sb + ((lane & 7) + (lane >> 4) * 8) * LDS + ((lane >> 3) & 1) * 8);
	unsigned af[2][2][4]; // [kk][mt]
#pragma unroll
	for (int kk = 0; kk < 2; kk++)
#pragma unroll
		for (int mt = 0; mt < 2; mt++)
			ldsm4(A + (mt * 16 * LDS + kk * 16) * 2, af[kk][mt][0], af[kk][mt][1], af[kk][mt][2], af[kk][mt][3]);
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
		if (n0 + 16 <= p.k && (p.ldy & 7) == 0 && (p.y & 15) == 0) {
			unsigned short *so = sa + warp * 32 * LDS;
			__syncwarp();
#pragma unroll
			for (int mt = 0; mt < 2; mt++)
#pragma unroll
				for (int hf = 0; hf < 2; hf++) {
					const int r = mt * 16 + (lane >> 2) + hf * 8, row = m0 + warp * 32 + r;
#pragma unroll
					for (int nt = 0; nt < 2; nt++) {
						const int c = nt * 8 + (lane & 3) * 2, k = n0 + c;
						const float2 b = bias2(p.b, k, p.k);
						const unsigned rv = row < p.m ? res2(p, row, k) : 0u;
						float v0 = (acc[mt][nt][2 * hf] + b.x) + h2f((unsigned short)(rv & 0xffffu));
						float v1 = (acc[mt][nt][2 * hf + 1] + b.y) + h2f((unsigned short)(rv >> 16));
						v0 = actfast(p.act, v0, p.alpha, p.beta, p.lo, p.hi);
						v1 = actfast(p.act, v1, p.alpha, p.beta, p.lo, p.hi);
						*(unsigned *)&so[r * LDS + c] = (unsigned)f2h(v0) | ((unsigned)f2h(v1) << 16);
					}
				}
			__syncwarp();
			const int row = m0 + warp * 32 + lane;
			if (row < p.m) {
				uint4 *d = (uint4 *)((unsigned short *)p.y + (long long)row * p.ldy + n0);
				d[0] = *(const uint4 *)&so[lane * LDS];
				d[1] = *(const uint4 *)&so[lane * LDS + 8];
			}
			__syncwarp();
			continue;
		}
#pragma unroll
		for (int mt = 0; mt < 2; mt++) {
#pragma unroll
			for (int hf = 0; hf < 2; hf++) {
				int row = m0 + warp * 32 + mt * 16 + (lane >> 2) + hf * 8;
				if (row >= p.m) continue;
#pragma unroll
				for (int nt = 0; nt < 2; nt++) {
					int k = n0 + nt * 8 + (lane & 3) * 2;
					if (k < p.k)
						epi2(p, row, k, acc[mt][nt][2 * hf], acc[mt][nt][2 * hf + 1], bias2(p.b, k, p.k), res2(p, row, k));
				}
			}
		}
	}
}

// conv_small: 128 pixels x 16 channels per block of 4 warps; KC, KR, KS
// are the input channels and filter size when known at compile time (0:
// read from p), so that the 3x3 RGB layer's gather is fully unrolled.
template <int KC, int KR, int KS, bool F32>
__device__ __forceinline__ void conv_small(const ConvSmallParams &p, unsigned short *sa, unsigned short *sb) {
	constexpr int BM = 128, LDS = SMALL_LDS;
	const int tid = threadIdx.x;
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
	conv_small_mma<LDS>(p, sa, sb, m0, kp);
}

// conv_small_s2: conv_small for the 3x3 RGB layer of stride 2 and
// padding 1 over a float32 NCHW image whose rows are a multiple of 4
// wide and twice its output's (p.px2): a thread gathers two neighbouring
// output pixels, whose taps in an input row are its columns 2*ox-1 to
// 2*ox+3, as one float and one aligned float4 (a warp's float4s are 512
// contiguous bytes), a third of conv_small's loads. 256 pixels a block.
__device__ __forceinline__ void conv_small_s2(const ConvSmallParams &p, unsigned short *sa, unsigned short *sb) {
	constexpr int BM = 256, LDS = SMALL_LDS;
	const int tid = threadIdx.x;
	const int m0 = blockIdx.x * BM, kp = (p.k + 15) & ~15;
	for (int v = tid; v < kp * 4; v += 128)
		*(uint4 *)&sb[(v >> 2) * LDS + (v & 3) * 8] = ((const uint4 *)p.w)[v];
	const int mm = m0 + 2 * tid; // p.m and p.ow are even: mm+1 is the next pixel of the row
	unsigned pk[2][16];
	{
		float v0[32], v1[32];
		const int ox = mm % p.ow, t = mm / p.ow, oy = t % p.oh, nb = t / p.oh, x0 = 2 * ox - 1;
		const float *img = (const float *)p.x + (int)(nb * p.xs[0]);
#pragma unroll
		for (int c = 0; c < 3; c++)
#pragma unroll
			for (int r = 0; r < 3; r++) {
				const int iy = 2 * oy - 1 + r, i = c * 9 + r * 3;
				float a = 0.0f;
				float4 q = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
				if (mm < p.m && (unsigned)iy < (unsigned)p.h) {
					const float *row = img + c * (int)p.xs[1] + iy * (int)p.xs[2];
					q = *(const float4 *)(row + x0 + 1);
					if (x0 >= 0) a = row[x0];
				}
				v0[i] = a, v0[i + 1] = q.x, v0[i + 2] = q.y;
				v1[i] = q.y, v1[i + 1] = q.z, v1[i + 2] = q.w;
			}
#pragma unroll
		for (int i = 27; i < 32; i++) v0[i] = v1[i] = 0.0f;
#pragma unroll
		for (int j = 0; j < 16; j++) {
			pk[0][j] = (unsigned)f2h(v0[2 * j]) | ((unsigned)f2h(v0[2 * j + 1]) << 16);
			pk[1][j] = (unsigned)f2h(v1[2 * j]) | ((unsigned)f2h(v1[2 * j + 1]) << 16);
		}
	}
#pragma unroll
	for (int h = 0; h < 2; h++) {
		uint4 *dst = (uint4 *)&sa[(2 * tid + h) * LDS];
#pragma unroll
		for (int j = 0; j < 4; j++) dst[j] = make_uint4(pk[h][4 * j], pk[h][4 * j + 1], pk[h][4 * j + 2], pk[h][4 * j + 3]);
	}
	__syncthreads();
	conv_small_mma<LDS>(p, sa, sb, m0, kp);
	conv_small_mma<LDS>(p, sa + 128 * LDS, sb, m0 + 128, kp);
}

extern "C" __global__ void __launch_bounds__(128) dsgo_conv_small(const ConvSmallParams p) {
	__shared__ __align__(16) unsigned short sa[256 * SMALL_LDS]; // a block's pixels' taps (128 or 256)
	__shared__ __align__(16) unsigned short sb[64 * SMALL_LDS];  // the filters (up to directMaxK)
	if (p.px2)
		conv_small_s2(p, sa, sb);
	else if (p.c == 3 && p.kr == 3 && p.ks == 3 && p.xdt == DT_F32 && p.off32)
		conv_small<3, 3, 3, true>(p, sa, sb);
	else
		conv_small<0, 0, 0, false>(p, sa, sb);
}

// hconv: a KRxKS convolution of stride S (dilation 1) over up to C
// input channels (C a multiple of 16; p.c may be less, as 24 is padded to
// 32 with zeros) whose BN filters stay in shared memory while each
// persistent block loops over output tiles of TH x TW pixels of one
// image. The tile's input halo is read once, not once per filter tap as
// in igemm (which makes 3x3 layers of few channels bound by L2 reads),
// into one of NB buffers while the other is computed. Warps own WM
// pixels x WN channels. With stride 2 the halo's columns are stored
// even ones first, so that an ldmatrix row step is one pixel and free of
// bank conflicts. With NB = 1 buffer the next tile's input loads during
// the epilogue instead, and shared memory is small enough for two blocks
// of 64-channel filters per SM. Dynamic shared memory: (BN*LDB +
// NB*HALO) halves.
template <int C, int KR, int KS, int S, int TH, int TW, int BN, int WM, int WN, int NB>
__device__ __forceinline__ void hconv(const IgemmParams &p) {
	constexpr int IH = (TH - 1) * S + KR, IW = (TW - 1) * S + KS, IWH = S == 2 ? (IW + 1) / 2 : IW;
	constexpr int LDA = C + 8, LDB = KR * KS * C + 8, HALO = IH * IW * LDA, VC = C / 8;
	constexpr int WGM = TH * TW / WM, T = WGM * (BN / WN) * 32, MT = WM / 16, NT = WN / 8;
	static_assert(C % 16 == 0 && (TH * TW) % WM == 0 && BN % WN == 0 && WM % 16 == 0 && NT % 2 == 0 &&
			(S == 1 || S == 2), "hconv tile");
	extern __shared__ __align__(16) unsigned short hsm[];
	unsigned short *sw = hsm, *sh = hsm + BN * LDB;
	const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
	const int wm = warp % WGM, wn = warp / WGM, n0 = blockIdx.y * BN;
	const unsigned short *x = (const unsigned short *)p.x, *w = (const unsigned short *)p.w;

	// The filters, once: [BN][KR][KS][C] with zeros past p.c and p.k.
	for (int v = tid; v < BN * KR * KS * VC; v += T) {
		int n = v / (KR * KS * VC), j = v - n * (KR * KS * VC), tap = j / VC, cv = j - tap * VC;
		bool ok = n0 + n < p.k && cv * 8 < p.c;
		cp_cg(smem(sw + n * LDB + j * 8), w + (ok ? ((n0 + n) * KR * KS + tap) * p.c + cv * 8 : 0), ok ? 16 : 0);
	}
	const int tx = (p.ow + TW - 1) / TW, tpi = tx * ((p.oh + TH - 1) / TH), ntiles = p.m / (p.oh * p.ow) * tpi;
	auto halo = [&](int t, int b) {
		int nb = t / tpi, r = t - nb * tpi, iy0 = (r / tx) * TH * S - p.ph, ix0 = (r % tx) * TW * S - p.pw;
		unsigned short *dst = sh + b * HALO;
		const unsigned short *src = x + nb * p.h * p.w_ * p.c;
		for (int v = tid; v < IH * IW * VC; v += T) {
			int px = v / VC, cv = v - px * VC, hy = px / IW, hx = px - hy * IW;
			int iy = iy0 + hy, ix = ix0 + hx, slot = hy * IW + (S == 2 ? (hx & 1) * IWH + (hx >> 1) : hx);
			bool ok = (unsigned)iy < (unsigned)p.h && (unsigned)ix < (unsigned)p.w_ && cv * 8 < p.c;
			cp_cg(smem(dst + slot * LDA + cv * 8), src + (ok ? (iy * p.w_ + ix) * p.c + cv * 8 : 0), ok ? 16 : 0);
		}
	};

	// This lane's ldmatrix rows: tile pixel (py, px) of each m-tile at
	// tap (0, 0); tap (r, s) adds a constant.
	int arow[MT];
#pragma unroll
	for (int mt = 0; mt < MT; mt++) {
		int q = wm * WM + mt * 16 + (lane & 15), py = q / TW, px = q - py * TW;
		arow[mt] = ((py * S * IW + px) * LDA + (lane >> 4) * 8) * 2;
	}
	const unsigned bfo = smem(sw + (wn * WN + (lane & 7) + (lane >> 4) * 8) * LDB + ((lane >> 3) & 1) * 8);
	float2 bv[NT];
#pragma unroll
	for (int nt = 0; nt < NT; nt++) bv[nt] = bias2(p.b, n0 + wn * WN + nt * 8 + (lane & 3) * 2, p.k);

	int b = 0;
	if (blockIdx.x < ntiles) halo(blockIdx.x, 0);
	cp_commit();
	for (int t = blockIdx.x; t < ntiles; t += gridDim.x) {
		if (NB == 2) { // the next tile's input loads while this one is computed
			if (t + gridDim.x < ntiles) halo(t + gridDim.x, b ^ 1);
			cp_commit();
			cp_wait<1>();
		} else {
			cp_wait<0>();
		}
		__syncthreads();
		float acc[MT][NT][4];
#pragma unroll
		for (int i = 0; i < MT; i++)
#pragma unroll
			for (int j = 0; j < NT; j++) acc[i][j][0] = acc[i][j][1] = acc[i][j][2] = acc[i][j][3] = 0.0f;
		const unsigned A = smem(sh + b * HALO);
#pragma unroll
		for (int r = 0; r < KR; r++) {
#pragma unroll
			for (int s = 0; s < KS; s++) {
				const int tapA = (r * IW + (S == 2 ? (s & 1) * IWH + (s >> 1) : s)) * LDA * 2;
#pragma unroll
				for (int kk = 0; kk < C; kk += 16) {
					unsigned af[MT][4], bf[NT][2];
#pragma unroll
					for (int mt = 0; mt < MT; mt++)
						ldsm4(A + arow[mt] + tapA + kk * 2, af[mt][0], af[mt][1], af[mt][2], af[mt][3]);
#pragma unroll
					for (int np = 0; np < NT / 2; np++)
						ldsm4(bfo + (np * 16 * LDB + (r * KS + s) * C + kk) * 2, bf[2 * np][0], bf[2 * np][1],
							bf[2 * np + 1][0], bf[2 * np + 1][1]);
#pragma unroll
					for (int mt = 0; mt < MT; mt++)
#pragma unroll
						for (int nt = 0; nt < NT; nt++) mma16816(acc[mt][nt], af[mt], bf[nt]);
				}
			}
		}
		if (NB == 1) { // the next tile's input loads during this one's epilogue
			__syncthreads();
			if (t + gridDim.x < ntiles) halo(t + gridDim.x, 0);
			cp_commit();
		}
		// Output pixel of each row this lane holds (-1: outside the image).
		int nb = t / tpi, rt = t - nb * tpi, oy0 = (rt / tx) * TH, ox0 = (rt % tx) * TW;
		int mrow[MT][2];
		unsigned rv[MT][2][NT];
#pragma unroll
		for (int mt = 0; mt < MT; mt++)
#pragma unroll
			for (int hf = 0; hf < 2; hf++) {
				int q = wm * WM + mt * 16 + (lane >> 2) + hf * 8, py = q / TW, oy = oy0 + py, ox = ox0 + q - py * TW;
				mrow[mt][hf] = oy < p.oh && ox < p.ow ? (nb * p.oh + oy) * p.ow + ox : -1;
#pragma unroll
				for (int nt = 0; nt < NT; nt++) {
					int k = n0 + wn * WN + nt * 8 + (lane & 3) * 2;
					rv[mt][hf][nt] = mrow[mt][hf] >= 0 && k < p.k ? res2(p, mrow[mt][hf], k) : 0u;
				}
			}
#pragma unroll
		for (int mt = 0; mt < MT; mt++) {
#pragma unroll
			for (int hf = 0; hf < 2; hf++) {
				if (mrow[mt][hf] < 0) continue;
#pragma unroll
				for (int nt = 0; nt < NT; nt++) {
					int k = n0 + wn * WN + nt * 8 + (lane & 3) * 2;
					if (k < p.k)
						epi2(p, mrow[mt][hf], k, acc[mt][nt][2 * hf], acc[mt][nt][2 * hf + 1], bv[nt], rv[mt][hf][nt]);
				}
			}
		}
		if (NB == 2) {
			__syncthreads(); // the next tile's halo goes into this buffer
			b ^= 1;
		}
	}
	cp_wait<0>();
}

// The halo configurations: dsgo_hconv_c<C>k<KR>s<S>_<TH>x<TW>x<BN>w<warps>
// [b1: one input buffer, two blocks per SM]. The engine reads the HCONV,
// HCONVB and IGEMM lines of this file to know what to time
// (ownConvConfigs in infer/gpu/igemm.go): one line per kernel.
#define HCONVB(NAME, C, KR, S, TH, TW, BN, WM, WN, NB, MINB)                                                      \
	extern "C" __global__ void __launch_bounds__((TH * TW / WM) * (BN / WN) * 32, MINB) NAME(const IgemmParams p) { \
		hconv<C, KR, KR, S, TH, TW, BN, WM, WN, NB>(p);                                                         \
	}
#define HCONV(NAME, C, KR, S, TH, TW, BN, WM, WN) HCONVB(NAME, C, KR, S, TH, TW, BN, WM, WN, 2, 1)

HCONV(dsgo_hconv_c16k3s2_8x16x32w4, 16, 3, 2, 8, 16, 32, 32, 32)
HCONV(dsgo_hconv_c32k3s1_8x16x32w4, 32, 3, 1, 8, 16, 32, 32, 32)
HCONV(dsgo_hconv_c32k3s1_8x16x32w8, 32, 3, 1, 8, 16, 32, 16, 32)
HCONV(dsgo_hconv_c32k3s2_8x16x32w4, 32, 3, 2, 8, 16, 32, 32, 32)
HCONV(dsgo_hconv_c32k3s2_8x16x64w8, 32, 3, 2, 8, 16, 64, 32, 32)
HCONV(dsgo_hconv_c64k3s1_8x16x64w8, 64, 3, 1, 8, 16, 64, 32, 32)
HCONV(dsgo_hconv_c64k3s1_16x16x64w8, 64, 3, 1, 16, 16, 64, 64, 32)
HCONV(dsgo_hconv_c64k3s1_8x16x64w4, 64, 3, 1, 8, 16, 64, 32, 64)
HCONV(dsgo_hconv_c16k3s2_16x16x32w8, 16, 3, 2, 16, 16, 32, 32, 32)
HCONV(dsgo_hconv_c16k3s2_8x16x32w8, 16, 3, 2, 8, 16, 32, 16, 32)
HCONV(dsgo_hconv_c32k3s1_16x16x32w8, 32, 3, 1, 16, 16, 32, 32, 32)
HCONV(dsgo_hconv_c32k3s1_16x16x32w4, 32, 3, 1, 16, 16, 32, 64, 32)
HCONV(dsgo_hconv_c96k3s1_8x16x32w4, 96, 3, 1, 8, 16, 32, 32, 32)
HCONVB(dsgo_hconv_c64k3s1_8x16x64w8b1, 64, 3, 1, 8, 16, 64, 32, 32, 1, 2)
HCONVB(dsgo_hconv_c64k3s1_8x16x64w4b1, 64, 3, 1, 8, 16, 64, 32, 64, 1, 2)
HCONVB(dsgo_hconv_c32k3s2_8x16x64w8b1, 32, 3, 2, 8, 16, 64, 32, 32, 1, 2)
HCONVB(dsgo_hconv_c32k3s1_8x16x32w4b1, 32, 3, 1, 8, 16, 32, 32, 32, 1, 4)
HCONVB(dsgo_hconv_c16k3s2_8x16x32w4b1, 16, 3, 2, 8, 16, 32, 32, 32, 1, 4)
HCONV(dsgo_hconv_c112k3s1_8x16x32w4, 112, 3, 1, 8, 16, 32, 32, 32)

// The implicit-GEMM configurations the engine times:
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
