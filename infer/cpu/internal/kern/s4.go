package kern

import "unsafe"

// S4Tile is one call of the stride-2 3x3 kernel: NB blocks of 8 output
// channels (2 or 3; 4, 6 or 8 where Wide) x NG groups of 4 consecutive output pixels of one row
// of a convolution with stride 2 and dilation 1, read straight from the
// NCHW input with no copy. The output channels sit in the vector lanes: each
// (channel, filter row, tap) step loads the tap's NB weight vectors and
// broadcasts the 4 input floats the pixels read there (pixel p's tap j
// is float 2p+j), with 3 blocks 7 loads per 12 multiply-adds. Each input
// row is prefetched 512 bytes ahead (a call reads 3 rows of every input
// channel: too many streams for the hardware prefetchers), and the floats
// PF bytes on are prefetched into L2 (2 input rows down: the rows the
// next output row reads first). The sums are transposed in registers at
// the end and stored as 8*NB rows of 4 pixels, one per output channel
// (and, with Accumulate, loaded from there at the start: the input
// channels can come in blocks whose weights stay in L1).
//
// For group g the kernel reads In + 32*g + c*CStride + Rows[r] + 4*e
// (bytes) for c < NC, r < NRows and e in [0, 9), except e = 0 with
// LeftPad (g = 0) and e = 8 with RightPad (g = NG-1), which read as zero.
// It writes 4 floats at Out + 16*g + LDO*o for o < 8*NB.
//
// A group that reads all 3 filter rows (NRows 3, WRows the rows' weights
// in order: 0, 96*NB, 192*NB) and no right padding takes a path with the
// rows' offsets held in registers and no per-row bookkeeping: on the
// downsampling layers of the test detectors that path made whole layers
// 20-30% faster (the per-row setup was a fifth of the instructions).
// With the left padding (a row's first group) a copy of that path leaves
// out pixel 0's first tap: paired against the per-row path for those
// groups, the classifier's 16->32 layer (rows of 24 pixels, 4 groups of
// 6) 6% faster, its 32->64 layer (rows of 6: every group a first one)
// 15%, the detectors' stride-2 layers 1.5-3.5%.
type S4Tile struct {
	W        unsafe.Pointer // weights: [NC][3 rows][3 taps][NB*8] float32, WCStride bytes per channel
	In       unsafe.Pointer // input channel 0 (the offsets in Rows are from here)
	Rows     [3]int         // byte offsets of the used filter rows' 9 floats
	WRows    [3]int         // byte offsets of those rows' weights in a channel's
	NRows    int            // used filter rows (1-3)
	NC       int            // input channels
	CStride  int            // bytes between input channels
	Out      unsafe.Pointer // output channel 0 of the 4 pixels
	LDO      int            // bytes between output channels
	Bias     unsafe.Pointer // 8*NB float32 initial values (when not accumulating)
	Flags    int            // Accumulate, Relu, LeftPad, RightPad
	NB       int            // blocks of 8 output channels: 2 or 3, or 4 or 8 where Wide
	WCStride int            // bytes of weights per input channel: 4*72*NB
	PF       int            // bytes from a row's floats to ones prefetched into L2 (a hint; never read)
	// NG is how many groups of 4 pixels the call computes (at least 1):
	// group g reads from In + 32*g and writes at Out + 16*g; LeftPad
	// applies to group 0 only and RightPad to group NG-1 only.
	NG int
	// Acc, when not nil, is where Accumulate's sums start from instead of
	// Out: 4 floats at Acc + 16*g + AccLDO*o (a staging block the earlier
	// input channel blocks summed into, while the last block writes the
	// output itself).
	Acc    unsafe.Pointer
	AccLDO int
	// TapStride is, for ConvD4, the bytes between a filter row's taps
	// (4 times the dilation).
	TapStride int
}

// S4Tile flags (Accumulate and Relu are the Tile ones: with Accumulate
// the sums start from the 4 floats of each output row instead of the
// bias).
const (
	// LeftPad: the first input float of each row is padding.
	LeftPad = 4
	// RightPad: the last (9th) input float of each row is padding.
	RightPad = 8
)

// ConvS4 runs the stride-2 kernel t describes. With AVX-512, groups go
// three at a time to a 512-bit kernel (convS4Wide): for 3 blocks on the GPU
// machine's Xeon, paired against the 256-bit kernel, stride-2 layers with
// 24-channel chunks 12-33% faster (24->48 at 136x240 27-33%, the staged
// 48->64 and 64->96 18-28%, the 3-channel first layer 23%); for 2 blocks
// 16->32 at 160x160 26-28%, 3->16 at 96x96 45-58% but at 320x320 2-4%
// slower (its output planes, a multiple of 4 KiB, alias: such first
// layers now stage their output, see infer/cpu's s2Aliased).
//
// With 4 blocks (32 output channels, only where Wide: the 256-bit
// kernel has too few registers) the triples go to convS4x4AVX512, two
// 512-bit sums a pixel, and the groups left over one at a time to
// convS4x4oneAVX512: in cache on the Xeon 132 GFLOP/s against the
// 3-block kernel's 115 (and the 2-block's 125). The 256-bit kernels'
// fast 3-row paths, copied into the 512-bit ones, made layers -3% to
// +7% faster there, no better on the whole: those keep the per-row
// loop. With 8 blocks (64 output channels, only where Wide) the groups go
// one at a time to convS4x8oneAVX512, four 512-bit sums a pixel: in
// cache on the Xeon 147-161 GFLOP/s against the 4-block triples' 113-141
// in the same runs (the plans use it for short rows: infer/cpu's
// s2OctRow). With 6 blocks (48 output channels, only where Wide) the
// groups go in pairs to convS4x6pairAVX512 (three 512-bit sums a pixel,
// 24 sums), an odd last one to convS4x6oneAVX512: a chunk of 48 where
// 32 and 16 read the input twice.
func ConvS4(t *S4Tile) {
	switch {
	case t.NB >= 4 && !useAVX512:
		ConvS4Go(t)
	case t.NB == 8:
		convS4x8oneAVX512(t)
	case t.NB == 6:
		convS4x6(t)
	case useAVX512 && (t.NG >= 3 || t.NB == 4):
		convS4Wide(t)
	case useAsm:
		convS4AVX2(t)
	default:
		ConvS4Go(t)
	}
}

// convS4x6 is ConvS4 for 6 blocks (48 output channels, only where Wide):
// groups in pairs on convS4x6pairAVX512 (24 sums), an odd last one on
// convS4x6oneAVX512.
func convS4x6(t *S4Tile) {
	if t.NG < 2 {
		convS4x6oneAVX512(t)
		return
	}
	u, v := splitWide(t, 2, 4)
	convS4x6pairAVX512(&u)
	if v.NG > 0 {
		convS4x6oneAVX512(&v)
	}
}

// convS4Wide is ConvS4 with AVX-512: triples of groups on a 512-bit
// kernel (12 pixels of 32, 24 or 16 channels a call), the groups left
// over on the 256-bit one (for 4 blocks on a 512-bit one-group kernel).
func convS4Wide(t *S4Tile) {
	if t.NG < 3 {
		convS4x4oneAVX512(t) // 4 blocks: ConvS4 sends the others to AVX2
		return
	}
	u, v := splitWide(t, 3, 4)
	switch t.NB {
	case 4:
		convS4x4AVX512(&u)
	case 3:
		convS4x3AVX512(&u)
	default:
		convS4x2AVX512(&u)
	}
	switch {
	case v.NG == 0:
	case t.NB == 4:
		convS4x4oneAVX512(&v)
	default:
		convS4AVX2(&v)
	}
}

// splitWide cuts t's groups of px pixels into u, the most that are a
// multiple of per (for a 512-bit kernel), and v, the rest (NG 0 when
// none): LeftPad stays with u, RightPad goes with the last groups.
func splitWide(t *S4Tile, per, px int) (u, v S4Tile) {
	u, v = *t, *t
	u.NG = t.NG / per * per
	v.NG = t.NG - u.NG
	if v.NG > 0 {
		u.Flags &^= RightPad
	}
	v.In, v.Out = unsafe.Add(t.In, 8*px*u.NG), unsafe.Add(t.Out, 4*px*u.NG)
	if t.Acc != nil {
		v.Acc = unsafe.Add(t.Acc, 4*px*u.NG)
	}
	v.Flags &^= LeftPad
	return u, v
}

// ConvD4 runs the dilated stride-1 variant of the stride-2 kernel on t
// (AVX-512 only; elsewhere the portable loop): 6 or 8 blocks (48 or 64
// output channels) x NG groups of 4 consecutive output pixels of a row
// of a 3x3 convolution with stride 1 and a dilation of TapStride/4,
// output channels in the vector lanes as ConvS4 has them. Group g reads
// In + 16*g + c*CStride + Rows[r] + j*TapStride + 4*p (bytes) for pixel
// p < 4 and tap j < 3, with no padding (LeftPad and RightPad must not be
// set: the caller pads the rows), and writes as ConvS4 does (Accumulate,
// Acc and Relu too). Where the row-band micro-kernel keeps pixels in the
// lanes, vectors of 16 pixels mix pixels whose dilated taps read the
// padding with ones that do not, and rows of 40 pixels took 3 vectors;
// here every group's taps are whole and rows go in groups of 4.
func ConvD4(t *S4Tile) {
	switch {
	case !useAVX512:
		convD4Go(t)
	case t.NB == 8:
		convD4x8oneAVX512(t)
	default:
		convD4x6oneAVX512(t)
	}
}

// convD4Go is the portable ConvD4: the same sums in the same order.
func convD4Go(t *S4Tile) {
	g := *t
	g.NG = 1
	for i := range t.NG {
		g.In, g.Out = unsafe.Add(t.In, 16*i), unsafe.Add(t.Out, 16*i)
		if t.Acc != nil {
			g.Acc = unsafe.Add(t.Acc, 16*i)
		}
		convGo1(&g, 4, 1, t.TapStride)
	}
}

// ConvS4Go is the portable stride-2 kernel: the same sums as the
// vector one, in the same order per output.
func ConvS4Go(t *S4Tile) { convS2Go(t, 4) }

// convS2Go computes t's NG groups of px pixels (4, or 6 for ConvS6Go)
// one at a time: group i reads from In + 8*px*i and writes at Out +
// 4*px*i (and Acc + 4*px*i); LeftPad applies to the first, RightPad to
// the last.
func convS2Go(t *S4Tile, px int) {
	g := *t
	g.NG = 1
	for i := range t.NG {
		g.In, g.Out = unsafe.Add(t.In, 8*px*i), unsafe.Add(t.Out, 4*px*i)
		if t.Acc != nil {
			g.Acc = unsafe.Add(t.Acc, 4*px*i)
		}
		g.Flags = t.Flags
		if i > 0 {
			g.Flags &^= LeftPad
		}
		if i < t.NG-1 {
			g.Flags &^= RightPad
		}
		convGo1(&g, px, 2, 4)
	}
}

// convGo1 computes one group of px pixels (at most 6): pixel p's tap j
// reads the float at byte 4*step*p + j*tap of each row (stride 2: step 2,
// tap 4, float e = 2p+j), e = 0 the left padding with LeftPad and e =
// 2*px the right padding with RightPad.
func convGo1(t *S4Tile, px, step, tap int) {
	// Every address is formed only for a float that is read: with
	// LeftPad the row's first offset may lie before the input.
	var acc [64][6]float32 // [output channel][pixel]
	no := 8 * t.NB
	for o := range no {
		for p := range px {
			switch {
			case t.Flags&Accumulate == 0:
				acc[o][p] = *(*float32)(unsafe.Add(t.Bias, 4*o))
			case t.Acc != nil:
				acc[o][p] = *(*float32)(unsafe.Add(t.Acc, o*t.AccLDO+4*p))
			default:
				acc[o][p] = *(*float32)(unsafe.Add(t.Out, o*t.LDO+4*p))
			}
		}
	}
	for c := range t.NC {
		for r := range t.NRows {
			row := c*t.CStride + t.Rows[r]
			for j := range 3 {
				w := unsafe.Add(t.W, c*t.WCStride+t.WRows[r]+4*j*no)
				for p := range px {
					off := 4*step*p + j*tap
					if off == 0 && t.Flags&LeftPad != 0 || off == 8*px && t.Flags&RightPad != 0 {
						continue
					}
					x := *(*float32)(unsafe.Add(t.In, row+off))
					for o := range no {
						acc[o][p] += *(*float32)(unsafe.Add(w, 4*o)) * x
					}
				}
			}
		}
	}
	for o := range no {
		for p := range px {
			s := acc[o][p]
			if t.Flags&Relu != 0 {
				s = max(s, 0)
			}
			*(*float32)(unsafe.Add(t.Out, o*t.LDO+4*p)) = s
		}
	}
}

// ConvS6 runs the 6-pixel variant of the stride-2 kernel on t: 2 blocks
// (NB 2: 16 output channels; 8 blocks, 64 channels, where Wide) x NG
// groups of 6 consecutive pixels of a row, no Accumulate (Relu, LeftPad
// and RightPad may be set). Group g
// reads In + 48*g + c*CStride + Rows[r] + 4*e for e in [0, 13), except e
// = 0 with LeftPad (g = 0) and e = 12 with RightPad (g = NG-1), and
// writes 6 floats at Out + 24*g + LDO*o. With 16 channels the 4-pixel
// kernel keeps only 8 sums in registers, as many as the multiply-adds'
// latency needs in flight; 6 pixels keep 12. Groups with all 3 filter
// rows (WRows 0, 192, 384) and no right padding take the fast paths with
// the rows' offsets in registers, as ConvS4's do. With AVX-512 the groups
// go two at a time to a 512-bit kernel (convS6Wide): on the GPU
// machine's Xeon the classifier's 16->32 layer 33-71% faster, 24->32 at
// 184x320 15-25% (paired against the 256-bit kernel); chunks of 16
// channels for every direct plan there were no better (-15% to +14%).
func ConvS6(t *S4Tile) {
	switch {
	case t.NB == 8 && useAVX512:
		convS6x8AVX512(t)
	case t.NB == 8:
		ConvS6Go(t)
	case useAVX512 && t.NG >= 2:
		convS6Wide(t)
	case useAsm:
		convS6AVX2(t)
	default:
		ConvS6Go(t)
	}
}

// convS6Wide is ConvS6 with AVX-512: pairs of groups on the 512-bit
// kernel (12 pixels of 16 channels, a register each), an odd last group
// on the 256-bit one.
func convS6Wide(t *S4Tile) {
	u, v := splitWide(t, 2, 6)
	convS12AVX512(&u)
	if v.NG > 0 {
		convS6AVX2(&v)
	}
}

// ConvS6Go is the portable ConvS6: the same sums in the same order.
func ConvS6Go(t *S4Tile) { convS2Go(t, 6) }
