package scene

import (
	"fmt"
	"image"
)

// EncodeRLE appends to dst the COCO uncompressed run-length encoding of
// the pixels of a w x h instance map equal to id: pixels in column-major
// (Fortran) order, counts alternating between runs of 0 and 1 and starting
// with a run of 0 (possibly empty), as pycocotools writes them. Only box
// is scanned: the caller promises that no pixel outside it equals id.
func EncodeRLE(dst []int, ids []uint16, w, h int, id uint16, box image.Rectangle) []int {
	box = box.Intersect(image.Rect(0, 0, w, h))
	start, on := 0, false // start of the current run, its value
	for x := box.Min.X; x < box.Max.X; x++ {
		if on && box.Min.Y > 0 { // the run ended at the top of this column
			p := x * h
			dst = append(dst, p-start)
			start, on = p, false
		}
		for y := box.Min.Y; y < box.Max.Y; y++ {
			if (ids[y*w+x] == id) != on {
				p := x*h + y
				dst = append(dst, p-start)
				start, on = p, !on
			}
		}
		if on && box.Max.Y < h { // the run ends at the box's bottom
			p := x*h + box.Max.Y
			dst = append(dst, p-start)
			start, on = p, false
		}
	}
	if on { // a run down to the bottom of the box's last column
		p := box.Max.X * h
		dst = append(dst, p-start)
		start = p
	}
	if rest := w*h - start; rest > 0 || len(dst) == 0 {
		dst = append(dst, rest)
	}
	return dst
}

// RLE appends the encoding of object o's visible mask to dst.
func (f *Frame) RLE(dst []int, o *Object) []int {
	return EncodeRLE(dst, f.IDs, f.Width, f.Height, o.ID, o.Box)
}

// DecodeRLE expands COCO uncompressed RLE counts of a w x h mask into mask
// (row-major, 1 for the object's pixels), which must hold w*h bytes. It
// fails on negative counts or counts that do not add up to w*h.
func DecodeRLE(counts []int, w, h int, mask []uint8) error {
	if w < 0 || h < 0 || len(mask) < w*h {
		return fmt.Errorf("rle: mask of %d bytes for a %dx%d frame", len(mask), w, h)
	}
	n := w * h
	p := 0
	for i, c := range counts {
		if c < 0 {
			return fmt.Errorf("rle: count %d is negative (%d)", i, c)
		}
		if c > n-p {
			return fmt.Errorf("rle: counts add up to more than %dx%d = %d pixels", w, h, n)
		}
		v := uint8(i & 1)
		for k := p; k < p+c; k++ {
			mask[(k%h)*w+k/h] = v
		}
		p += c
	}
	if p != n {
		return fmt.Errorf("rle: counts add up to %d, not %dx%d = %d", p, w, h, n)
	}
	return nil
}
