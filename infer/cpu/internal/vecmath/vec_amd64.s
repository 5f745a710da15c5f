//go:build amd64

#include "textflag.h"

// Constants, each repeated in 8 lanes: log2(e), the clamp of the exp
// argument, 1, the exponent bias and exp32's polynomial coefficients
// (ln(2)^k/k!, k = 7 down to 0); then, for the 512-bit sigmoid and SiLU,
// -log2(e) and the clamp of x (87.3 and -88.3: e^-x's argument's range).
DATA vconst<>+0(SB)/4, $0x3fb8aa3b
DATA vconst<>+4(SB)/4, $0x3fb8aa3b
DATA vconst<>+8(SB)/4, $0x3fb8aa3b
DATA vconst<>+12(SB)/4, $0x3fb8aa3b
DATA vconst<>+16(SB)/4, $0x3fb8aa3b
DATA vconst<>+20(SB)/4, $0x3fb8aa3b
DATA vconst<>+24(SB)/4, $0x3fb8aa3b
DATA vconst<>+28(SB)/4, $0x3fb8aa3b
DATA vconst<>+32(SB)/4, $0x42b0999a
DATA vconst<>+36(SB)/4, $0x42b0999a
DATA vconst<>+40(SB)/4, $0x42b0999a
DATA vconst<>+44(SB)/4, $0x42b0999a
DATA vconst<>+48(SB)/4, $0x42b0999a
DATA vconst<>+52(SB)/4, $0x42b0999a
DATA vconst<>+56(SB)/4, $0x42b0999a
DATA vconst<>+60(SB)/4, $0x42b0999a
DATA vconst<>+64(SB)/4, $0xc2ae999a
DATA vconst<>+68(SB)/4, $0xc2ae999a
DATA vconst<>+72(SB)/4, $0xc2ae999a
DATA vconst<>+76(SB)/4, $0xc2ae999a
DATA vconst<>+80(SB)/4, $0xc2ae999a
DATA vconst<>+84(SB)/4, $0xc2ae999a
DATA vconst<>+88(SB)/4, $0xc2ae999a
DATA vconst<>+92(SB)/4, $0xc2ae999a
DATA vconst<>+96(SB)/4, $0x3f800000
DATA vconst<>+100(SB)/4, $0x3f800000
DATA vconst<>+104(SB)/4, $0x3f800000
DATA vconst<>+108(SB)/4, $0x3f800000
DATA vconst<>+112(SB)/4, $0x3f800000
DATA vconst<>+116(SB)/4, $0x3f800000
DATA vconst<>+120(SB)/4, $0x3f800000
DATA vconst<>+124(SB)/4, $0x3f800000
DATA vconst<>+128(SB)/4, $0x0000007f
DATA vconst<>+132(SB)/4, $0x0000007f
DATA vconst<>+136(SB)/4, $0x0000007f
DATA vconst<>+140(SB)/4, $0x0000007f
DATA vconst<>+144(SB)/4, $0x0000007f
DATA vconst<>+148(SB)/4, $0x0000007f
DATA vconst<>+152(SB)/4, $0x0000007f
DATA vconst<>+156(SB)/4, $0x0000007f
DATA vconst<>+160(SB)/4, $0x377fe5fd
DATA vconst<>+164(SB)/4, $0x377fe5fd
DATA vconst<>+168(SB)/4, $0x377fe5fd
DATA vconst<>+172(SB)/4, $0x377fe5fd
DATA vconst<>+176(SB)/4, $0x377fe5fd
DATA vconst<>+180(SB)/4, $0x377fe5fd
DATA vconst<>+184(SB)/4, $0x377fe5fd
DATA vconst<>+188(SB)/4, $0x377fe5fd
DATA vconst<>+192(SB)/4, $0x39218489
DATA vconst<>+196(SB)/4, $0x39218489
DATA vconst<>+200(SB)/4, $0x39218489
DATA vconst<>+204(SB)/4, $0x39218489
DATA vconst<>+208(SB)/4, $0x39218489
DATA vconst<>+212(SB)/4, $0x39218489
DATA vconst<>+216(SB)/4, $0x39218489
DATA vconst<>+220(SB)/4, $0x39218489
DATA vconst<>+224(SB)/4, $0x3aaec3ff
DATA vconst<>+228(SB)/4, $0x3aaec3ff
DATA vconst<>+232(SB)/4, $0x3aaec3ff
DATA vconst<>+236(SB)/4, $0x3aaec3ff
DATA vconst<>+240(SB)/4, $0x3aaec3ff
DATA vconst<>+244(SB)/4, $0x3aaec3ff
DATA vconst<>+248(SB)/4, $0x3aaec3ff
DATA vconst<>+252(SB)/4, $0x3aaec3ff
DATA vconst<>+256(SB)/4, $0x3c1d955b
DATA vconst<>+260(SB)/4, $0x3c1d955b
DATA vconst<>+264(SB)/4, $0x3c1d955b
DATA vconst<>+268(SB)/4, $0x3c1d955b
DATA vconst<>+272(SB)/4, $0x3c1d955b
DATA vconst<>+276(SB)/4, $0x3c1d955b
DATA vconst<>+280(SB)/4, $0x3c1d955b
DATA vconst<>+284(SB)/4, $0x3c1d955b
DATA vconst<>+288(SB)/4, $0x3d635847
DATA vconst<>+292(SB)/4, $0x3d635847
DATA vconst<>+296(SB)/4, $0x3d635847
DATA vconst<>+300(SB)/4, $0x3d635847
DATA vconst<>+304(SB)/4, $0x3d635847
DATA vconst<>+308(SB)/4, $0x3d635847
DATA vconst<>+312(SB)/4, $0x3d635847
DATA vconst<>+316(SB)/4, $0x3d635847
DATA vconst<>+320(SB)/4, $0x3e75fdf0
DATA vconst<>+324(SB)/4, $0x3e75fdf0
DATA vconst<>+328(SB)/4, $0x3e75fdf0
DATA vconst<>+332(SB)/4, $0x3e75fdf0
DATA vconst<>+336(SB)/4, $0x3e75fdf0
DATA vconst<>+340(SB)/4, $0x3e75fdf0
DATA vconst<>+344(SB)/4, $0x3e75fdf0
DATA vconst<>+348(SB)/4, $0x3e75fdf0
DATA vconst<>+352(SB)/4, $0x3f317218
DATA vconst<>+356(SB)/4, $0x3f317218
DATA vconst<>+360(SB)/4, $0x3f317218
DATA vconst<>+364(SB)/4, $0x3f317218
DATA vconst<>+368(SB)/4, $0x3f317218
DATA vconst<>+372(SB)/4, $0x3f317218
DATA vconst<>+376(SB)/4, $0x3f317218
DATA vconst<>+380(SB)/4, $0x3f317218
DATA vconst<>+384(SB)/4, $0x3f800000
DATA vconst<>+388(SB)/4, $0x3f800000
DATA vconst<>+392(SB)/4, $0x3f800000
DATA vconst<>+396(SB)/4, $0x3f800000
DATA vconst<>+400(SB)/4, $0x3f800000
DATA vconst<>+404(SB)/4, $0x3f800000
DATA vconst<>+408(SB)/4, $0x3f800000
DATA vconst<>+412(SB)/4, $0x3f800000
DATA vconst<>+416(SB)/4, $0xbfb8aa3b
DATA vconst<>+420(SB)/4, $0xbfb8aa3b
DATA vconst<>+424(SB)/4, $0xbfb8aa3b
DATA vconst<>+428(SB)/4, $0xbfb8aa3b
DATA vconst<>+432(SB)/4, $0xbfb8aa3b
DATA vconst<>+436(SB)/4, $0xbfb8aa3b
DATA vconst<>+440(SB)/4, $0xbfb8aa3b
DATA vconst<>+444(SB)/4, $0xbfb8aa3b
DATA vconst<>+448(SB)/4, $0x42ae999a
DATA vconst<>+452(SB)/4, $0x42ae999a
DATA vconst<>+456(SB)/4, $0x42ae999a
DATA vconst<>+460(SB)/4, $0x42ae999a
DATA vconst<>+464(SB)/4, $0x42ae999a
DATA vconst<>+468(SB)/4, $0x42ae999a
DATA vconst<>+472(SB)/4, $0x42ae999a
DATA vconst<>+476(SB)/4, $0x42ae999a
DATA vconst<>+480(SB)/4, $0xc2b0999a
DATA vconst<>+484(SB)/4, $0xc2b0999a
DATA vconst<>+488(SB)/4, $0xc2b0999a
DATA vconst<>+492(SB)/4, $0xc2b0999a
DATA vconst<>+496(SB)/4, $0xc2b0999a
DATA vconst<>+500(SB)/4, $0xc2b0999a
DATA vconst<>+504(SB)/4, $0xc2b0999a
DATA vconst<>+508(SB)/4, $0xc2b0999a
GLOBL vconst<>(SB), RODATA|NOPTR, $512

// EXPR sets e = e^a for 8 floats a already clamped to the range of the
// exp argument, with b, c and d scratch.
#define EXPR(a, b, c, d, e) \
	VMULPS vconst<>+0(SB), a, b; \
	VROUNDPS $1, b, c; \
	VSUBPS c, b, b; \
	VMOVUPS vconst<>+160(SB), e; \
	VFMADD213PS vconst<>+192(SB), b, e; \
	VFMADD213PS vconst<>+224(SB), b, e; \
	VFMADD213PS vconst<>+256(SB), b, e; \
	VFMADD213PS vconst<>+288(SB), b, e; \
	VFMADD213PS vconst<>+320(SB), b, e; \
	VFMADD213PS vconst<>+352(SB), b, e; \
	VFMADD213PS vconst<>+384(SB), b, e; \
	VCVTTPS2DQ c, d; \
	VPADDD vconst<>+128(SB), d, d; \
	VPSLLD $23, d, d; \
	VMULPS d, e, e

// EXP8 sets Y4 = e^Y1 for 8 floats already clamped to the range of the
// exp argument; it uses Y2-Y5.
#define EXP8 EXPR(Y1, Y2, Y3, Y5, Y4)

// SIGMOID8 sets Y4 = 1/(1+e^-Y0) for the 8 floats at (SI), which it
// loads into Y0; it uses Y1-Y6 and needs the clamp bounds of the exp
// argument in Y7 and Y8 (SIGMOIDCONST). The clamp returns a NaN argument
// unchanged (it is min's and max's second operand), so NaN gives NaN.
#define SIGMOID8 \
	VMOVUPS (SI), Y0; \
	VXORPS Y1, Y1, Y1; \
	VSUBPS Y0, Y1, Y1; \
	VMINPS Y1, Y7, Y1; \
	VMAXPS Y1, Y8, Y1; \
	EXP8; \
	VADDPS vconst<>+96(SB), Y4, Y4; \
	VMOVUPS vconst<>+96(SB), Y6; \
	VDIVPS Y4, Y6, Y4

#define SIGMOIDCONST \
	VMOVUPS vconst<>+32(SB), Y7; \
	VMOVUPS vconst<>+64(SB), Y8

// func sigmoidAVX2(x []float32)
TEXT ·sigmoidAVX2(SB), NOSPLIT, $0-24
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	SHRQ $3, CX
	JZ sigmoidAVX2_done
	SIGMOIDCONST
sigmoidAVX2_loop:
	SIGMOID8
	VMOVUPS Y4, (SI)
	ADDQ $32, SI
	DECQ CX
	JNZ sigmoidAVX2_loop
sigmoidAVX2_done:
	VZEROUPPER
	RET

// SILUR sets e = x/(1+e^-x) for the 8 floats at off(SI), which it loads
// into x; a-d are scratch, Y7 and Y8 the clamp bounds (SIGMOIDCONST).
// The division by 1+e^-x is SIGMOID8's 1/(1+e^-x) times x in one step.
#define SILUR(off, x, a, b, c, d, e) \
	VMOVUPS off(SI), x; \
	VXORPS a, a, a; \
	VSUBPS x, a, a; \
	VMINPS a, Y7, a; \
	VMAXPS a, Y8, a; \
	EXPR(a, b, c, d, e); \
	VADDPS vconst<>+96(SB), e, e; \
	VDIVPS e, x, e

// func siluAVX2(x []float32)
//
// Two vectors an iteration: each one's exp and division is a chain of
// about 60 cycles of latency, and one vector a loop left the out-of-order
// window too few independent ones (0.9 ns a float).
TEXT ·siluAVX2(SB), NOSPLIT, $0-24
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	SHRQ $3, CX
	JZ siluAVX2_done
	SIGMOIDCONST
	SHRQ $1, CX
	JZ siluAVX2_one
siluAVX2_loop:
	SILUR(0, Y0, Y1, Y2, Y3, Y5, Y4)
	SILUR(32, Y9, Y10, Y11, Y12, Y13, Y14)
	VMOVUPS Y4, (SI)
	VMOVUPS Y14, 32(SI)
	ADDQ $64, SI
	DECQ CX
	JNZ siluAVX2_loop
	MOVQ x_len+8(FP), CX
	TESTQ $8, CX
	JZ siluAVX2_done
siluAVX2_one:
	SILUR(0, Y0, Y1, Y2, Y3, Y5, Y4)
	VMOVUPS Y4, (SI)
siluAVX2_done:
	VZEROUPPER
	RET

// func addReluAVX2(y []float32, b float32): y = max(y+b, 0), 8 at a time.
TEXT ·addReluAVX2(SB), NOSPLIT, $0-28
	MOVQ y_base+0(FP), SI
	MOVQ y_len+8(FP), CX
	VBROADCASTSS b+24(FP), Y1
	VXORPS Y2, Y2, Y2
	SHRQ $3, CX
	JZ addRelu_done
addRelu_loop:
	VADDPS (SI), Y1, Y0
	VMAXPS Y2, Y0, Y0
	VMOVUPS Y0, (SI)
	ADDQ $32, SI
	DECQ CX
	JNZ addRelu_loop
addRelu_done:
	VZEROUPPER
	RET

// func addAVX2(y []float32, b float32): y += b, 8 at a time.
TEXT ·addAVX2(SB), NOSPLIT, $0-28
	MOVQ y_base+0(FP), SI
	MOVQ y_len+8(FP), CX
	VBROADCASTSS b+24(FP), Y1
	SHRQ $3, CX
	JZ add_done
add_loop:
	VADDPS (SI), Y1, Y0
	VMOVUPS Y0, (SI)
	ADDQ $32, SI
	DECQ CX
	JNZ add_loop
add_done:
	VZEROUPPER
	RET

// func gather2AVX2(d, s []float32, blocks int): d[i] = s[2i] for
// i < 8*blocks (reads s[:16*blocks]).
TEXT ·gather2AVX2(SB), NOSPLIT, $0-56
	MOVQ d_base+0(FP), DI
	MOVQ s_base+24(FP), SI
	MOVQ blocks+48(FP), CX
	TESTQ CX, CX
	JZ gather2_done
gather2_loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2
	VPERMPD $0xD8, Y2, Y2
	VMOVUPS Y2, (DI)
	ADDQ $64, SI
	ADDQ $32, DI
	DECQ CX
	JNZ gather2_loop
gather2_done:
	VZEROUPPER
	RET

// func deinterleave2AVX2(even, odd, s []float32, blocks int): even[i] =
// s[2i], odd[i] = s[2i+1] for i < 8*blocks (reads s[:16*blocks]).
TEXT ·deinterleave2AVX2(SB), NOSPLIT, $0-80
	MOVQ even_base+0(FP), DI
	MOVQ odd_base+24(FP), DX
	MOVQ s_base+48(FP), SI
	MOVQ blocks+72(FP), CX
	TESTQ CX, CX
	JZ deinterleave2_done
deinterleave2_loop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VSHUFPS $0x88, Y1, Y0, Y2
	VSHUFPS $0xDD, Y1, Y0, Y3
	VPERMPD $0xD8, Y2, Y2
	VPERMPD $0xD8, Y3, Y3
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, (DX)
	ADDQ $64, SI
	ADDQ $32, DI
	ADDQ $32, DX
	DECQ CX
	JNZ deinterleave2_loop
deinterleave2_done:
	VZEROUPPER
	RET

// func addToAVX2(y, x []float32): y += x, 8 at a time (len(y) a multiple
// of 8).
TEXT ·addToAVX2(SB), NOSPLIT, $0-48
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	SHRQ $3, CX
	JZ addTo_done
addTo_loop:
	VMOVUPS (DI), Y0
	VADDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ addTo_loop
addTo_done:
	VZEROUPPER
	RET

// func max2AVX2(d, a, b []float32): d[i] = max(a[i], b[i]), 8 at a time
// (len(d) a multiple of 8), bit for bit as the sequence Go compiles its
// max builtin to: flip the signs, take the min both ways, or the two and
// flip back (+0 beats -0; a NaN operand gives a NaN). d may be a or b.
TEXT ·max2AVX2(SB), NOSPLIT, $0-72
	MOVQ d_base+0(FP), DI
	MOVQ d_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), DX
	SHRQ $3, CX
	JZ max2_done
	MOVL $0x80000000, AX
	VMOVD AX, X6
	VPBROADCASTD X6, Y6
max2_loop:
	VXORPS (SI), Y6, Y0
	VXORPS (DX), Y6, Y1
	VMINPS Y1, Y0, Y2
	VMINPS Y0, Y2, Y3
	VORPS Y2, Y3, Y3
	VXORPS Y6, Y3, Y3
	VMOVUPS Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ max2_loop
max2_done:
	VZEROUPPER
	RET

// func mishAVX2(x []float32): x = x*tanh(ln(1+e^x)) in place, 8 at a time,
// as x*n/(n+2) with n = e^x*(e^x+2). The exp argument is clamped to
// [-87.3, 20] (beyond 20 the ratio is 1 in float32); NaN gives NaN.
TEXT ·mishAVX2(SB), NOSPLIT, $0-24
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	SHRQ $3, CX
	JZ mish_done
	MOVL $0x41a00000, AX // 20
	VMOVD AX, X9
	VPBROADCASTD X9, Y9
	MOVL $0x40000000, AX // 2
	VMOVD AX, X10
	VPBROADCASTD X10, Y10
	VMOVUPS vconst<>+64(SB), Y8
mish_loop:
	VMOVUPS (SI), Y0
	VMINPS Y0, Y9, Y1
	VMAXPS Y1, Y8, Y1
	EXP8
	VADDPS Y10, Y4, Y2
	VMULPS Y2, Y4, Y2
	VADDPS Y10, Y2, Y3
	VDIVPS Y3, Y2, Y2
	VMULPS Y0, Y2, Y2
	VMOVUPS Y2, (SI)
	ADDQ $32, SI
	DECQ CX
	JNZ mish_loop
mish_done:
	VZEROUPPER
	RET

// tanhconst: tanh's clamp bounds and the coefficients of its rational
// approximation x*P(x^2)/Q(x^2) (P from x^13 down, then Q from x^6 down;
// the one Eigen uses for float), each repeated in 8 lanes.
DATA tanhconst<>+0(SB)/4, $0x40fcf84f
DATA tanhconst<>+4(SB)/4, $0x40fcf84f
DATA tanhconst<>+8(SB)/4, $0x40fcf84f
DATA tanhconst<>+12(SB)/4, $0x40fcf84f
DATA tanhconst<>+16(SB)/4, $0x40fcf84f
DATA tanhconst<>+20(SB)/4, $0x40fcf84f
DATA tanhconst<>+24(SB)/4, $0x40fcf84f
DATA tanhconst<>+28(SB)/4, $0x40fcf84f
DATA tanhconst<>+32(SB)/4, $0xc0fcf84f
DATA tanhconst<>+36(SB)/4, $0xc0fcf84f
DATA tanhconst<>+40(SB)/4, $0xc0fcf84f
DATA tanhconst<>+44(SB)/4, $0xc0fcf84f
DATA tanhconst<>+48(SB)/4, $0xc0fcf84f
DATA tanhconst<>+52(SB)/4, $0xc0fcf84f
DATA tanhconst<>+56(SB)/4, $0xc0fcf84f
DATA tanhconst<>+60(SB)/4, $0xc0fcf84f
DATA tanhconst<>+64(SB)/4, $0xa59f25c0
DATA tanhconst<>+68(SB)/4, $0xa59f25c0
DATA tanhconst<>+72(SB)/4, $0xa59f25c0
DATA tanhconst<>+76(SB)/4, $0xa59f25c0
DATA tanhconst<>+80(SB)/4, $0xa59f25c0
DATA tanhconst<>+84(SB)/4, $0xa59f25c0
DATA tanhconst<>+88(SB)/4, $0xa59f25c0
DATA tanhconst<>+92(SB)/4, $0xa59f25c0
DATA tanhconst<>+96(SB)/4, $0x2a61337e
DATA tanhconst<>+100(SB)/4, $0x2a61337e
DATA tanhconst<>+104(SB)/4, $0x2a61337e
DATA tanhconst<>+108(SB)/4, $0x2a61337e
DATA tanhconst<>+112(SB)/4, $0x2a61337e
DATA tanhconst<>+116(SB)/4, $0x2a61337e
DATA tanhconst<>+120(SB)/4, $0x2a61337e
DATA tanhconst<>+124(SB)/4, $0x2a61337e
DATA tanhconst<>+128(SB)/4, $0xaebd37ff
DATA tanhconst<>+132(SB)/4, $0xaebd37ff
DATA tanhconst<>+136(SB)/4, $0xaebd37ff
DATA tanhconst<>+140(SB)/4, $0xaebd37ff
DATA tanhconst<>+144(SB)/4, $0xaebd37ff
DATA tanhconst<>+148(SB)/4, $0xaebd37ff
DATA tanhconst<>+152(SB)/4, $0xaebd37ff
DATA tanhconst<>+156(SB)/4, $0xaebd37ff
DATA tanhconst<>+160(SB)/4, $0x335c0041
DATA tanhconst<>+164(SB)/4, $0x335c0041
DATA tanhconst<>+168(SB)/4, $0x335c0041
DATA tanhconst<>+172(SB)/4, $0x335c0041
DATA tanhconst<>+176(SB)/4, $0x335c0041
DATA tanhconst<>+180(SB)/4, $0x335c0041
DATA tanhconst<>+184(SB)/4, $0x335c0041
DATA tanhconst<>+188(SB)/4, $0x335c0041
DATA tanhconst<>+192(SB)/4, $0x3779434a
DATA tanhconst<>+196(SB)/4, $0x3779434a
DATA tanhconst<>+200(SB)/4, $0x3779434a
DATA tanhconst<>+204(SB)/4, $0x3779434a
DATA tanhconst<>+208(SB)/4, $0x3779434a
DATA tanhconst<>+212(SB)/4, $0x3779434a
DATA tanhconst<>+216(SB)/4, $0x3779434a
DATA tanhconst<>+220(SB)/4, $0x3779434a
DATA tanhconst<>+224(SB)/4, $0x3a270ded
DATA tanhconst<>+228(SB)/4, $0x3a270ded
DATA tanhconst<>+232(SB)/4, $0x3a270ded
DATA tanhconst<>+236(SB)/4, $0x3a270ded
DATA tanhconst<>+240(SB)/4, $0x3a270ded
DATA tanhconst<>+244(SB)/4, $0x3a270ded
DATA tanhconst<>+248(SB)/4, $0x3a270ded
DATA tanhconst<>+252(SB)/4, $0x3a270ded
DATA tanhconst<>+256(SB)/4, $0x3ba059dc
DATA tanhconst<>+260(SB)/4, $0x3ba059dc
DATA tanhconst<>+264(SB)/4, $0x3ba059dc
DATA tanhconst<>+268(SB)/4, $0x3ba059dc
DATA tanhconst<>+272(SB)/4, $0x3ba059dc
DATA tanhconst<>+276(SB)/4, $0x3ba059dc
DATA tanhconst<>+280(SB)/4, $0x3ba059dc
DATA tanhconst<>+284(SB)/4, $0x3ba059dc
DATA tanhconst<>+288(SB)/4, $0x35a0d3d8
DATA tanhconst<>+292(SB)/4, $0x35a0d3d8
DATA tanhconst<>+296(SB)/4, $0x35a0d3d8
DATA tanhconst<>+300(SB)/4, $0x35a0d3d8
DATA tanhconst<>+304(SB)/4, $0x35a0d3d8
DATA tanhconst<>+308(SB)/4, $0x35a0d3d8
DATA tanhconst<>+312(SB)/4, $0x35a0d3d8
DATA tanhconst<>+316(SB)/4, $0x35a0d3d8
DATA tanhconst<>+320(SB)/4, $0x38f895d6
DATA tanhconst<>+324(SB)/4, $0x38f895d6
DATA tanhconst<>+328(SB)/4, $0x38f895d6
DATA tanhconst<>+332(SB)/4, $0x38f895d6
DATA tanhconst<>+336(SB)/4, $0x38f895d6
DATA tanhconst<>+340(SB)/4, $0x38f895d6
DATA tanhconst<>+344(SB)/4, $0x38f895d6
DATA tanhconst<>+348(SB)/4, $0x38f895d6
DATA tanhconst<>+352(SB)/4, $0x3b14aa05
DATA tanhconst<>+356(SB)/4, $0x3b14aa05
DATA tanhconst<>+360(SB)/4, $0x3b14aa05
DATA tanhconst<>+364(SB)/4, $0x3b14aa05
DATA tanhconst<>+368(SB)/4, $0x3b14aa05
DATA tanhconst<>+372(SB)/4, $0x3b14aa05
DATA tanhconst<>+376(SB)/4, $0x3b14aa05
DATA tanhconst<>+380(SB)/4, $0x3b14aa05
DATA tanhconst<>+384(SB)/4, $0x3ba059dd
DATA tanhconst<>+388(SB)/4, $0x3ba059dd
DATA tanhconst<>+392(SB)/4, $0x3ba059dd
DATA tanhconst<>+396(SB)/4, $0x3ba059dd
DATA tanhconst<>+400(SB)/4, $0x3ba059dd
DATA tanhconst<>+404(SB)/4, $0x3ba059dd
DATA tanhconst<>+408(SB)/4, $0x3ba059dd
DATA tanhconst<>+412(SB)/4, $0x3ba059dd
GLOBL tanhconst<>(SB), RODATA|NOPTR, $416

// func tanhAVX2(x []float32): x = tanh(x) in place, 8 at a time, as
// x*P(x^2)/Q(x^2) on x clamped to +-7.905 (where tanh is +-1 in float32);
// NaN gives NaN.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	SHRQ $3, CX
	JZ tanh_done
	VMOVUPS tanhconst<>+0(SB), Y8
	VMOVUPS tanhconst<>+32(SB), Y9
tanh_loop:
	VMOVUPS (SI), Y0
	VMINPS Y0, Y8, Y0
	VMAXPS Y0, Y9, Y0
	VMULPS Y0, Y0, Y2
	VMOVUPS tanhconst<>+64(SB), Y4
	VFMADD213PS tanhconst<>+96(SB), Y2, Y4
	VFMADD213PS tanhconst<>+128(SB), Y2, Y4
	VFMADD213PS tanhconst<>+160(SB), Y2, Y4
	VFMADD213PS tanhconst<>+192(SB), Y2, Y4
	VFMADD213PS tanhconst<>+224(SB), Y2, Y4
	VFMADD213PS tanhconst<>+256(SB), Y2, Y4
	VMULPS Y0, Y4, Y4
	VMOVUPS tanhconst<>+288(SB), Y5
	VFMADD213PS tanhconst<>+320(SB), Y2, Y5
	VFMADD213PS tanhconst<>+352(SB), Y2, Y5
	VFMADD213PS tanhconst<>+384(SB), Y2, Y5
	VDIVPS Y5, Y4, Y4
	VMOVUPS Y4, (SI)
	ADDQ $32, SI
	DECQ CX
	JNZ tanh_loop
tanh_done:
	VZEROUPPER
	RET

// func expAVX2(x []float32): x = e^x in place, 8 at a time, on x clamped
// to [ln(2^-126), ln(MaxFloat32)]; above the range gives +Inf, below it
// 0 (not the subnormal e^x), NaN gives NaN.
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	SHRQ $3, CX
	JZ exp_done
	MOVL $0x42b17217, AX // 88.72283
	VMOVD AX, X8
	VPBROADCASTD X8, Y8
	MOVL $0xc2aeac4f, AX // -87.33654
	VMOVD AX, X9
	VPBROADCASTD X9, Y9
	MOVL $0x7f800000, AX // +Inf
	VMOVD AX, X10
	VPBROADCASTD X10, Y10
exp_loop:
	VMOVUPS (SI), Y0
	VMINPS Y0, Y8, Y1
	VMAXPS Y1, Y9, Y1
	EXP8
	VCMPPS $0x1e, Y8, Y0, Y6 // x > hi
	VBLENDVPS Y6, Y10, Y4, Y4
	VCMPPS $0x11, Y9, Y0, Y7 // x < lo
	VANDNPS Y4, Y7, Y4
	VMOVUPS Y4, (SI)
	ADDQ $32, SI
	DECQ CX
	JNZ exp_loop
exp_done:
	VZEROUPPER
	RET

// GOMAX sets d = max(a, b) as Go's max builtin (see max2AVX2); Y6 holds
// the sign bits, Y7 is scratch; a and b are left flipped.
#define GOMAXR(a, b, d, sign, tmp) \
	VXORPS a, sign, a; \
	VXORPS b, sign, b; \
	VMINPS b, a, d; \
	VMINPS a, d, tmp; \
	VORPS d, tmp, d; \
	VXORPS sign, d, d

#define GOMAX(a, b, d) GOMAXR(a, b, d, Y6, Y7)

// MAXPOOL2 leaves in r0 the 2x2 maxes of the pairs of one block of
// (SI) and (DX), w bytes per half (32: 8 outputs in Y registers, 16: 4 in
// X registers), pairs in order within each 128-bit lane; sign holds the
// sign bit, r1-r5 and tmp are scratch.
#define MAXPOOL2(w, r0, r1, r2, r3, r4, r5, sign, tmp) \
	VMOVUPS (SI), r0; \
	VMOVUPS (DX), r1; \
	GOMAXR(r0, r1, r2, sign, tmp); \
	VMOVUPS w(SI), r0; \
	VMOVUPS w(DX), r1; \
	GOMAXR(r0, r1, r3, sign, tmp); \
	VSHUFPS $0x88, r3, r2, r4; \
	VSHUFPS $0xDD, r3, r2, r5; \
	GOMAXR(r4, r5, r0, sign, tmp)


// func maxPool2RowsAVX2(d, a, b []float32, rows, stride, blocks, quads int):
// for each of rows output rows r, d[r*n+i] = max(c[2i], c[2i+1]) with
// c[k] = max(a[r*stride+k], b[r*stride+k]), Go's max, for i < n = 8*blocks
// + 4*quads (quads is 0 or 1: a last block of 4).
TEXT ·maxPool2RowsAVX2(SB), NOSPLIT, $0-104
	MOVQ d_base+0(FP), DI
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), DX
	MOVQ rows+72(FP), R8
	MOVQ stride+80(FP), R9
	SHLQ $2, R9
	MOVL $0x80000000, AX
	VMOVD AX, X6
	VPBROADCASTD X6, Y6
	TESTQ R8, R8
	JZ rows_done
rows_loop:
	MOVQ SI, R10
	MOVQ DX, R11
	MOVQ blocks+88(FP), CX
	TESTQ CX, CX
	JZ rows_quad
rows_block:
	MAXPOOL2(32, Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)
	VPERMPD $0xD8, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $32, DI
	DECQ CX
	JNZ rows_block
rows_quad:
	CMPQ quads+96(FP), $0
	JEQ rows_next
	MAXPOOL2(16, X0, X1, X2, X3, X4, X5, X6, X7)
	VMOVUPS X0, (DI)
	ADDQ $16, DI
rows_next:
	LEAQ (R10)(R9*1), SI
	LEAQ (R11)(R9*1), DX
	DECQ R8
	JNZ rows_loop
rows_done:
	VZEROUPPER
	RET

// The AVX-512 sigmoid and SiLU: 16 floats a register, the constants
// broadcast from vconst's first lanes. e^-x is 2^f's polynomial scaled
// by 2^n with VSCALEFPS (x*-log2(e) = n+f, n the nearest integer: f in
// [-1/2, 1/2], where the Taylor polynomial of degree 6 is within 1.2e-7;
// rounding down took degree 7 for [0, 1)), x clamped first so that the
// negation folds into the multiplier; the reciprocal of 1+e^-x is
// VRCP14PS's (14 bits) with one Newton step (about 2^-28 relative): the
// 256-bit kernels' division, a 512-bit one every 10 or more cycles,
// would bound them. Against degree 7 and a separate negation (3 of 22
// operations a vector fewer), paired on the Xeon: SiLU over 4096 floats
// 15-23% faster, within 2.4e-7 of it.

// EXPNZ sets e = e^-a for 16 floats a already clamped to the range of
// x (ZCONST), with b and c scratch.
#define EXPNZ(a, b, c, e) \
	VMULPS.BCST vconst<>+416(SB), a, b; \
	VRNDSCALEPS $8, b, c; \
	VSUBPS c, b, b; \
	VBROADCASTSS vconst<>+192(SB), e; \
	VFMADD213PS.BCST vconst<>+224(SB), b, e; \
	VFMADD213PS.BCST vconst<>+256(SB), b, e; \
	VFMADD213PS.BCST vconst<>+288(SB), b, e; \
	VFMADD213PS.BCST vconst<>+320(SB), b, e; \
	VFMADD213PS.BCST vconst<>+352(SB), b, e; \
	VFMADD213PS.BCST vconst<>+384(SB), b, e; \
	VSCALEFPS c, e, e

// RECIPZ sets r = 1/(1+e^-x) for the 16 floats in x (NaN stays NaN: the
// clamp returns its second operand for NaN), with a, b scratch; Z13 and
// Z14 hold x's clamp bounds (ZCONST).
#define RECIPZ(x, a, b, r) \
	VMINPS x, Z13, a; \
	VMAXPS a, Z14, a; \
	EXPNZ(a, b, r, a); \
	VADDPS.BCST vconst<>+96(SB), a, a; \
	VRCP14PS a, r; \
	VFNMADD213PS.BCST vconst<>+96(SB), r, a; \
	VFMADD213PS r, r, a; \
	VMOVAPS a, r

#define ZCONST \
	VBROADCASTSS vconst<>+64(SB), Z8; \
	VBROADCASTSS vconst<>+448(SB), Z13; \
	VBROADCASTSS vconst<>+480(SB), Z14

// SILUZ sets x = x/(1+e^-x) in place, 16 floats, with a, b, r scratch:
// the reciprocal times x, x first clamped from below to the exp
// argument's bound (so that -Inf gives -0, not -Inf times 0).
#define SILUZ(x, a, b, r) \
	RECIPZ(x, a, b, r); \
	VMAXPS x, Z8, x; \
	VMULPS r, x, x

// SIGZ sets x = 1/(1+e^-x) in place, 16 floats, with a, b, r scratch.
#define SIGZ(x, a, b, r) \
	RECIPZ(x, a, b, r); \
	VMOVAPS r, x

// ZLOOP runs OP over the CX floats at SI (a multiple of 8): two
// registers an iteration (each one's chain is long: independent ones
// keep the multiply-add units busy), then one, then a last 8 floats
// under the mask K1.
#define ZLOOP(OP) \
	ZCONST; \
zpair: \
	CMPQ CX, $32; \
	JLT zone; \
	VMOVUPS (SI), Z0; \
	VMOVUPS 64(SI), Z9; \
	OP(Z0, Z1, Z2, Z3); \
	OP(Z9, Z10, Z11, Z12); \
	VMOVUPS Z0, (SI); \
	VMOVUPS Z9, 64(SI); \
	ADDQ $128, SI; \
	SUBQ $32, CX; \
	JMP zpair; \
zone: \
	CMPQ CX, $16; \
	JLT zhalf; \
	VMOVUPS (SI), Z0; \
	OP(Z0, Z1, Z2, Z3); \
	VMOVUPS Z0, (SI); \
	ADDQ $64, SI; \
	SUBQ $16, CX; \
zhalf: \
	TESTQ CX, CX; \
	JZ zdone; \
	MOVL $0xff, AX; \
	KMOVW AX, K1; \
	VMOVUPS.Z (SI), K1, Z0; \
	OP(Z0, Z1, Z2, Z3); \
	VMOVUPS Z0, K1, (SI); \
zdone: \
	VZEROUPPER

// func siluAVX512(x []float32)
TEXT ·siluAVX512(SB), NOSPLIT, $0-24
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	ZLOOP(SILUZ)
	RET

// func sigmoidAVX512(x []float32)
TEXT ·sigmoidAVX512(SB), NOSPLIT, $0-24
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	ZLOOP(SIGZ)
	RET

// DUP8 loads 8 floats at (src) and doubles each: floats 0-7 of the 16 in
// Y3, 8-15 in Y4 (Y0-Y2 scratch).
#define DUP8(src) \
	VMOVUPS (src), Y0; \
	VUNPCKLPS Y0, Y0, Y1; \
	VUNPCKHPS Y0, Y0, Y2; \
	VPERM2F128 $0x20, Y2, Y1, Y3; \
	VPERM2F128 $0x31, Y2, Y1, Y4

// DOUBLE8 loads 8 floats at (src) and stores each twice (16 floats) at
// (dst) and at dst + R10 (the next output row).
#define DOUBLE8(src, dst) \
	DUP8(src); \
	VMOVUPS Y3, (dst); \
	VMOVUPS Y4, 32(dst); \
	VMOVUPS Y3, (dst)(R10*1); \
	VMOVUPS Y4, 32(dst)(R10*1)

// func upsample2AVX2(d, s []float32, h, w int): the 2x nearest upsampling
// of the h rows of w floats (w >= 8) at s into 2h rows of 2w at d.
TEXT ·upsample2AVX2(SB), NOSPLIT, $0-64
	MOVQ d_base+0(FP), DI
	MOVQ s_base+24(FP), SI
	MOVQ h+48(FP), R8
	MOVQ w+56(FP), R9
	MOVQ R9, R10
	SHLQ $3, R10            // bytes of an output row
	MOVQ R9, R11
	SHRQ $3, R11            // whole blocks of 8 a row
	MOVQ R9, R12
	ANDQ $7, R12            // floats after them
	TESTQ R8, R8
	JZ up_done
up_row:
	MOVQ R11, CX
	MOVQ SI, AX
	MOVQ DI, BX
up_block:
	DOUBLE8(AX, BX)
	ADDQ $32, AX
	ADDQ $64, BX
	DECQ CX
	JNZ up_block
	TESTQ R12, R12
	JZ up_next
	// The row's last 8 floats, overlapping the last block.
	LEAQ -32(SI)(R9*4), AX
	LEAQ -64(DI)(R10*1), BX
	DOUBLE8(AX, BX)
up_next:
	LEAQ (SI)(R9*4), SI
	LEAQ (DI)(R10*2), DI
	DECQ R8
	JNZ up_row
up_done:
	VZEROUPPER
	RET

// func double2AVX2(d, s []float32, blocks int): d[2i] = d[2i+1] = s[i]
// for i < 8*blocks (writes d[:16*blocks]).
TEXT ·double2AVX2(SB), NOSPLIT, $0-56
	MOVQ d_base+0(FP), DI
	MOVQ s_base+24(FP), SI
	MOVQ blocks+48(FP), CX
	TESTQ CX, CX
	JZ double2_done
double2_loop:
	DUP8(SI)
	VMOVUPS Y3, (DI)
	VMOVUPS Y4, 32(DI)
	ADDQ $32, SI
	ADDQ $64, DI
	DECQ CX
	JNZ double2_loop
double2_done:
	VZEROUPPER
	RET

