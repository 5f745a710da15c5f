package gpu

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"slices"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/tensor"
)

// f32ToF16 rounds a float32 to the nearest IEEE half (ties to even),
// with overflow to infinity, as the GPU's cvt.rn.f16.f32 does.
func f32ToF16(v float32) uint16 {
	x := math.Float32bits(v)
	sign := uint16(x>>16) & 0x8000
	exp := int(x>>23&0xff) - 127 + 15
	man := x & 0x7fffff
	switch {
	case x>>23&0xff == 0xff:
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp >= 31:
		return sign | 0x7c00
	case exp <= 0:
		if exp < -10 {
			return sign
		}
		man |= 0x800000
		shift := uint(14 - exp)
		half, rem, mid := man>>shift, man&(1<<shift-1), uint32(1)<<(shift-1)
		if rem > mid || rem == mid && half&1 == 1 {
			half++
		}
		return sign | uint16(half)
	}
	half, rem := uint32(exp)<<10|man>>13, man&0x1fff
	if rem > 0x1000 || rem == 0x1000 && half&1 == 1 {
		half++
	}
	return sign | uint16(half)
}

// encodeFloats returns v as device elements of type dt (f32 or f16).
func encodeFloats(v []float32, dt dtype) []byte {
	out := make([]byte, len(v)*dt.size())
	for i, x := range v {
		if dt == dF16 {
			binary.LittleEndian.PutUint16(out[2*i:], f32ToF16(x))
		} else {
			binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(x))
		}
	}
	return out
}

// encode returns t's data as device elements of type dt.
func encode(t *tensor.Tensor, dt dtype) ([]byte, error) {
	switch {
	case t.DType == tensor.Float32 && dt.float():
		return encodeFloats(t.F32[:t.Len()], dt), nil
	case t.DType != tensor.Float32 && t.DType == dt.tensor():
		n := t.Len() * dt.size()
		if len(t.Raw) < n {
			return nil, fmt.Errorf("constant %s holds %d bytes, want %d", t.Name, len(t.Raw), n)
		}
		return t.Raw[:n], nil
	}
	return nil, fmt.Errorf("constant %s of type %v cannot be stored as %v", t.Name, t.DType, dt)
}

// constant returns a weight on the device, uploaded once per engine and
// element type (Programs for other batch sizes share it).
func (e *Engine) constant(t *tensor.Tensor, dt dtype) (*buf, error) {
	data, err := encode(t, dt)
	if err != nil {
		return nil, err
	}
	return e.upload(t.Name+"/"+dt.String(), dt, t.Shape, nil, data)
}

// upload returns the constant named key, uploading data (shape and
// strides given; nil strides are row-major) the first time.
func (e *Engine) upload(key string, dt dtype, shape, stride []int, data []byte) (*buf, error) {
	if stride == nil {
		stride = contiguous(shape)
	}
	// Constants folded from shapes may share a name across batch sizes
	// with other contents: the key includes a hash of the data.
	sh := e.sh
	key = fmt.Sprintf("%s%v%v#%x", key, shape, stride, maphash.Bytes(sh.seed, data))
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if b, ok := sh.consts[key]; ok {
		return b, nil
	}
	m, err := sh.ctx.Alloc(max(len(data), align))
	if err != nil {
		return nil, fmt.Errorf("constant %s: %w", key, err)
	}
	if len(data) > 0 {
		// Finished before it is shared: another context's stream may be
		// the first to read it.
		if err := errors.Join(cuda.CopyToDevice(e.s, m.Ptr(), data), e.s.Synchronize()); err != nil {
			m.Free()
			return nil, err
		}
	}
	b := &buf{name: key, dt: dt, shape: slices.Clone(shape), stride: stride, mem: m}
	sh.consts[key] = b
	return b, nil
}

// own uploads data the program alone uses (index maps, resize tables)
// and returns its address.
func (p *Program) own(data []byte) (cuda.DevicePtr, error) {
	m, err := p.e.ctx.Alloc(max(len(data), align))
	if err != nil {
		return 0, err
	}
	p.owned = append(p.owned, m)
	if err := cuda.CopyToDevice(p.e.s, m.Ptr(), data); err != nil {
		return 0, err
	}
	return m.Ptr(), nil
}

// floatConst returns a float constant made at compile time (folded batch
// normalisation parameters, Gemm's C) on the device as type dt.
func (p *Program) floatConst(name string, dt dtype, shape []int, v []float32) (*buf, error) {
	return p.e.upload(name+"/"+dt.String(), dt, shape, nil, encodeFloats(v, dt))
}

func int32Bytes(v []int32) []byte {
	out := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(out[4*i:], uint32(x))
	}
	return out
}
