//go:build amd64 && !purego

#include "textflag.h"
#include "lane4x4.h"

// Winograd F(4x4, 3x3) transforms (wino4.go), eight tiles a group, the
// tiles in the lanes in their natural order. A patch row of the group is
// loaded as four vectors [tile j | tile j+4] (columns 0-3 of each; the
// 128-bit halves from two loads) and transposed within the lanes, which
// gives columns 0-3 of the eight tiles; columns 4 and 5 are columns 0
// and 1 of the next tiles, from the same vectors and one more pair.
// Both transforms go through a 1152-byte scratch on the stack between
// their two passes (36 vectors: more than the 16 registers).

// BCAST broadcasts the float32 with the given bits into y (through AX
// and its low half x).
#define BCAST(bits, x, y) \
	MOVL bits, AX; \
	VMOVD AX, x; \
	VBROADCASTSS x, y

// STRIDES6 sets six = 6*s and eighteen = 18*s: the byte strides between
// the rows of a tile's values (planes 6i+k).
#define STRIDES6(s, six, eighteen) \
	LEAQ (s)(s*2), six; \
	ADDQ six, six; \
	LEAQ (six)(six*2), eighteen

// BT6 applies B^T to d0..d5 (Y registers) and stores the 6 results at
// o0..o5, with Y10-Y12 as scratch and the constants 2, 4, 5 in Y13-Y15:
// r0 = 4d0-5d2+d4, r1 = (d4-4d2)+(d3-4d1), r2 = (d4-4d2)-(d3-4d1),
// r3 = (d4-d2)+2(d3-d1), r4 = (d4-d2)-2(d3-d1), r5 = 4d1-5d3+d5.
#define BT6(d0, d1, d2, d3, d4, d5, o0, o1, o2, o3, o4, o5) \
	VMOVAPS d4, Y10; \
	VFNMADD231PS Y14, d2, Y10; \
	VMOVAPS d3, Y11; \
	VFNMADD231PS Y14, d1, Y11; \
	VADDPS Y11, Y10, Y12; \
	VMOVUPS Y12, o1; \
	VSUBPS Y11, Y10, Y12; \
	VMOVUPS Y12, o2; \
	VSUBPS d2, d4, Y10; \
	VSUBPS d1, d3, Y11; \
	VMOVAPS Y10, Y12; \
	VFMADD231PS Y13, Y11, Y12; \
	VMOVUPS Y12, o3; \
	VFNMADD231PS Y13, Y11, Y10; \
	VMOVUPS Y10, o4; \
	VMOVAPS d4, Y10; \
	VFNMADD231PS Y15, d2, Y10; \
	VFMADD231PS Y14, d0, Y10; \
	VMOVUPS Y10, o0; \
	VMOVAPS d5, Y10; \
	VFMADD231PS Y14, d1, Y10; \
	VFNMADD231PS Y15, d3, Y10; \
	VMOVUPS Y10, o5

// PROW loads the group's patch row at a (through AX) (its columns into Y0-Y5),
// applies B^T along it and stores the 6 results to the scratch row at
// s (byte offset into the stack frame, 6 vectors).
#define PROW(a, s) \
	LEAQ a, AX; \
	VMOVUPS 0(AX), X6; \
	VINSERTF128 $1, 64(AX), Y6, Y6; \
	VMOVUPS 16(AX), X7; \
	VINSERTF128 $1, 80(AX), Y7, Y7; \
	VMOVUPS 32(AX), X8; \
	VINSERTF128 $1, 96(AX), Y8, Y8; \
	VMOVUPS 48(AX), X9; \
	VINSERTF128 $1, 112(AX), Y9, Y9; \
	LANE4X4(Y6, Y7, Y8, Y9, Y10, Y11, Y12, Y4, Y0, Y1, Y2, Y3); \
	VMOVUPS 64(AX), X6; \
	VINSERTF128 $1, 128(AX), Y6, Y6; \
	VUNPCKLPS Y8, Y7, Y10; \
	VUNPCKLPS Y6, Y9, Y11; \
	VUNPCKLPD Y11, Y10, Y4; \
	VUNPCKHPD Y11, Y10, Y5; \
	BT6(Y0, Y1, Y2, Y3, Y4, Y5, s+0(SP), s+32(SP), s+64(SP), s+96(SP), s+128(SP), s+160(SP))

// PCOL loads column k of the scratch (rows at s, s+192, ..., s+960)
// applies B^T down it and stores value 6i+k to R11 + i*6vs (R9 = 6vs,
// R12 = R11 + 18vs), then moves R11 and R12 to the next plane.
#define PCOL(s) \
	VMOVUPS s+0(SP), Y0; \
	VMOVUPS s+192(SP), Y1; \
	VMOVUPS s+384(SP), Y2; \
	VMOVUPS s+576(SP), Y3; \
	VMOVUPS s+768(SP), Y4; \
	VMOVUPS s+960(SP), Y5; \
	BT6(Y0, Y1, Y2, Y3, Y4, Y5, (R11), (R11)(R9*1), (R11)(R9*2), (R12), (R12)(R9*1), (R12)(R9*2)); \
	ADDQ R8, R11; \
	ADDQ R8, R12

// func wino4InAVX2(v unsafe.Pointer, vs int, p unsafe.Pointer, ps int, n8 int)
TEXT ·wino4InAVX2(SB), $1152-40
	MOVQ v+0(FP), DI
	MOVQ vs+8(FP), R8
	MOVQ p+16(FP), SI
	MOVQ ps+24(FP), CX
	MOVQ n8+32(FP), DX
	TESTQ DX, DX
	JZ in4_done
	STRIDES6(R8, R9, R10)   // 6*vs, 18*vs
	LEAQ (CX)(CX*2), R13
	ADDQ SI, R13            // row 3
	BCAST($0x40000000, X13, Y13) // 2
	BCAST($0x40800000, X14, Y14) // 4
	BCAST($0x40A00000, X15, Y15) // 5

in4_loop:
	PROW((SI), 0)
	PROW((SI)(CX*1), 192)
	PROW((SI)(CX*2), 384)
	PROW((R13), 576)
	PROW((R13)(CX*1), 768)
	PROW((R13)(CX*2), 960)
	MOVQ DI, R11
	LEAQ (DI)(R10*1), R12
	PCOL(0)
	PCOL(32)
	PCOL(64)
	PCOL(96)
	PCOL(128)
	PCOL(160)
	ADDQ $32, DI
	ADDQ $128, SI
	ADDQ $128, R13
	DECQ DX
	JNZ in4_loop

in4_done:
	VZEROUPPER
	RET

// AT6 applies A^T to m0..m5 (Y registers), the results in m0..m3, with
// Y6-Y9 as scratch and the constants 2, 4, 8 in Y13-Y15:
// o0 = m0+(m1+m2)+(m3+m4), o1 = (m1-m2)+2(m3-m4), o2 = (m1+m2)+4(m3+m4),
// o3 = (m1-m2)+m5+8(m3-m4).
#define AT6(m0, m1, m2, m3, m4, m5) \
	VADDPS m2, m1, Y6; \
	VSUBPS m2, m1, Y7; \
	VADDPS m4, m3, Y8; \
	VSUBPS m4, m3, Y9; \
	VADDPS Y6, m0, m0; \
	VADDPS Y8, m0, m0; \
	VMOVAPS Y7, m1; \
	VFMADD231PS Y13, Y9, m1; \
	VMOVAPS Y6, m2; \
	VFMADD231PS Y14, Y8, m2; \
	VADDPS m5, Y7, m3; \
	VFMADD231PS Y15, Y9, m3

// OCOL loads column k of the group's values (plane 6i+k at R11 +
// i*6ms; R8 = 6ms, R12 = R11 + 18ms), applies A^T down it and stores the
// 4 results to scratch rows s, s+192, s+384, s+576; then moves R11 and
// R12 to the next plane.
#define OCOL(s) \
	VMOVUPS (R11), Y0; \
	VMOVUPS (R11)(R8*1), Y1; \
	VMOVUPS (R11)(R8*2), Y2; \
	VMOVUPS (R12), Y3; \
	VMOVUPS (R12)(R8*1), Y4; \
	VMOVUPS (R12)(R8*2), Y5; \
	AT6(Y0, Y1, Y2, Y3, Y4, Y5); \
	VMOVUPS Y0, s+0(SP); \
	VMOVUPS Y1, s+192(SP); \
	VMOVUPS Y2, s+384(SP); \
	VMOVUPS Y3, s+576(SP); \
	ADDQ R13, R11; \
	ADDQ R13, R12

// OROW applies A^T along scratch row s (output row r of the 8 tiles:
// columns 0-3 in Y0-Y3), transposes the columns into the tiles' 32
// consecutive output floats (Y4-Y7: tiles 0-1, 2-3, 4-5, 6-7), adds the
// residual at ra (with R9 set; R11 and AX are scratch), clamps at 0 (Y12) with BX set and stores
// them at a.
#define OROW(s, a, ra, nores, norelu) \
	LEAQ a, AX; \
	LEAQ ra, R11; \
	VMOVUPS s+0(SP), Y0; \
	VMOVUPS s+32(SP), Y1; \
	VMOVUPS s+64(SP), Y2; \
	VMOVUPS s+96(SP), Y3; \
	VMOVUPS s+128(SP), Y4; \
	VMOVUPS s+160(SP), Y5; \
	AT6(Y0, Y1, Y2, Y3, Y4, Y5); \
	LANE4X4(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7, Y0, Y1, Y2, Y3); \
	VPERM2F128 $0x20, Y1, Y0, Y4; \
	VPERM2F128 $0x20, Y3, Y2, Y5; \
	VPERM2F128 $0x31, Y1, Y0, Y6; \
	VPERM2F128 $0x31, Y3, Y2, Y7; \
	TESTQ R9, R9; \
	JZ nores; \
	VADDPS 0(R11), Y4, Y4; \
	VADDPS 32(R11), Y5, Y5; \
	VADDPS 64(R11), Y6, Y6; \
	VADDPS 96(R11), Y7, Y7; \
nores: \
	TESTQ BX, BX; \
	JZ norelu; \
	VMAXPS Y12, Y4, Y4; \
	VMAXPS Y12, Y5, Y5; \
	VMAXPS Y12, Y6, Y6; \
	VMAXPS Y12, Y7, Y7; \
norelu: \
	VMOVUPS Y4, 0(AX); \
	VMOVUPS Y5, 32(AX); \
	VMOVUPS Y6, 64(AX); \
	VMOVUPS Y7, 96(AX)

// func wino4OutAVX2(y unsafe.Pointer, ys int, m unsafe.Pointer, ms int, n8 int, relu int, res unsafe.Pointer)
TEXT ·wino4OutAVX2(SB), $1152-56
	MOVQ y+0(FP), DI
	MOVQ ys+8(FP), CX
	MOVQ m+16(FP), SI
	MOVQ ms+24(FP), R13
	MOVQ n8+32(FP), DX
	MOVQ relu+40(FP), BX
	MOVQ res+48(FP), R9
	TESTQ DX, DX
	JZ out4_done
	STRIDES6(R13, R8, R14)  // 6*ms, 18*ms
	LEAQ (CX)(CX*2), R10    // 3*ys
	VXORPS Y12, Y12, Y12
	BCAST($0x40000000, X13, Y13) // 2
	BCAST($0x40800000, X14, Y14) // 4
	BCAST($0x41000000, X15, Y15) // 8

out4_loop:
	MOVQ SI, R11
	LEAQ (SI)(R14*1), R12
	OCOL(0)
	OCOL(32)
	OCOL(64)
	OCOL(96)
	OCOL(128)
	OCOL(160)
	OROW(0, (DI), (R9), out4_nores0, out4_norelu0)
	OROW(192, (DI)(CX*1), (R9)(CX*1), out4_nores1, out4_norelu1)
	OROW(384, (DI)(CX*2), (R9)(CX*2), out4_nores2, out4_norelu2)
	OROW(576, (DI)(R10*1), (R9)(R10*1), out4_nores3, out4_norelu3)
	ADDQ $32, SI
	ADDQ $128, DI
	TESTQ R9, R9
	JZ out4_next
	ADDQ $128, R9

out4_next:
	DECQ DX
	JNZ out4_loop

out4_done:
	VZEROUPPER
	RET
