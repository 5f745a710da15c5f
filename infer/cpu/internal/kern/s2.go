package kern

import "unsafe"

// S2Tile is one call of the stride-2 3x3 kernel: 8 output channels x 8
// consecutive output pixels of one row of a convolution with stride 2
// and dilation 1, read straight from the NCHW input with no copy. The
// output channels sit in the vector lanes: each (channel, filter row)
// step loads the row's 3 weight vectors (8 channels each) and broadcasts
// the 17 input floats the 8 pixels read (pixel p's tap j is float 2p+j),
// 24 multiply-adds. The 8 sums are transposed in registers at the end and
// stored as 8 rows of 8 pixels, one per output channel.
//
// The kernel reads In + c*CStride + Rows[r] + 4*e (bytes) for c < NC, r
// < NRows and e in [0, 17), except e = 0 with LeftPad and e = 16 with
// RightPad, which read as zero (the padding column on each side); filter
// rows wholly in the padding are left out of Rows. It writes 8 floats at
// Out + LDO*o for o < 8.
type S2Tile struct {
	W       unsafe.Pointer // weights of the 8 channels: [NC][3][3][8] float32
	In      unsafe.Pointer // input channel 0 (the offsets in Rows are from here)
	Rows    [3]int         // byte offsets of the used filter rows' 17 floats
	WRows   [3]int         // byte offsets of those rows' weights in a channel's
	NRows   int            // used filter rows (1-3)
	NC      int            // input channels
	CStride int            // bytes between input channels
	Out     unsafe.Pointer // output channel 0 of the 8 pixels
	LDO     int            // bytes between output channels
	Bias    unsafe.Pointer // 8 float32 initial values
	Flags   int            // Relu, LeftPad, RightPad
}

// S2Tile flags (Relu is the Tile one).
const (
	// LeftPad: the first input float of each row is padding.
	LeftPad = 4
	// RightPad: the last (17th) input float of each row is padding.
	RightPad = 8
)

// S2WeightsPerChannel is how many floats of weights S2Tile reads per
// input channel: 3 filter rows of 3 vectors of 8 output channels.
const S2WeightsPerChannel = 72

// ConvS2 runs the stride-2 kernel t describes.
func ConvS2(t *S2Tile) {
	if useAsm {
		convS2AVX2(t)
		return
	}
	ConvS2Go(t)
}

// ConvS2Go is the portable stride-2 kernel: the same sums as the vector
// one, in the same order per output.
func ConvS2Go(t *S2Tile) {
	// Every address is formed only for a float that is read: with
	// LeftPad the row's first offset may lie before the input.
	var acc [8][8]float32 // [pixel][output channel]
	bias := (*[8]float32)(t.Bias)
	for p := range 8 {
		acc[p] = *bias
	}
	for c := range t.NC {
		for r := range t.NRows {
			w := (*[3][8]float32)(unsafe.Add(t.W, (c*S2WeightsPerChannel)*4+t.WRows[r]))
			row := c*t.CStride + t.Rows[r]
			for e := range 17 {
				if e == 0 && t.Flags&LeftPad != 0 || e == 16 && t.Flags&RightPad != 0 {
					continue
				}
				x := *(*float32)(unsafe.Add(t.In, row+4*e))
				// Float e is tap j of pixel p where e = 2p+j.
				for j := range 3 {
					p := (e - j) / 2
					if (e-j)%2 != 0 || p < 0 || p > 7 {
						continue
					}
					for o := range 8 {
						acc[p][o] += w[j][o] * x
					}
				}
			}
		}
	}
	for o := range 8 {
		out := (*[8]float32)(unsafe.Add(t.Out, o*t.LDO))
		for p := range 8 {
			s := acc[p][o]
			if t.Flags&Relu != 0 {
				s = max(s, 0)
			}
			out[p] = s
		}
	}
}
