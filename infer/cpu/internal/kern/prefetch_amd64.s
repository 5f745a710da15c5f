//go:build amd64 && !purego

#include "textflag.h"

// func prefetchAsm(p unsafe.Pointer, n, rows, stride int)
TEXT ·prefetchAsm(SB), NOSPLIT, $0-32
	MOVQ p+0(FP), DX
	MOVQ n+8(FP), BX
	MOVQ rows+16(FP), SI
	MOVQ stride+24(FP), DI
row:
	MOVQ DX, AX
	LEAQ (DX)(BX*1), CX
line:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	CMPQ AX, CX
	JLT line
	ADDQ DI, DX
	DECQ SI
	JNZ row
	RET
