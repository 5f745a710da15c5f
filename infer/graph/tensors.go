package graph

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/dsgo/dsgo/infer/onnx"
	"github.com/dsgo/dsgo/infer/tensor"
)

// maxElements bounds one tensor's element count so that a corrupt dims field
// fails cleanly instead of exhausting memory.
const maxElements = 1 << 31

// onnxDouble is TensorProto.DOUBLE, converted to float32 on load.
const onnxDouble = 11

// checkedElements returns the product of dims, failing on negative or
// oversized dimensions.
func checkedElements(dims []int64) (int, error) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in %v", d, dims)
		}
		if d > maxElements || (d > 0 && n > maxElements/d) {
			return 0, fmt.Errorf("dimensions %v exceed %d elements", dims, maxElements)
		}
		n *= d
	}
	return int(n), nil
}

// convertTensor turns a TensorProto into a tensor.Tensor: float32, float16
// and double become Float32 (F32); integer and bool types keep their type in
// little-endian Raw bytes.
func convertTensor(tp *onnx.TensorProto) (*tensor.Tensor, error) {
	name := tp.GetName()
	if tp.GetDataLocation() == onnx.TensorProto_EXTERNAL {
		return nil, fmt.Errorf("tensor %q: external data is not supported; save the model with its weights embedded", name)
	}
	n, err := checkedElements(tp.GetDims())
	if err != nil {
		return nil, fmt.Errorf("tensor %q: %v", name, err)
	}
	shape := make(tensor.Shape, len(tp.GetDims()))
	for i, d := range tp.GetDims() {
		shape[i] = int(d)
	}
	t := &tensor.Tensor{Name: name, Shape: shape}
	dt := tp.GetDataType()
	raw := tp.GetRawData()
	switch dt {
	case int32(tensor.Float32), int32(tensor.Float16), onnxDouble:
		t.DType = tensor.Float32
		t.F32, err = floatData(tp, n, raw)
	case int32(tensor.Int64), int32(tensor.Int32), int32(tensor.Uint8), int32(tensor.Int8), int32(tensor.Bool):
		t.DType = tensor.DType(dt)
		t.Raw, err = intData(tp, t.DType, n, raw)
	default:
		return nil, fmt.Errorf("tensor %q: unsupported data type %d", name, dt)
	}
	if err != nil {
		return nil, fmt.Errorf("tensor %q (%s%v): %v", name, tensor.DType(dt), shape, err)
	}
	return t, nil
}

func floatData(tp *onnx.TensorProto, n int, raw []byte) ([]float32, error) {
	dt := tp.GetDataType()
	if raw == nil {
		if have := len(tp.GetFloatData()) + len(tp.GetInt32Data()) + len(tp.GetDoubleData()); have != n {
			return nil, fmt.Errorf("typed data holds %d elements, want %d", have, n)
		}
	}
	if raw != nil {
		size := map[int32]int{1: 4, 10: 2, onnxDouble: 8}[dt]
		if len(raw) != n*size {
			return nil, fmt.Errorf("raw_data has %d bytes, want %d", len(raw), n*size)
		}
	}
	out := make([]float32, n)
	if raw != nil {
		for i := range out {
			switch dt {
			case 1:
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			case 10:
				out[i] = Float16ToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
			default:
				out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
			}
		}
		return out, nil
	}
	var have int
	switch dt {
	case 1:
		have = copy(out, tp.GetFloatData())
		if len(tp.GetFloatData()) != n {
			have = -1
		}
	case 10:
		d := tp.GetInt32Data()
		if have = len(d); have == n {
			for i, v := range d {
				out[i] = Float16ToFloat32(uint16(v))
			}
		}
	default:
		d := tp.GetDoubleData()
		if have = len(d); have == n {
			for i, v := range d {
				out[i] = float32(v)
			}
		}
	}
	if have != n {
		return nil, fmt.Errorf("typed data holds a wrong number of elements, want %d", n)
	}
	return out, nil
}

func intData(tp *onnx.TensorProto, dt tensor.DType, n int, raw []byte) ([]byte, error) {
	size := dt.Size()
	if raw != nil {
		if len(raw) != n*size {
			return nil, fmt.Errorf("raw_data has %d bytes, want %d", len(raw), n*size)
		}
		return append([]byte(nil), raw...), nil
	}
	if dt == tensor.Int64 {
		d := tp.GetInt64Data()
		if len(d) != n {
			return nil, fmt.Errorf("int64_data has %d elements, want %d", len(d), n)
		}
		out := make([]byte, n*size)
		for i, v := range d {
			binary.LittleEndian.PutUint64(out[8*i:], uint64(v))
		}
		return out, nil
	}
	d := tp.GetInt32Data()
	if len(d) != n {
		return nil, fmt.Errorf("int32_data has %d elements, want %d", len(d), n)
	}
	out := make([]byte, n*size)
	for i, v := range d {
		if dt == tensor.Int32 {
			binary.LittleEndian.PutUint32(out[4*i:], uint32(v))
		} else {
			out[i] = byte(v)
		}
	}
	return out, nil
}

// Float16ToFloat32 converts IEEE 754 half-precision bits to float32.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		f := float32(frac) / 1024 / 16384
		if sign != 0 {
			f = -f
		}
		return f
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

// Int64s returns a constant's elements as int64, whatever its type.
func Int64s(t *tensor.Tensor) ([]int64, error) {
	if t == nil {
		return nil, fmt.Errorf("no constant")
	}
	f, err := numbers(t)
	if err != nil {
		return nil, err
	}
	if t.DType == tensor.Int64 {
		out := make([]int64, len(t.Raw)/8)
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(t.Raw[8*i:]))
		}
		return out, nil
	}
	out := make([]int64, len(f))
	for i, v := range f {
		out[i] = int64(v)
	}
	return out, nil
}

// numbers returns a constant's elements as float64 for constant folding.
func numbers(t *tensor.Tensor) ([]float64, error) {
	n := t.Shape.NumElements()
	if n < 0 {
		return nil, fmt.Errorf("tensor %q has an unknown shape", t.Name)
	}
	out := make([]float64, n)
	if t.DType == tensor.Float32 {
		if len(t.F32) != n {
			return nil, fmt.Errorf("tensor %q holds %d floats, shape %v wants %d", t.Name, len(t.F32), t.Shape, n)
		}
		for i, v := range t.F32 {
			out[i] = float64(v)
		}
		return out, nil
	}
	if size := t.DType.Size(); size == 0 || len(t.Raw) != n*size {
		return nil, fmt.Errorf("tensor %q: %s data has %d bytes for shape %v", t.Name, t.DType, len(t.Raw), t.Shape)
	}
	r := t.Raw
	for i := range out {
		switch t.DType {
		case tensor.Int64:
			out[i] = float64(int64(binary.LittleEndian.Uint64(r[8*i:])))
		case tensor.Int32:
			out[i] = float64(int32(binary.LittleEndian.Uint32(r[4*i:])))
		case tensor.Int8:
			out[i] = float64(int8(r[i]))
		case tensor.Uint8, tensor.Bool:
			out[i] = float64(r[i])
		default:
			return nil, fmt.Errorf("tensor %q: cannot read %s", t.Name, t.DType)
		}
	}
	return out, nil
}

// fromNumbers builds a constant of type dt from float64 elements.
func fromNumbers(dt tensor.DType, shape tensor.Shape, v []float64) *tensor.Tensor {
	t := &tensor.Tensor{DType: dt, Shape: cloneShape(shape)}
	if dt == tensor.Float32 || dt == tensor.Float16 {
		t.DType = tensor.Float32
		t.F32 = make([]float32, len(v))
		for i, x := range v {
			t.F32[i] = float32(x)
		}
		return t
	}
	size := dt.Size()
	t.Raw = make([]byte, len(v)*size)
	for i, x := range v {
		switch dt {
		case tensor.Int64:
			iv := int64(x)
			if x >= math.MaxInt64 {
				iv = math.MaxInt64
			} else if x <= math.MinInt64 {
				iv = math.MinInt64
			}
			binary.LittleEndian.PutUint64(t.Raw[8*i:], uint64(iv))
		case tensor.Int32:
			binary.LittleEndian.PutUint32(t.Raw[4*i:], uint32(int32(x)))
		case tensor.Bool:
			if x != 0 {
				t.Raw[i] = 1
			}
		default:
			t.Raw[i] = byte(int64(x))
		}
	}
	return t
}

// Int64Tensor returns an int64 constant with the given data and shape.
func Int64Tensor(data []int64, shape ...int) *tensor.Tensor {
	t := &tensor.Tensor{DType: tensor.Int64, Shape: append(tensor.Shape{}, shape...), Raw: make([]byte, 8*len(data))}
	for i, v := range data {
		binary.LittleEndian.PutUint64(t.Raw[8*i:], uint64(v))
	}
	return t
}
