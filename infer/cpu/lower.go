package cpu

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// This file lowers each ONNX op of the IR to a kernel call. Attributes and
// constant inputs are read once here; the returned closures only run.

func lowerConv(p *Program, n *graph.Node) (func() error, error) {
	if ap := n.AttrString("auto_pad", "NOTSET"); ap != "NOTSET" && ap != "VALID" {
		return nil, fmt.Errorf("auto_pad=%s is not supported (export with explicit pads)", ap)
	}
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	act, err := ActivationOf(n)
	if err != nil {
		return nil, err
	}
	prm := ConvParams{Group: n.AttrInt("group", 1), Strides: pair(n.AttrInts("strides"), 1),
		Dilations: pair(n.AttrInts("dilations"), 1), Pads: pads4(n.AttrInts("pads")), Act: act}
	// An optional fourth input (onnxruntime's FusedConv calls it Z) is a
	// residual added before the fused activation.
	var bias, res *tensor.Tensor
	if len(ins) > 2 {
		bias = ins[2]
	}
	if len(ins) > 3 {
		res = ins[3]
	}
	ws, err := p.r.ConvScratch(ins[0].Shape, ins[1].Shape, prm)
	if err != nil {
		return nil, err
	}
	x, w, y := ins[0], ins[1], outs[0]
	if d, ok := p.r.planConv(x, w, bias, y, n.In(1).Const != nil && (bias == nil || n.In(2).Const != nil), prm); ok {
		// Weights packed once, here, for the direct kernel.
		p.kernels[n] = d.kernel()
		// A stride-2 layer whose input only it reads, from a stride-2
		// layer: the two run as one step (s2Fused), the first's step
		// does nothing.
		if a, ok := p.convs[n.Inputs[0]]; ok && res == nil && d.s2 != nil && a.d.s2 != nil && a.f == nil && a.res == nil &&
			p.uses[n.Inputs[0]] == 1 && !p.r.noFuse {
			if f := fuseS2(a.d, d); f != nil {
				p.steps[a.step].run = func() error { return nil }
				p.kernels[a.node] = "stride-2, fused into the next layer"
				p.kernels[n] = "stride-2, fused with the layer before"
				p.fused[n] = []*graph.Node{a.node}
				p.unwritten[a.node.Outputs[0]] = true
				p.convs[n.Outputs[0]] = loweredConv{d: d, f: f, node: n, step: len(p.steps), x: a.x, y: y}
				return func() error { return p.r.convFused(f, y, a.x) }, nil
			}
		}
		p.convs[n.Outputs[0]] = loweredConv{d: d, node: n, step: len(p.steps), x: x, y: y, res: res}
		return func() error { return p.r.convPlanned(d, y, x, res, nil) }, nil
	}
	p.kernels[n] = "im2col+GEMM"
	if g, err := convGeometry(x.Shape, w.Shape, prm); err == nil && g.depthwise() {
		p.kernels[n] = "depthwise"
	}
	p.grow(ws)
	return func() error { return p.r.Conv2D(y, x, w, bias, res, prm, p.scratch) }, nil
}

func lowerBatchNorm(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	eps := n.AttrFloat("epsilon", 1e-5)
	return func() error { return BatchNorm(outs[0], ins[0], ins[1], ins[2], ins[3], ins[4], eps) }, nil
}

func lowerPool(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	prm := PoolParams{Kernel: pair(n.AttrInts("kernel_shape"), 1), Strides: pair(n.AttrInts("strides"), 1),
		Dilations: pair(n.AttrInts("dilations"), 1), Pads: pads4(n.AttrInts("pads")),
		CeilMode: n.AttrInt("ceil_mode", 0) == 1, CountIncludePad: n.AttrInt("count_include_pad", 0) == 1}
	if n.Op == "MaxPool" {
		// A 2x2 stride-2 max pool that alone reads a planned
		// convolution's output runs in that convolution's step, whose own
		// step then does nothing: a stride-2 layer's (or fused pair's)
		// rows go from the worker's buffer into the pool, the output
		// never written (withPool), and so do direct rows without a
		// residual (poolInBuffer); other plans pool each band or chunk
		// of output they have just written, while it is in the caches
		// (directConv.poolFits).
		if c, ok := p.convs[n.Inputs[0]]; ok && len(outs) == 1 && p.uses[n.Inputs[0]] == 1 && !p.r.noFuse {
			if g, err := poolGeometry(ins[0].Shape, prm); err == nil {
				var run func() error
				var f *s2Fused
				if c.res == nil {
					f = withPool(c.f, c.d, g)
				}
				switch {
				case f != nil:
					p.unwritten[c.node.Outputs[0]] = true
					run = func() error { return p.r.convFused(f, outs[0], c.x) }
				case c.f == nil && c.d.poolFits(g, p.r.winoPoolBytes):
					y := c.y
					if c.d.poolInBuffer(c.res != nil) {
						p.unwritten[c.node.Outputs[0]] = true
						y = nil
					}
					run = func() error { return p.r.convPlanned(c.d, y, c.x, c.res, outs[0]) }
				}
				if run != nil {
					p.steps[c.step].run = func() error { return nil }
					p.kernels[n] = p.kernels[c.node] + ", with the max pool after it"
					p.kernels[c.node] = "fused into the max pool after it"
					p.fused[n] = append(slices.Clone(p.fused[c.node]), c.node)
					delete(p.fused, c.node)
					return run, nil
				}
			}
		}
		return func() error { return p.r.MaxPool(outs[0], ins[0], prm) }, nil
	}
	return func() error { return p.r.AveragePool(outs[0], ins[0], prm) }, nil
}

func lowerGAP(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	return func() error { return GlobalAveragePool(outs[0], ins[0]) }, nil
}

func lowerGemm(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	prm := GemmParams{TransA: n.AttrInt("transA", 0) == 1, TransB: n.AttrInt("transB", 0) == 1,
		Alpha: n.AttrFloat("alpha", 1), Beta: n.AttrFloat("beta", 1)}
	var c *tensor.Tensor
	if len(ins) > 2 {
		c = ins[2]
	}
	return func() error { return p.r.Gemm(outs[0], ins[0], ins[1], c, prm) }, nil
}

func lowerMatMul(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	return func() error { return p.r.MatMul(outs[0], ins[0], ins[1]) }, nil
}

func lowerSoftmax(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	rank := len(ins[0].Shape)
	def := -1
	if p.g.Opset < 13 {
		def = 1
	}
	axis := n.AttrInt("axis", def)
	if axis < 0 {
		axis += rank
	}
	if p.g.Opset < 13 && axis != rank-1 {
		return nil, fmt.Errorf("opset %d Softmax over axes %d.. (flattened) is not supported", p.g.Opset, axis)
	}
	return func() error { return Softmax(outs[0], ins[0], axis) }, nil
}

func lowerClip(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	prm := UnaryParams{Min: n.AttrFloat("min", float32(math.Inf(-1))), Max: n.AttrFloat("max", float32(math.Inf(1)))}
	for i, dst := range []*float32{&prm.Min, &prm.Max} {
		if v := n.In(i + 1); v != nil {
			f, err := constF32(v)
			if err != nil || len(f) != 1 {
				return nil, fmt.Errorf("clip bound %s must be a float scalar constant", v.Name)
			}
			*dst = f[0]
		}
	}
	return func() error { return Unary(OpClip, outs[0], ins[0], prm) }, nil
}

func lowerUnary(op UnaryOp) lowerFunc {
	return func(p *Program, n *graph.Node) (func() error, error) {
		ins, outs, err := p.io(n)
		if err != nil {
			return nil, err
		}
		prm := UnaryParams{Alpha: n.AttrFloat("alpha", 0.01), Beta: n.AttrFloat("beta", 0.5)}
		if op == OpHardSigmoid {
			prm.Alpha = n.AttrFloat("alpha", 0.2)
		}
		return func() error { return Unary(op, outs[0], ins[0], prm) }, nil
	}
}

func lowerBinary(op BinaryOp) lowerFunc {
	return func(p *Program, n *graph.Node) (func() error, error) {
		ins, outs, err := p.io(n)
		if err != nil {
			return nil, err
		}
		if len(ins) != 2 {
			return nil, fmt.Errorf("%s with %d inputs is not supported", n.Op, len(ins))
		}
		return func() error { return Binary(op, outs[0], ins[0], ins[1]) }, nil
	}
}

func lowerSum(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	if len(ins) < 2 {
		return nil, fmt.Errorf("Sum of %d inputs", len(ins))
	}
	return func() error {
		if err := Binary(OpAdd, outs[0], ins[0], ins[1]); err != nil {
			return err
		}
		for _, x := range ins[2:] {
			if err := Binary(OpAdd, outs[0], outs[0], x); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

func axisOf(n *graph.Node, rank, def int) int {
	a := n.AttrInt("axis", def)
	if a < 0 {
		a += rank
	}
	return a
}

// lowerConcat places the parts it can in the output (Program.inPlace):
// their producers write them there and the step copies only the others,
// on the workers (concatTask); with every part in place there is no step.
// On the GPU machine's Xeon, paired, the YOLO-style model at batch 1 (two
// Concats of 0.7 and 0.26 MB, all parts in place) 2-6% faster on 1-4
// workers; at batch 8 the copies on the workers were even with one
// worker's.
func lowerConcat(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	out := outs[0]
	axis, err := checkConcat("concat", out, ins, axisOf(n, len(out.Shape), 0), false)
	if err != nil {
		return nil, err
	}
	t := &concatTask{out: out}
	t.outer, t.inner = around(out.Shape, axis)
	t.row = out.Shape[axis] * t.inner
	off, left := 0, 0
	for _, in := range ins {
		n := in.Shape[axis] * t.inner
		if !p.inPlace(in, out, off, t.outer) {
			t.parts = append(t.parts, concatPart{in, off, n})
			left += n
		}
		off += n
	}
	if len(t.parts) == 0 {
		return nil, nil
	}
	// Images, or slices of the planes where there are fewer images than
	// workers, one work item each: a worker copies the pixels it will
	// read next (the workers' ranges are fixed: pool.drain). Below 16K
	// floats to copy the handover costs more than a second core saves.
	t.slices = 1
	if t.outer*left < concatParallelFloats {
		return func() error { t.run(0, 0, t.outer); return nil }, nil
	}
	if w := p.r.Workers(); t.outer < w {
		t.slices = (w + t.outer - 1) / t.outer
	}
	return func() error { p.r.pool.run(t.outer*t.slices, 1, t); return nil }, nil
}

func lowerSplit(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	axis := axisOf(n, len(ins[0].Shape), 0)
	return func() error { return Split(outs, ins[0], axis) }, nil
}

func lowerSlice(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	var args [4][]int
	for i := range args {
		if args[i], err = constInts(n.In(i + 1)); err != nil {
			return nil, err
		}
	}
	if n.In(1) == nil { // opset < 10: attributes
		args[0], args[1], args[2] = n.AttrInts("starts"), n.AttrInts("ends"), n.AttrInts("axes")
	}
	return func() error { return Slice(outs[0], ins[0], args[0], args[1], args[2], args[3]) }, nil
}

func lowerTranspose(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	perm := n.AttrInts("perm")
	if perm == nil {
		for i := len(ins[0].Shape) - 1; i >= 0; i-- {
			perm = append(perm, i)
		}
	}
	return func() error { return Transpose(outs[0], ins[0], perm) }, nil
}

func lowerGather(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	axis := axisOf(n, len(ins[0].Shape), 0)
	return func() error { return Gather(outs[0], ins[0], ins[1], axis) }, nil
}

func lowerPad(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	pads := n.AttrInts("pads")
	if v := n.In(1); v != nil {
		if pads, err = constInts(v); err != nil {
			return nil, err
		}
	}
	value := n.AttrFloat("value", 0)
	if v := n.In(2); v != nil {
		f, err := constF32(v)
		if err != nil || len(f) != 1 {
			return nil, fmt.Errorf("pad value %s must be a float scalar constant", v.Name)
		}
		value = f[0]
	}
	mode := map[string]PadMode{"constant": PadConstant, "reflect": PadReflect, "edge": PadEdge}[n.AttrString("mode", "constant")]
	return func() error { return Pad(outs[0], ins[0], pads, mode, value) }, nil
}

func lowerReduce(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	axes := n.AttrInts("axes")
	if v := n.In(1); v != nil {
		if axes, err = constInts(v); err != nil {
			return nil, err
		}
	}
	if axes == nil {
		if n.AttrInt("noop_with_empty_axes", 0) == 1 {
			return nil, fmt.Errorf("noop_with_empty_axes is not supported")
		}
		for i := range ins[0].Shape {
			axes = append(axes, i)
		}
	}
	op := map[string]ReduceOp{"ReduceSum": ReduceSum, "ReduceMean": ReduceMean, "ReduceMax": ReduceMax}[n.Op]
	keep := n.AttrInt("keepdims", 1) == 1
	return func() error { return Reduce(op, outs[0], ins[0], axes, keep) }, nil
}

func lowerResize(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	prm, err := ResizeParamsOf(n, p.g.Opset)
	if err != nil {
		return nil, err
	}
	return func() error { return p.r.Resize(outs[0], ins[0], prm) }, nil
}

// ResizeParamsOf decodes a Resize (or Upsample) node's attributes and
// constant scales for a graph of the given opset; every backend lowers
// Resize with them.
func ResizeParamsOf(n *graph.Node, opset int) (ResizeParams, error) {
	prm := ResizeParams{}
	switch n.AttrString("mode", "nearest") {
	case "nearest":
		prm.Mode = ResizeNearest
	case "linear", "bilinear":
		prm.Mode = ResizeLinear
	default:
		return prm, fmt.Errorf("resize mode %s is not supported", n.AttrString("mode", ""))
	}
	coord := map[string]CoordMode{"half_pixel": CoordHalfPixel, "asymmetric": CoordAsymmetric,
		"align_corners": CoordAlignCorners, "pytorch_half_pixel": CoordPytorchHalfPixel}
	def := "half_pixel"
	if n.Op == "Upsample" || opset < 11 {
		def = "asymmetric"
	}
	c, ok := coord[n.AttrString("coordinate_transformation_mode", def)]
	if !ok {
		return prm, fmt.Errorf("coordinate_transformation_mode %s is not supported", n.AttrString("coordinate_transformation_mode", ""))
	}
	prm.Coord = c
	nearest := map[string]NearestMode{"round_prefer_floor": NearestRoundPreferFloor, "round_prefer_ceil": NearestRoundPreferCeil,
		"floor": NearestFloor, "ceil": NearestCeil}
	nm := "round_prefer_floor"
	if n.Op == "Upsample" {
		nm = "floor"
	}
	prm.Nearest = nearest[n.AttrString("nearest_mode", nm)]
	scalesIn := 2
	if n.Op == "Upsample" || opset < 11 {
		scalesIn = 1
	}
	if v := n.In(scalesIn); v != nil && v.Const != nil && len(v.Const.F32) == 4 {
		prm.ScaleH, prm.ScaleW = v.Const.F32[2], v.Const.F32[3]
	}
	return prm, nil
}

func lowerConvTranspose(p *Program, n *graph.Node) (func() error, error) {
	if ap := n.AttrString("auto_pad", "NOTSET"); ap != "NOTSET" && ap != "VALID" {
		return nil, fmt.Errorf("auto_pad=%s is not supported (export with explicit pads)", ap)
	}
	if n.HasAttr("output_shape") {
		return nil, fmt.Errorf("output_shape is not supported (export with pads)")
	}
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	prm := ConvTransposeParams{Group: n.AttrInt("group", 1), Strides: pair(n.AttrInts("strides"), 1),
		Dilations: pair(n.AttrInts("dilations"), 1), Pads: pads4(n.AttrInts("pads")),
		OutputPadding: pair(n.AttrInts("output_padding"), 0)}
	var bias *tensor.Tensor
	if len(ins) > 2 {
		bias = ins[2]
	}
	ws, err := ConvTransposeWorkspace(ins[0].Shape, ins[1].Shape, prm)
	if err != nil {
		return nil, err
	}
	p.grow(ws)
	return func() error { return p.r.ConvTranspose2D(outs[0], ins[0], ins[1], bias, prm, p.scratch) }, nil
}

func lowerTopK(p *Program, n *graph.Node) (func() error, error) {
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	k := n.AttrInt("k", 0)
	if v := n.In(1); v != nil {
		ks, err := constInts(v)
		if err != nil || len(ks) != 1 {
			return nil, fmt.Errorf("k must be a constant")
		}
		k = ks[0]
	}
	axis := axisOf(n, len(ins[0].Shape), -1)
	largest := n.AttrInt("largest", 1) == 1
	if n.AttrInt("sorted", 1) != 1 {
		return nil, fmt.Errorf("sorted=0 is not supported")
	}
	return func() error { return TopK(outs[0], outs[1], ins[0], axis, k, largest) }, nil
}

func lowerRoiAlign(p *Program, n *graph.Node) (func() error, error) {
	if m := n.AttrString("mode", "avg"); m != "avg" {
		return nil, fmt.Errorf("RoiAlign mode %s is not supported", m)
	}
	ins, outs, err := p.io(n)
	if err != nil {
		return nil, err
	}
	half := n.AttrString("coordinate_transformation_mode", "half_pixel") == "half_pixel"
	if p.g.Opset < 16 {
		half = false
	}
	prm := RoiAlignParams{OutputHeight: n.AttrInt("output_height", 1), OutputWidth: n.AttrInt("output_width", 1),
		SamplingRatio: n.AttrInt("sampling_ratio", 0), SpatialScale: n.AttrFloat("spatial_scale", 1), HalfPixel: half}
	return func() error { return RoiAlign(outs[0], ins[0], ins[1], ins[2], prm) }, nil
}

// lowerNMS runs NonMaxSuppression, whose row count depends on the data:
// its output is allocated for the most rows possible and its shape set on
// each run; nodes it feeds run in the program's tail (tail.go), compiled
// for the row count.
func lowerNMS(p *Program, n *graph.Node) (func() error, error) {
	prm, err := nmsParams(n) // nodes its rows feed run in the program's tail
	if err != nil {
		return nil, err
	}
	boxes, err := p.tensor(n.In(0))
	if err != nil {
		return nil, err
	}
	scores, err := p.tensor(n.In(1))
	if err != nil {
		return nil, err
	}
	y, run, err := NMSOutput(n.Outputs[0].Name, boxes, scores, prm)
	if err != nil {
		return nil, err
	}
	p.vals[n.Outputs[0]] = y
	return run, nil
}

// NMSParamsOf decodes a NonMaxSuppression node: its attribute and its
// constant max_output_boxes_per_class, iou_threshold and score_threshold
// inputs, for another backend (the GPU's, which runs the nodes its rows
// feed through Tail).
func NMSParamsOf(n *graph.Node) (NMSParams, error) { return nmsParams(n) }

// nmsParams decodes a NonMaxSuppression node's attribute and constant
// inputs.
func nmsParams(n *graph.Node) (NMSParams, error) {
	prm := NMSParams{ScoreThreshold: float32(math.Inf(-1)), CenterPointBox: n.AttrInt("center_point_box", 0) == 1}
	if v := n.In(2); v != nil {
		m, err := constInts(v)
		if err != nil || len(m) != 1 {
			return prm, fmt.Errorf("max_output_boxes_per_class must be a constant scalar")
		}
		prm.MaxOutputPerClass = m[0]
	}
	for i, dst := range []*float32{&prm.IOUThreshold, &prm.ScoreThreshold} {
		if v := n.In(3 + i); v != nil {
			f, err := constF32(v)
			if err != nil || len(f) != 1 {
				return prm, fmt.Errorf("%s must be a float scalar constant", v.Name)
			}
			*dst = f[0]
		}
	}
	return prm, nil
}

// NMSOutput makes the [selected, 3] int64 output of a NonMaxSuppression
// over boxes [N, B, 4] and scores [N, C, B] (sized for the most boxes it
// can select) and the function that runs it and trims the output to what
// was selected. It allocates nothing per run.
func NMSOutput(name string, boxes, scores *tensor.Tensor, prm NMSParams) (*tensor.Tensor, func() error, error) {
	if len(scores.Shape) != 3 || len(boxes.Shape) != 3 {
		return nil, nil, fmt.Errorf("boxes %v and scores %v must be 3-D", boxes.Shape, scores.Shape)
	}
	rows := NMSMaxSelected(scores.Shape[0], scores.Shape[1], scores.Shape[2], prm.MaxOutputPerClass)
	sel := make([]int64, 3*rows)
	scratch := make([]int32, NMSWorkspace(scores.Shape[2]))
	y := &tensor.Tensor{Name: name, DType: tensor.Int64, Shape: tensor.Shape{rows, 3}, Raw: make([]byte, 8*3*rows)}
	return y, func() error {
		k, err := NonMaxSuppression(sel, boxes, scores, prm, scratch)
		if err != nil {
			return err
		}
		y.Shape[0] = k
		y.Raw = y.Raw[:cap(y.Raw)][:8*3*k]
		for i, v := range sel[:3*k] {
			binary.LittleEndian.PutUint64(y.Raw[8*i:], uint64(v))
		}
		return nil
	}, nil
}
