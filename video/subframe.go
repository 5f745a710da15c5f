package video

import "fmt"

// SubFrame returns a view of the rectangle r of f: writing to the view
// writes into f. YUV frames need an even r.X and r.Y (chroma is shared by
// 2x2 pixel blocks).
func SubFrame(f *Frame, r Rect) (Frame, error) {
	if r.X < 0 || r.Y < 0 || r.W <= 0 || r.H <= 0 || r.X+r.W > f.Width || r.Y+r.H > f.Height {
		return Frame{}, fmt.Errorf("sub-frame %+v outside the %dx%d frame", r, f.Width, f.Height)
	}
	if f.Format.IsYUV() && (r.X|r.Y)&1 != 0 {
		return Frame{}, fmt.Errorf("sub-frame %+v of a %s frame must start at even x and y", r, f.Format)
	}
	s := Frame{Info: f.Info, Data: f.Data}
	s.Width, s.Height = r.W, r.H
	s.Offset[0] = f.Offset[0] + r.Y*f.Stride[0] + r.X*f.Format.PixelStride()
	switch f.Format {
	case FormatNV12:
		s.Offset[1] = f.Offset[1] + (r.Y/2)*f.Stride[1] + r.X
	case FormatI420:
		s.Offset[1] = f.Offset[1] + (r.Y/2)*f.Stride[1] + r.X/2
		s.Offset[2] = f.Offset[2] + (r.Y/2)*f.Stride[2] + r.X/2
	}
	return s, nil
}
