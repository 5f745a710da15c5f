// Package kern holds the CPU backend's register-blocked convolution
// micro-kernel: it computes a tile of 4 output channels x 24 output
// pixels (three vectors of 8 pixels, each from its own address) directly
// from the input, with no im2col copy. Each (input channel, filter tap)
// step broadcasts 4 prepacked weights and multiplies them into the three
// input vectors, keeping the 12 partial sums in registers for the whole
// reduction. The tap offsets are a table, so one kernel serves 1x1, 3x3,
// dilated and (on phase-split input) strided convolutions alike.
//
// Stride-2 3x3 convolutions have their own kernel (ConvS4): output
// channels in the vector lanes, input floats broadcast straight from the
// NCHW rows, so their input needs no phase-split copy.
//
// On amd64 with AVX2 and FMA the kernels are Go assembly (unless built with
// the purego tag); elsewhere a Go loop computes the same sums. With
// AVX-512 the micro-kernel has a 512-bit twin for vectors of 16 pixels
// (Conv4x48: the Winograd products, the direct row bands and the 1x1
// path), ConvS6 runs its groups in pairs and ConvS4 in triples on
// 512-bit registers.
package kern

import "unsafe"

// Tile is one call of the micro-kernel. The caller sizes every operand:
// the kernel reads In[v][CStride*c + Taps[t] + 0..7] (bytes) for c < NC,
// 0 < t < NTaps (NTaps >= 1), and writes 8 floats at Out[v] + LDO[v]*r for each stored row
// r of each of NOB oc blocks (block b's rows start at Out[v] +
// 4*LDO[v]*b). Pointers are unsafe because a tile may read a few floats
// past a row, which the caller guarantees lies inside its buffers.
type Tile struct {
	W       unsafe.Pointer    // weights of block 0 at the first channel: [NC][NTaps][4] float32
	WStride int               // bytes between the weight panels of consecutive blocks
	In      [3]unsafe.Pointer // first input float of each of the three pixel vectors
	Taps    unsafe.Pointer    // NTaps int byte offsets of the filter taps
	NTaps   int
	NC      int               // input channels
	CStride int               // bytes between input channels
	Out     [3]unsafe.Pointer // output of row 0 of block 0 for each vector
	LDO     [3]int            // bytes between output rows (channels) for each vector
	Bias    unsafe.Pointer    // 4*NOB float32 initial values (when not accumulating)
	NOB     int               // output-channel blocks of 4
	// LastRows is how many of the last block's 4 rows are stored (1-4);
	// the others are computed but neither read nor written.
	LastRows int
	Flags    int // Accumulate, Relu
	// WSkip is how many bytes of weights to skip after each channel's
	// NTaps taps: those of the taps left out of Taps (0 when all are in).
	WSkip int
}

// Tile flags.
const (
	// Accumulate adds the sums to the output already there instead of
	// starting from the bias.
	Accumulate = 1
	// Relu clamps the stored sums at 0.
	Relu = 2
)

// Conv4x24 runs the micro-kernel t describes.
func Conv4x24(t *Tile) {
	if useAsm {
		conv4x24AVX2(t)
		return
	}
	Conv4x24Go(t)
}

// SIMD reports whether Conv4x24 runs the vector kernel (else the Go loop,
// some tens of times slower).
func SIMD() bool { return useAsm }

// Wide reports whether Conv4x48 runs a 512-bit kernel (AVX-512): where it
// does, callers whose pixel vectors lie in pairs take 16 pixels a vector.
func Wide() bool { return useAVX512 }

// Conv4x48 runs the micro-kernel on three vectors of 16 pixels: t's
// operands as for Conv4x24, but In[v] and Out[v] each start 16
// consecutive floats (pixels) where Conv4x24's start 8. With AVX-512 it is
// one 512-bit kernel call (the same loop, twice the floats per
// instruction: onnxruntime's kernels on AVX-512 machines are); elsewhere
// two calls of Conv4x24, on the first and last 8 pixels of each vector.
func Conv4x48(t *Tile) {
	if useAVX512 {
		conv4x48AVX512(t)
		return
	}
	conv4x48By24(t)
}

// conv4x48By24 is Conv4x48 as two Conv4x24 calls.
func conv4x48By24(t *Tile) { conv4x48By(t, Conv4x24) }

// Conv4x48Go is the portable Conv4x48: Conv4x24Go on each vector's two
// halves.
func Conv4x48Go(t *Tile) { conv4x48By(t, Conv4x24Go) }

// conv4x48By runs Conv4x48's tile as two calls of the 8-pixel kernel k,
// on the first and last 8 pixels of each vector.
func conv4x48By(t *Tile, k func(*Tile)) {
	h := *t
	k(&h)
	for v := range 3 {
		h.In[v], h.Out[v] = unsafe.Add(t.In[v], 32), unsafe.Add(t.Out[v], 32)
	}
	k(&h)
}

// Conv4x24Go is the portable kernel: the same sums as the vector one, in
// the same order per output.
func Conv4x24Go(t *Tile) {
	// Operands are reached by pointer arithmetic, one small array at a
	// time, never as one slice over a whole operand: with WSkip the last
	// channel's weight run ends before the panel does, and a slice longer
	// than its allocation is invalid (checkptr rejects it).
	taps := unsafe.Slice((*int)(t.Taps), t.NTaps)
	bias := func(i int) float32 { return *(*float32)(unsafe.Add(t.Bias, 4*i)) }
	var acc [4][24]float32
	for b := range t.NOB {
		rows := 4
		if b == t.NOB-1 {
			rows = t.LastRows
		}
		for v := range 3 {
			for r := range 4 {
				var row *[8]float32
				if r < rows {
					row = outRow(t, v, b, r)
				}
				for i := range 8 {
					switch {
					case t.Flags&Accumulate == 0:
						acc[r][8*v+i] = bias(4*b + r)
					case row != nil:
						acc[r][8*v+i] = row[i]
					}
				}
			}
		}
		wb := unsafe.Add(t.W, b*t.WStride)
		wc := t.NTaps*16 + t.WSkip // bytes per channel
		for c := range t.NC {
			for ti, off := range taps {
				wt := (*[4]float32)(unsafe.Add(wb, c*wc+ti*16))
				for v := range 3 {
					x := (*[8]float32)(unsafe.Add(t.In[v], c*t.CStride+off))
					for r := range 4 {
						a := acc[r][8*v : 8*v+8]
						for i := range 8 {
							a[i] += wt[r] * x[i]
						}
					}
				}
			}
		}
		for v := range 3 {
			for r := range rows {
				row := outRow(t, v, b, r)
				for i := range 8 {
					s := acc[r][8*v+i]
					if t.Flags&Relu != 0 {
						s = max(s, 0)
					}
					row[i] = s
				}
			}
		}
	}
}

func outRow(t *Tile, v, b, r int) *[8]float32 {
	return (*[8]float32)(unsafe.Add(t.Out[v], t.LDO[v]*(4*b+r)))
}
