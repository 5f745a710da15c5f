// lane4x4.h holds LANE4X4, the in-lane 4x4 transpose the stride-2 and
// Winograd F(4x4, 3x3) kernels share (s4_amd64.s, wino4_amd64.s).

// LANE4X4 transposes, within each 128-bit lane, the 4x4 block of floats
// in a0-a3 (Y or Z registers) into d0-d3: lane element i of d_k is lane
// element k of a_i. t0-t3 are scratch; d0-d3 may be a0-a3 (in place).
#define LANE4X4(a0, a1, a2, a3, t0, t1, t2, t3, d0, d1, d2, d3) \
	VUNPCKLPS a1, a0, t0; \
	VUNPCKHPS a1, a0, t1; \
	VUNPCKLPS a3, a2, t2; \
	VUNPCKHPS a3, a2, t3; \
	VSHUFPS $0x44, t2, t0, d0; \
	VSHUFPS $0xEE, t2, t0, d1; \
	VSHUFPS $0x44, t3, t1, d2; \
	VSHUFPS $0xEE, t3, t1, d3
