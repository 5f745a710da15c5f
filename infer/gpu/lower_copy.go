package gpu

import (
	"slices"

	"github.com/dsgo/dsgo/cuda"
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
// it reports false when x or y is not channels last.
func (p *Program) resizeVec(name string, x, y *buf, tabY, tabX cuda.DevicePtr) bool {
	if !x.nhwc() || !y.nhwc() || x.dt != y.dt {
		return false
	}
	n, c, h, w, oh, ow := x.shape[0], x.shape[1], x.shape[2], x.shape[3], y.shape[2], y.shape[3]
	cb := c * x.dt.size()
	vec := vecWidth(cb, x.byteOffset(), y.byteOffset())
	prm := &resizeVecParams{TabY: int64(tabY), TabX: int64(tabX), Xn: int64(h * w * cb), Xp: int64(cb),
		Yn: int64(oh * ow * cb), Yp: int64(cb), N: int32(n), H: int32(h), W: int32(w), OH: int32(oh), OW: int32(ow),
		Units: int32(cb) / vec, Vec: vec}
	fn, cnt := p.e.kern["dsgo_resize_vec"], int64(n*oh*ow)*int64(prm.Units)
	p.step(name, []*buf{x}, []*buf{y}, func(s *cuda.Stream) error {
		prm.X, prm.Y = int64(x.dev()), int64(y.dev())
		return p.e.launch(s, fn, raw(prm), cnt)
	})
	return true
}
