package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// RLE is a binary mask of H rows and W columns in COCO run-length encoding:
// the pixels in column-major (Fortran) order, Counts alternating runs of 0
// and 1 starting with a (possibly empty) run of 0.
type RLE struct {
	H, W   int
	Counts []uint32
}

// maxMaskPixels bounds H*W so that a hostile size cannot ask for absurd
// amounts of memory or overflow the counters.
const maxMaskPixels = 1 << 32

// checkSize validates a mask size.
func checkSize(h, w int) error {
	if h < 0 || w < 0 || (h > 0 && w > maxMaskPixels/h) {
		return fmt.Errorf("bad mask size %dx%d", h, w)
	}
	return nil
}

// checkCounts verifies that the runs cover exactly H*W pixels.
func (r *RLE) checkCounts() error {
	var sum uint64
	for _, c := range r.Counts {
		sum += uint64(c)
	}
	if want := uint64(r.H) * uint64(r.W); sum != want {
		return fmt.Errorf("RLE runs cover %d pixels, mask %dx%d has %d", sum, r.H, r.W, want)
	}
	return nil
}

// DecodeRLEString decodes pycocotools' compressed RLE string (rleFrString):
// each count is a signed LEB128-like number of 5-bit groups stored as
// characters 48..111, and from the fourth count on the value is a delta to
// the count two places earlier.
func DecodeRLEString(s string, h, w int) (RLE, error) {
	if err := checkSize(h, w); err != nil {
		return RLE{}, err
	}
	r := RLE{H: h, W: w, Counts: make([]uint32, 0, len(s)/2+1)}
	for p := 0; p < len(s); {
		var x int64
		for k := 0; ; k++ {
			if p >= len(s) {
				return RLE{}, errors.New("RLE string ends inside a count")
			}
			if k > 7 {
				return RLE{}, fmt.Errorf("RLE string: count at byte %d is too long", p)
			}
			ch := s[p]
			if ch < 48 || ch > 111 {
				return RLE{}, fmt.Errorf("RLE string: byte %d is %q, not in '0'..'o'", p, ch)
			}
			c := int64(ch - 48)
			x |= (c & 0x1f) << (5 * k)
			p++
			if c&0x20 == 0 {
				if c&0x10 != 0 {
					x |= -1 << (5 * (k + 1))
				}
				break
			}
		}
		if m := len(r.Counts); m > 2 {
			x += int64(r.Counts[m-2])
		}
		if x < 0 || x > 1<<32-1 {
			return RLE{}, fmt.Errorf("RLE string: count %d is %d", len(r.Counts), x)
		}
		r.Counts = append(r.Counts, uint32(x))
	}
	if err := r.checkCounts(); err != nil {
		return RLE{}, err
	}
	return r, nil
}

// String encodes the mask as pycocotools' compressed RLE string
// (rleToString).
func (r *RLE) String() string {
	var b strings.Builder
	for i, c := range r.Counts {
		x := int64(c)
		if i > 2 {
			x -= int64(r.Counts[i-2])
		}
		for more := true; more; {
			ch := byte(x & 0x1f)
			x >>= 5
			if ch&0x10 != 0 {
				more = x != -1
			} else {
				more = x != 0
			}
			if more {
				ch |= 0x20
			}
			b.WriteByte(ch + 48)
		}
	}
	return b.String()
}

// RLEFromMask encodes a column-major mask of h rows and w columns (any
// non-zero byte is foreground).
func RLEFromMask(mask []byte, h, w int) (RLE, error) {
	if err := checkSize(h, w); err != nil {
		return RLE{}, err
	}
	if len(mask) != h*w {
		return RLE{}, fmt.Errorf("mask has %d pixels, want %dx%d", len(mask), h, w)
	}
	r := RLE{H: h, W: w}
	var run uint32
	var cur byte
	for _, v := range mask {
		if v != 0 {
			v = 1
		}
		if v != cur {
			r.Counts = append(r.Counts, run)
			run, cur = 0, v
		}
		run++
	}
	r.Counts = append(r.Counts, run)
	return r, nil
}

// Decode writes the mask in column-major order into dst (len H*W), 1 for
// foreground and 0 for background.
func (r *RLE) Decode(dst []byte) error {
	if len(dst) != r.H*r.W {
		return fmt.Errorf("decode: buffer has %d bytes, mask %dx%d", len(dst), r.H, r.W)
	}
	if err := r.checkCounts(); err != nil {
		return err
	}
	p := 0
	for i, c := range r.Counts {
		v := byte(i & 1)
		for range c {
			dst[p] = v
			p++
		}
	}
	return nil
}

// Area is the number of foreground pixels.
func (r *RLE) Area() uint64 {
	var a uint64
	for i := 1; i < len(r.Counts); i += 2 {
		a += uint64(r.Counts[i])
	}
	return a
}

// Bbox is the tight box around the foreground as pycocotools' rleToBbox
// gives it (all zero for an empty mask).
func (r *RLE) Bbox() Box {
	h := uint64(r.H)
	m := len(r.Counts) / 2 * 2
	if m == 0 || h == 0 {
		return Box{}
	}
	xs, ys, xe, ye := uint64(r.W), h, uint64(0), uint64(0)
	var cc, xp uint64
	for j := 0; j < m; j++ {
		cc += uint64(r.Counts[j])
		t := cc - uint64(j%2)
		y := t % h
		x := (t - y) / h
		if j%2 == 0 {
			xp = x
		} else if xp < x {
			ys, ye = 0, h-1
		}
		xs, xe = min(xs, x), max(xe, x)
		ys, ye = min(ys, y), max(ye, y)
	}
	return Box{X: float64(xs), Y: float64(ys), W: float64(xe - xs + 1), H: float64(ye - ys + 1)}
}

// MaskIoU is the overlap of two masks of the same size computed on their
// runs, as pycocotools' rleIou: intersection over union, or over dt's area
// when gt is a crowd (ignore) region. Empty intersections give 0.
func MaskIoU(dt, gt *RLE, crowd bool) (float64, error) {
	if dt.H != gt.H || dt.W != gt.W {
		return 0, fmt.Errorf("mask sizes differ: %dx%d and %dx%d", dt.H, dt.W, gt.H, gt.W)
	}
	i, u := rleInterUnion(dt.Counts, gt.Counts)
	if i == 0 {
		return 0, nil
	}
	if crowd {
		u = dt.Area()
	}
	return float64(i) / float64(u), nil
}

// rleInterUnion walks two run lists over the same pixels and counts the
// pixels that are foreground in both and in either.
func rleInterUnion(a, b []uint32) (inter, union uint64) {
	var ia, ib int
	var ca, cb uint64
	va, vb := false, false
	if len(a) > 0 {
		ca = uint64(a[0])
	}
	if len(b) > 0 {
		cb = uint64(b[0])
	}
	for {
		// Skip exhausted runs (zero-length runs flip the value).
		for ca == 0 && ia+1 < len(a) {
			ia++
			ca = uint64(a[ia])
			va = !va
		}
		for cb == 0 && ib+1 < len(b) {
			ib++
			cb = uint64(b[ib])
			vb = !vb
		}
		if ca == 0 || cb == 0 {
			return inter, union
		}
		c := min(ca, cb)
		if va || vb {
			union += c
			if va && vb {
				inter += c
			}
		}
		ca -= c
		cb -= c
	}
}

// rleJSON is the COCO segmentation object: counts is a list of numbers
// (uncompressed) or a string (compressed).
type rleJSON struct {
	Size   []int           `json:"size"`
	Counts json.RawMessage `json:"counts"`
}

// parseSegmentation decodes a COCO RLE segmentation object, compressed or
// not. Polygons are not supported.
func parseSegmentation(raw json.RawMessage) (*RLE, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, errors.New("no segmentation")
	}
	if raw[0] == '[' {
		return nil, errors.New("polygon segmentation is not supported, give RLE")
	}
	var s rleJSON
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("segmentation: %w", err)
	}
	if len(s.Size) != 2 {
		return nil, fmt.Errorf("segmentation: size has %d values, want [h, w]", len(s.Size))
	}
	h, w := s.Size[0], s.Size[1]
	if err := checkSize(h, w); err != nil {
		return nil, fmt.Errorf("segmentation: %w", err)
	}
	c := bytes.TrimSpace(s.Counts)
	if len(c) > 0 && c[0] == '"' {
		var str string
		if err := json.Unmarshal(c, &str); err != nil {
			return nil, fmt.Errorf("segmentation counts: %w", err)
		}
		r, err := DecodeRLEString(str, h, w)
		if err != nil {
			return nil, fmt.Errorf("segmentation: %w", err)
		}
		return &r, nil
	}
	var counts []uint32
	if err := json.Unmarshal(c, &counts); err != nil {
		return nil, fmt.Errorf("segmentation counts: %w", err)
	}
	r := RLE{H: h, W: w, Counts: counts}
	if err := r.checkCounts(); err != nil {
		return nil, fmt.Errorf("segmentation: %w", err)
	}
	return &r, nil
}
