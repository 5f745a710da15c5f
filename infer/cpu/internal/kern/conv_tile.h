// conv_tile.h is the body of the micro-kernel (Conv4x24, Conv4x48):
// included once per vector width by conv_amd64.s, with VX0-VX15 defined
// as the Y (256-bit) or Z (512-bit) registers and VXZERO(r) zeroing one.
// Register use: DX the Tile; R13 the block index; R12 the block's weight
// panel, BX the weight cursor; R14 the block's bias; SI, DI, R8 the input
// of vectors 0-2 at the current channel; R9/R10 the tap cursor and count;
// R11 the channels left; CX the channel stride; AX a tap offset.
// VX0-VX11 hold the sums: VX(3*row + vector). VX12-VX14 the input
// vectors, VX15 a broadcast weight.

	MOVQ t+0(FP), DX
	MOVQ T_W(DX), R12
	MOVQ T_BIAS(DX), R14
	XORQ R13, R13

block:
	TESTQ $1, T_FLAGS(DX)
	JNZ accumulate
	VBROADCASTSS 0(R14), VX0
	VMOVAPS VX0, VX1
	VMOVAPS VX0, VX2
	VBROADCASTSS 4(R14), VX3
	VMOVAPS VX3, VX4
	VMOVAPS VX3, VX5
	VBROADCASTSS 8(R14), VX6
	VMOVAPS VX6, VX7
	VMOVAPS VX6, VX8
	VBROADCASTSS 12(R14), VX9
	VMOVAPS VX9, VX10
	VMOVAPS VX9, VX11
	JMP sums

accumulate:
	ROWS(rowsLoad)
	OUTV(T_OUT0, T_LDO0)
	LOADV(VX0, VX3, VX6, VX9, load0)
	OUTV(T_OUT1, T_LDO1)
	LOADV(VX1, VX4, VX7, VX10, load1)
	OUTV(T_OUT2, T_LDO2)
	LOADV(VX2, VX5, VX8, VX11, load2)

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
	VXZERO(VX12)
	VMAXPS VX12, VX0, VX0
	VMAXPS VX12, VX1, VX1
	VMAXPS VX12, VX2, VX2
	VMAXPS VX12, VX3, VX3
	VMAXPS VX12, VX4, VX4
	VMAXPS VX12, VX5, VX5
	VMAXPS VX12, VX6, VX6
	VMAXPS VX12, VX7, VX7
	VMAXPS VX12, VX8, VX8
	VMAXPS VX12, VX9, VX9
	VMAXPS VX12, VX10, VX10
	VMAXPS VX12, VX11, VX11

store:
	ROWS(rowsStore)
	OUTV(T_OUT0, T_LDO0)
	STOREV(VX0, VX3, VX6, VX9, store0)
	OUTV(T_OUT1, T_LDO1)
	STOREV(VX1, VX4, VX7, VX10, store1)
	OUTV(T_OUT2, T_LDO2)
	STOREV(VX2, VX5, VX8, VX11, store2)

	ADDQ T_WSTRIDE(DX), R12
	ADDQ $16, R14
	INCQ R13
	CMPQ R13, T_NOB(DX)
	JLT block

	VZEROUPPER
	RET
