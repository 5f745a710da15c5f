package gpu

import (
	"fmt"
	"math"
	"slices"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/tensor"
)

// dtype is a device element type; the values are the kernels' DT_*
// (cuda/kernels/infer.cu).
type dtype int32

const (
	dF32 dtype = iota
	dF16
	dI32
	dI64
	dU8
	dI8
	dBool
)

var dtypeNames = [...]string{"f32", "f16", "i32", "i64", "u8", "i8", "bool"}

func (d dtype) String() string {
	if d >= 0 && int(d) < len(dtypeNames) {
		return dtypeNames[d]
	}
	return fmt.Sprintf("dtype(%d)", int32(d))
}

// size returns the bytes of one element.
func (d dtype) size() int {
	switch d {
	case dF32, dI32:
		return 4
	case dF16:
		return 2
	case dI64:
		return 8
	}
	return 1
}

func (d dtype) float() bool { return d == dF32 || d == dF16 }

// tensorDType is the API type of a device type.
func (d dtype) tensor() tensor.DType {
	return [...]tensor.DType{tensor.Float32, tensor.Float16, tensor.Int32, tensor.Int64, tensor.Uint8, tensor.Int8, tensor.Bool}[d]
}

// deviceType maps an IR type to its device type; float32 becomes act
// (float16 in FP16 programs).
func deviceType(t tensor.DType, act dtype) (dtype, error) {
	switch t {
	case tensor.Float32:
		return act, nil
	case tensor.Float16:
		return dF16, nil
	case tensor.Int32:
		return dI32, nil
	case tensor.Int64:
		return dI64, nil
	case tensor.Uint8:
		return dU8, nil
	case tensor.Int8:
		return dI8, nil
	case tensor.Bool:
		return dBool, nil
	}
	return 0, fmt.Errorf("element type %v is not supported on the GPU", t)
}

// buf is a tensor in device memory: a program value, a temporary or a
// constant. Its storage is a range of the program's arena (placed by
// plan), its own allocation (constants), or a range of another buf
// (views: reshapes, which share their input's storage).
type buf struct {
	name   string
	dt     dtype
	shape  []int
	stride []int // element strides, in the order of shape's dimensions

	mem  *cuda.DeviceMemory // constants
	base *buf               // views
	off  int                // a view's byte offset in base

	arena *cuda.DeviceMemory // arena bufs: the program's arena, once planned
	at    int                // byte offset in the arena
	first int                // first step that writes it
	last  int                // last step that reads it
	keep  bool               // live for the whole program (inputs, outputs)
}

// forever is the lifetime bound of bufs the API reads and writes.
const forever = math.MaxInt32

func contiguous(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

// nhwcStrides returns the strides of a 4-D NCHW-ordered shape stored
// channels last.
func nhwcStrides(shape []int) []int {
	c, h, w := shape[1], shape[2], shape[3]
	return []int{h * w * c, 1, w * c, c}
}

func elems(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func (b *buf) elems() int { return elems(b.shape) }
func (b *buf) bytes() int { return b.elems() * b.dt.size() }

// canonical reports whether b is stored in row-major order of its shape.
func (b *buf) canonical() bool {
	acc := 1
	for i := len(b.shape) - 1; i >= 0; i-- {
		if b.shape[i] != 1 && b.stride[i] != acc {
			return false
		}
		acc *= b.shape[i]
	}
	return true
}

// nhwc reports whether b is a 4-D tensor stored channels last (and not
// also canonical, as when C or H*W is 1).
func (b *buf) nhwc() bool {
	return len(b.shape) == 4 && !b.canonical() && slices.Equal(b.stride, nhwcStrides(b.shape))
}

func (b *buf) root() *buf {
	for b.base != nil {
		b = b.base
	}
	return b
}

// dev returns b's device address; arena bufs have one once the arena is
// allocated.
func (b *buf) dev() cuda.DevicePtr {
	switch {
	case b.base != nil:
		return b.base.dev().Add(b.off)
	case b.mem != nil:
		return b.mem.Ptr()
	case b.arena != nil:
		return b.arena.Ptr().Add(b.at)
	}
	return 0
}

func (b *buf) String() string {
	return fmt.Sprintf("%s:%s%v", b.name, b.dt, tensor.Shape(b.shape))
}

// align is the arena placement granularity (cuDNN and cuBLAS like 256).
const align = 256

// plan places the arena bufs in as few bytes as it can: bufs whose
// lifetimes overlap get disjoint ranges, others may share. It is the
// greedy by-size heuristic: largest first, each at the lowest offset
// free during its lifetime. It returns the arena's size.
func plan(bufs []*buf) int {
	order := slices.Clone(bufs)
	slices.SortStableFunc(order, func(a, b *buf) int { return b.bytes() - a.bytes() })
	var placed []*buf
	total := 0
	for _, b := range order {
		size := (b.bytes() + align - 1) / align * align
		var busy [][2]int
		for _, o := range placed {
			if o.first <= b.last && b.first <= o.last {
				busy = append(busy, [2]int{o.at, o.at + (o.bytes()+align-1)/align*align})
			}
		}
		slices.SortFunc(busy, func(x, y [2]int) int { return x[0] - y[0] })
		at := 0
		for _, r := range busy {
			if at+size <= r[0] {
				break
			}
			at = max(at, r[1])
		}
		b.at = at
		total = max(total, at+size)
		placed = append(placed, b)
	}
	return total
}
