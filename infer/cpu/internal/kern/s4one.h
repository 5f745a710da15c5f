// s4one.h is the body of the 512-bit ConvS4 kernels that take one group
// (4 pixels) at a time (convS4x4oneAVX512, convS4x8oneAVX512): the sums of
// 32 or 64 output channels in two or four registers a pixel. s4_amd64.s
// includes it once per width with OBIAS (the sums from the bias at AX),
// OLOAD (from the partial sums at AX, rows CX apart), OTAP (a filter tap),
// OTS (bytes of a tap's weights), ORELU (clamp at Z13, the zero), OSTORE
// (the sums to the output at AX), OGROUP (log2 of the input bytes between
// groups: 5 for stride 2, 4 for ConvD4) and OROWLOOP (a channel's filter
// rows: ROWLOOP4, ROWLOOPD4) defined.

	MOVQ t+0(FP), DX
	LEAQ ·s4zero(SB), R14
	XORQ DI, DI
o1group:
	GROUPFLAGS(o1notleft, o1notright)
	TESTQ $1, R9
	JNZ o1acc
	MOVQ S_BIAS(DX), AX
	OBIAS
	JMP o1sums
o1acc:
	ACCBASE(o1accout, o1load)
	OLOAD
o1sums:
	MOVQ DI, SI
	SHLQ $OGROUP, SI
	ADDQ S_IN(DX), SI
	MOVQ S_W(DX), R8
	MOVQ S_NC(DX), R11
o1channel:
	OROWLOOP(o1row, OTAP, OTS)
	NEXTCHANNEL(o1channel)
	TESTQ $2, R9
	JZ o1store
	VPXORD Z13, Z13, Z13
	ORELU
o1store:
	MOVQ DI, AX
	SHLQ $4, AX
	ADDQ S_OUT(DX), AX
	MOVQ S_LDO(DX), CX
	LEAQ (CX)(CX*2), BX
	OSTORE
	INCQ DI
	CMPQ DI, S_NG(DX)
	JLT o1group
	VZEROUPPER
	RET
