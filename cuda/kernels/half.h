// half.h: IEEE half-precision conversions (round to nearest even, as
// cvt.rn.f16.f32) for the host builds of the kernels: the preprocessing
// check (cuda/kcheck.cpp) and the emulated CUDA libraries of
// infer/gpu/emu (emu.h, and kernel.h for the kernels its NVRTC compiles),
// which receive this file from cuda.Kernel("half.h").
#ifndef DSGO_EMU_HALF_H
#define DSGO_EMU_HALF_H

#include <string.h>

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

#endif
