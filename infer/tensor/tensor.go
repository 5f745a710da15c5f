// Package tensor is the n-dimensional array shared by dsgo's inference
// runtime: the graph IR's constants, the backends' inputs and outputs, and
// the output parsers' view of a network's results. Data is stored densely
// in row-major (C) order.
package tensor

import (
	"fmt"
	"strings"
)

// DType is an element type, numbered as ONNX's TensorProto.DataType.
type DType int32

// Element types.
const (
	Undefined DType = 0
	Float32   DType = 1
	Uint8     DType = 2
	Int8      DType = 3
	Int32     DType = 6
	Int64     DType = 7
	Bool      DType = 9
	Float16   DType = 10
)

// String returns the type's name.
func (d DType) String() string {
	switch d {
	case Float32:
		return "float32"
	case Uint8:
		return "uint8"
	case Int8:
		return "int8"
	case Int32:
		return "int32"
	case Int64:
		return "int64"
	case Bool:
		return "bool"
	case Float16:
		return "float16"
	}
	return fmt.Sprintf("dtype(%d)", int32(d))
}

// Size returns the bytes per element (0 for Undefined).
func (d DType) Size() int {
	switch d {
	case Float32, Int32:
		return 4
	case Int64:
		return 8
	case Uint8, Int8, Bool:
		return 1
	case Float16:
		return 2
	}
	return 0
}

// Shape is a list of dimensions; a negative dimension is unknown (a
// dynamic batch, say) until the graph is bound to concrete inputs.
type Shape []int

// NumElements returns the product of the dimensions, or -1 if any is unknown.
func (s Shape) NumElements() int {
	n := 1
	for _, d := range s {
		if d < 0 {
			return -1
		}
		n *= d
	}
	return n
}

// Equal reports whether two shapes are the same.
func (s Shape) Equal(o Shape) bool {
	if len(s) != len(o) {
		return false
	}
	for i := range s {
		if s[i] != o[i] {
			return false
		}
	}
	return true
}

// String returns the shape as [1x3x224x224], "?" for unknown dimensions.
func (s Shape) String() string {
	parts := make([]string, len(s))
	for i, d := range s {
		if d < 0 {
			parts[i] = "?"
		} else {
			parts[i] = fmt.Sprint(d)
		}
	}
	return "[" + strings.Join(parts, "x") + "]"
}

// Tensor is a dense array. Float32 data lives in F32; other types in Raw
// (little-endian bytes), so that a tensor can wrap memory it does not own
// (an output buffer, a model's weights) without copying.
type Tensor struct {
	Name  string
	DType DType
	Shape Shape
	F32   []float32
	Raw   []byte
}

// New returns a zeroed float32 tensor of a known shape.
func New(shape ...int) *Tensor {
	s := Shape(append([]int(nil), shape...))
	n := s.NumElements()
	if n < 0 {
		n = 0
	}
	return &Tensor{DType: Float32, Shape: s, F32: make([]float32, n)}
}

// FromF32 wraps data (not copied) as a float32 tensor; it fails when the
// shape does not hold exactly len(data) elements.
func FromF32(data []float32, shape ...int) (*Tensor, error) {
	s := Shape(append([]int(nil), shape...))
	if n := s.NumElements(); n != len(data) {
		return nil, fmt.Errorf("tensor: shape %v holds %d elements, data has %d", s, n, len(data))
	}
	return &Tensor{DType: Float32, Shape: s, F32: data}, nil
}

// Len returns the number of elements.
func (t *Tensor) Len() int { return t.Shape.NumElements() }

// String describes the tensor for logs.
func (t *Tensor) String() string {
	return fmt.Sprintf("%s %s%v", t.Name, t.DType, t.Shape)
}
