// s4wide.h is the body of the 512-bit ConvS4 kernels (convS4x4AVX512,
// convS4x3AVX512, convS4x2AVX512): groups of 4 pixels three at a time,
// 12 pixels' sums in Z0-Z11 (channels 0-15) and, for 4 blocks, Z16-Z27
// (16-31), for 3, Y16-Y27 (16-23).
// s4_amd64.s includes it once per width with WTAP (a filter tap), WTS
// (bytes of a tap's weights), WYBIAS and WYRELU (the bias and ReLU of
// channels 16 on, empty for 2 blocks) and WLOAD0-2 and WSTORE0-2 (a quad
// of pixels' sums in and out) defined.

	MOVQ t+0(FP), DX
	LEAQ ·s4zero(SB), R14
	XORQ DI, DI

s4xtriple:
	// R9: the triple's flags (LeftPad only for the first, RightPad only
	// for the last).
	GROUPFLAGSN(3, s4xnotleft, s4xnotright)
	TESTQ $1, R9
	JNZ s4xacc
	MOVQ S_BIAS(DX), AX
	ZBIAS12
	WYBIAS
	JMP s4xsums

s4xacc:
	// Accumulate: the sums start from Acc, or without it the output.
	ACCBASE(s4xaccout, s4xload)
	WLOAD0
	WLOAD1
	WLOAD2

s4xsums:
	MOVQ DI, SI
	SHLQ $5, SI
	ADDQ S_IN(DX), SI
	MOVQ S_W(DX), R8
	MOVQ S_NC(DX), R11

s4xchannel:
	ROWLOOP12(s4xrow, WTAP, WTS)
	NEXTCHANNEL(s4xchannel)

	TESTQ $2, R9
	JZ s4xstore
	ZRELU12
	WYRELU

s4xstore:
	MOVQ DI, AX
	SHLQ $4, AX
	ADDQ S_OUT(DX), AX
	MOVQ S_LDO(DX), CX
	LEAQ (CX)(CX*2), BX
	WSTORE0
	WSTORE1
	WSTORE2
	ADDQ $3, DI
	CMPQ DI, S_NG(DX)
	JLT s4xtriple
	VZEROUPPER
	RET
