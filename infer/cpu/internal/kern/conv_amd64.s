//go:build amd64 && !purego

#include "textflag.h"

// Tile field offsets (see kern.go; TestTileLayout checks them).
#define T_W 0
#define T_WSTRIDE 8
#define T_IN0 16
#define T_IN1 24
#define T_IN2 32
#define T_TAPS 40
#define T_NTAPS 48
#define T_NC 56
#define T_CSTRIDE 64
#define T_OUT0 72
#define T_OUT1 80
#define T_OUT2 88
#define T_LDO0 96
#define T_LDO1 104
#define T_LDO2 112
#define T_BIAS 120
#define T_NOB 128
#define T_LASTROWS 136
#define T_FLAGS 144
#define T_WSKIP 152

// The kernel's body is conv_tile.h (its register use there), included
// for 256-bit vectors of 8 pixels (conv4x24AVX2) and 512-bit ones of 16
// (conv4x48AVX512, AVX-512 F): the same loop, twice the floats per
// instruction.

// OUTV sets AX to vector v's output for block R13 and CX to its row
// stride (LDO): AX = Out[v] + 4*LDO[v]*R13.
#define OUTV(outoff, ldooff) \
	MOVQ ldooff(DX), CX; \
	MOVQ CX, AX; \
	IMULQ R13, AX; \
	SHLQ $2, AX; \
	ADDQ outoff(DX), AX

// ROWS sets R11 to the rows stored for block R13 (4, or LastRows for the
// last block).
#define ROWS(label) \
	MOVQ $4, R11; \
	MOVQ T_NOB(DX), R10; \
	DECQ R10; \
	CMPQ R13, R10; \
	JNE label; \
	MOVQ T_LASTROWS(DX), R11; \
label:

// LOADV loads up to R11 rows of one vector's sums from (AX) with stride CX.
#define LOADV(a0, a1, a2, a3, done) \
	VMOVUPS (AX), a0; \
	CMPQ R11, $1; \
	JEQ done; \
	VMOVUPS (AX)(CX*1), a1; \
	CMPQ R11, $2; \
	JEQ done; \
	VMOVUPS (AX)(CX*2), a2; \
	CMPQ R11, $3; \
	JEQ done; \
	LEAQ (AX)(CX*2), AX; \
	VMOVUPS (AX)(CX*1), a3; \
done:

// STOREV stores up to R11 rows of one vector's sums.
#define STOREV(a0, a1, a2, a3, done) \
	VMOVUPS a0, (AX); \
	CMPQ R11, $1; \
	JEQ done; \
	VMOVUPS a1, (AX)(CX*1); \
	CMPQ R11, $2; \
	JEQ done; \
	VMOVUPS a2, (AX)(CX*2); \
	CMPQ R11, $3; \
	JEQ done; \
	LEAQ (AX)(CX*2), AX; \
	VMOVUPS a3, (AX)(CX*1); \
done:

// FSTEP multiplies one (channel, tap) step into the sums: the three
// vectors' inputs at a0-a2, the 4 weights at woff(BX).
#define FSTEP(a0, a1, a2, woff) \
	VMOVUPS a0, VX12; \
	VMOVUPS a1, VX13; \
	VMOVUPS a2, VX14; \
	VBROADCASTSS (woff+0)(BX), VX15; \
	VFMADD231PS VX12, VX15, VX0; \
	VFMADD231PS VX13, VX15, VX1; \
	VFMADD231PS VX14, VX15, VX2; \
	VBROADCASTSS (woff+4)(BX), VX15; \
	VFMADD231PS VX12, VX15, VX3; \
	VFMADD231PS VX13, VX15, VX4; \
	VFMADD231PS VX14, VX15, VX5; \
	VBROADCASTSS (woff+8)(BX), VX15; \
	VFMADD231PS VX12, VX15, VX6; \
	VFMADD231PS VX13, VX15, VX7; \
	VFMADD231PS VX14, VX15, VX8; \
	VBROADCASTSS (woff+12)(BX), VX15; \
	VFMADD231PS VX12, VX15, VX9; \
	VFMADD231PS VX13, VX15, VX10; \
	VFMADD231PS VX14, VX15, VX11

// STEP is FSTEP at the tap whose offset is at toff(R9).
#define STEP(toff, woff) \
	MOVQ toff(R9), AX; \
	FSTEP((SI)(AX*1), (DI)(AX*1), (R8)(AX*1), woff)

// func conv4x24AVX2(t *Tile)
#define VX0 Y0
#define VX1 Y1
#define VX2 Y2
#define VX3 Y3
#define VX4 Y4
#define VX5 Y5
#define VX6 Y6
#define VX7 Y7
#define VX8 Y8
#define VX9 Y9
#define VX10 Y10
#define VX11 Y11
#define VX12 Y12
#define VX13 Y13
#define VX14 Y14
#define VX15 Y15
#define VXZERO(r) VXORPS r, r, r
TEXT ·conv4x24AVX2(SB), NOSPLIT, $0-8
#include "conv_tile.h"

#undef VX0
#undef VX1
#undef VX2
#undef VX3
#undef VX4
#undef VX5
#undef VX6
#undef VX7
#undef VX8
#undef VX9
#undef VX10
#undef VX11
#undef VX12
#undef VX13
#undef VX14
#undef VX15
#undef VXZERO

// func conv4x48AVX512(t *Tile)
#define VX0 Z0
#define VX1 Z1
#define VX2 Z2
#define VX3 Z3
#define VX4 Z4
#define VX5 Z5
#define VX6 Z6
#define VX7 Z7
#define VX8 Z8
#define VX9 Z9
#define VX10 Z10
#define VX11 Z11
#define VX12 Z12
#define VX13 Z13
#define VX14 Z14
#define VX15 Z15
#define VXZERO(r) VPXORD r, r, r
TEXT ·conv4x48AVX512(SB), NOSPLIT, $0-8
#include "conv_tile.h"
