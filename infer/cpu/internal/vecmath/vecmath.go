// Package vecmath holds the CPU backend's SIMD kernels (Go assembly, which
// cannot live in the cgo package infer/cpu). Each kernel processes a
// prefix of its slice and returns the rest for the caller's scalar loop,
// so every architecture works and the results agree within float32
// rounding.
package vecmath

// Sigmoid applies 1/(1+e^-x) in place to x with the vector kernel where
// there is one (amd64 with AVX2 and FMA: all of x, the last partial
// vector overlapping the one before) and returns what it left (all of x
// elsewhere or shorter than 8). exp is a degree-7 polynomial for 2^f times 2^n
// (within 1e-5 relative); its argument is clamped, so saturated inputs
// give 0 or 1; NaN gives NaN. With AVX-512 the kernel takes 16 floats a
// register and the reciprocal is VRCP14PS's with a Newton step instead
// of a division (on the GPU machine's Xeon SiLU 0.52 ns a float with
// 256-bit divisions).
func Sigmoid(x []float32) []float32 {
	return whole(x, sigmoidVec)
}

// SiLU applies x/(1+e^-x) as Sigmoid does.
func SiLU(x []float32) []float32 {
	return whole(x, siluVec)
}

// Mish applies x*tanh(ln(1+e^x)) as Sigmoid does, within 1e-5 relative;
// NaN gives NaN and -Inf gives -Inf.
func Mish(x []float32) []float32 {
	return whole(x, mishAVX2)
}

// Exp applies e^x in place as Sigmoid does, within 1e-5 relative; above
// ln(MaxFloat32) it gives +Inf, below ln(2^-126) 0 (not the subnormal
// e^x), NaN gives NaN.
func Exp(x []float32) []float32 {
	return whole(x, expAVX2)
}

// Tanh applies tanh in place as Sigmoid does, within 1e-6 relative (a
// rational function of x on x clamped to where tanh rounds to +-1); NaN
// gives NaN.
func Tanh(x []float32) []float32 {
	return whole(x, tanhAVX2)
}

// AddRelu sets y[i] = max(y[i]+b, 0) (a convolution's bias and ReLU) for
// as much of y as the vector kernel handles and returns the rest. NaN
// becomes 0.
func AddRelu(y []float32, b float32) []float32 {
	if n := len(y) &^ 7; hasAVX2 && n > 0 {
		addReluAVX2(y[:n], b)
		return y[n:]
	}
	return y
}

// Add adds b to y as AddRelu does.
func Add(y []float32, b float32) []float32 {
	if n := len(y) &^ 7; hasAVX2 && n > 0 {
		addAVX2(y[:n], b)
		return y[n:]
	}
	return y
}

// Gather2 sets d[i] = s[2i] (a stride-2 convolution's receptive field
// row) for a prefix of d and returns how many elements it did; s must
// hold at least 2*len(d)-1 elements.
func Gather2(d, s []float32) int {
	blocks := min(len(d)/8, len(s)/16)
	if !hasAVX2 || blocks == 0 {
		return 0
	}
	gather2AVX2(d, s, blocks)
	return 8 * blocks
}

// Deinterleave2 sets even[i] = s[2i] and odd[i] = s[2i+1] (a stride-2
// convolution's two column phases of an input row, in one pass over it)
// for a prefix of both and returns how many elements of each it did.
func Deinterleave2(even, odd, s []float32) int {
	blocks := min(len(even)/8, len(odd)/8, len(s)/16)
	if !hasAVX2 || blocks == 0 {
		return 0
	}
	deinterleave2AVX2(even, odd, s, blocks)
	return 8 * blocks
}

// Double2 sets d[2i] = d[2i+1] = s[i] (a row of a 2x nearest upsampling)
// for a prefix of s and returns how many elements of s it did; d must
// hold at least twice as many.
func Double2(d, s []float32) int {
	blocks := min(len(s)/8, len(d)/16)
	if !hasAVX2 || blocks == 0 {
		return 0
	}
	double2AVX2(d, s, blocks)
	return 8 * blocks
}

// Upsample2 sets d, 2h rows of 2w floats, to the 2x nearest upsampling of
// s, h rows of w (d[2y+a][2x+b] = s[y][x]), and reports whether it did:
// it does with rows of at least 8 floats where the vector code runs. One
// call a plane: per row, a call for the doubled row and a copy of it
// for the next cost twice onnxruntime's time on a detector neck's 20x20
// and 40x40 planes.
func Upsample2(d, s []float32, h, w int) bool {
	if !hasAVX2 || w < 8 || h < 1 || len(s) < h*w || len(d) < 4*h*w {
		return false
	}
	upsample2AVX2(d, s, h, w)
	return true
}

// AddTo adds x to y element by element (a convolution's residual) for a
// prefix of y and returns how many elements it did; x must be at least as
// long as y.
func AddTo(y, x []float32) int {
	n := len(y) &^ 7
	if !hasAVX2 || n == 0 || len(x) < n {
		return 0
	}
	addToAVX2(y[:n], x[:n])
	return n
}

// Max2 sets d[i] = max(a[i], b[i]), bit for bit as Go's max builtin on
// amd64 (+0 beats -0; a NaN operand gives a NaN), for a prefix of d and
// returns how many elements it did; a and b must be at
// least as long as d. d may be a or b but must not partly overlap them.
func Max2(d, a, b []float32) int {
	n := len(d) &^ 7
	if !hasAVX2 || n == 0 || len(a) < n || len(b) < n {
		return 0
	}
	max2AVX2(d[:n], a[:n], b[:n])
	return n
}

// MaxPool2 sets d[i] = max(max(a[2i], b[2i]), max(a[2i+1], b[2i+1])) (a
// 2x2 stride-2 max pool's output row from its two input rows), bit for
// bit as Go's max builtin, for a prefix of d (a multiple of 4 long) and
// returns how many elements it did.
func MaxPool2(d, a, b []float32) int {
	n := min(len(d), len(a)/2, len(b)/2) &^ 3 // whole blocks of 4
	if !hasAVX2 || n == 0 {
		return 0
	}
	maxPool2RowsAVX2(d, a, b, 1, 0, n/8, n%8/4)
	return n
}

// MaxPool2Rows max-pools whole planes 2x2 at stride 2 (MaxPool2 of input
// rows 2r and 2r+1 of s, w floats each, into row r of d) in one call, for
// as many output rows as d holds, and reports whether it did: w/2 must be
// a multiple of 4 and s hold two rows per row of d. On small planes (12
// outputs a row) the calls per row cost more than the maxes.
func MaxPool2Rows(d, s []float32, w int) bool {
	ow := w / 2
	if !hasAVX2 || w%2 != 0 || ow%4 != 0 || ow == 0 || len(d)%ow != 0 || len(s) < 2*w*(len(d)/ow) {
		return false
	}
	maxPool2RowsAVX2(d, s, s[w:], len(d)/ow, 2*w, ow/8, ow%8/4)
	return true
}

// whole runs vector kernel k over all of x when it holds a vector: the
// multiple of 8 floats and then, after the fact, the last 8 floats (whose
// overlap with the first part is put back as it was before the first
// part ran, so that every float is computed once). The callers' scalar
// loops cost tens of nanoseconds a float: epilogues apply activations to
// rows of an output plane, and on 20-pixel rows the last 4 floats of
// each were a sixth of a 160->64 convolution's time with SiLU. It
// returns what is left for the scalar loop: nothing, or all of x where
// there is no kernel or x is shorter than a vector.
func whole(x []float32, k func([]float32)) []float32 {
	if !hasAVX2 || len(x) < 8 {
		return x
	}
	n := len(x) &^ 7
	if n == len(x) {
		k(x)
		return nil
	}
	var a [8]float32
	last := x[len(x)-8:]
	copy(a[:], last)
	k(last)
	copy(last[:n-(len(x)-8)], a[:])
	k(x[:n])
	return nil
}
