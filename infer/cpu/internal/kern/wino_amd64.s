//go:build amd64 && !purego

#include "textflag.h"

// WROW loads one input row of eight tiles (columns 2j .. 2j+3 of tile j,
// at a0 = column 0, a32 = column 8, a8 = column 2, a40 = column 10),
// splits it into even and odd columns and applies B^T along the row:
// t0 = d0-d2, t1 = d1+d2, t2 = d2-d1, t3 = d1-d3. Y12-Y15 are scratch.
#define WROW(a0, a32, a8, a40, t0, t1, t2, t3) \
	VMOVUPS a0, Y12; \
	VMOVUPS a32, Y13; \
	VSHUFPS $0x88, Y13, Y12, Y14; \
	VSHUFPS $0xDD, Y13, Y12, Y15; \
	VPERMPD $0xD8, Y14, Y14; \
	VPERMPD $0xD8, Y15, Y15; \
	VMOVUPS a8, Y12; \
	VMOVUPS a40, Y13; \
	VSHUFPS $0x88, Y13, Y12, t2; \
	VSHUFPS $0xDD, Y13, Y12, t3; \
	VPERMPD $0xD8, t2, t2; \
	VPERMPD $0xD8, t3, t3; \
	VSUBPS t2, Y14, t0; \
	VADDPS t2, Y15, t1; \
	VSUBPS Y15, t2, t2; \
	VSUBPS t3, Y15, t3

// func winoInAVX2(v unsafe.Pointer, vs int, p unsafe.Pointer, ps int, n8 int)
TEXT ·winoInAVX2(SB), NOSPLIT, $0-40
	MOVQ v+0(FP), DI
	MOVQ vs+8(FP), R8
	MOVQ p+16(FP), SI
	MOVQ ps+24(FP), CX
	MOVQ n8+32(FP), DX
	TESTQ DX, DX
	JZ in_done
	LEAQ (R8)(R8*2), R10    // 3*vs
	LEAQ (DI)(R8*4), R11    // planes 4-7
	LEAQ (R11)(R8*4), R12   // planes 8-11
	LEAQ (R12)(R8*4), R13   // planes 12-15
	LEAQ (CX)(CX*2), R14
	ADDQ SI, R14            // row 3

in_loop:
	WROW(0(SI), 32(SI), 8(SI), 40(SI), Y0, Y1, Y2, Y3)
	WROW(0(SI)(CX*2), 32(SI)(CX*2), 8(SI)(CX*2), 40(SI)(CX*2), Y4, Y5, Y6, Y7)
	VSUBPS Y4, Y0, Y8
	VSUBPS Y5, Y1, Y9
	VSUBPS Y6, Y2, Y10
	VSUBPS Y7, Y3, Y11
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, (DI)(R8*1)
	VMOVUPS Y10, (DI)(R8*2)
	VMOVUPS Y11, (DI)(R10*1)
	WROW(0(SI)(CX*1), 32(SI)(CX*1), 8(SI)(CX*1), 40(SI)(CX*1), Y0, Y1, Y2, Y3)
	VADDPS Y4, Y0, Y8
	VADDPS Y5, Y1, Y9
	VADDPS Y6, Y2, Y10
	VADDPS Y7, Y3, Y11
	VMOVUPS Y8, (R11)
	VMOVUPS Y9, (R11)(R8*1)
	VMOVUPS Y10, (R11)(R8*2)
	VMOVUPS Y11, (R11)(R10*1)
	VSUBPS Y0, Y4, Y8
	VSUBPS Y1, Y5, Y9
	VSUBPS Y2, Y6, Y10
	VSUBPS Y3, Y7, Y11
	VMOVUPS Y8, (R12)
	VMOVUPS Y9, (R12)(R8*1)
	VMOVUPS Y10, (R12)(R8*2)
	VMOVUPS Y11, (R12)(R10*1)
	WROW(0(R14), 32(R14), 8(R14), 40(R14), Y4, Y5, Y6, Y7)
	VSUBPS Y4, Y0, Y8
	VSUBPS Y5, Y1, Y9
	VSUBPS Y6, Y2, Y10
	VSUBPS Y7, Y3, Y11
	VMOVUPS Y8, (R13)
	VMOVUPS Y9, (R13)(R8*1)
	VMOVUPS Y10, (R13)(R8*2)
	VMOVUPS Y11, (R13)(R10*1)
	ADDQ $32, DI
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R13
	ADDQ $64, SI
	ADDQ $64, R14
	DECQ DX
	JNZ in_loop

in_done:
	VZEROUPPER
	RET

// func winoInRowAVX2(v unsafe.Pointer, vs int, pa, pb unsafe.Pointer, n8 int, sign float32)
TEXT ·winoInRowAVX2(SB), NOSPLIT, $0-44
	MOVQ v+0(FP), DI
	MOVQ vs+8(FP), R8
	MOVQ pa+16(FP), SI
	MOVQ pb+24(FP), CX
	MOVQ n8+32(FP), DX
	VBROADCASTSS sign+40(FP), Y8
	TESTQ DX, DX
	JZ row_done
	LEAQ (R8)(R8*2), R10    // 3*vs

row_loop:
	WROW(0(SI), 32(SI), 8(SI), 40(SI), Y0, Y1, Y2, Y3)
	WROW(0(CX), 32(CX), 8(CX), 40(CX), Y4, Y5, Y6, Y7)
	VFMADD231PS Y8, Y4, Y0
	VFMADD231PS Y8, Y5, Y1
	VFMADD231PS Y8, Y6, Y2
	VFMADD231PS Y8, Y7, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, (DI)(R8*1)
	VMOVUPS Y2, (DI)(R8*2)
	VMOVUPS Y3, (DI)(R10*1)
	ADDQ $32, DI
	ADDQ $64, SI
	ADDQ $64, CX
	DECQ DX
	JNZ row_loop

row_done:
	VZEROUPPER
	RET

// WSUM loads one row i of a tile's values (m0..m3 at a0..a3) and applies
// A^T along it: s0 = m0+m1+m2 (into s0), s1 = m1-m2-m3 (into s1).
#define WSUM(a0, a1, a2, a3, s0, s1) \
	VMOVUPS a0, Y12; \
	VMOVUPS a1, Y13; \
	VMOVUPS a2, Y14; \
	VMOVUPS a3, Y15; \
	VADDPS Y13, Y12, s0; \
	VADDPS Y14, s0, s0; \
	VSUBPS Y14, Y13, s1; \
	VSUBPS Y15, s1, s1

// WSTORE interleaves a row's column-0 (c0) and column-1 (c1) outputs of
// eight tiles into 16 consecutive floats at a0 and a32.
#define WSTORE(c0, c1, a0, a32) \
	VUNPCKLPS c1, c0, Y12; \
	VUNPCKHPS c1, c0, Y13; \
	VPERM2F128 $0x20, Y13, Y12, Y14; \
	VPERM2F128 $0x31, Y13, Y12, Y15; \
	VMOVUPS Y14, a0; \
	VMOVUPS Y15, a32

// WSTORER is WSTORE adding the residual at r0 and r32 to the outputs and,
// with BX set, clamping them at 0 (Y11) before storing them.
#define WSTORER(c0, c1, a0, a32, r0, r32, norelu) \
	VUNPCKLPS c1, c0, Y12; \
	VUNPCKHPS c1, c0, Y13; \
	VPERM2F128 $0x20, Y13, Y12, Y14; \
	VPERM2F128 $0x31, Y13, Y12, Y15; \
	VADDPS r0, Y14, Y14; \
	VADDPS r32, Y15, Y15; \
	TESTQ BX, BX; \
	JZ norelu; \
	VMAXPS Y11, Y14, Y14; \
	VMAXPS Y11, Y15, Y15; \
norelu: \
	VMOVUPS Y14, a0; \
	VMOVUPS Y15, a32

// The output transform of one group of 8 tiles into Y4 (row 0, column 0),
// Y5 (row 0, column 1), Y6 and Y7 (row 1).
#define WOUT \
	WSUM((SI), (SI)(R8*1), (SI)(R8*2), (SI)(R10*1), Y4, Y5); \
	WSUM((R11), (R11)(R8*1), (R11)(R8*2), (R11)(R10*1), Y6, Y7); \
	VADDPS Y6, Y4, Y4; \
	VADDPS Y7, Y5, Y5; \
	WSUM((R12), (R12)(R8*1), (R12)(R8*2), (R12)(R10*1), Y8, Y9); \
	VADDPS Y8, Y4, Y4; \
	VADDPS Y9, Y5, Y5; \
	VSUBPS Y8, Y6, Y6; \
	VSUBPS Y9, Y7, Y7; \
	WSUM((R13), (R13)(R8*1), (R13)(R8*2), (R13)(R10*1), Y8, Y9); \
	VSUBPS Y8, Y6, Y6; \
	VSUBPS Y9, Y7, Y7

// func winoOutAVX2(y unsafe.Pointer, ys int, m unsafe.Pointer, ms int, n8 int, relu int, res unsafe.Pointer)
TEXT ·winoOutAVX2(SB), NOSPLIT, $0-56
	MOVQ y+0(FP), DI
	MOVQ ys+8(FP), CX
	MOVQ m+16(FP), SI
	MOVQ ms+24(FP), R8
	MOVQ n8+32(FP), DX
	MOVQ relu+40(FP), BX
	MOVQ res+48(FP), R9
	TESTQ DX, DX
	JZ out_done
	LEAQ (R8)(R8*2), R10
	LEAQ (SI)(R8*4), R11
	LEAQ (R11)(R8*4), R12
	LEAQ (R12)(R8*4), R13
	VXORPS Y11, Y11, Y11
	TESTQ R9, R9
	JNZ res_loop

out_loop:
	WOUT
	TESTQ BX, BX
	JZ out_store
	VMAXPS Y11, Y4, Y4
	VMAXPS Y11, Y5, Y5
	VMAXPS Y11, Y6, Y6
	VMAXPS Y11, Y7, Y7

out_store:
	WSTORE(Y4, Y5, (DI), 32(DI))
	WSTORE(Y6, Y7, (DI)(CX*1), 32(DI)(CX*1))
	ADDQ $32, SI
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R13
	ADDQ $64, DI
	DECQ DX
	JNZ out_loop

out_done:
	VZEROUPPER
	RET

res_loop:
	WOUT
	WSTORER(Y4, Y5, (DI), 32(DI), (R9), 32(R9), res_relu0)
	WSTORER(Y6, Y7, (DI)(CX*1), 32(DI)(CX*1), (R9)(CX*1), 32(R9)(CX*1), res_relu1)
	ADDQ $32, SI
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R13
	ADDQ $64, DI
	ADDQ $64, R9
	DECQ DX
	JNZ res_loop
	VZEROUPPER
	RET
