package gpu

import (
	"fmt"
	"slices"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// byteOffset returns b's byte offset from the start of its root's
// storage (views add theirs up).
func (b *buf) byteOffset() int {
	off := 0
	for ; b.base != nil; b = b.base {
		off += b.off
	}
	return off
}

// memoryOrder returns the order in which b's dimensions are laid out,
// outermost first, when b is stored densely row-major (canonical) or
// channels last; ok is false for other layouts.
func (b *buf) memoryOrder() (order []int, ok bool) {
	switch {
	case b.canonical():
		order = make([]int, len(b.shape))
		for i := range order {
			order[i] = i
		}
		return order, true
	case b.nhwc():
		return []int{0, 2, 3, 1}, true
	}
	return nil, false
}

// vecWidth returns the widest copy unit (16 bytes down to 1) that every
// size and offset given is a multiple of.
func vecWidth(sizes ...int) int32 {
	vec := 16
	for vec > 1 && slices.ContainsFunc(sizes, func(n int) bool { return n%vec != 0 }) {
		vec /= 2
	}
	return int32(vec)
}

// sliceCopy plans the copy between narrow and the slice [off,
// off+narrow.shape[axis]) of wide along axis (into wide for Concat, out
// of it for Split) as rows of contiguous bytes on dsgo_copy2d, when both
// are stored densely in the same order: in channels-last tensors a
// channel slice is a row of C elements per pixel, copied 16 bytes per
// thread. It reports false when the layouts do not allow it (dsgo_ew
// copies then).
func (p *Program) sliceCopy(name string, narrow, wide *buf, axis, off int, intoWide bool) bool {
	if narrow.dt != wide.dt || len(narrow.shape) != len(wide.shape) || off < 0 || off+narrow.shape[axis] > wide.shape[axis] {
		return false
	}
	for d := range narrow.shape {
		if d != axis && narrow.shape[d] != wide.shape[d] {
			return false
		}
	}
	order, ok := narrow.memoryOrder()
	if wo, wok := wide.memoryOrder(); !ok || !wok || !slices.Equal(order, wo) {
		return false
	}
	q := slices.Index(order, axis)
	rows, inner := 1, 1
	for _, d := range order[:q] {
		rows *= narrow.shape[d]
	}
	for _, d := range order[q+1:] {
		inner *= narrow.shape[d]
	}
	es := narrow.dt.size()
	nrow, wrow, woff := narrow.shape[axis]*inner*es, wide.shape[axis]*inner*es, off*inner*es
	if rows*nrow == 0 {
		return true // nothing to copy
	}
	vec := vecWidth(nrow, wrow, woff, narrow.byteOffset(), wide.byteOffset())
	prm := &copy2dParams{Rows: int64(rows), Units: int32(nrow) / vec, Vec: vec}
	src, dst := narrow, wide
	prm.Sp, prm.Dp = int64(nrow), int64(wrow)
	if !intoWide {
		src, dst = wide, narrow
		prm.Sp, prm.Dp = prm.Dp, prm.Sp
	}
	fn, cnt := p.e.kern["dsgo_copy2d"], prm.Rows*int64(prm.Units)
	p.step(name, []*buf{src}, []*buf{dst}, func(s *cuda.Stream) error {
		prm.Src, prm.Dst = int64(narrow.dev()), int64(wide.dev().Add(woff))
		if !intoWide {
			prm.Src, prm.Dst = prm.Dst, prm.Src
		}
		return p.e.launch(s, fn, raw(prm), cnt)
	})
	return true
}

// resizeVec plans a nearest-neighbour Resize of channels-last x into y
// on dsgo_resize_vec (whole pixels copied, up to 16 bytes per thread);
// y may be a channel slice of a wider channels-last tensor (a Concat's
// output, see planSlots). It reports false when x or y is not channels
// last.
func (p *Program) resizeVec(name string, x, y *buf, tabY, tabX cuda.DevicePtr) bool {
	n, c, h, w, oh, ow := x.shape[0], x.shape[1], x.shape[2], x.shape[3], y.shape[2], y.shape[3]
	ys := y.stride
	if !x.nhwc() || x.dt != y.dt || ys[1] != 1 || ys[3] < c || ys[2] != ys[3]*ow || ys[0] != ys[2]*oh {
		return false
	}
	es := x.dt.size()
	cb := c * es
	vec := vecWidth(cb, x.byteOffset(), y.byteOffset(), ys[3]*es)
	prm := &resizeVecParams{TabY: int64(tabY), TabX: int64(tabX), Xn: int64(h * w * cb), Xp: int64(cb),
		Yn: int64(ys[0] * es), Yp: int64(ys[3] * es), N: int32(n), H: int32(h), W: int32(w), OH: int32(oh), OW: int32(ow),
		Units: int32(cb) / vec, Vec: vec}
	fn, cnt := p.e.kern["dsgo_resize_vec"], int64(n*oh*ow)*int64(prm.Units)
	p.step(name, []*buf{x}, []*buf{y}, func(s *cuda.Stream) error {
		prm.X, prm.Y = int64(x.dev()), int64(y.dev())
		return p.e.launch(s, fn, raw(prm), cnt)
	})
	return true
}

// slot is where a Concat input is computed in place: the elements
// [off, off+its size) along axis of the Concat's output cat, so that the
// Concat copies nothing for it.
type slot struct {
	cat  *graph.Value
	axis int
	off  int
	nhwc bool // cat's layout (4-D outputs)
	// f32: cat is a float32 graph output of an FP16 program that every
	// input is computed into in place, by dsgo_ew: it is computed in
	// float32, and is the output binding itself (bindOutput).
	f32 bool
}

// elementWise reports whether op is lowered by lowerUnary, lowerBinary,
// lowerClip or lowerCast: one dsgo_ew launch that reads its inputs and
// writes its output through any strides.
func elementWise(op string) bool {
	_, unary := unaryOps[op]
	return unary || op == "Clip" || op == "Cast" || binaryOp(op)
}

// reshapeOp reports whether op is one of the reshapes lowerView lowers:
// its output is its input's elements in the same order.
func reshapeOp(op string) bool {
	switch op {
	case "Reshape", "Flatten", "Squeeze", "Unsqueeze":
		return true
	}
	return false
}

// slotWriter reports whether op's lowering can write its output through
// a Concat output's strides (defineOut): element-wise ops, reshapes
// (whose input is then copied into place, as the Concat would have
// copied it) and Resize.
func slotWriter(op string) bool {
	return reshapeOp(op) || op == "Resize" || op == "Upsample" || elementWise(op)
}

// planSlots finds the Concat inputs that their producers can compute in
// place (p.slots): each one read by the Concat alone, once, and not a
// graph output. Concats run on the host (tail) are left alone. It also
// records each value's consumers (p.users) and the tail.
func (p *Program) planSlots(tail map[*graph.Node]bool) {
	p.tail = tail
	uses := map[*graph.Value]int{}
	prod := map[*graph.Value]*graph.Node{}
	for _, n := range p.g.Nodes {
		for _, v := range n.Inputs {
			if v != nil {
				uses[v]++
				if !slices.Contains(p.users[v], n) {
					p.users[v] = append(p.users[v], n)
				}
			}
		}
		for _, v := range n.Outputs {
			if v != nil {
				prod[v] = n
			}
		}
	}
	for _, v := range p.g.Outputs {
		uses[v]++
	}
	for _, n := range p.g.Nodes {
		out := n.Outputs[0]
		if n.Op != "Concat" || tail[n] || out.Shape == nil || out.Shape.NumElements() <= 0 {
			continue
		}
		axis, err := axisOf(n, len(out.Shape), 0)
		if err != nil {
			continue
		}
		off, all := 0, p.e.act == dF16 && out.DType == tensor.Float32 && slices.Contains(p.g.Outputs, out)
		for _, v := range n.Inputs {
			if v == nil || len(v.Shape) != len(out.Shape) || v.Shape.NumElements() < 0 {
				all = false
				break // lowerConcat reports it
			}
			pn := prod[v]
			if pn != nil && !tail[pn] && uses[v] == 1 && slotWriter(pn.Op) && v.Shape.NumElements() > 0 &&
				v.DType == out.DType {
				p.slots[v] = slot{cat: out, axis: axis, off: off, nhwc: len(out.Shape) == 4 && p.wantNHWC()}
				all = all && (elementWise(pn.Op) || reshapeOp(pn.Op))
			} else {
				all = false
			}
			off += v.Shape[axis]
		}
		if all {
			for _, v := range n.Inputs {
				s := p.slots[v]
				s.f32 = true
				p.slots[v] = s
			}
		}
	}
}

// concatOut returns the buf of a Concat's output, defined by the first
// of its inputs computed in place or by lowerConcat.
func (p *Program) concatOut(v *graph.Value, nhwc, f32 bool) (*buf, error) {
	if b, ok := p.vals[v]; ok {
		return b, nil
	}
	b, err := p.define(v, nhwc)
	if err == nil && f32 {
		b.dt = dF32
	}
	return b, err
}

// defineOut is define for the lowerings that can write through any
// strides (slotWriter): a Concat input planned in place becomes a view
// of the Concat's output.
func (p *Program) defineOut(v *graph.Value, nhwc bool) (*buf, error) {
	s, ok := p.slots[v]
	if !ok {
		return p.define(v, nhwc)
	}
	y, err := p.slotView(v, s)
	if err != nil {
		return nil, err
	}
	p.vals[v] = y
	return y, nil
}

// slotView returns the view of v's slot in its Concat's output.
func (p *Program) slotView(v *graph.Value, s slot) (*buf, error) {
	cat, err := p.concatOut(s.cat, s.nhwc, s.f32)
	if err != nil {
		return nil, err
	}
	p.slotRoots[cat.root()] = true
	if dt, err := deviceType(v.DType, p.e.act); err != nil || dt != cat.dt && !s.f32 {
		return nil, fmt.Errorf("in-place input %s of %s: element types differ", v.Name, cat)
	}
	return &buf{name: v.Name, dt: cat.dt, shape: slices.Clone(v.Shape), stride: slices.Clone(cat.stride), base: cat,
		off: s.off * cat.stride[s.axis] * cat.dt.size()}, nil
}

// reshapeStrides returns strides over shape to that address the elements
// of a tensor of shape from and strides st in the same row-major order
// (a reshape as a view), when there are such strides (NumPy's rule: the
// dimensions merged or split must be contiguous in st).
func reshapeStrides(from, st, to []int) ([]int, bool) {
	var od, os []int // from without its size-1 dimensions
	for i, d := range from {
		if d != 1 {
			od, os = append(od, d), append(os, st[i])
		}
	}
	out := make([]int, len(to))
	for i := range out {
		out[i] = 1
	}
	oi, oj, ni, nj := 0, 1, 0, 1
	for ni < len(to) && oi < len(od) {
		np, op := to[ni], od[oi]
		for np != op {
			if np < op {
				if nj >= len(to) {
					return nil, false
				}
				np *= to[nj]
				nj++
			} else {
				if oj >= len(od) {
					return nil, false
				}
				op *= od[oj]
				oj++
			}
		}
		for k := oi; k < oj-1; k++ {
			if os[k] != od[k+1]*os[k+1] {
				return nil, false
			}
		}
		out[nj-1] = os[oj-1]
		for k := nj - 1; k > ni; k-- {
			out[k-1] = out[k] * to[k]
		}
		ni, oi = nj, oj
		nj, oj = nj+1, oj+1
	}
	return out, true
}

// readStrided reports whether every consumer of v reads it through any
// strides (element-wise ops and Concat on dsgo_ew), so that v may be a
// strided view of another value (a Slice). Graph outputs are copied out
// by dsgo_ew too.
func (p *Program) readStrided(v *graph.Value) bool {
	for _, n := range p.users[v] {
		if !elementWise(n.Op) && n.Op != "Concat" {
			return false
		}
	}
	return true
}

// toPlanes plans the copy of float16 channels-last x into y stored as
// channel planes (NCHW, or planes inside a wider tensor) on
// dsgo_to_planes_h; it reports false for other layouts and types.
func (p *Program) toPlanes(name string, x, y *buf) bool {
	if !x.nhwc() || x.dt != dF16 || y.dt != dF16 || len(y.shape) != 4 || !slices.Equal(x.shape, y.shape) ||
		y.stride[3] != 1 || y.stride[2] != y.shape[3] || y.stride[1] < y.shape[2]*y.shape[3] {
		return false
	}
	n, c, hw := x.shape[0], x.shape[1], x.shape[2]*x.shape[3]
	if n*c*hw == 0 {
		return true
	}
	prm := &planesParams{Pixels: int64(n * hw), Yn: int64(y.stride[0]), Yc: int64(y.stride[1]), C: int32(c), HW: int32(hw)}
	fn := p.e.kern["dsgo_to_planes_h"]
	p.step(name, []*buf{x}, []*buf{y}, func(s *cuda.Stream) error {
		prm.X, prm.Y = int64(x.dev()), int64(y.dev())
		return p.e.launch(s, fn, raw(prm), prm.Pixels)
	})
	return true
}
