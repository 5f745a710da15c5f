package meta

import (
	"fmt"
	"slices"
	"strconv"
	"unsafe"
)

// DataType is the element type of a tensor, DeepStream's NvDsInferDataType.
type DataType int

const (
	// DataTypeFloat is 32-bit IEEE float.
	DataTypeFloat DataType = iota
	// DataTypeHalf is 16-bit IEEE float.
	DataTypeHalf
	// DataTypeInt8 is signed 8-bit integer.
	DataTypeInt8
	// DataTypeInt32 is signed 32-bit integer.
	DataTypeInt32
)

// String returns the type's name as in TensorRT: FLOAT, HALF, INT8, INT32.
func (t DataType) String() string {
	switch t {
	case DataTypeFloat:
		return "FLOAT"
	case DataTypeHalf:
		return "HALF"
	case DataTypeInt8:
		return "INT8"
	case DataTypeInt32:
		return "INT32"
	}
	return "DataType(" + strconv.Itoa(int(t)) + ")"
}

// Size returns the size of one element in bytes, or 0 for an unknown type.
func (t DataType) Size() int {
	switch t {
	case DataTypeFloat, DataTypeInt32:
		return 4
	case DataTypeHalf:
		return 2
	case DataTypeInt8:
		return 1
	}
	return 0
}

// LayerInfo describes one input or output tensor of a model and holds its
// data, DeepStream's NvDsInferLayerInfo.
type LayerInfo struct {
	// Name is the tensor's name in the model.
	Name string
	// Dims are the tensor's dimensions without the batch dimension.
	Dims []int
	// DataType is the element type.
	DataType DataType
	// BindingIndex is the tensor's index among the engine's bindings.
	BindingIndex int
	// IsInput reports an input tensor.
	IsInput bool
	// Buffer holds the tensor for this frame or object in host memory,
	// row-major, as raw bytes of DataType; see Float32s and Int32s.
	Buffer []byte
	// DevPtr is the tensor's device address, if it is also on the GPU;
	// only GPU code dereferences it, and copies never duplicate it.
	DevPtr uintptr
}

// NumElements returns the product of Dims (1 for a scalar).
func (l *LayerInfo) NumElements() int {
	n := 1
	for _, d := range l.Dims {
		n *= d
	}
	return n
}

// Float32s returns Buffer viewed as float32s, without copying: writes go to
// Buffer. It fails unless DataType is DataTypeFloat and Buffer is a whole
// number of 4-byte-aligned elements.
func (l *LayerInfo) Float32s() ([]float32, error) {
	p, n, err := l.view(DataTypeFloat)
	if err != nil || n == 0 {
		return nil, err
	}
	return unsafe.Slice((*float32)(p), n), nil
}

// Int32s returns Buffer viewed as int32s, without copying. It fails unless
// DataType is DataTypeInt32 and Buffer is a whole number of 4-byte-aligned
// elements.
func (l *LayerInfo) Int32s() ([]int32, error) {
	p, n, err := l.view(DataTypeInt32)
	if err != nil || n == 0 {
		return nil, err
	}
	return unsafe.Slice((*int32)(p), n), nil
}

// view checks that Buffer holds elements of type want and returns a pointer
// to the first and their count.
func (l *LayerInfo) view(want DataType) (unsafe.Pointer, int, error) {
	if l == nil {
		return nil, 0, ErrNilMeta
	}
	if l.DataType != want {
		return nil, 0, fmt.Errorf("meta: layer %q holds %v, not %v", l.Name, l.DataType, want)
	}
	size := want.Size()
	if len(l.Buffer)%size != 0 {
		return nil, 0, fmt.Errorf("meta: layer %q: %d bytes is not a whole number of %v", l.Name, len(l.Buffer), want)
	}
	if len(l.Buffer) == 0 {
		return nil, 0, nil
	}
	p := unsafe.Pointer(unsafe.SliceData(l.Buffer))
	if uintptr(p)%uintptr(size) != 0 {
		return nil, 0, fmt.Errorf("meta: layer %q: buffer is not %d-byte aligned", l.Name, size)
	}
	return p, len(l.Buffer) / size, nil
}

// NetworkInfo is a model's input resolution, DeepStream's
// NvDsInferNetworkInfo.
type NetworkInfo struct {
	Width, Height, Channels int // input tensor's width, height, channels
}

// TensorOutputMeta is a model's raw output for one frame or object,
// attached as a user meta of type MetaTypeTensorOutput when an infer
// element has output-tensor-meta=1, DeepStream's NvDsInferTensorMeta. Probes
// use it to parse outputs the element does not understand.
type TensorOutputMeta struct {
	// UniqueID is the gie-unique-id of the element that ran the model.
	UniqueID int
	// OutputLayers are the model's output tensors.
	OutputLayers []LayerInfo
	// GPUID is the GPU the model ran on.
	GPUID int
	// NetworkInfo is the model's input resolution.
	NetworkInfo NetworkInfo
}

// NumOutputLayers returns the number of output layers.
func (t *TensorOutputMeta) NumOutputLayers() int {
	if t == nil {
		return 0
	}
	return len(t.OutputLayers)
}

// Layer returns the output layer called name, or nil.
func (t *TensorOutputMeta) Layer(name string) *LayerInfo {
	if t == nil {
		return nil
	}
	for i := range t.OutputLayers {
		if t.OutputLayers[i].Name == name {
			return &t.OutputLayers[i]
		}
	}
	return nil
}

// Copy returns a deep copy: new Dims and host Buffers. DevPtr is kept as is;
// device memory is never copied implicitly.
func (t *TensorOutputMeta) Copy() *TensorOutputMeta {
	if t == nil {
		return nil
	}
	c := *t
	c.OutputLayers = make([]LayerInfo, len(t.OutputLayers))
	for i, l := range t.OutputLayers {
		l.Dims = slices.Clone(l.Dims)
		l.Buffer = slices.Clone(l.Buffer)
		c.OutputLayers[i] = l
	}
	return &c
}

// CopyData implements DataCopier with Copy.
func (t *TensorOutputMeta) CopyData() any { return t.Copy() }

// SegmentationMeta is a semantic segmentation result for one frame or
// object, attached as a user meta of type MetaTypeSegmentation,
// DeepStream's NvDsInferSegmentationMeta.
type SegmentationMeta struct {
	// UniqueID is the gie-unique-id of the element that ran the model.
	UniqueID int
	// Classes is the number of classes.
	Classes int
	// Width and Height are the map's size.
	Width, Height int
	// ClassMap holds Width*Height class indices, row-major; -1 marks a
	// pixel below the segmentation threshold.
	ClassMap []int32
	// ClassProbabilities holds Classes*Height*Width probabilities, one
	// plane per class, or nil when the element does not keep them.
	ClassProbabilities []float32
}

// Copy returns a deep copy.
func (s *SegmentationMeta) Copy() *SegmentationMeta {
	if s == nil {
		return nil
	}
	c := *s
	c.ClassMap = slices.Clone(s.ClassMap)
	c.ClassProbabilities = slices.Clone(s.ClassProbabilities)
	return &c
}

// CopyData implements DataCopier with Copy.
func (s *SegmentationMeta) CopyData() any { return s.Copy() }
