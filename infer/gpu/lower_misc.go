package gpu

import (
	"fmt"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/graph"
)

// dims4 returns a 4-D buf's strides as the 4-D kernels take them.
func dims4(b *buf) [4]int64 {
	return [4]int64{int64(b.stride[0]), int64(b.stride[1]), int64(b.stride[2]), int64(b.stride[3])}
}

func order(b *buf) int32 {
	if b.nhwc() {
		return 1
	}
	return 0
}

func pair(v []int, def int) [2]int {
	if len(v) >= 2 {
		return [2]int{v[0], v[1]}
	}
	return [2]int{def, def}
}

func lowerPool(p *Program, n *graph.Node) error {
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	if len(x.shape) != 4 {
		return fmt.Errorf("input %v must be 4-D", x.shape)
	}
	y, err := p.define(n.Outputs[0], x.nhwc())
	if err != nil {
		return err
	}
	k, s, d := pair(n.AttrInts("kernel_shape"), 1), pair(n.AttrInts("strides"), 1), pair(n.AttrInts("dilations"), 1)
	pads := n.AttrInts("pads")
	if len(pads) < 4 {
		pads = []int{0, 0, 0, 0}
	}
	for i, v := range pads[:4] {
		if v < 0 || v >= k[i%2] {
			return fmt.Errorf("pads %v must be in [0, kernel)", pads)
		}
	}
	if k[0] < 1 || k[1] < 1 || s[0] < 1 || s[1] < 1 || d[0] < 1 || d[1] < 1 {
		return fmt.Errorf("kernel %v, strides %v, dilations %v must be positive", k, s, d)
	}
	prm := &poolParams{Xs: dims4(x), Ys: dims4(y), N: int32(x.shape[0]), C: int32(x.shape[1]), H: int32(x.shape[2]),
		W: int32(x.shape[3]), OH: int32(y.shape[2]), OW: int32(y.shape[3]), KH: int32(k[0]), KW: int32(k[1]),
		SH: int32(s[0]), SW: int32(s[1]), DH: int32(d[0]), DW: int32(d[1]), PT: int32(pads[0]), PL: int32(pads[1]),
		PB: int32(pads[2]), PR: int32(pads[3]), Dtype: int32(x.dt), Order: order(y)}
	if n.Op == "MaxPool" {
		prm.IsMax = 1
	} else if n.AttrInt("count_include_pad", 0) == 1 {
		prm.IncludePad = 1
	}
	fn, cnt := p.e.kern["dsgo_pool"], int64(y.elems())
	if prm.IsMax == 1 && x.dt == dF16 && x.nhwc() && y.nhwc() && prm.C%8 == 0 && x.byteOffset()%16 == 0 &&
		y.byteOffset()%16 == 0 { // whole 16-byte vectors of channels
		fn, cnt = p.e.kern["dsgo_maxpool_h8"], cnt/8
	}
	p.step(n.Name, []*buf{x}, []*buf{y}, func(st *cuda.Stream) error {
		prm.X, prm.Y = int64(x.dev()), int64(y.dev())
		return p.e.launch(st, fn, raw(prm), cnt)
	}).detail = fn.Name()
	return nil
}

func lowerGAP(p *Program, n *graph.Node) error {
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	if len(x.shape) < 3 {
		return fmt.Errorf("input %v needs spatial dimensions", x.shape)
	}
	prm := &poolParams{N: int32(x.shape[0]), C: int32(x.shape[1])}
	if len(x.shape) == 4 {
		prm.H, prm.W, prm.Xs = int32(x.shape[2]), int32(x.shape[3]), dims4(x)
	} else {
		if x, err = p.canon(x); err != nil {
			return err
		}
		hw := elems(x.shape[2:])
		prm.H, prm.W, prm.Xs = int32(hw), 1, [4]int64{int64(x.shape[1] * hw), int64(hw), 1, 1}
	}
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	prm.Ys, prm.Dtype = [4]int64{int64(x.shape[1]), 1, 1, 1}, int32(x.dt)
	fn, cnt := p.e.kern["dsgo_gap"], int64(x.shape[0]*x.shape[1])
	p.step(n.Name, []*buf{x}, []*buf{y}, func(st *cuda.Stream) error {
		prm.X, prm.Y = int64(x.dev()), int64(y.dev())
		return p.e.launch(st, fn, raw(prm), cnt)
	})
	return nil
}

// around returns the products of the dimensions before and after axis.
func around(s []int, axis int) (outer, inner int) {
	return elems(s[:axis]), elems(s[axis+1:])
}

// rowStep adds a launch of a row kernel over x's axis.
func (p *Program) rowStep(name, kernel string, x *buf, axis, k int, largest bool, outs ...*buf) {
	outer, inner := around(x.shape, axis)
	prm := &rowParams{Outer: int32(outer), Len: int32(x.shape[axis]), Inner: int32(inner), K: int32(k), Dtype: int32(x.dt)}
	if largest {
		prm.Largest = 1
	}
	fn, cnt := p.e.kern[kernel], int64(outer*inner)
	p.step(name, []*buf{x}, outs, func(st *cuda.Stream) error {
		prm.X, prm.Y = int64(x.dev()), int64(outs[0].dev())
		if len(outs) > 1 {
			prm.Y2 = int64(outs[1].dev())
		}
		return p.e.launch(st, fn, raw(prm), cnt)
	})
}

func lowerSoftmax(p *Program, n *graph.Node) error {
	x, err := p.canonVal(n.In(0))
	if err != nil {
		return err
	}
	def := -1
	if p.g.Opset < 13 {
		def = 1
	}
	axis, err := axisOf(n, len(x.shape), def)
	if err != nil {
		return err
	}
	if p.g.Opset < 13 && axis != len(x.shape)-1 {
		return fmt.Errorf("opset %d Softmax over axes %d.. (flattened) is not supported", p.g.Opset, axis)
	}
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	p.rowStep(n.Name, "dsgo_softmax", x, axis, 0, false, y)
	return nil
}

func lowerArgMax(p *Program, n *graph.Node) error {
	if n.AttrInt("select_last_index", 0) != 0 {
		return fmt.Errorf("select_last_index is not supported")
	}
	x, err := p.canonVal(n.In(0))
	if err != nil {
		return err
	}
	axis, err := axisOf(n, len(x.shape), 0)
	if err != nil {
		return err
	}
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	if y.dt != dI64 {
		return fmt.Errorf("output of type %v", y.dt)
	}
	p.rowStep(n.Name, "dsgo_argmax", x, axis, 0, false, y)
	return nil
}

func lowerTopK(p *Program, n *graph.Node) error {
	x, err := p.canonVal(n.In(0))
	if err != nil {
		return err
	}
	k := n.AttrInt("k", 0)
	if v := n.In(1); v != nil {
		ks, err := constInts(v)
		if err != nil || len(ks) != 1 {
			return fmt.Errorf("k must be a constant")
		}
		k = ks[0]
	}
	axis, err := axisOf(n, len(x.shape), -1)
	if err != nil {
		return err
	}
	if n.AttrInt("sorted", 1) != 1 {
		return fmt.Errorf("sorted=0 is not supported")
	}
	if k < 0 || k > x.shape[axis] {
		return fmt.Errorf("k=%d for axis of %d", k, x.shape[axis])
	}
	if len(n.Outputs) != 2 || n.Outputs[0] == nil || n.Outputs[1] == nil {
		return fmt.Errorf("needs both outputs")
	}
	vals, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	idx, err := p.define(n.Outputs[1], false)
	if err != nil {
		return err
	}
	if idx.dt != dI64 {
		return fmt.Errorf("indices of type %v", idx.dt)
	}
	p.rowStep(n.Name, "dsgo_topk", x, axis, k, n.AttrInt("largest", 1) == 1, vals, idx)
	return nil
}

func lowerReduce(p *Program, n *graph.Node) error {
	x, err := p.canonVal(n.In(0))
	if err != nil {
		return err
	}
	axes := n.AttrInts("axes")
	if v := n.In(1); v != nil {
		if axes, err = constInts(v); err != nil {
			return err
		}
	}
	if axes == nil {
		if n.AttrInt("noop_with_empty_axes", 0) == 1 {
			return fmt.Errorf("noop_with_empty_axes is not supported")
		}
		for i := range x.shape {
			axes = append(axes, i)
		}
	}
	red := make([]bool, len(x.shape))
	for _, a := range axes {
		if a < 0 {
			a += len(x.shape)
		}
		if a < 0 || a >= len(x.shape) {
			return fmt.Errorf("axis %d out of range", a)
		}
		red[a] = true
	}
	prm := &reduceParams{Dtype: int32(x.dt), NRed: 1}
	for i, d := range x.shape {
		if red[i] {
			prm.RDims[prm.RRank], prm.RStr[prm.RRank] = int64(d), int64(x.stride[i])
			prm.RRank++
			prm.NRed *= int64(d)
		} else {
			prm.KDims[prm.KRank], prm.KStr[prm.KRank] = int64(d), int64(x.stride[i])
			prm.KRank++
		}
	}
	if prm.KRank > maxRank || prm.RRank > maxRank {
		return fmt.Errorf("rank %d over %d", len(x.shape), maxRank)
	}
	prm.Op = map[string]int32{"ReduceSum": 0, "ReduceMean": 1, "ReduceMax": 2}[n.Op]
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	prm.NOut = int64(y.elems())
	fn := p.e.kern["dsgo_reduce"]
	p.step(n.Name, []*buf{x}, []*buf{y}, func(st *cuda.Stream) error {
		prm.X, prm.Y = int64(x.dev()), int64(y.dev())
		return p.e.launch(st, fn, raw(prm), prm.NOut)
	})
	return nil
}

func lowerRoiAlign(p *Program, n *graph.Node) error {
	if m := n.AttrString("mode", "avg"); m != "avg" {
		return fmt.Errorf("RoiAlign mode %s is not supported", m)
	}
	ins, err := p.inputs(n)
	if err != nil {
		return err
	}
	if len(ins) != 3 {
		return fmt.Errorf("needs 3 inputs")
	}
	x, rois, bi := ins[0], ins[1], ins[2]
	if x, err = p.canon(x); err != nil {
		return err
	}
	if rois, err = p.canon(rois); err != nil {
		return err
	}
	if len(x.shape) != 4 || len(rois.shape) != 2 || rois.shape[1] != 4 || bi.elems() != rois.shape[0] {
		return fmt.Errorf("input %v, rois %v and %d batch indices", x.shape, rois.shape, bi.elems())
	}
	if bi.dt != dI64 && bi.dt != dI32 {
		return fmt.Errorf("batch indices of type %v", bi.dt)
	}
	half := n.AttrString("coordinate_transformation_mode", "half_pixel") == "half_pixel" && p.g.Opset >= 16
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	prm := &roiParams{N: int32(x.shape[0]), C: int32(x.shape[1]), H: int32(x.shape[2]), W: int32(x.shape[3]),
		R: int32(rois.shape[0]), OH: int32(n.AttrInt("output_height", 1)), OW: int32(n.AttrInt("output_width", 1)),
		Sampling: int32(n.AttrInt("sampling_ratio", 0)), Scale: n.AttrFloat("spatial_scale", 1), Dtype: int32(x.dt),
		RoiDtype: int32(rois.dt), BidxDtype: int32(bi.dt)}
	if half {
		prm.HalfPixel = 1
	}
	if prm.OH < 1 || prm.OW < 1 || prm.Sampling < 0 {
		return fmt.Errorf("output %dx%d, sampling ratio %d", prm.OH, prm.OW, prm.Sampling)
	}
	fn, cnt := p.e.kern["dsgo_roialign"], int64(y.elems())
	p.step(n.Name, []*buf{x, rois, bi}, []*buf{y}, func(st *cuda.Stream) error {
		prm.X, prm.Rois, prm.Bidx, prm.Y = int64(x.dev()), int64(rois.dev()), int64(bi.dev()), int64(y.dev())
		return p.e.launch(st, fn, raw(prm), cnt)
	})
	return nil
}
