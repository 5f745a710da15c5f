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

// Register use: DX the Tile; R13 the block index; R12 the block's weight
// panel, BX the weight cursor; R14 the block's bias; SI, DI, R8 the input
// of vectors 0-2 at the current channel; R9/R10 the tap cursor and count;
// R11 the channels left; CX the channel stride; AX a tap offset.
// Y0-Y11 hold the sums: Y(3*row + vector). Y12-Y14 the input vectors,
// Y15 a broadcast weight.

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
	VMOVUPS a0, Y12; \
	VMOVUPS a1, Y13; \
	VMOVUPS a2, Y14; \
	VBROADCASTSS (woff+0)(BX), Y15; \
	VFMADD231PS Y12, Y15, Y0; \
	VFMADD231PS Y13, Y15, Y1; \
	VFMADD231PS Y14, Y15, Y2; \
	VBROADCASTSS (woff+4)(BX), Y15; \
	VFMADD231PS Y12, Y15, Y3; \
	VFMADD231PS Y13, Y15, Y4; \
	VFMADD231PS Y14, Y15, Y5; \
	VBROADCASTSS (woff+8)(BX), Y15; \
	VFMADD231PS Y12, Y15, Y6; \
	VFMADD231PS Y13, Y15, Y7; \
	VFMADD231PS Y14, Y15, Y8; \
	VBROADCASTSS (woff+12)(BX), Y15; \
	VFMADD231PS Y12, Y15, Y9; \
	VFMADD231PS Y13, Y15, Y10; \
	VFMADD231PS Y14, Y15, Y11

// STEP is FSTEP at the tap whose offset is at toff(R9).
#define STEP(toff, woff) \
	MOVQ toff(R9), AX; \
	FSTEP((SI)(AX*1), (DI)(AX*1), (R8)(AX*1), woff)

// func conv4x24AVX2(t *Tile)
TEXT ·conv4x24AVX2(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DX
	MOVQ T_W(DX), R12
	MOVQ T_BIAS(DX), R14
	XORQ R13, R13

block:
	TESTQ $1, T_FLAGS(DX)
	JNZ accumulate
	VBROADCASTSS 0(R14), Y0
	VMOVAPS Y0, Y1
	VMOVAPS Y0, Y2
	VBROADCASTSS 4(R14), Y3
	VMOVAPS Y3, Y4
	VMOVAPS Y3, Y5
	VBROADCASTSS 8(R14), Y6
	VMOVAPS Y6, Y7
	VMOVAPS Y6, Y8
	VBROADCASTSS 12(R14), Y9
	VMOVAPS Y9, Y10
	VMOVAPS Y9, Y11
	JMP sums

accumulate:
	ROWS(rowsLoad)
	OUTV(T_OUT0, T_LDO0)
	LOADV(Y0, Y3, Y6, Y9, load0)
	OUTV(T_OUT1, T_LDO1)
	LOADV(Y1, Y4, Y7, Y10, load1)
	OUTV(T_OUT2, T_LDO2)
	LOADV(Y2, Y5, Y8, Y11, load2)

sums:
	MOVQ T_IN0(DX), SI
	MOVQ T_IN1(DX), DI
	MOVQ T_IN2(DX), R8
	MOVQ R12, BX
	MOVQ T_CSTRIDE(DX), CX
	MOVQ T_NC(DX), R11
	// One tap and no skipped weights (1x1 convolutions): the tap loop's
	// bookkeeping would cost as much as the multiply-adds, so the channels
	// go two at a time with the tap's offset added to the inputs once.
	CMPQ T_NTAPS(DX), $1
	JNE channel
	CMPQ T_WSKIP(DX), $0
	JNE channel
	MOVQ T_TAPS(DX), R9
	MOVQ (R9), AX
	ADDQ AX, SI
	ADDQ AX, DI
	ADDQ AX, R8
	CMPQ R11, $2
	JLT one

pair:
	FSTEP((SI), (DI), (R8), 0)
	FSTEP((SI)(CX*1), (DI)(CX*1), (R8)(CX*1), 16)
	LEAQ (SI)(CX*2), SI
	LEAQ (DI)(CX*2), DI
	LEAQ (R8)(CX*2), R8
	ADDQ $32, BX
	SUBQ $2, R11
	CMPQ R11, $2
	JGE pair
	TESTQ R11, R11
	JZ sums_done

one:
	FSTEP((SI), (DI), (R8), 0)
	JMP sums_done

channel:
	MOVQ T_TAPS(DX), R9
	MOVQ T_NTAPS(DX), R10
	CMPQ R10, $3
	JLT tap

tap3:	// three taps at a time
	STEP(0, 0)
	STEP(8, 16)
	STEP(16, 32)
	ADDQ $48, BX
	ADDQ $24, R9
	SUBQ $3, R10
	CMPQ R10, $3
	JGE tap3
	TESTQ R10, R10
	JZ taps_done

tap:
	STEP(0, 0)
	ADDQ $16, BX
	ADDQ $8, R9
	DECQ R10
	JNZ tap

taps_done:
	ADDQ T_WSKIP(DX), BX
	ADDQ CX, SI
	ADDQ CX, DI
	ADDQ CX, R8
	DECQ R11
	JNZ channel

sums_done:
	TESTQ $2, T_FLAGS(DX)
	JZ store
	VXORPS Y12, Y12, Y12
	VMAXPS Y12, Y0, Y0
	VMAXPS Y12, Y1, Y1
	VMAXPS Y12, Y2, Y2
	VMAXPS Y12, Y3, Y3
	VMAXPS Y12, Y4, Y4
	VMAXPS Y12, Y5, Y5
	VMAXPS Y12, Y6, Y6
	VMAXPS Y12, Y7, Y7
	VMAXPS Y12, Y8, Y8
	VMAXPS Y12, Y9, Y9
	VMAXPS Y12, Y10, Y10
	VMAXPS Y12, Y11, Y11

store:
	ROWS(rowsStore)
	OUTV(T_OUT0, T_LDO0)
	STOREV(Y0, Y3, Y6, Y9, store0)
	OUTV(T_OUT1, T_LDO1)
	STOREV(Y1, Y4, Y7, Y10, store1)
	OUTV(T_OUT2, T_LDO2)
	STOREV(Y2, Y5, Y8, Y11, store2)

	ADDQ T_WSTRIDE(DX), R12
	ADDQ $16, R14
	INCQ R13
	CMPQ R13, T_NOB(DX)
	JLT block

	VZEROUPPER
	RET
