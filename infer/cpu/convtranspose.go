package cpu

import (
	"fmt"

	"github.com/dsgo/dsgo/infer/tensor"
)

// ConvTransposeParams are ONNX ConvTranspose's attributes for 2-D data;
// zero strides, dilations and group mean 1. The output size follows from
// the pads and OutputPadding (callers resolve output_shape and auto_pad
// into Pads).
type ConvTransposeParams struct {
	Group         int
	Strides       [2]int
	Dilations     [2]int
	Pads          [4]int // H begin, W begin, H end, W end
	OutputPadding [2]int
}

// convTGeom is a transposed convolution's geometry: g describes the
// forward convolution from the output (as its input) back to x.
type convTGeom struct {
	n, c, h, w     int // x
	m, kh, kw      int // output channels and kernel
	oh, ow         int
	group, cg, mg  int
	sh, sw, dh, dw int
	pt, pl         int
}

func convTGeometry(x, w tensor.Shape, p ConvTransposeParams) (convTGeom, error) {
	var g convTGeom
	if len(x) != 4 || len(w) != 4 {
		return g, fmt.Errorf("cpu: convtranspose: input %v and weight %v must be 4-D", x, w)
	}
	cp := ConvParams{Group: p.Group, Strides: p.Strides, Dilations: p.Dilations}.norm()
	g = convTGeom{n: x[0], c: x[1], h: x[2], w: x[3], kh: w[2], kw: w[3], group: cp.Group,
		sh: cp.Strides[0], sw: cp.Strides[1], dh: cp.Dilations[0], dw: cp.Dilations[1], pt: p.Pads[0], pl: p.Pads[1]}
	if g.group < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || g.kh < 1 || g.kw < 1 {
		return g, fmt.Errorf("cpu: convtranspose: group, strides, dilations and kernel must be positive")
	}
	if w[0] != g.c || g.c%g.group != 0 {
		return g, fmt.Errorf("cpu: convtranspose: input %v, weight %v and group %d do not agree", x, w, g.group)
	}
	g.cg, g.mg = g.c/g.group, w[1]
	g.m = g.mg * g.group
	g.oh = (g.h-1)*g.sh + (g.kh-1)*g.dh + 1 + p.OutputPadding[0] - p.Pads[0] - p.Pads[2]
	g.ow = (g.w-1)*g.sw + (g.kw-1)*g.dw + 1 + p.OutputPadding[1] - p.Pads[1] - p.Pads[3]
	if g.oh < 1 || g.ow < 1 {
		return g, fmt.Errorf("cpu: convtranspose: output %dx%d from input %v and pads %v", g.oh, g.ow, x, p.Pads)
	}
	return g, nil
}

// ConvTransposeOutputShape returns the shape ConvTranspose2D writes.
func ConvTransposeOutputShape(x, w tensor.Shape, p ConvTransposeParams) (tensor.Shape, error) {
	g, err := convTGeometry(x, w, p)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{g.n, g.m, g.oh, g.ow}, nil
}

// ConvTransposeWorkspace returns the scratch ConvTranspose2D needs: the
// column matrix of one group of one image.
func ConvTransposeWorkspace(x, w tensor.Shape, p ConvTransposeParams) (int, error) {
	g, err := convTGeometry(x, w, p)
	if err != nil {
		return 0, err
	}
	return g.mg * g.kh * g.kw * g.h * g.w, nil
}

// ConvTranspose2D computes ONNX ConvTranspose on NCHW data with weight
// [C, M/group, kh, kw] and optional bias [M]: a GEMM per image and group
// into a column matrix, then col2im's scatter-add.
func (r *Runner) ConvTranspose2D(dst, x, w, bias *tensor.Tensor, p ConvTransposeParams, scratch []float32) error {
	g, err := convTGeometry(x.Shape, w.Shape, p)
	if err != nil {
		return err
	}
	if err := checkF32("convtranspose: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("convtranspose: weight", w, w.Shape); err != nil {
		return err
	}
	if err := checkF32("convtranspose: output", dst, tensor.Shape{g.n, g.m, g.oh, g.ow}); err != nil {
		return err
	}
	if bias != nil {
		if err := checkF32("convtranspose: bias", bias, tensor.Shape{g.m}); err != nil {
			return err
		}
	}
	kk, hw, ohw := g.kh*g.kw, g.h*g.w, g.oh*g.ow
	rows := g.mg * kk
	if len(scratch) < rows*hw {
		return fmt.Errorf("cpu: convtranspose: scratch has %d elements, needs %d", len(scratch), rows*hw)
	}
	col := scratch[:rows*hw]
	for n := 0; n < g.n; n++ {
		for gi := 0; gi < g.group; gi++ {
			xg := x.F32[(n*g.c+gi*g.cg)*hw:]
			wg := w.F32[gi*g.cg*rows:]
			r.sgemm(true, false, rows, hw, g.cg, 1, wg, rows, xg, hw, 0, col, hw)
			y := dst.F32[(n*g.m+gi*g.mg)*ohw : (n*g.m+(gi+1)*g.mg)*ohw]
			clear(y)
			col2im(y, col, g)
		}
	}
	if bias != nil {
		for i := 0; i < g.n*g.m; i++ {
			epilogue(dst.F32[i*ohw:(i+1)*ohw], bias.F32[i%g.m], nil, Activation{})
		}
	}
	return nil
}

// col2im adds each column entry (output channel, kernel tap, input pixel)
// into the output pixel it lands on.
func col2im(y, col []float32, g convTGeom) {
	hw, ohw := g.h*g.w, g.oh*g.ow
	for co := 0; co < g.mg; co++ {
		plane := y[co*ohw : (co+1)*ohw]
		for kh := 0; kh < g.kh; kh++ {
			for kw := 0; kw < g.kw; kw++ {
				src := col[((co*g.kh+kh)*g.kw+kw)*hw:]
				for ih := 0; ih < g.h; ih++ {
					oh := ih*g.sh - g.pt + kh*g.dh
					if oh < 0 || oh >= g.oh {
						continue
					}
					row := plane[oh*g.ow : (oh+1)*g.ow]
					s := src[ih*g.w : (ih+1)*g.w]
					for iw, v := range s {
						if ow := iw*g.sw - g.pl + kw*g.dw; ow >= 0 && ow < g.ow {
							row[ow] += v
						}
					}
				}
			}
		}
	}
}
