package graph

import (
	"fmt"

	"github.com/dsgo/dsgo/infer/tensor"
)

// window holds the spatial parameters shared by Conv, ConvTranspose and the
// pools, defaulted and checked against the spatial rank.
type window struct {
	kernel, strides, dilations, pads []int
	autoPad                          string
}

func readWindow(n *Node, spatial int, kernel []int) (window, error) {
	w := window{kernel: kernel, strides: n.AttrInts("strides"), dilations: n.AttrInts("dilations"),
		pads: n.AttrInts("pads"), autoPad: n.AttrString("auto_pad", "NOTSET")}
	fill := func(s []int, v, k int) []int {
		if s == nil {
			s = make([]int, k)
			for i := range s {
				s[i] = v
			}
		}
		return s
	}
	w.strides = fill(w.strides, 1, spatial)
	w.dilations = fill(w.dilations, 1, spatial)
	w.pads = fill(w.pads, 0, 2*spatial)
	if len(w.kernel) != spatial || len(w.strides) != spatial || len(w.dilations) != spatial || len(w.pads) != 2*spatial {
		return w, fmt.Errorf("kernel %v, strides %v, dilations %v, pads %v do not fit %d spatial dims",
			w.kernel, w.strides, w.dilations, w.pads, spatial)
	}
	for i := 0; i < spatial; i++ {
		if w.kernel[i] < 1 || w.strides[i] < 1 || w.dilations[i] < 1 || w.pads[i] < 0 || w.pads[i+spatial] < 0 {
			return w, fmt.Errorf("kernel %v, strides %v, dilations %v, pads %v: values out of range",
				w.kernel, w.strides, w.dilations, w.pads)
		}
	}
	switch w.autoPad {
	case "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER":
	default:
		return w, fmt.Errorf("auto_pad %q is not NOTSET, VALID, SAME_UPPER or SAME_LOWER", w.autoPad)
	}
	return w, nil
}

// out returns the output size of spatial dim i for input size in.
func (w window) out(i, in int, ceil bool) int {
	if in < 0 {
		return -1
	}
	s := w.strides[i]
	switch w.autoPad {
	case "SAME_UPPER", "SAME_LOWER":
		return (in + s - 1) / s
	}
	pads := w.pads[i] + w.pads[i+len(w.kernel)]
	if w.autoPad == "VALID" {
		pads = 0
	}
	ext := (w.kernel[i]-1)*w.dilations[i] + 1
	num := in + pads - ext
	if num < 0 {
		return 0
	}
	if ceil {
		o := (num+s-1)/s + 1
		if (o-1)*s >= in+w.pads[i] { // the last window must start inside
			o--
		}
		return o
	}
	return num/s + 1
}

func inferConv(n *Node, _ int) error {
	if err := need(n, 2); err != nil {
		return err
	}
	x, w := n.Inputs[0].Shape, n.Inputs[1].Shape
	if x == nil || w == nil {
		set(n, 0, n.Inputs[0].DType, nil)
		return nil
	}
	if len(x) < 3 || len(w) != len(x) {
		return fmt.Errorf("input %v and weights %v: need matching ranks >= 3", x, w)
	}
	group := n.AttrInt("group", 1)
	if group < 1 {
		return fmt.Errorf("group %d", group)
	}
	if x[1] >= 0 && w[1] >= 0 && x[1] != w[1]*group {
		return fmt.Errorf("input has %d channels, weights %v with group %d want %d", x[1], w, group, w[1]*group)
	}
	kernel := n.AttrInts("kernel_shape")
	if kernel == nil {
		kernel = append([]int(nil), w[2:]...)
	}
	win, err := readWindow(n, len(x)-2, kernel)
	if err != nil {
		return err
	}
	out := tensor.Shape{x[0], w[0]}
	for i := 2; i < len(x); i++ {
		out = append(out, win.out(i-2, x[i], false))
	}
	set(n, 0, n.Inputs[0].DType, out)
	return nil
}

func inferConvTranspose(n *Node, _ int) error {
	if err := need(n, 2); err != nil {
		return err
	}
	x, w := n.Inputs[0].Shape, n.Inputs[1].Shape
	if x == nil || w == nil {
		set(n, 0, n.Inputs[0].DType, nil)
		return nil
	}
	if len(x) < 3 || len(w) != len(x) {
		return fmt.Errorf("input %v and weights %v: need matching ranks >= 3", x, w)
	}
	group := n.AttrInt("group", 1)
	kernel := n.AttrInts("kernel_shape")
	if kernel == nil {
		kernel = append([]int(nil), w[2:]...)
	}
	sp := len(x) - 2
	win, err := readWindow(n, sp, kernel)
	if err != nil || group < 1 {
		return fmt.Errorf("group %d: %v", group, err)
	}
	outPad := n.AttrInts("output_padding")
	if outPad == nil {
		outPad = make([]int, sp)
	}
	explicit := n.AttrInts("output_shape")
	if len(outPad) != sp || (explicit != nil && len(explicit) != sp) {
		return fmt.Errorf("output_padding %v / output_shape %v do not fit %d spatial dims", outPad, explicit, sp)
	}
	out := tensor.Shape{x[0], w[1] * group}
	for i := 0; i < sp; i++ {
		in := x[i+2]
		switch {
		case explicit != nil:
			out = append(out, explicit[i])
		case in < 0:
			out = append(out, -1)
		case win.autoPad == "SAME_UPPER" || win.autoPad == "SAME_LOWER":
			out = append(out, in*win.strides[i])
		default:
			o := win.strides[i]*(in-1) + outPad[i] + (kernel[i]-1)*win.dilations[i] + 1 - win.pads[i] - win.pads[i+sp]
			if o < 0 {
				return fmt.Errorf("output size %d is negative", o)
			}
			out = append(out, o)
		}
	}
	set(n, 0, n.Inputs[0].DType, out)
	return nil
}

func inferPool(n *Node, _ int) error {
	if err := need(n, 1); err != nil {
		return err
	}
	x := n.Inputs[0].Shape
	if x == nil {
		set(n, 0, n.Inputs[0].DType, nil)
		return nil
	}
	if len(x) < 3 {
		return fmt.Errorf("input %v needs rank >= 3", x)
	}
	win, err := readWindow(n, len(x)-2, n.AttrInts("kernel_shape"))
	if err != nil {
		return err
	}
	out := tensor.Shape{x[0], x[1]}
	for i := 2; i < len(x); i++ {
		out = append(out, win.out(i-2, x[i], n.AttrInt("ceil_mode", 0) != 0))
	}
	set(n, 0, n.Inputs[0].DType, out)
	set(n, 1, tensor.Int64, cloneShape(out))
	return nil
}

func inferRoiAlign(n *Node, _ int) error {
	if err := need(n, 3); err != nil {
		return err
	}
	x, rois := n.Inputs[0].Shape, n.Inputs[1].Shape
	r, c := -1, -1
	if x != nil {
		if len(x) != 4 {
			return fmt.Errorf("input %v must be NCHW", x)
		}
		c = x[1]
	}
	if rois != nil {
		if len(rois) != 2 || (rois[1] >= 0 && rois[1] != 4) {
			return fmt.Errorf("rois %v must be [R,4]", rois)
		}
		r = rois[0]
	}
	h, w := n.AttrInt("output_height", 1), n.AttrInt("output_width", 1)
	if h < 1 || w < 1 {
		return fmt.Errorf("output size %dx%d", h, w)
	}
	set(n, 0, n.Inputs[0].DType, tensor.Shape{r, c, h, w})
	return nil
}

func inferNMS(n *Node, _ int) error {
	if err := need(n, 2); err != nil {
		return err
	}
	b, s := n.Inputs[0].Shape, n.Inputs[1].Shape
	if (b != nil && (len(b) != 3 || (b[2] >= 0 && b[2] != 4))) || (s != nil && len(s) != 3) {
		return fmt.Errorf("boxes %v must be [N,B,4] and scores %v [N,C,B]", b, s)
	}
	set(n, 0, tensor.Int64, tensor.Shape{-1, 3})
	return nil
}
