package gpu

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// Pure data movement with irregular indexing (Gather, Pad, Tile) runs as
// a gather through an index map made at compile time: the CPU backend's
// own kernel applied to a tensor holding each element's index, so that
// the GPU moves exactly the elements the CPU would.

// maxMapped bounds the inputs of mapped ops: indices must be exact in
// float32.
const maxMapped = 1 << 24

// indexTensor returns a float32 tensor of shape s whose elements are their
// row-major indices.
func indexTensor(s []int) (*tensor.Tensor, error) {
	t := tensor.New(s...)
	if len(t.F32) > maxMapped {
		return nil, fmt.Errorf("input %v of more than %d elements", s, maxMapped)
	}
	for i := range t.F32 {
		t.F32[i] = float32(i)
	}
	return t, nil
}

// mapOf converts the result of a CPU kernel on iota to an index map
// (negative: fill).
func mapOf(t *tensor.Tensor) []int32 {
	m := make([]int32, len(t.F32))
	for i, v := range t.F32 {
		if v < 0 {
			m[i] = -1
		} else {
			m[i] = int32(v)
		}
	}
	return m
}

// fillBits returns v as the bits of one element of type dt.
func fillBits(v float32, dt dtype) uint64 {
	switch dt {
	case dF32:
		return uint64(math.Float32bits(v))
	case dF16:
		return uint64(f32ToF16(v))
	}
	return uint64(int64(v))
}

// gatherStep adds y[i] = m[i] >= 0 ? x[m[i]] : fill over row-major x and y.
func (p *Program) gatherStep(name string, x, y *buf, m []int32, fill float32) error {
	if len(m) != y.elems() {
		return fmt.Errorf("index map of %d for %d outputs", len(m), y.elems())
	}
	if len(m) == 0 {
		return nil
	}
	ptr, err := p.own(int32Bytes(m))
	if err != nil {
		return err
	}
	prm := &mapParams{N: int64(len(m)), Map: int64(ptr), Fill: fillBits(fill, x.dt), Esize: int32(x.dt.size())}
	fn := p.e.kern["dsgo_map"]
	p.step(name, []*buf{x}, []*buf{y}, func(s *cuda.Stream) error {
		prm.Src, prm.Dst = int64(x.dev()), int64(y.dev())
		return p.e.launch(s, fn, raw(prm), prm.N)
	})
	return nil
}

// mapped lowers a data-movement op through cpuOp (which fills its output
// from an index tensor shaped like the input).
func mapped(p *Program, n *graph.Node, fill float32, cpuOp func(dst, x *tensor.Tensor) error) error {
	x, err := p.canonVal(n.In(0))
	if err != nil {
		return err
	}
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	if y.dt != x.dt {
		return fmt.Errorf("output type %v differs from input %v", y.dt, x.dt)
	}
	idx, err := indexTensor(x.shape)
	if err != nil {
		return err
	}
	dst := tensor.New(y.shape...)
	if err := cpuOp(dst, idx); err != nil {
		return err
	}
	return p.gatherStep(n.Name, x, y, mapOf(dst), fill)
}

func lowerGather(p *Program, n *graph.Node) error {
	iv := n.In(1)
	if iv == nil {
		return fmt.Errorf("missing indices")
	}
	if iv.Const == nil {
		return lowerGatherIndexed(p, n)
	}
	rank := 0
	if v := n.In(0); v != nil {
		rank = len(v.Shape)
	}
	axis, err := axisOf(n, rank, 0)
	if err != nil {
		return err
	}
	return mapped(p, n, 0, func(dst, x *tensor.Tensor) error { return cpu.Gather(dst, x, iv.Const, axis) })
}

// lowerGatherIndexed gathers through indices computed on the device
// (dsgo_gather). An index out of range fails Run, as it fails the CPU
// backend's Gather: the kernel flags it, and Run reads the flag back
// with the outputs.
func lowerGatherIndexed(p *Program, n *graph.Node) error {
	x, err := p.canonVal(n.In(0))
	if err != nil {
		return err
	}
	idx, err := p.canonVal(n.In(1))
	if err != nil {
		return err
	}
	if idx.dt != dI32 && idx.dt != dI64 {
		return fmt.Errorf("indices of type %v must be int32 or int64", idx.dt)
	}
	axis, err := axisOf(n, len(x.shape), 0)
	if err != nil {
		return err
	}
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	outer, inner := around(x.shape, axis)
	if y.dt != x.dt || y.elems() != outer*idx.elems()*inner {
		return fmt.Errorf("output %v of %v from input %v of %v and %d indices", y.shape, y.dt, x.shape, x.dt, idx.elems())
	}
	flag := p.newBuf(n.Name+".range", dI64, []int{2}, nil)
	flag.last = forever
	bd := &binding{b: flag, host: &tensor.Tensor{Name: flag.name, DType: tensor.Int64, Shape: tensor.Shape{2}}}
	p.hidden = append(p.hidden, bd)
	prm := &gatherParams{N: int64(y.elems()), Inner: int64(max(inner, 1)), NIdx: int64(max(idx.elems(), 1)),
		D: int32(x.shape[axis]), Esize: int32(x.dt.size()), IdxDtype: int32(idx.dt)}
	fn := p.e.kern["dsgo_gather"]
	p.step(n.Name, []*buf{x, idx}, []*buf{y, flag}, func(s *cuda.Stream) error {
		prm.X, prm.Idx, prm.Y, prm.Err = int64(x.dev()), int64(idx.dev()), int64(y.dev()), int64(flag.dev())
		if err := s.Memset(flag.dev(), 0, flag.bytes()); err != nil {
			return err
		}
		return p.e.launch(s, fn, raw(prm), prm.N)
	})
	d := x.shape[axis]
	p.tails = append(p.tails, func() error {
		if binary.LittleEndian.Uint64(bd.raw) == 0 {
			return nil
		}
		return fmt.Errorf("gpu: %s: index %d out of range for dimension %d", n.Name, int64(binary.LittleEndian.Uint64(bd.raw[8:])), d)
	})
	return nil
}

func lowerPad(p *Program, n *graph.Node) error {
	pads := n.AttrInts("pads")
	var err error
	if v := n.In(1); v != nil {
		if pads, err = constInts(v); err != nil {
			return err
		}
	}
	value := n.AttrFloat("value", 0)
	if v := n.In(2); v != nil {
		if value, err = constScalar(v); err != nil {
			return fmt.Errorf("pad value: %w", err)
		}
	}
	mode, ok := map[string]cpu.PadMode{"constant": cpu.PadConstant, "reflect": cpu.PadReflect, "edge": cpu.PadEdge}[n.AttrString("mode", "constant")]
	if !ok {
		return fmt.Errorf("pad mode %s is not supported", n.AttrString("mode", ""))
	}
	return mapped(p, n, value, func(dst, x *tensor.Tensor) error { return cpu.Pad(dst, x, pads, mode, -1) })
}

func lowerTile(p *Program, n *graph.Node) error {
	return mapped(p, n, 0, func(dst, x *tensor.Tensor) error {
		if len(dst.Shape) != len(x.Shape) {
			return fmt.Errorf("tile of %v to %v", x.Shape, dst.Shape)
		}
		idx := make([]int, len(dst.Shape))
		for k := range dst.F32 {
			off := 0
			for d := range x.Shape {
				off = off*x.Shape[d] + idx[d]%x.Shape[d]
			}
			dst.F32[k] = x.F32[off]
			for d := len(dst.Shape) - 1; d >= 0; d-- {
				if idx[d]++; idx[d] < dst.Shape[d] {
					break
				}
				idx[d] = 0
			}
		}
		return nil
	})
}

// tap is one output coordinate's source rows (or columns) and weight,
// struct Tap in infer.cu.
type tap struct {
	i0, i1 int32
	f      float32
}

// axisTaps computes Resize's source coordinates for one axis exactly as
// the CPU backend does (cpu.Resize).
func axisTaps(prm cpu.ResizeParams, in, out int, scale float32) []tap {
	source := func(o int) float32 {
		x := float32(o)
		switch prm.Coord {
		case cpu.CoordAsymmetric:
			return x / scale
		case cpu.CoordAlignCorners:
			if out == 1 {
				return 0
			}
			return x * float32(in-1) / float32(out-1)
		case cpu.CoordPytorchHalfPixel:
			if out == 1 {
				return 0
			}
		}
		return (x+0.5)/scale - 0.5
	}
	taps := make([]tap, out)
	for o := range taps {
		x := source(o)
		if prm.Mode == cpu.ResizeNearest {
			var i float64
			switch prm.Nearest {
			case cpu.NearestFloor:
				i = math.Floor(float64(x))
			case cpu.NearestCeil:
				i = math.Ceil(float64(x))
			case cpu.NearestRoundPreferCeil:
				i = math.Floor(float64(x) + 0.5)
			default:
				i = math.Ceil(float64(x) - 0.5)
			}
			j := int32(min(max(int(i), 0), in-1))
			taps[o] = tap{j, j, 0}
			continue
		}
		x = min(max(x, 0), float32(in-1))
		i0 := int(x)
		taps[o] = tap{int32(i0), int32(min(i0+1, in-1)), x - float32(i0)}
	}
	return taps
}

func tapBytes(t []tap) []byte {
	out := make([]byte, 12*len(t))
	for i, v := range t {
		binary.LittleEndian.PutUint32(out[12*i:], uint32(v.i0))
		binary.LittleEndian.PutUint32(out[12*i+4:], uint32(v.i1))
		binary.LittleEndian.PutUint32(out[12*i+8:], math.Float32bits(v.f))
	}
	return out
}

// resizeParams reads Resize's (or Upsample's) attributes as the CPU
// backend does.
func resizeAttrs(p *Program, n *graph.Node) (cpu.ResizeParams, error) {
	return cpu.ResizeParamsOf(n, p.g.Opset)
}

func lowerResize(p *Program, n *graph.Node) error {
	prm, err := resizeAttrs(p, n)
	if err != nil {
		return err
	}
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	y, err := p.defineOut(n.Outputs[0], x.nhwc())
	if err != nil {
		return err
	}
	if len(x.shape) != 4 || len(y.shape) != 4 || y.shape[0] != x.shape[0] || y.shape[1] != x.shape[1] {
		return fmt.Errorf("input %v and output %v must be NCHW with equal N and C", x.shape, y.shape)
	}
	h, w, oh, ow := x.shape[2], x.shape[3], y.shape[2], y.shape[3]
	if h == 0 || w == 0 || y.elems() == 0 {
		return fmt.Errorf("empty resize of %v to %v", x.shape, y.shape)
	}
	sh, sw := prm.ScaleH, prm.ScaleW
	if sh <= 0 {
		sh = float32(oh) / float32(h)
	}
	if sw <= 0 {
		sw = float32(ow) / float32(w)
	}
	ty, err := p.own(tapBytes(axisTaps(prm, h, oh, sh)))
	if err != nil {
		return err
	}
	tx, err := p.own(tapBytes(axisTaps(prm, w, ow, sw)))
	if err != nil {
		return err
	}
	if prm.Mode == cpu.ResizeNearest && p.resizeVec(n.Name, x, y, ty, tx) {
		return nil
	}
	kp := &resizeParams{TabY: int64(ty), TabX: int64(tx), Xs: dims4(x), Ys: dims4(y), N: int32(x.shape[0]),
		C: int32(x.shape[1]), H: int32(h), W: int32(w), OH: int32(oh), OW: int32(ow), Dtype: int32(x.dt), Order: order(y)}
	if prm.Mode == cpu.ResizeNearest {
		kp.Nearest = 1
	}
	fn, cnt := p.e.kern["dsgo_resize"], int64(y.elems())
	p.step(n.Name, []*buf{x}, []*buf{y}, func(s *cuda.Stream) error {
		kp.X, kp.Y = int64(x.dev()), int64(y.dev())
		return p.e.launch(s, fn, raw(kp), cnt)
	})
	return nil
}
