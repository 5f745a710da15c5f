// preprocess.cu: nvinfer's preprocessing on the GPU. One launch turns a
// batch of frames (NV12 or RGBA, pitched, in device memory), one source
// rectangle per output, into the network's input tensor:
//
//   out[n][c][y][x] = scale * (pixel_c - offset[c])     (or NHWC)
//
// with the rectangle scaled (bilinear or nearest) into the network size,
// optionally keeping its aspect ratio with black padding, and converted to
// RGB, BGR or gray. Grid: x and y over output pixels, z over the batch;
// each item's geometry comes from a 64-byte descriptor in device memory.
//
// The sampling is dsgo's CPU conversion (video.Convert) reproduced
// exactly, so GPU and CPU agree to the bit in 8-bit pixel values:
//   - output pixel x samples the source at
//       (2*srcX0*outLen + (2x+1 - 2*outX0)*srcLen) / (2*sub*outLen) - 1/2
//     (centre-aligned; sub is 2 for NV12 chroma), clamped to the region;
//   - RGB/BGR outputs use video's fixed-point loops: the position in
//     16.16 fixed point, weights of 8 bits, one rounding per sample, and
//     BT.601 limited-range YUV to RGB in integers;
//   - GRAY outputs use video's floating-point reference path: float64
//     positions and weights, each channel rounded, then full-range luma.
// Floating-point operations use explicit _rn intrinsics so that no
// multiply-add is fused and the float64 path rounds as Go does.

struct PrepItem {
	unsigned long long plane0; // NV12: Y plane; RGBA: the pixels
	unsigned long long plane1; // NV12: interleaved UV plane
	int pitch0, pitch1;
	int cropX, cropY, cropW, cropH; // source rectangle
	int outX, outY, outW, outH;     // where it lands in the network image
	int format;                     // SRC_NV12 or SRC_RGBA
	int reserved;
}; // 64 bytes; written by Preprocessor.Run (preprocess.go)

enum { SRC_NV12 = 0, SRC_RGBA = 1 };
enum { OUT_F32 = 0, OUT_F16 = 1 };
enum { LAYOUT_NCHW = 0, LAYOUT_NHWC = 1 };
enum { COLOR_RGB = 0, COLOR_BGR = 1, COLOR_GRAY = 2 };

__device__ __forceinline__ int floordiv_i(int a, int b) {
	int q = a / b;
	if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
	return q;
}

// floordiv_ll returns floor(n/d) for d > 0 and |n| < 2^53 without 64-bit
// integer division: the float64 quotient is correctly rounded, and its
// error (below |n|/d * 2^-53 < 1/d) cannot cross an integer, since a
// non-integer quotient is at least 1/d away from one.
__device__ __forceinline__ long long floordiv_ll(long long n, long long d) {
	return (long long)floor(__ddiv_rn((double)n, (double)d));
}

// A tap reads samples i0 and i1 of one axis, with weight f on i1: f in
// 1/256 for the fixed-point path, fd in [0, 1) for the float64 path.
struct Tap {
	int i0, i1, f;
	double fd;
};

// Axis is one dimension of an item: the output region and the source
// region (in luma samples), and the source subsampling.
struct Axis {
	int outOrigin, outLen, srcOrigin, srcLen, sub;
};

// tapFixed is video's taps.build for output sample k.
__device__ __forceinline__ Tap tapFixed(int k, Axis a, bool nearest) {
	Tap t;
	t.fd = 0;
	int lo = floordiv_i(a.srcOrigin, a.sub), hi = floordiv_i(a.srcOrigin + a.srcLen - 1, a.sub);
	long long den = 2LL * a.sub * a.outLen;
	long long num = 2LL * a.srcOrigin * a.outLen - 2LL * a.outOrigin * a.srcLen + (2LL * k + 1) * a.srcLen;
	if (nearest) {
		long long i = floordiv_ll(num, den);
		i = i < lo ? lo : (i > hi ? hi : i);
		t.i0 = t.i1 = (int)i;
		t.f = 0;
		return t;
	}
	long long p = floordiv_ll((num - (long long)a.sub * a.outLen) * 65536LL, den);
	if (lo == hi || p <= ((long long)lo << 16)) {
		t.i0 = t.i1 = lo;
		t.f = 0;
	} else if (p >= ((long long)hi << 16)) {
		t.i0 = t.i1 = hi;
		t.f = 0;
	} else {
		t.i0 = (int)(p >> 16);
		t.i1 = t.i0 + 1;
		t.f = (int)((p >> 8) & 255);
	}
	return t;
}

// tapRef is video's refAxis.tap for output sample k.
__device__ __forceinline__ Tap tapRef(int k, Axis a, bool nearest) {
	Tap t;
	t.f = 0;
	t.fd = 0;
	int lo = floordiv_i(a.srcOrigin, a.sub), hi = floordiv_i(a.srcOrigin + a.srcLen - 1, a.sub);
	double num = (double)(2LL * a.srcOrigin * a.outLen + (2LL * k + 1 - 2LL * a.outOrigin) * a.srcLen);
	double den = (double)(2LL * a.sub * a.outLen);
	double q = __ddiv_rn(num, den);
	if (nearest) {
		int i = (int)floor(q);
		i = i < lo ? lo : (i > hi ? hi : i);
		t.i0 = t.i1 = i;
		return t;
	}
	double pos = __dadd_rn(q, -0.5);
	if (pos <= (double)lo) {
		t.i0 = t.i1 = lo;
	} else if (pos >= (double)hi) {
		t.i0 = t.i1 = hi;
	} else {
		t.i0 = (int)floor(pos);
		t.i1 = t.i0 + 1;
		t.fd = __dadd_rn(pos, -(double)t.i0);
	}
	return t;
}

__device__ __forceinline__ int bilerp(int a, int b, int c, int e, int fx, int fy) {
	int top = a * (256 - fx) + b * fx;
	int bot = c * (256 - fx) + e * fx;
	return (top * (256 - fy) + bot * fy + 32768) >> 16;
}

// sampleFixed blends byte ch of the samples (step bytes apart) of a plane.
__device__ __forceinline__ int sampleFixed(const unsigned char *plane, int pitch, int step, int ch, Tap tx, Tap ty) {
	const unsigned char *r0 = plane + (unsigned long long)ty.i0 * pitch + ch;
	const unsigned char *r1 = plane + (unsigned long long)ty.i1 * pitch + ch;
	int x0 = tx.i0 * step, x1 = tx.i1 * step;
	return bilerp(__ldg(r0 + x0), __ldg(r0 + x1), __ldg(r1 + x0), __ldg(r1 + x1), tx.f, ty.f);
}

__device__ __forceinline__ int round8(double v) {
	double r = floor(__dadd_rn(v, 0.5));
	return r < 0 ? 0 : (r > 255 ? 255 : (int)r);
}

// sampleRef is video's refSample followed by round8.
__device__ __forceinline__ int sampleRef(const unsigned char *plane, int pitch, int step, int ch, Tap tx, Tap ty) {
	const unsigned char *r0 = plane + (unsigned long long)ty.i0 * pitch + ch;
	const unsigned char *r1 = plane + (unsigned long long)ty.i1 * pitch + ch;
	int x0 = tx.i0 * step, x1 = tx.i1 * step;
	double gx = __dadd_rn(1.0, -tx.fd), gy = __dadd_rn(1.0, -ty.fd);
	double top = __dadd_rn(__dmul_rn((double)__ldg(r0 + x0), gx), __dmul_rn((double)__ldg(r0 + x1), tx.fd));
	double bot = __dadd_rn(__dmul_rn((double)__ldg(r1 + x0), gx), __dmul_rn((double)__ldg(r1 + x1), tx.fd));
	return round8(__dadd_rn(__dmul_rn(top, gy), __dmul_rn(bot, ty.fd)));
}

__device__ __forceinline__ int clamp255(int v) { return v < 0 ? 0 : (v > 255 ? 255 : v); }

// yuvToRGB is BT.601 limited range to full-range RGB (video.YUVToRGB).
__device__ __forceinline__ void yuvToRGB(int y, int u, int v, int *rgb) {
	int l = 298 * (y - 16) + 128, du = u - 128, dv = v - 128;
	rgb[0] = clamp255((l + 409 * dv) >> 8);
	rgb[1] = clamp255((l - 100 * du - 208 * dv) >> 8);
	rgb[2] = clamp255((l + 516 * du) >> 8);
}

// pixelRGB samples the item's source at output pixel (x, y).
template <int SRC, bool REF>
__device__ __forceinline__ void pixelRGB(const PrepItem &it, int x, int y, bool nearest, int *rgb) {
	Axis ax = {it.outX, it.outW, it.cropX, it.cropW, 1};
	Axis ay = {it.outY, it.outH, it.cropY, it.cropH, 1};
	Tap tx = REF ? tapRef(x, ax, nearest) : tapFixed(x, ax, nearest);
	Tap ty = REF ? tapRef(y, ay, nearest) : tapFixed(y, ay, nearest);
	const unsigned char *p0 = (const unsigned char *)it.plane0;
	if (SRC == SRC_RGBA) {
		for (int c = 0; c < 3; c++) {
			rgb[c] = REF ? sampleRef(p0, it.pitch0, 4, c, tx, ty) : sampleFixed(p0, it.pitch0, 4, c, tx, ty);
		}
		return;
	}
	ax.sub = ay.sub = 2;
	Tap cx = REF ? tapRef(x, ax, nearest) : tapFixed(x, ax, nearest);
	Tap cy = REF ? tapRef(y, ay, nearest) : tapFixed(y, ay, nearest);
	const unsigned char *p1 = (const unsigned char *)it.plane1;
	int l, u, v;
	if (REF) {
		l = sampleRef(p0, it.pitch0, 1, 0, tx, ty);
		u = sampleRef(p1, it.pitch1, 2, 0, cx, cy);
		v = sampleRef(p1, it.pitch1, 2, 1, cx, cy);
	} else {
		l = sampleFixed(p0, it.pitch0, 1, 0, tx, ty);
		u = sampleFixed(p1, it.pitch1, 2, 0, cx, cy);
		v = sampleFixed(p1, it.pitch1, 2, 1, cx, cy);
	}
	yuvToRGB(l, u, v, rgb);
}

__device__ __forceinline__ unsigned short toHalf(float v) {
	unsigned short h;
	asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(v));
	return h;
}

template <int OUT>
__device__ __forceinline__ void store(void *dst, unsigned long long i, float v) {
	if (OUT == OUT_F16) {
		((unsigned short *)dst)[i] = toHalf(v);
	} else {
		((float *)dst)[i] = v;
	}
}

template <int OUT, int LAYOUT>
__device__ __forceinline__ void preprocess(const PrepItem *__restrict__ items, void *__restrict__ dst, int netW,
	int netH, int color, int nearest, float scale, float off0, float off1, float off2) {
	int x = blockIdx.x * blockDim.x + threadIdx.x;
	int y = blockIdx.y * blockDim.y + threadIdx.y;
	int n = blockIdx.z;
	if (x >= netW || y >= netH) return;
	const PrepItem it = items[n];
	int rgb[3] = {0, 0, 0}; // padding is black
	bool inside = x >= it.outX && x < it.outX + it.outW && y >= it.outY && y < it.outY + it.outH;
	int channels = 3;
	float val[3];
	if (color == COLOR_GRAY) {
		channels = 1;
		if (inside && it.format == SRC_RGBA) {
			pixelRGB<SRC_RGBA, true>(it, x, y, nearest != 0, rgb);
		} else if (inside) {
			pixelRGB<SRC_NV12, true>(it, x, y, nearest != 0, rgb);
		}
		int g = (77 * rgb[0] + 150 * rgb[1] + 29 * rgb[2] + 128) >> 8;
		val[0] = __fmul_rn(scale, __fsub_rn((float)g, off0));
	} else {
		if (inside && it.format == SRC_RGBA) {
			pixelRGB<SRC_RGBA, false>(it, x, y, nearest != 0, rgb);
		} else if (inside) {
			pixelRGB<SRC_NV12, false>(it, x, y, nearest != 0, rgb);
		}
		int c0 = color == COLOR_BGR ? rgb[2] : rgb[0], c2 = color == COLOR_BGR ? rgb[0] : rgb[2];
		val[0] = __fmul_rn(scale, __fsub_rn((float)c0, off0));
		val[1] = __fmul_rn(scale, __fsub_rn((float)rgb[1], off1));
		val[2] = __fmul_rn(scale, __fsub_rn((float)c2, off2));
	}
	unsigned long long plane = (unsigned long long)netW * netH;
	unsigned long long pix = (unsigned long long)y * netW + x;
	if (LAYOUT == LAYOUT_NCHW) {
		unsigned long long base = (unsigned long long)n * channels * plane + pix;
		for (int c = 0; c < channels; c++) store<OUT>(dst, base + c * plane, val[c]);
	} else {
		unsigned long long base = ((unsigned long long)n * plane + pix) * channels;
		for (int c = 0; c < channels; c++) store<OUT>(dst, base + c, val[c]);
	}
}

// One kernel per output type and layout; the source format is per item
// (uniform within a block, so the branch costs nothing).
#define DSGO_PREPROCESS(name, OUT, LAYOUT)                                                                      \
	extern "C" __global__ void __launch_bounds__(256) name(const PrepItem *__restrict__ items, void *__restrict__ dst, \
		int netW, int netH, int color, int nearest, float scale, float off0, float off1, float off2) {         \
		preprocess<OUT, LAYOUT>(items, dst, netW, netH, color, nearest, scale, off0, off1, off2);              \
	}

DSGO_PREPROCESS(dsgo_preprocess_f32_nchw, OUT_F32, LAYOUT_NCHW)
DSGO_PREPROCESS(dsgo_preprocess_f16_nchw, OUT_F16, LAYOUT_NCHW)
DSGO_PREPROCESS(dsgo_preprocess_f32_nhwc, OUT_F32, LAYOUT_NHWC)
DSGO_PREPROCESS(dsgo_preprocess_f16_nhwc, OUT_F16, LAYOUT_NHWC)
