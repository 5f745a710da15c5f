//go:build amd64 && !purego

#include "textflag.h"
#include "lane4x4.h"

// S4Tile field offsets (see s4.go; TestS4TileLayout checks them).
#define S_W 0
#define S_IN 8
#define S_ROWS 16
#define S_WROWS 40
#define S_NROWS 64
#define S_NC 72
#define S_CSTRIDE 80
#define S_OUT 88
#define S_LDO 96
#define S_BIAS 104
#define S_FLAGS 112
#define S_NB 120
#define S_WCSTRIDE 128
#define S_PF 136
#define S_NG 144
#define S_ACC 152
#define S_ACCLDO 160
#define S_TAPSTRIDE 168

// The zero that padding floats are broadcast from.
DATA ·s4zero+0(SB)/4, $0
GLOBL ·s4zero(SB), RODATA|NOPTR, $4

// PFD is how far ahead in a row the input is prefetched (bytes).
#define PFD 512

// Register use: DX the S4Tile; DI the group, R9 its flags; SI the input
// at the current channel, R8
// its weights; R11 the channels left; R10 the filter row; AX the row's
// floats, R12 and R13 the addresses of its first and last float (the
// zero with LeftPad, RightPad), BX the row's weights, CX the L2
// prefetch distance; R14 the zero's address. Y(4b+p) the sums of block b (8 output channels) of pixel p,
// Y12-Y14 a tap's weights of the blocks, Y15 a broadcast input float.

// ROWSETUPAT points AX, R12, R13 and BX at filter row R10 of the
// channel, R13 at the row's float at byte last (the right padding).
#define ROWSETUPAT(last) \
	MOVQ S_ROWS(DX)(R10*8), AX; \
	ADDQ SI, AX; \
	PREFETCHT0 PFD(AX); \
	MOVQ S_PF(DX), CX; \
	PREFETCHT1 (AX)(CX*1); \
	MOVQ S_WROWS(DX)(R10*8), BX; \
	ADDQ R8, BX; \
	MOVQ AX, R12; \
	LEAQ last(AX), R13; \
	TESTQ $4, R9; \
	CMOVQNE R14, R12; \
	TESTQ $8, R9; \
	CMOVQNE R14, R13

// ROWSETUP is ROWSETUPAT for a group of 4 pixels (9 floats a row).
#define ROWSETUP ROWSETUPAT(32)

// ROWLOOP4, ROWLOOP6, ROWLOOP8 and ROWLOOP12 run a channel's filter rows
// (from row 0, label row) for groups of 4, 6, 8 and 12 pixels: per row
// ROWSETUPAT and the row's 3 taps, TAP(the tap's weights' offset, the
// pixels' floats), the taps' weights ws bytes apart.
#define ROWLOOP4(row, TAP, ws) \
	XORQ R10, R10; \
row: \
	ROWSETUP; \
	TAP(0, (R12), 8(AX), 16(AX), 24(AX)); \
	TAP(ws, 4(AX), 12(AX), 20(AX), 28(AX)); \
	TAP(2*ws, 8(AX), 16(AX), 24(AX), (R13)); \
	INCQ R10; \
	CMPQ R10, S_NROWS(DX); \
	JLT row
#define ROWLOOP6(row, TAP, ws) \
	XORQ R10, R10; \
row: \
	ROWSETUPAT(48); \
	TAP(0, (R12), 8(AX), 16(AX), 24(AX), 32(AX), 40(AX)); \
	TAP(ws, 4(AX), 12(AX), 20(AX), 28(AX), 36(AX), 44(AX)); \
	TAP(2*ws, 8(AX), 16(AX), 24(AX), 32(AX), 40(AX), (R13)); \
	INCQ R10; \
	CMPQ R10, S_NROWS(DX); \
	JLT row
#define ROWLOOP8(row, TAP, ws) \
	XORQ R10, R10; \
row: \
	ROWSETUPAT(64); \
	TAP(0, (R12), 8(AX), 16(AX), 24(AX), 32(AX), 40(AX), 48(AX), 56(AX)); \
	TAP(ws, 4(AX), 12(AX), 20(AX), 28(AX), 36(AX), 44(AX), 52(AX), 60(AX)); \
	TAP(2*ws, 8(AX), 16(AX), 24(AX), 32(AX), 40(AX), 48(AX), 56(AX), (R13)); \
	INCQ R10; \
	CMPQ R10, S_NROWS(DX); \
	JLT row
#define ROWLOOP12(row, TAP, ws) \
	XORQ R10, R10; \
row: \
	ROWSETUPAT(96); \
	TAP(0, (R12), 8(AX), 16(AX), 24(AX), 32(AX), 40(AX), 48(AX), 56(AX), 64(AX), 72(AX), 80(AX), 88(AX)); \
	TAP(ws, 4(AX), 12(AX), 20(AX), 28(AX), 36(AX), 44(AX), 52(AX), 60(AX), 68(AX), 76(AX), 84(AX), 92(AX)); \
	TAP(2*ws, 8(AX), 16(AX), 24(AX), 32(AX), 40(AX), 48(AX), 56(AX), 64(AX), 72(AX), 80(AX), 88(AX), (R13)); \
	INCQ R10; \
	CMPQ R10, S_NROWS(DX); \
	JLT row

// ROWLOOPD4 is ROWLOOP4 for ConvD4 (stride 1, dilated): a group's 4
// pixels are consecutive floats, a row's taps TapStride bytes apart (R12
// and R13 the second and third), no padding.
#define ROWLOOPD4(row, TAP, ws) \
	XORQ R10, R10; \
row: \
	MOVQ S_ROWS(DX)(R10*8), AX; \
	ADDQ SI, AX; \
	PREFETCHT0 PFD(AX); \
	MOVQ S_WROWS(DX)(R10*8), BX; \
	ADDQ R8, BX; \
	MOVQ S_TAPSTRIDE(DX), R12; \
	ADDQ AX, R12; \
	MOVQ S_TAPSTRIDE(DX), R13; \
	ADDQ R12, R13; \
	TAP(0, (AX), 4(AX), 8(AX), 12(AX)); \
	TAP(ws, (R12), 4(R12), 8(R12), 12(R12)); \
	TAP(2*ws, (R13), 4(R13), 8(R13), 12(R13)); \
	INCQ R10; \
	CMPQ R10, S_NROWS(DX); \
	JLT row

// GROUPFLAGSN sets R9 to the flags of the n groups from group DI:
// LeftPad only for the first n, RightPad only for the last (AX scratch).
#define GROUPFLAGSN(n, notleft, notright) \
	MOVQ S_FLAGS(DX), R9; \
	TESTQ DI, DI; \
	JZ notleft; \
	ANDQ $-5, R9; \
notleft: \
	MOVQ S_NG(DX), AX; \
	SUBQ $n, AX; \
	CMPQ DI, AX; \
	JEQ notright; \
	ANDQ $-9, R9; \
notright:

// GROUPFLAGS is GROUPFLAGSN for one group.
#define GROUPFLAGS(notleft, notright) GROUPFLAGSN(1, notleft, notright)
// ACCBASE points AX at group DI's first partial sums (4 floats a group)
// for Accumulate: in Acc (row stride AccLDO) or without it in the output
// (LDO), the row stride in CX and BX = 3*CX.
#define ACCBASE(accout, accload) \
	MOVQ DI, AX; \
	SHLQ $4, AX; \
	MOVQ S_ACC(DX), CX; \
	TESTQ CX, CX; \
	JZ accout; \
	ADDQ CX, AX; \
	MOVQ S_ACCLDO(DX), CX; \
	JMP accload; \
accout: \
	ADDQ S_OUT(DX), AX; \
	MOVQ S_LDO(DX), CX; \
accload: \
	LEAQ (CX)(CX*2), BX

// FASTROWS goes to slow unless the group (flags in R9) reads all 3
// filter rows and no right padding; then it loads the rows' offsets into
// R10, R12, R13 and the L2 prefetch distance into CX, and goes to left
// when the group reads the left padding.
#define FASTROWS(slow, left) \
	CMPQ S_NROWS(DX), $3; \
	JNE slow; \
	TESTQ $8, R9; \
	JNZ slow; \
	MOVQ S_ROWS(DX), R10; \
	MOVQ S_ROWS+8(DX), R12; \
	MOVQ S_ROWS+16(DX), R13; \
	MOVQ S_PF(DX), CX; \
	TESTQ $4, R9; \
	JNZ left

// NEXTCHANNEL moves the input (SI) and weights (R8) on to the next input
// channel and goes to loop while channels (R11) are left.
#define NEXTCHANNEL(loop) \
	ADDQ S_CSTRIDE(DX), SI; \
	ADDQ S_WCSTRIDE(DX), R8; \
	DECQ R11; \
	JNZ loop

// TRANS4 transposes 4 pixels' vectors of 8 output channels in place:
// afterwards a0 holds channels 0 and 4 of the 4 pixels (its low and high
// halves), a1 channels 1 and 5, a2 2 and 6, a3 3 and 7 (and the
// inverse: the same shuffles undo it). Y12-Y15 are scratch.
#define TRANS4(a0, a1, a2, a3) LANE4X4(a0, a1, a2, a3, Y12, Y13, Y14, Y15, a0, a1, a2, a3)

// LOADT loads the sums of one block of 8 output channels from 8 rows of
// 4 pixels at AX (row stride CX, BX = 3*CX) into Ya-Yd, pixel p in the
// p-th: the inverse of the store's transpose. AX moves on 8 rows.
#define LOADT(xa, xb, xc, xd, ya, yb, yc, yd) \
	VMOVUPS (AX), xa; \
	VMOVUPS (AX)(CX*1), xb; \
	VMOVUPS (AX)(CX*2), xc; \
	VMOVUPS (AX)(BX*1), xd; \
	LEAQ (AX)(CX*4), AX; \
	VINSERTF128 $1, (AX), ya, ya; \
	VINSERTF128 $1, (AX)(CX*1), yb, yb; \
	VINSERTF128 $1, (AX)(CX*2), yc, yc; \
	VINSERTF128 $1, (AX)(BX*1), yd, yd; \
	LEAQ (AX)(CX*4), AX; \
	TRANS4(ya, yb, yc, yd)

// B3 multiplies-adds the broadcast float at off(AX) with the 3 weight
// vectors Y12-Y14 into the sums of pixel p (Yp, Yp+4, Yp+8); B2 with the 2
// in Y12-Y13.
#define B3(off, a, b, c) \
	VBROADCASTSS off(AX), Y15; \
	VFMADD231PS Y15, Y12, a; \
	VFMADD231PS Y15, Y13, b; \
	VFMADD231PS Y15, Y14, c

#define B2(off, a, b) \
	VBROADCASTSS off(AX), Y15; \
	VFMADD231PS Y15, Y12, a; \
	VFMADD231PS Y15, Y13, b

// W3 and W2 load a tap's weights at R8+wo for 3 and 2 blocks into
// Y12-Y14 and Y12-Y13.
#define W2(wo) \
	VMOVUPS (wo)(R8), Y12; \
	VMOVUPS (wo+32)(R8), Y13

#define W3(wo) \
	W2(wo); \
	VMOVUPS (wo+64)(R8), Y14

// TAP3L is one filter tap for 3 blocks without pixel 0 (its float is the
// left padding): its weights at R8+wo, pixels 1-3's floats at e1-e3(AX).
// TAP3 is the tap with the 4 pixels' floats at e0-e3(AX); TAP2L and TAP2
// are the same for 2 blocks.
#define TAP3L(wo, e1, e2, e3) \
	W3(wo); \
	B3(e1, Y1, Y5, Y9); \
	B3(e2, Y2, Y6, Y10); \
	B3(e3, Y3, Y7, Y11)

#define TAP3(wo, e0, e1, e2, e3) \
	TAP3L(wo, e1, e2, e3); \
	B3(e0, Y0, Y4, Y8)

#define TAP2L(wo, e1, e2, e3) \
	W2(wo); \
	B2(e1, Y1, Y5); \
	B2(e2, Y2, Y6); \
	B2(e3, Y3, Y7)

#define TAP2(wo, e0, e1, e2, e3) \
	TAP2L(wo, e1, e2, e3); \
	B2(e0, Y0, Y4)

// ROWAT points AX at the input row at SI+RR and prefetches it as
// ROWSETUP does.
#define ROWAT(RR) \
	LEAQ (SI)(RR*1), AX; \
	PREFETCHT0 PFD(AX); \
	PREFETCHT1 (AX)(CX*1)

// FROW3 is one filter row of a group without padding floats for 3 blocks:
// the input row at SI+RR, its weights at R8+wo (3 taps of 3 vectors);
// FROW2 is FROW3 for 2 blocks (3 taps of 2 vectors).
#define FROW3(RR, wo) \
	ROWAT(RR); \
	TAP3(wo, 0, 8, 16, 24); \
	TAP3(wo+96, 4, 12, 20, 28); \
	TAP3(wo+192, 8, 16, 24, 32)

#define FROW2(RR, wo) \
	ROWAT(RR); \
	TAP2(wo, 0, 8, 16, 24); \
	TAP2(wo+64, 4, 12, 20, 28); \
	TAP2(wo+128, 8, 16, 24, 32)

// FROW3L and FROW2L are FROW3 and FROW2 for a group whose rows start
// with the left padding.
#define FROW3L(RR, wo) \
	ROWAT(RR); \
	TAP3L(wo, 8, 16, 24); \
	TAP3(wo+96, 4, 12, 20, 28); \
	TAP3(wo+192, 8, 16, 24, 32)

#define FROW2L(RR, wo) \
	ROWAT(RR); \
	TAP2L(wo, 8, 16, 24); \
	TAP2(wo+64, 4, 12, 20, 28); \
	TAP2(wo+128, 8, 16, 24, 32)

// RELU12 clamps the sums Y0-Y11 at 0 (Y15 scratch).
#define RELU12 \
	VXORPS Y15, Y15, Y15; \
	VMAXPS Y15, Y0, Y0; \
	VMAXPS Y15, Y1, Y1; \
	VMAXPS Y15, Y2, Y2; \
	VMAXPS Y15, Y3, Y3; \
	VMAXPS Y15, Y4, Y4; \
	VMAXPS Y15, Y5, Y5; \
	VMAXPS Y15, Y6, Y6; \
	VMAXPS Y15, Y7, Y7; \
	VMAXPS Y15, Y8, Y8; \
	VMAXPS Y15, Y9, Y9; \
	VMAXPS Y15, Y10, Y10; \
	VMAXPS Y15, Y11, Y11

// func convS4AVX2(t *S4Tile)
TEXT ·convS4AVX2(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DX
	LEAQ ·s4zero(SB), R14
	XORQ DI, DI

group:
	GROUPFLAGS(notleft, notright)
	TESTQ $1, R9
	JZ bias
	// Accumulate: the sums start from Acc, or without it the output.
	ACCBASE(accout, accload)
	LOADT(X0, X1, X2, X3, Y0, Y1, Y2, Y3)
	LOADT(X4, X5, X6, X7, Y4, Y5, Y6, Y7)
	CMPQ S_NB(DX), $3
	JLT bias2
	LOADT(X8, X9, X10, X11, Y8, Y9, Y10, Y11)
	JMP bias2

bias:
	MOVQ S_BIAS(DX), AX
	VMOVUPS (AX), Y0
	VMOVAPS Y0, Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y0, Y3
	VMOVUPS 32(AX), Y4
	VMOVAPS Y4, Y5
	VMOVAPS Y4, Y6
	VMOVAPS Y4, Y7
	CMPQ S_NB(DX), $3
	JLT bias2
	VMOVUPS 64(AX), Y8
	VMOVAPS Y8, Y9
	VMOVAPS Y8, Y10
	VMOVAPS Y8, Y11
bias2:
	MOVQ DI, SI
	SHLQ $5, SI
	ADDQ S_IN(DX), SI
	MOVQ S_W(DX), R8
	MOVQ S_NC(DX), R11
	// A group with all 3 filter rows and no right padding: the rows'
	// offsets in R10, R12, R13 (their weights in order), no per-row
	// bookkeeping.
	FASTROWS(slow, fastleft)
	CMPQ S_NB(DX), $3
	JLT fast2

fast3:
	FROW3(R10, 0)
	FROW3(R12, 288)
	FROW3(R13, 576)
	NEXTCHANNEL(fast3)
	JMP sums

fast2:
	FROW2(R10, 0)
	FROW2(R12, 192)
	FROW2(R13, 384)
	NEXTCHANNEL(fast2)
	JMP sums

	// The same with the left padding (the first group of a row): its
	// rows' first floats, which it must not read, left out.
fastleft:
	CMPQ S_NB(DX), $3
	JLT fast2l

fast3l:
	FROW3L(R10, 0)
	FROW3L(R12, 288)
	FROW3L(R13, 576)
	NEXTCHANNEL(fast3l)
	JMP sums

fast2l:
	FROW2L(R10, 0)
	FROW2L(R12, 192)
	FROW2L(R13, 384)
	NEXTCHANNEL(fast2l)
	JMP sums

slow:
	CMPQ S_NB(DX), $3
	JLT channel2

channel3:
	XORQ R10, R10
row3:
	ROWSETUP
	VMOVUPS 0(BX), Y12
	VMOVUPS 32(BX), Y13
	VMOVUPS 64(BX), Y14
	VBROADCASTSS (R12), Y15
	VFMADD231PS Y15, Y12, Y0
	VFMADD231PS Y15, Y13, Y4
	VFMADD231PS Y15, Y14, Y8
	VBROADCASTSS 8(AX), Y15
	VFMADD231PS Y15, Y12, Y1
	VFMADD231PS Y15, Y13, Y5
	VFMADD231PS Y15, Y14, Y9
	VBROADCASTSS 16(AX), Y15
	VFMADD231PS Y15, Y12, Y2
	VFMADD231PS Y15, Y13, Y6
	VFMADD231PS Y15, Y14, Y10
	VBROADCASTSS 24(AX), Y15
	VFMADD231PS Y15, Y12, Y3
	VFMADD231PS Y15, Y13, Y7
	VFMADD231PS Y15, Y14, Y11
	VMOVUPS 96(BX), Y12
	VMOVUPS 128(BX), Y13
	VMOVUPS 160(BX), Y14
	VBROADCASTSS 4(AX), Y15
	VFMADD231PS Y15, Y12, Y0
	VFMADD231PS Y15, Y13, Y4
	VFMADD231PS Y15, Y14, Y8
	VBROADCASTSS 12(AX), Y15
	VFMADD231PS Y15, Y12, Y1
	VFMADD231PS Y15, Y13, Y5
	VFMADD231PS Y15, Y14, Y9
	VBROADCASTSS 20(AX), Y15
	VFMADD231PS Y15, Y12, Y2
	VFMADD231PS Y15, Y13, Y6
	VFMADD231PS Y15, Y14, Y10
	VBROADCASTSS 28(AX), Y15
	VFMADD231PS Y15, Y12, Y3
	VFMADD231PS Y15, Y13, Y7
	VFMADD231PS Y15, Y14, Y11
	VMOVUPS 192(BX), Y12
	VMOVUPS 224(BX), Y13
	VMOVUPS 256(BX), Y14
	VBROADCASTSS 8(AX), Y15
	VFMADD231PS Y15, Y12, Y0
	VFMADD231PS Y15, Y13, Y4
	VFMADD231PS Y15, Y14, Y8
	VBROADCASTSS 16(AX), Y15
	VFMADD231PS Y15, Y12, Y1
	VFMADD231PS Y15, Y13, Y5
	VFMADD231PS Y15, Y14, Y9
	VBROADCASTSS 24(AX), Y15
	VFMADD231PS Y15, Y12, Y2
	VFMADD231PS Y15, Y13, Y6
	VFMADD231PS Y15, Y14, Y10
	VBROADCASTSS (R13), Y15
	VFMADD231PS Y15, Y12, Y3
	VFMADD231PS Y15, Y13, Y7
	VFMADD231PS Y15, Y14, Y11
	INCQ R10
	CMPQ R10, S_NROWS(DX)
	JLT row3
	NEXTCHANNEL(channel3)
	JMP sums

channel2:
	XORQ R10, R10
row2:
	ROWSETUP
	VMOVUPS 0(BX), Y12
	VMOVUPS 32(BX), Y13
	VBROADCASTSS (R12), Y15
	VFMADD231PS Y15, Y12, Y0
	VFMADD231PS Y15, Y13, Y4
	VBROADCASTSS 8(AX), Y15
	VFMADD231PS Y15, Y12, Y1
	VFMADD231PS Y15, Y13, Y5
	VBROADCASTSS 16(AX), Y15
	VFMADD231PS Y15, Y12, Y2
	VFMADD231PS Y15, Y13, Y6
	VBROADCASTSS 24(AX), Y15
	VFMADD231PS Y15, Y12, Y3
	VFMADD231PS Y15, Y13, Y7
	VMOVUPS 64(BX), Y12
	VMOVUPS 96(BX), Y13
	VBROADCASTSS 4(AX), Y15
	VFMADD231PS Y15, Y12, Y0
	VFMADD231PS Y15, Y13, Y4
	VBROADCASTSS 12(AX), Y15
	VFMADD231PS Y15, Y12, Y1
	VFMADD231PS Y15, Y13, Y5
	VBROADCASTSS 20(AX), Y15
	VFMADD231PS Y15, Y12, Y2
	VFMADD231PS Y15, Y13, Y6
	VBROADCASTSS 28(AX), Y15
	VFMADD231PS Y15, Y12, Y3
	VFMADD231PS Y15, Y13, Y7
	VMOVUPS 128(BX), Y12
	VMOVUPS 160(BX), Y13
	VBROADCASTSS 8(AX), Y15
	VFMADD231PS Y15, Y12, Y0
	VFMADD231PS Y15, Y13, Y4
	VBROADCASTSS 16(AX), Y15
	VFMADD231PS Y15, Y12, Y1
	VFMADD231PS Y15, Y13, Y5
	VBROADCASTSS 24(AX), Y15
	VFMADD231PS Y15, Y12, Y2
	VFMADD231PS Y15, Y13, Y6
	VBROADCASTSS (R13), Y15
	VFMADD231PS Y15, Y12, Y3
	VFMADD231PS Y15, Y13, Y7
	INCQ R10
	CMPQ R10, S_NROWS(DX)
	JLT row2
	NEXTCHANNEL(channel2)

sums:
	TESTQ $2, R9
	JZ store
	RELU12

store:
	MOVQ DI, AX
	SHLQ $4, AX
	ADDQ S_OUT(DX), AX
	MOVQ S_LDO(DX), CX
	LEAQ (CX)(CX*2), BX
	TRANS4(Y0, Y1, Y2, Y3)
	VMOVUPS X0, (AX)
	VMOVUPS X1, (AX)(CX*1)
	VMOVUPS X2, (AX)(CX*2)
	VMOVUPS X3, (AX)(BX*1)
	LEAQ (AX)(CX*4), AX
	VEXTRACTF128 $1, Y0, (AX)
	VEXTRACTF128 $1, Y1, (AX)(CX*1)
	VEXTRACTF128 $1, Y2, (AX)(CX*2)
	VEXTRACTF128 $1, Y3, (AX)(BX*1)
	LEAQ (AX)(CX*4), AX
	TRANS4(Y4, Y5, Y6, Y7)
	VMOVUPS X4, (AX)
	VMOVUPS X5, (AX)(CX*1)
	VMOVUPS X6, (AX)(CX*2)
	VMOVUPS X7, (AX)(BX*1)
	LEAQ (AX)(CX*4), AX
	VEXTRACTF128 $1, Y4, (AX)
	VEXTRACTF128 $1, Y5, (AX)(CX*1)
	VEXTRACTF128 $1, Y6, (AX)(CX*2)
	VEXTRACTF128 $1, Y7, (AX)(BX*1)
	LEAQ (AX)(CX*4), AX
	CMPQ S_NB(DX), $3
	JLT done
	TRANS4(Y8, Y9, Y10, Y11)
	VMOVUPS X8, (AX)
	VMOVUPS X9, (AX)(CX*1)
	VMOVUPS X10, (AX)(CX*2)
	VMOVUPS X11, (AX)(BX*1)
	LEAQ (AX)(CX*4), AX
	VEXTRACTF128 $1, Y8, (AX)
	VEXTRACTF128 $1, Y9, (AX)(CX*1)
	VEXTRACTF128 $1, Y10, (AX)(CX*2)
	VEXTRACTF128 $1, Y11, (AX)(BX*1)
	LEAQ (AX)(CX*4), AX

done:
	INCQ DI
	CMPQ DI, S_NG(DX)
	JLT group
	VZEROUPPER
	RET

// S6TAP is one filter tap for the 6-pixel kernel: its 2 weight vectors
// at R8+wo into Y12-Y13, the 6 pixels' floats at j4+8p(AX) into the sums
// Yp (block 0) and Yp+6 (block 1).
#define S6TAP(wo, j4) \
	W2(wo); \
	B2(j4+0, Y0, Y6); \
	B2(j4+8, Y1, Y7); \
	B2(j4+16, Y2, Y8); \
	B2(j4+24, Y3, Y9); \
	B2(j4+32, Y4, Y10); \
	B2(j4+40, Y5, Y11)

// S6ROW is one filter row: the input row at SI+RR, its weights at R8+wo.
#define S6ROW(RR, wo) \
	ROWAT(RR); \
	S6TAP(wo, 0); \
	S6TAP(wo+64, 4); \
	S6TAP(wo+128, 8)

// S6ROWL is S6ROW for a group whose rows start with the left padding:
// pixel 0's first tap is left out.
#define S6ROWL(RR, wo) \
	ROWAT(RR); \
	W2(wo); \
	B2(8, Y1, Y7); \
	B2(16, Y2, Y8); \
	B2(24, Y3, Y9); \
	B2(32, Y4, Y10); \
	B2(40, Y5, Y11); \
	S6TAP(wo+64, 4); \
	S6TAP(wo+128, 8)

// B2AT is B2 with the broadcast float at src.
#define B2AT(src, a, b) \
	VBROADCASTSS src, Y15; \
	VFMADD231PS Y15, Y12, a; \
	VFMADD231PS Y15, Y13, b

// S6TAPAT is S6TAP with the weights at BX+wo and the 6 pixels' floats at
// p0-p5 (the first and last may be the padding's zero).
#define S6TAPAT(wo, p0, p1, p2, p3, p4, p5) \
	VMOVUPS (wo)(BX), Y12; \
	VMOVUPS (wo+32)(BX), Y13; \
	B2AT(p0, Y0, Y6); \
	B2AT(p1, Y1, Y7); \
	B2AT(p2, Y2, Y8); \
	B2AT(p3, Y3, Y9); \
	B2AT(p4, Y4, Y10); \
	B2AT(p5, Y5, Y11)
// S6STORE stores one block's sums of 6 pixels (pixel p in ap, 8 output
// channels in the lanes) as 8 rows of 6 floats at AX (row stride CX, BX
// = 3*CX): pixels 0-3 transposed as in the 4-pixel kernel, pixels 4-5 as
// pairs after them. AX moves on 8 rows.
#define S6STORE(x0, x1, x2, x3, a0, a1, a2, a3, a4, a5) \
	TRANS4(a0, a1, a2, a3); \
	VUNPCKLPS a5, a4, Y12; \
	VUNPCKHPS a5, a4, Y13; \
	VMOVUPS x0, (AX); \
	VMOVQ X12, 16(AX); \
	VMOVUPS x1, (AX)(CX*1); \
	VPEXTRQ $1, X12, 16(AX)(CX*1); \
	VMOVUPS x2, (AX)(CX*2); \
	VMOVQ X13, 16(AX)(CX*2); \
	VMOVUPS x3, (AX)(BX*1); \
	VPEXTRQ $1, X13, 16(AX)(BX*1); \
	LEAQ (AX)(CX*4), AX; \
	VEXTRACTF128 $1, Y12, X12; \
	VEXTRACTF128 $1, Y13, X13; \
	VEXTRACTF128 $1, a0, (AX); \
	VMOVQ X12, 16(AX); \
	VEXTRACTF128 $1, a1, (AX)(CX*1); \
	VPEXTRQ $1, X12, 16(AX)(CX*1); \
	VEXTRACTF128 $1, a2, (AX)(CX*2); \
	VMOVQ X13, 16(AX)(CX*2); \
	VEXTRACTF128 $1, a3, (AX)(BX*1); \
	VPEXTRQ $1, X13, 16(AX)(BX*1); \
	LEAQ (AX)(CX*4), AX

// func convS6AVX2(t *S4Tile)
TEXT ·convS6AVX2(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DX
	LEAQ ·s4zero(SB), R14
	XORQ DI, DI

s6group:
	GROUPFLAGS(s6notleft, s6notright)
	MOVQ S_BIAS(DX), AX
	VMOVUPS (AX), Y0
	VMOVAPS Y0, Y1
	VMOVAPS Y0, Y2
	VMOVAPS Y0, Y3
	VMOVAPS Y0, Y4
	VMOVAPS Y0, Y5
	VMOVUPS 32(AX), Y6
	VMOVAPS Y6, Y7
	VMOVAPS Y6, Y8
	VMOVAPS Y6, Y9
	VMOVAPS Y6, Y10
	VMOVAPS Y6, Y11
	LEAQ (DI)(DI*2), SI
	SHLQ $4, SI
	ADDQ S_IN(DX), SI
	MOVQ S_W(DX), R8
	MOVQ S_NC(DX), R11
	// All 3 filter rows and no right padding: the rows' offsets in
	// registers as in the 4-pixel kernel's fast path.
	FASTROWS(s6slow, s6left)

s6channel:
	S6ROW(R10, 0)
	S6ROW(R12, 192)
	S6ROW(R13, 384)
	NEXTCHANNEL(s6channel)
	JMP s6sums

	// The same with the left padding (the first group of a row).
s6left:
	S6ROWL(R10, 0)
	S6ROWL(R12, 192)
	S6ROWL(R13, 384)
	NEXTCHANNEL(s6left)
	JMP s6sums

	// Fewer filter rows or a padding float: per row, its floats 0 and
	// 12 through R12 and R13 (the zero for padding).
s6slow:
	ROWLOOP6(s6row, S6TAPAT, 64)
	NEXTCHANNEL(s6slow)

s6sums:
	TESTQ $2, R9
	JZ s6store
	RELU12

s6store:
	LEAQ (DI)(DI*2), AX
	SHLQ $3, AX
	ADDQ S_OUT(DX), AX
	MOVQ S_LDO(DX), CX
	LEAQ (CX)(CX*2), BX
	S6STORE(X0, X1, X2, X3, Y0, Y1, Y2, Y3, Y4, Y5)
	S6STORE(X6, X7, X8, X9, Y6, Y7, Y8, Y9, Y10, Y11)
	INCQ DI
	CMPQ DI, S_NG(DX)
	JLT s6group
	VZEROUPPER
	RET

// The AVX-512 ConvS6 (convS12AVX512) takes the groups two at a time: 12
// pixels of 16 output channels, one 512-bit register each (12 sums), a
// tap's 16 weights in one register and each input float broadcast into
// its multiply-add. The sums are transposed in registers 4 pixels at a
// time and stored as 16 rows of 4 floats (12 scatter stores a call, one
// per pixel, were the first version). NG must be even; LeftPad applies to the first
// pair's pixel 0, RightPad to the last pair's pixel 11 (their floats are
// read from the zero through R12 and R13).


// ZBIAS12 sets the sums Z0-Z11 to the 16 floats at (AX).
#define ZBIAS12 \
	VMOVUPS (AX), Z0; \
	VMOVAPS Z0, Z1; \
	VMOVAPS Z0, Z2; \
	VMOVAPS Z0, Z3; \
	VMOVAPS Z0, Z4; \
	VMOVAPS Z0, Z5; \
	VMOVAPS Z0, Z6; \
	VMOVAPS Z0, Z7; \
	VMOVAPS Z0, Z8; \
	VMOVAPS Z0, Z9; \
	VMOVAPS Z0, Z10; \
	VMOVAPS Z0, Z11

// ZRELU12 clamps the sums Z0-Z11 at 0 (Z13 the zero).
#define ZRELU12 \
	VPXORD Z13, Z13, Z13; \
	VMAXPS Z13, Z0, Z0; \
	VMAXPS Z13, Z1, Z1; \
	VMAXPS Z13, Z2, Z2; \
	VMAXPS Z13, Z3, Z3; \
	VMAXPS Z13, Z4, Z4; \
	VMAXPS Z13, Z5, Z5; \
	VMAXPS Z13, Z6, Z6; \
	VMAXPS Z13, Z7, Z7; \
	VMAXPS Z13, Z8, Z8; \
	VMAXPS Z13, Z9, Z9; \
	VMAXPS Z13, Z10, Z10; \
	VMAXPS Z13, Z11, Z11

// S12TAP is one filter tap: its 16 weights at wo(BX) into Z12, pixel p's
// float at pp broadcast and multiplied-added into Zp.
#define S12TAP(wo, p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11) \
	VMOVUPS (wo)(BX), Z12; \
	VFMADD231PS.BCST p0, Z12, Z0; \
	VFMADD231PS.BCST p1, Z12, Z1; \
	VFMADD231PS.BCST p2, Z12, Z2; \
	VFMADD231PS.BCST p3, Z12, Z3; \
	VFMADD231PS.BCST p4, Z12, Z4; \
	VFMADD231PS.BCST p5, Z12, Z5; \
	VFMADD231PS.BCST p6, Z12, Z6; \
	VFMADD231PS.BCST p7, Z12, Z7; \
	VFMADD231PS.BCST p8, Z12, Z8; \
	VFMADD231PS.BCST p9, Z12, Z9; \
	VFMADD231PS.BCST p10, Z12, Z10; \
	VFMADD231PS.BCST p11, Z12, Z11

// TRANS4Z transposes 4 pixels' registers of 16 output channels in place
// (TRANS4 on 512 bits): afterwards 128-bit lane k of a_i holds the 4
// pixels of output channel 4k+i. Z12-Z15 are scratch.
#define TRANS4Z(a0, a1, a2, a3) LANE4X4(a0, a1, a2, a3, Z12, Z13, Z14, Z15, a0, a1, a2, a3)

// S12LANE stores lane k of a0-a3 (output channels 4k..4k+3) at R10 (row
// stride CX, BX = 3*CX) and moves R10 on 4 rows.
#define S12LANE(k, a0, a1, a2, a3) \
	VEXTRACTF32X4 $k, a0, (R10); \
	VEXTRACTF32X4 $k, a1, (R10)(CX*1); \
	VEXTRACTF32X4 $k, a2, (R10)(CX*2); \
	VEXTRACTF32X4 $k, a3, (R10)(BX*1); \
	LEAQ (R10)(CX*4), R10

// S12STORE4 stores 4 pixels' sums (a0-a3) as 16 rows of 4 floats from
// off(AX); S12STORER from R10 on (the rows after a S12STORE4's).
#define S12STORE4(a0, a1, a2, a3, off) \
	LEAQ off(AX), R10; \
	S12STORER(a0, a1, a2, a3)
#define S12STORER(a0, a1, a2, a3) \
	TRANS4Z(a0, a1, a2, a3); \
	S12LANE(0, a0, a1, a2, a3); \
	S12LANE(1, a0, a1, a2, a3); \
	S12LANE(2, a0, a1, a2, a3); \
	S12LANE(3, a0, a1, a2, a3)

// func convS12AVX512(t *S4Tile)
TEXT ·convS12AVX512(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DX
	LEAQ ·s4zero(SB), R14
	XORQ DI, DI

s12pair:
	// R9: the pair's flags (LeftPad only for the first, RightPad only
	// for the last).
	GROUPFLAGSN(2, s12notleft, s12notright)
	MOVQ S_BIAS(DX), AX
	ZBIAS12
	LEAQ (DI)(DI*2), SI
	SHLQ $4, SI
	ADDQ S_IN(DX), SI
	MOVQ S_W(DX), R8
	MOVQ S_NC(DX), R11

s12channel:
	ROWLOOP12(s12row, S12TAP, 64)
	NEXTCHANNEL(s12channel)

	TESTQ $2, R9
	JZ s12store
	ZRELU12

s12store:
	LEAQ (DI)(DI*2), AX
	SHLQ $3, AX
	ADDQ S_OUT(DX), AX
	MOVQ S_LDO(DX), CX
	LEAQ (CX)(CX*2), BX
	S12STORE4(Z0, Z1, Z2, Z3, 0)
	S12STORE4(Z4, Z5, Z6, Z7, 16)
	S12STORE4(Z8, Z9, Z10, Z11, 32)
	ADDQ $2, DI
	CMPQ DI, S_NG(DX)
	JLT s12pair
	VZEROUPPER
	RET

// The AVX-512 ConvS4 for 3 blocks (convS4x3AVX512) takes the groups three
// at a time: 12 pixels of 24 output channels, channels 0-15 of a pixel in
// a 512-bit register and 16-23 in a 256-bit one (Z0-Z11 and Y16-Y27,
// EVEX-encoded), the tap's weights in Z28 and Y29, each input float
// broadcast once into Z30 for both. The sums are transposed in registers
// 4 pixels at a time (TRANS4Z, TRANS4) and stored as rows of 4 floats;
// with Accumulate they are loaded the same way from Acc or Out. NG must
// be a multiple of 3; LeftPad applies to the first triple's pixel 0,
// RightPad to the last triple's pixel 11.

// S4WPX multiplies-adds the float at src, broadcast, with the tap's
// weights into pixel sums z (channels 0-15) and y (16-23).
#define S4WPX(src, z, y) \
	VBROADCASTSS src, Z30; \
	VFMADD231PS Z30, Z28, z; \
	VFMADD231PS Y30, Y29, y

// S4WTAP is one filter tap: its 24 weights at wo(BX), the 12 pixels'
// floats at p0-p11.
#define S4WTAP(wo, p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11) \
	VMOVUPS (wo)(BX), Z28; \
	VMOVUPS (wo+64)(BX), Y29; \
	S4WPX(p0, Z0, Y16); \
	S4WPX(p1, Z1, Y17); \
	S4WPX(p2, Z2, Y18); \
	S4WPX(p3, Z3, Y19); \
	S4WPX(p4, Z4, Y20); \
	S4WPX(p5, Z5, Y21); \
	S4WPX(p6, Z6, Y22); \
	S4WPX(p7, Z7, Y23); \
	S4WPX(p8, Z8, Y24); \
	S4WPX(p9, Z9, Y25); \
	S4WPX(p10, Z10, Y26); \
	S4WPX(p11, Z11, Y27)

// S4LANEIN loads lane k of z0-z3 (output channels 4k..4k+3) from R10
// (row stride CX, BX = 3*CX) and moves R10 on 4 rows: S12LANE's inverse.
#define S4LANEIN(k, z0, z1, z2, z3) \
	VINSERTF32X4 $k, (R10), z0, z0; \
	VINSERTF32X4 $k, (R10)(CX*1), z1, z1; \
	VINSERTF32X4 $k, (R10)(CX*2), z2, z2; \
	VINSERTF32X4 $k, (R10)(BX*1), z3, z3; \
	LEAQ (R10)(CX*4), R10
// S4VLOAD4 loads 4 pixels' sums of 16 output channels from 16 rows of 4
// floats at off(AX) (row stride CX, BX = 3*CX) into z0-z3, pixel p in the
// p-th (the inverse of S12STORE4); R10 ends at row 16. S4VLOADR loads
// from R10 on (the rows after a S4VLOAD4's).
#define S4VLOAD4(z0, z1, z2, z3, off) \
	LEAQ off(AX), R10; \
	S4VLOADR(z0, z1, z2, z3)
#define S4VLOADR(z0, z1, z2, z3) \
	S4LANEIN(0, z0, z1, z2, z3); \
	S4LANEIN(1, z0, z1, z2, z3); \
	S4LANEIN(2, z0, z1, z2, z3); \
	S4LANEIN(3, z0, z1, z2, z3); \
	TRANS4Z(z0, z1, z2, z3)

// S4WLOAD4 is S4VLOAD4 for 24 output channels: rows 16-23 into y0-y3
// (x0-x3 their low halves).
#define S4WLOAD4(z0, z1, z2, z3, y0, y1, y2, y3, x0, x1, x2, x3, off) \
	S4VLOAD4(z0, z1, z2, z3, off); \
	VMOVUPS (R10), x0; \
	VMOVUPS (R10)(CX*1), x1; \
	VMOVUPS (R10)(CX*2), x2; \
	VMOVUPS (R10)(BX*1), x3; \
	LEAQ (R10)(CX*4), R10; \
	VINSERTF32X4 $1, (R10), y0, y0; \
	VINSERTF32X4 $1, (R10)(CX*1), y1, y1; \
	VINSERTF32X4 $1, (R10)(CX*2), y2, y2; \
	VINSERTF32X4 $1, (R10)(BX*1), y3, y3; \
	TRANS4(y0, y1, y2, y3)

// S4WSTORE4 stores 4 pixels' sums (z0-z3 channels 0-15, y0-y3 16-23) as
// 24 rows of 4 floats from off(AX).
#define S4WSTORE4(z0, z1, z2, z3, y0, y1, y2, y3, x0, x1, x2, x3, off) \
	S12STORE4(z0, z1, z2, z3, off); \
	TRANS4(y0, y1, y2, y3); \
	VMOVUPS x0, (R10); \
	VMOVUPS x1, (R10)(CX*1); \
	VMOVUPS x2, (R10)(CX*2); \
	VMOVUPS x3, (R10)(BX*1); \
	LEAQ (R10)(CX*4), R10; \
	VEXTRACTF32X4 $1, y0, (R10); \
	VEXTRACTF32X4 $1, y1, (R10)(CX*1); \
	VEXTRACTF32X4 $1, y2, (R10)(CX*2); \
	VEXTRACTF32X4 $1, y3, (R10)(BX*1)

// func convS4x3AVX512(t *S4Tile)
#define WTAP S4WTAP
#define WTS 96
#define WYBIAS \
	VMOVUPS 64(AX), Y16; \
	VMOVAPS Y16, Y17; \
	VMOVAPS Y16, Y18; \
	VMOVAPS Y16, Y19; \
	VMOVAPS Y16, Y20; \
	VMOVAPS Y16, Y21; \
	VMOVAPS Y16, Y22; \
	VMOVAPS Y16, Y23; \
	VMOVAPS Y16, Y24; \
	VMOVAPS Y16, Y25; \
	VMOVAPS Y16, Y26; \
	VMOVAPS Y16, Y27
#define WYRELU \
	VMAXPS Y13, Y16, Y16; \
	VMAXPS Y13, Y17, Y17; \
	VMAXPS Y13, Y18, Y18; \
	VMAXPS Y13, Y19, Y19; \
	VMAXPS Y13, Y20, Y20; \
	VMAXPS Y13, Y21, Y21; \
	VMAXPS Y13, Y22, Y22; \
	VMAXPS Y13, Y23, Y23; \
	VMAXPS Y13, Y24, Y24; \
	VMAXPS Y13, Y25, Y25; \
	VMAXPS Y13, Y26, Y26; \
	VMAXPS Y13, Y27, Y27
#define WLOAD0 S4WLOAD4(Z0, Z1, Z2, Z3, Y16, Y17, Y18, Y19, X16, X17, X18, X19, 0)
#define WLOAD1 S4WLOAD4(Z4, Z5, Z6, Z7, Y20, Y21, Y22, Y23, X20, X21, X22, X23, 16)
#define WLOAD2 S4WLOAD4(Z8, Z9, Z10, Z11, Y24, Y25, Y26, Y27, X24, X25, X26, X27, 32)
#define WSTORE0 S4WSTORE4(Z0, Z1, Z2, Z3, Y16, Y17, Y18, Y19, X16, X17, X18, X19, 0)
#define WSTORE1 S4WSTORE4(Z4, Z5, Z6, Z7, Y20, Y21, Y22, Y23, X20, X21, X22, X23, 16)
#define WSTORE2 S4WSTORE4(Z8, Z9, Z10, Z11, Y24, Y25, Y26, Y27, X24, X25, X26, X27, 32)
TEXT ·convS4x3AVX512(SB), NOSPLIT, $0-8
#include "s4wide.h"

#undef WTAP
#undef WTS
#undef WYBIAS
#undef WYRELU
#undef WLOAD0
#undef WLOAD1
#undef WLOAD2
#undef WSTORE0
#undef WSTORE1
#undef WSTORE2

// The 2-block variant (convS4x2AVX512): 12 pixels of 16 output channels,
// a 512-bit register each, as the 6-pixel pair kernel but on ConvS4's
// 4-pixel groups (and with Accumulate).


// S4VTAP is S4WTAP for 16 output channels: its 16 weights at wo(BX).
#define S4VTAP(wo, p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11) \
	VMOVUPS (wo)(BX), Z28; \
	S4VPX(p0, Z0); \
	S4VPX(p1, Z1); \
	S4VPX(p2, Z2); \
	S4VPX(p3, Z3); \
	S4VPX(p4, Z4); \
	S4VPX(p5, Z5); \
	S4VPX(p6, Z6); \
	S4VPX(p7, Z7); \
	S4VPX(p8, Z8); \
	S4VPX(p9, Z9); \
	S4VPX(p10, Z10); \
	S4VPX(p11, Z11)

// S4VPX multiplies-adds the float at src, broadcast, with Z28 into z.
#define S4VPX(src, z) \
	VFMADD231PS.BCST src, Z28, z

// func convS4x2AVX512(t *S4Tile)
#define WTAP S4VTAP
#define WTS 64
#define WYBIAS
#define WYRELU
#define WLOAD0 S4VLOAD4(Z0, Z1, Z2, Z3, 0)
#define WLOAD1 S4VLOAD4(Z4, Z5, Z6, Z7, 16)
#define WLOAD2 S4VLOAD4(Z8, Z9, Z10, Z11, 32)
#define WSTORE0 S12STORE4(Z0, Z1, Z2, Z3, 0)
#define WSTORE1 S12STORE4(Z4, Z5, Z6, Z7, 16)
#define WSTORE2 S12STORE4(Z8, Z9, Z10, Z11, 32)
TEXT ·convS4x2AVX512(SB), NOSPLIT, $0-8
#include "s4wide.h"
#undef WTAP
#undef WTS
#undef WYBIAS
#undef WYRELU
#undef WLOAD0
#undef WLOAD1
#undef WLOAD2
#undef WSTORE0
#undef WSTORE1
#undef WSTORE2

// The 4-block variant (convS4x4AVX512): 12 pixels of 32 output channels,
// two 512-bit registers each (Z0-Z11 channels 0-15, Z16-Z27 16-31), the
// tap's weights in Z28 and Z29, each input float broadcast once into Z30
// for both: 14 loads per 24 multiply-adds of 16 lanes, where the 3-block
// kernel's 14 feed 12 of 16 lanes and 12 of 8.
// S4QPX multiplies-adds the float at src, broadcast, with the tap's
// weights into pixel sums z (channels 0-15) and z2 (16-31).
#define S4QPX(src, z, z2) \
	VBROADCASTSS src, Z30; \
	VFMADD231PS Z30, Z28, z; \
	VFMADD231PS Z30, Z29, z2
// S4QW loads a tap's 32 weights at wo(BX) into Z28 and Z29.
#define S4QW(wo) \
	VMOVUPS (wo)(BX), Z28; \
	VMOVUPS (wo+64)(BX), Z29
// S4QTAP is one filter tap: its 32 weights at wo(BX), the 12 pixels'
// floats at p0-p11.
#define S4QTAP(wo, p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, p10, p11) \
	S4QW(wo); \
	S4QPX(p0, Z0, Z16); \
	S4QPX(p1, Z1, Z17); \
	S4QPX(p2, Z2, Z18); \
	S4QPX(p3, Z3, Z19); \
	S4QPX(p4, Z4, Z20); \
	S4QPX(p5, Z5, Z21); \
	S4QPX(p6, Z6, Z22); \
	S4QPX(p7, Z7, Z23); \
	S4QPX(p8, Z8, Z24); \
	S4QPX(p9, Z9, Z25); \
	S4QPX(p10, Z10, Z26); \
	S4QPX(p11, Z11, Z27)
// ZQBIAS4 sets z0-z3 to the 16 floats at off(AX).
#define ZQBIAS4(off, z0, z1, z2, z3) \
	VMOVUPS off(AX), z0; \
	VMOVAPS z0, z1; \
	VMOVAPS z0, z2; \
	VMOVAPS z0, z3
// ZQRELU4 clamps z0-z3 at 0 (Z13 the zero).
#define ZQRELU4(z0, z1, z2, z3) \
	VMAXPS Z13, z0, z0; \
	VMAXPS Z13, z1, z1; \
	VMAXPS Z13, z2, z2; \
	VMAXPS Z13, z3, z3
// func convS4x4AVX512(t *S4Tile)
#define WTAP S4QTAP
#define WTS 128
#define WYBIAS \
	ZQBIAS4(64, Z16, Z17, Z18, Z19); \
	VMOVAPS Z16, Z20; \
	VMOVAPS Z16, Z21; \
	VMOVAPS Z16, Z22; \
	VMOVAPS Z16, Z23; \
	VMOVAPS Z16, Z24; \
	VMOVAPS Z16, Z25; \
	VMOVAPS Z16, Z26; \
	VMOVAPS Z16, Z27
#define WYRELU \
	ZQRELU4(Z16, Z17, Z18, Z19); \
	ZQRELU4(Z20, Z21, Z22, Z23); \
	ZQRELU4(Z24, Z25, Z26, Z27)
#define WLOAD0 S4VLOAD4(Z0, Z1, Z2, Z3, 0); S4VLOADR(Z16, Z17, Z18, Z19)
#define WLOAD1 S4VLOAD4(Z4, Z5, Z6, Z7, 16); S4VLOADR(Z20, Z21, Z22, Z23)
#define WLOAD2 S4VLOAD4(Z8, Z9, Z10, Z11, 32); S4VLOADR(Z24, Z25, Z26, Z27)
#define WSTORE0 S12STORE4(Z0, Z1, Z2, Z3, 0); S12STORER(Z16, Z17, Z18, Z19)
#define WSTORE1 S12STORE4(Z4, Z5, Z6, Z7, 16); S12STORER(Z20, Z21, Z22, Z23)
#define WSTORE2 S12STORE4(Z8, Z9, Z10, Z11, 32); S12STORER(Z24, Z25, Z26, Z27)
TEXT ·convS4x4AVX512(SB), NOSPLIT, $0-8
#include "s4wide.h"

// convS4x4oneAVX512 is convS4x4AVX512 one group (4 pixels) at a time, for
// the groups a multiple of 3 leaves over: Z0-Z3 and Z16-Z19 the sums, no
// fast rows.
// S4Q1TAP is one filter tap of one group: its weights at wo(BX), the 4
// pixels' floats at p0-p3.
#define S4Q1TAP(wo, p0, p1, p2, p3) \
	S4QW(wo); \
	S4QPX(p0, Z0, Z16); \
	S4QPX(p1, Z1, Z17); \
	S4QPX(p2, Z2, Z18); \
	S4QPX(p3, Z3, Z19)
// func convS4x4oneAVX512(t *S4Tile)
#define OBIAS ZQBIAS4(0, Z0, Z1, Z2, Z3); ZQBIAS4(64, Z16, Z17, Z18, Z19)
#define OLOAD S4VLOAD4(Z0, Z1, Z2, Z3, 0); S4VLOADR(Z16, Z17, Z18, Z19)
#define OTAP S4Q1TAP
#define OTS 128
#define ORELU ZQRELU4(Z0, Z1, Z2, Z3); ZQRELU4(Z16, Z17, Z18, Z19)
#define OSTORE S12STORE4(Z0, Z1, Z2, Z3, 0); S12STORER(Z16, Z17, Z18, Z19)
#define OGROUP 5
#define OROWLOOP ROWLOOP4
TEXT ·convS4x4oneAVX512(SB), NOSPLIT, $0-8
#include "s4one.h"
#undef OBIAS
#undef OLOAD
#undef OTAP
#undef OTS
#undef ORELU
#undef OSTORE

// convS4x8oneAVX512 is the 8-block variant, one group at a time: 4 pixels
// of 64 output channels, four 512-bit registers each (Z0-Z3 channels
// 0-15, Z16-Z19 16-31, Z4-Z7 32-47, Z20-Z23 48-63), the tap's weights in
// Z28, Z29, Z26 and Z27, each input float broadcast once into Z30 for
// the four: 8 loads per 16 multiply-adds of 16 lanes, as many sums as
// hide their latency without triples of groups (short rows).
// S4OW loads a tap's 64 weights at wo(BX) into Z28, Z29, w2 and w3.
#define S4OW(wo, w2, w3) \
	VMOVUPS (wo)(BX), Z28; \
	VMOVUPS (wo+64)(BX), Z29; \
	VMOVUPS (wo+128)(BX), w2; \
	VMOVUPS (wo+192)(BX), w3
// S4OPX multiplies-adds the float at src, broadcast, with the tap's
// weights (Z28, Z29, w2, w3) into pixel sums z0-z3 (channels 0-15,
// 16-31, 32-47, 48-63).
#define S4OPX(src, w2, w3, z0, z1, z2, z3) \
	VBROADCASTSS src, Z30; \
	VFMADD231PS Z30, Z28, z0; \
	VFMADD231PS Z30, Z29, z1; \
	VFMADD231PS Z30, w2, z2; \
	VFMADD231PS Z30, w3, z3
// S4O1TAP is one filter tap of one group: its weights at wo(BX) into
// Z28, Z29, Z26 and Z27, the 4 pixels' floats at p0-p3.
#define S4O1TAP(wo, p0, p1, p2, p3) \
	S4OW(wo, Z26, Z27); \
	S4OPX(p0, Z26, Z27, Z0, Z16, Z4, Z20); \
	S4OPX(p1, Z26, Z27, Z1, Z17, Z5, Z21); \
	S4OPX(p2, Z26, Z27, Z2, Z18, Z6, Z22); \
	S4OPX(p3, Z26, Z27, Z3, Z19, Z7, Z23)
// func convS4x8oneAVX512(t *S4Tile)
#define OBIAS ZQBIAS4(0, Z0, Z1, Z2, Z3); ZQBIAS4(64, Z16, Z17, Z18, Z19); ZQBIAS4(128, Z4, Z5, Z6, Z7); ZQBIAS4(192, Z20, Z21, Z22, Z23)
#define OLOAD S4VLOAD4(Z0, Z1, Z2, Z3, 0); S4VLOADR(Z16, Z17, Z18, Z19); S4VLOADR(Z4, Z5, Z6, Z7); S4VLOADR(Z20, Z21, Z22, Z23)
#define OTAP S4O1TAP
#define OTS 256
#define ORELU ZQRELU4(Z0, Z1, Z2, Z3); ZQRELU4(Z16, Z17, Z18, Z19); ZQRELU4(Z4, Z5, Z6, Z7); ZQRELU4(Z20, Z21, Z22, Z23)
#define OSTORE S12STORE4(Z0, Z1, Z2, Z3, 0); S12STORER(Z16, Z17, Z18, Z19); S12STORER(Z4, Z5, Z6, Z7); S12STORER(Z20, Z21, Z22, Z23)
TEXT ·convS4x8oneAVX512(SB), NOSPLIT, $0-8
#include "s4one.h"

// convD4x8oneAVX512 is convS4x8oneAVX512 for ConvD4: the same sums and
// registers, a group's pixels consecutive floats (16 bytes a group) and a
// row's taps TapStride bytes apart.
#undef OGROUP
#undef OROWLOOP
#define OGROUP 4
#define OROWLOOP ROWLOOPD4
// func convD4x8oneAVX512(t *S4Tile)
TEXT ·convD4x8oneAVX512(SB), NOSPLIT, $0-8
#include "s4one.h"
#undef OBIAS
#undef OLOAD
#undef OTAP
#undef OTS
#undef ORELU
#undef OSTORE

// convD4x6oneAVX512 is convD4x8oneAVX512 for 6 blocks: 4 pixels of 48
// output channels, three 512-bit registers each (Z0-Z3 channels 0-15,
// Z16-Z19 16-31, Z4-Z7 32-47), the tap's weights in Z28, Z29 and Z31,
// each input float broadcast once into Z30 for the three (7 loads per
// 12 multiply-adds): 112 output channels go in chunks of 64 and 48.
// S6W loads a tap's 48 weights at wo(BX) into Z28, Z29 and Z31.
#define S6W(wo) \
	VMOVUPS (wo)(BX), Z28; \
	VMOVUPS (wo+64)(BX), Z29; \
	VMOVUPS (wo+128)(BX), Z31
// S6PX multiplies-adds the float at src, broadcast, with the tap's
// weights (Z28, Z29, Z31) into pixel sums z0-z2 (channels 0-15, 16-31,
// 32-47).
#define S6PX(src, z0, z1, z2) \
	VBROADCASTSS src, Z30; \
	VFMADD231PS Z30, Z28, z0; \
	VFMADD231PS Z30, Z29, z1; \
	VFMADD231PS Z30, Z31, z2
// S4S1TAP is one filter tap of one group: its 48 weights at wo(BX), the
// 4 pixels' floats at p0-p3.
#define S4S1TAP(wo, p0, p1, p2, p3) \
	S6W(wo); \
	S6PX(p0, Z0, Z16, Z4); \
	S6PX(p1, Z1, Z17, Z5); \
	S6PX(p2, Z2, Z18, Z6); \
	S6PX(p3, Z3, Z19, Z7)
#define OBIAS ZQBIAS4(0, Z0, Z1, Z2, Z3); ZQBIAS4(64, Z16, Z17, Z18, Z19); ZQBIAS4(128, Z4, Z5, Z6, Z7)
#define OLOAD S4VLOAD4(Z0, Z1, Z2, Z3, 0); S4VLOADR(Z16, Z17, Z18, Z19); S4VLOADR(Z4, Z5, Z6, Z7)
#define OTAP S4S1TAP
#define OTS 192
#define ORELU ZQRELU4(Z0, Z1, Z2, Z3); ZQRELU4(Z16, Z17, Z18, Z19); ZQRELU4(Z4, Z5, Z6, Z7)
#define OSTORE S12STORE4(Z0, Z1, Z2, Z3, 0); S12STORER(Z16, Z17, Z18, Z19); S12STORER(Z4, Z5, Z6, Z7)
// func convD4x6oneAVX512(t *S4Tile)
TEXT ·convD4x6oneAVX512(SB), NOSPLIT, $0-8
#include "s4one.h"

// convS6x8AVX512 is ConvS6 for 8 blocks: 6 pixels of 64 output channels
// a group, four 512-bit sums a pixel (Z0-Z5 channels 0-15, Z16-Z21
// 16-31, Z6-Z11 32-47, Z22-Z27 48-63), the tap's weights in Z28, Z29, Z31
// and Z12, each input float broadcast once into Z30 for the four: 10
// loads per 24 multiply-adds. Rows of 6 and 10 pixels take groups of 6
// (and 4) where groups of 4 computed 8 and 12. No Accumulate.
// Z6BIAS sets z0-z5 to the 16 floats at off(AX).
#define Z6BIAS(off, z0, z1, z2, z3, z4, z5) \
	ZQBIAS4(off, z0, z1, z2, z3); \
	VMOVAPS z0, z4; \
	VMOVAPS z0, z5
// S6OTAP is one filter tap: its 64 weights at wo(BX) into Z28, Z29, Z31
// and Z12 (TRANS4Z's scratch, free while the sums are computed), the 6
// pixels' floats at p0-p5.
#define S6OTAP(wo, p0, p1, p2, p3, p4, p5) \
	S4OW(wo, Z31, Z12); \
	S4OPX(p0, Z31, Z12, Z0, Z16, Z6, Z22); \
	S4OPX(p1, Z31, Z12, Z1, Z17, Z7, Z23); \
	S4OPX(p2, Z31, Z12, Z2, Z18, Z8, Z24); \
	S4OPX(p3, Z31, Z12, Z3, Z19, Z9, Z25); \
	S4OPX(p4, Z31, Z12, Z4, Z20, Z10, Z26); \
	S4OPX(p5, Z31, Z12, Z5, Z21, Z11, Z27)
// S6RELU2 clamps z0 and z1 at 0 (Z13 the zero).
#define S6RELU2(z0, z1) \
	VMAXPS Z13, z0, z0; \
	VMAXPS Z13, z1, z1
// S6PAIRLANE stores lane k of Z12 and Z13 (pixels 4 and 5 of output
// channels 4k..4k+3, interleaved) as floats 4-5 of 4 rows from R11 (row
// stride CX, BX = 3*CX) and moves R11 on 4 rows.
#define S6PAIRLANE(k) \
	VEXTRACTF32X4 $k, Z12, X14; \
	VEXTRACTF32X4 $k, Z13, X15; \
	VMOVLPS X14, 16(R11); \
	VMOVHPS X14, 16(R11)(CX*1); \
	VMOVLPS X15, 16(R11)(CX*2); \
	VMOVHPS X15, 16(R11)(BX*1); \
	LEAQ (R11)(CX*4), R11
// S6QSTORE stores 6 pixels' sums of 16 output channels (a0-a5) as 16
// rows of 6 floats from R10 on and moves R10 on 16 rows: pixels 0-3 as
// S12STORER does, then 4 and 5 interleaved per channel.
#define S6QSTORE(a0, a1, a2, a3, a4, a5) \
	MOVQ R10, R11; \
	S12STORER(a0, a1, a2, a3); \
	VUNPCKLPS a5, a4, Z12; \
	VUNPCKHPS a5, a4, Z13; \
	S6PAIRLANE(0); \
	S6PAIRLANE(1); \
	S6PAIRLANE(2); \
	S6PAIRLANE(3)
// func convS6x8AVX512(t *S4Tile)
TEXT ·convS6x8AVX512(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DX
	LEAQ ·s4zero(SB), R14
	XORQ DI, DI
s6ogroup:
	GROUPFLAGS(s6onotleft, s6onotright)
	MOVQ S_BIAS(DX), AX
	Z6BIAS(0, Z0, Z1, Z2, Z3, Z4, Z5)
	Z6BIAS(64, Z16, Z17, Z18, Z19, Z20, Z21)
	Z6BIAS(128, Z6, Z7, Z8, Z9, Z10, Z11)
	Z6BIAS(192, Z22, Z23, Z24, Z25, Z26, Z27)
	MOVQ DI, SI
	IMULQ $48, SI
	ADDQ S_IN(DX), SI
	MOVQ S_W(DX), R8
	MOVQ S_NC(DX), R11
s6ochannel:
	ROWLOOP6(s6orow, S6OTAP, 256)
	NEXTCHANNEL(s6ochannel)
	TESTQ $2, R9
	JZ s6ostore
	VPXORD Z13, Z13, Z13
	ZQRELU4(Z0, Z1, Z2, Z3)
	S6RELU2(Z4, Z5)
	ZQRELU4(Z16, Z17, Z18, Z19)
	S6RELU2(Z20, Z21)
	ZQRELU4(Z6, Z7, Z8, Z9)
	S6RELU2(Z10, Z11)
	ZQRELU4(Z22, Z23, Z24, Z25)
	S6RELU2(Z26, Z27)
s6ostore:
	MOVQ DI, AX
	IMULQ $24, AX
	ADDQ S_OUT(DX), AX
	MOVQ S_LDO(DX), CX
	LEAQ (CX)(CX*2), BX
	MOVQ AX, R10
	S6QSTORE(Z0, Z1, Z2, Z3, Z4, Z5)
	S6QSTORE(Z16, Z17, Z18, Z19, Z20, Z21)
	S6QSTORE(Z6, Z7, Z8, Z9, Z10, Z11)
	S6QSTORE(Z22, Z23, Z24, Z25, Z26, Z27)
	INCQ DI
	CMPQ DI, S_NG(DX)
	JLT s6ogroup
	VZEROUPPER
	RET

// convS4x6oneAVX512 is ConvS4 for 6 blocks (48 output channels), one group
// at a time: convD4x6oneAVX512's sums and taps with the stride-2 rows.
#undef OGROUP
#undef OROWLOOP
#define OGROUP 5
#define OROWLOOP ROWLOOP4
// func convS4x6oneAVX512(t *S4Tile)
TEXT ·convS4x6oneAVX512(SB), NOSPLIT, $0-8
#include "s4one.h"

// convS4x6pairAVX512 is ConvS4 for 6 blocks two groups at a time: 8
// pixels of 48 output channels, three 512-bit sums a pixel (channels
// 0-15 in Z0-Z7, 16-31 in Z16-Z23, 32-47 in Z8-Z11 for pixels 0-3 and
// Z24-Z27 for 4-7), the tap's weights in Z28, Z29 and Z31, each input
// float broadcast once into Z30 for the three: 11 loads per 24
// multiply-adds, where a chunk of 32 and one of 16 read every input float
// twice, the 16's with a load per multiply-add.
// S6PTAP is one filter tap of two groups (S6W, S6PX): its 48 weights at
// wo(BX), the 8 pixels' floats at p0-p7.
#define S6PTAP(wo, p0, p1, p2, p3, p4, p5, p6, p7) \
	S6W(wo); \
	S6PX(p0, Z0, Z16, Z8); \
	S6PX(p1, Z1, Z17, Z9); \
	S6PX(p2, Z2, Z18, Z10); \
	S6PX(p3, Z3, Z19, Z11); \
	S6PX(p4, Z4, Z20, Z24); \
	S6PX(p5, Z5, Z21, Z25); \
	S6PX(p6, Z6, Z22, Z26); \
	S6PX(p7, Z7, Z23, Z27)
// Z8BIAS sets z0-z7 to the 16 floats at off(AX).
#define Z8BIAS(off, z0, z1, z2, z3, z4, z5, z6, z7) \
	ZQBIAS4(off, z0, z1, z2, z3); \
	VMOVAPS z0, z4; \
	VMOVAPS z0, z5; \
	VMOVAPS z0, z6; \
	VMOVAPS z0, z7
// func convS4x6pairAVX512(t *S4Tile)
TEXT ·convS4x6pairAVX512(SB), NOSPLIT, $0-8
	MOVQ t+0(FP), DX
	LEAQ ·s4zero(SB), R14
	XORQ DI, DI
s6ppair:
	GROUPFLAGSN(2, s6pnotleft, s6pnotright)
	TESTQ $1, R9
	JNZ s6pacc
	MOVQ S_BIAS(DX), AX
	Z8BIAS(0, Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)
	Z8BIAS(64, Z16, Z17, Z18, Z19, Z20, Z21, Z22, Z23)
	Z8BIAS(128, Z8, Z9, Z10, Z11, Z24, Z25, Z26, Z27)
	JMP s6psums
s6pacc:
	ACCBASE(s6paccout, s6pload)
	S4VLOAD4(Z0, Z1, Z2, Z3, 0)
	S4VLOADR(Z16, Z17, Z18, Z19)
	S4VLOADR(Z8, Z9, Z10, Z11)
	S4VLOAD4(Z4, Z5, Z6, Z7, 16)
	S4VLOADR(Z20, Z21, Z22, Z23)
	S4VLOADR(Z24, Z25, Z26, Z27)
s6psums:
	MOVQ DI, SI
	SHLQ $5, SI
	ADDQ S_IN(DX), SI
	MOVQ S_W(DX), R8
	MOVQ S_NC(DX), R11
s6pchannel:
	ROWLOOP8(s6prow, S6PTAP, 192)
	NEXTCHANNEL(s6pchannel)
	TESTQ $2, R9
	JZ s6pstore
	VPXORD Z13, Z13, Z13
	ZQRELU4(Z0, Z1, Z2, Z3)
	ZQRELU4(Z4, Z5, Z6, Z7)
	ZQRELU4(Z16, Z17, Z18, Z19)
	ZQRELU4(Z20, Z21, Z22, Z23)
	ZQRELU4(Z8, Z9, Z10, Z11)
	ZQRELU4(Z24, Z25, Z26, Z27)
s6pstore:
	MOVQ DI, AX
	SHLQ $4, AX
	ADDQ S_OUT(DX), AX
	MOVQ S_LDO(DX), CX
	LEAQ (CX)(CX*2), BX
	S12STORE4(Z0, Z1, Z2, Z3, 0)
	S12STORER(Z16, Z17, Z18, Z19)
	S12STORER(Z8, Z9, Z10, Z11)
	S12STORE4(Z4, Z5, Z6, Z7, 16)
	S12STORER(Z20, Z21, Z22, Z23)
	S12STORER(Z24, Z25, Z26, Z27)
	ADDQ $2, DI
	CMPQ DI, S_NG(DX)
	JLT s6ppair
	VZEROUPPER
	RET
