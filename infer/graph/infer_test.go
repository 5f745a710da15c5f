package graph

import (
	"strings"
	"testing"

	"github.com/dsgo/dsgo/infer/onnx"
	"github.com/dsgo/dsgo/infer/tensor"
)

// in declares a node input: a float graph input of shape dims, or, with
// ints set, an int64 initializer.
type in struct {
	dims   []int64
	ints   []int64
	floats []float32
}

func shp(d ...int64) in                                      { return in{dims: d} }
func i64(v ...int64) in                                      { return in{ints: v, dims: []int64{int64(len(v))}} }
func f32(v ...float32) in                                    { return in{floats: v, dims: []int64{int64(len(v))}} }
func scalarInt(v int64) in                                   { return in{ints: []int64{v}, dims: []int64{}} }
func none() in                                               { return in{} }
func attrs(a ...*onnx.AttributeProto) []*onnx.AttributeProto { return a }

// singleNode builds and loads a model of one op with nout outputs.
func singleNode(opset int64, op string, ins []in, nout int, at []*onnx.AttributeProto) (*Graph, error) {
	m := newModel(opset)
	var names []string
	for i, x := range ins {
		name := string(rune('a' + i))
		switch {
		case x.ints != nil:
			m.intInit(name, x.ints, x.dims...)
		case x.floats != nil:
			m.floatInit(name, func(j int) float32 { return x.floats[j] }, x.dims...)
		case x.dims != nil:
			m.input(name, x.dims...)
		default:
			name = ""
		}
		names = append(names, name)
	}
	var outs []string
	for k := 0; k < nout; k++ {
		outs = append(outs, "out"+string(rune('0'+k)))
	}
	m.node(op, "n", names, outs, at...).output(outs...)
	if len(m.m.Graph.Input) == 0 { // a model needs no inputs, but keep one around
		m.m.Graph.Input = append(m.m.Graph.Input, valueInfo("unused", tensor.Float32, 1))
	}
	return FromProto(m.m)
}

func TestShapeInference(t *testing.T) {
	tests := []struct {
		name  string
		opset int64
		op    string
		ins   []in
		at    []*onnx.AttributeProto
		k     int // output index checked
		want  tensor.Shape
	}{
		{"maxpool floor", 13, "MaxPool", []in{shp(1, 2, 7, 7)}, attrs(attrInts("kernel_shape", 2, 2), attrInts("strides", 2, 2)), 0, tensor.Shape{1, 2, 3, 3}},
		{"maxpool ceil", 13, "MaxPool", []in{shp(1, 2, 7, 7)}, attrs(attrInts("kernel_shape", 2, 2), attrInts("strides", 2, 2), attrInt("ceil_mode", 1)), 0, tensor.Shape{1, 2, 4, 4}},
		{"avgpool same", 13, "AveragePool", []in{shp(1, 2, 7, 7)}, attrs(attrInts("kernel_shape", 3, 3), attrInts("strides", 2, 2), attrString("auto_pad", "SAME_UPPER")), 0, tensor.Shape{1, 2, 4, 4}},
		{"conv dilated grouped", 13, "Conv", []in{shp(1, 4, 10, 10), shp(8, 2, 3, 3)}, attrs(attrInt("group", 2), attrInts("dilations", 2, 2)), 0, tensor.Shape{1, 8, 6, 6}},
		{"convtranspose stride 2", 13, "ConvTranspose", []in{shp(1, 4, 5, 5), shp(4, 3, 4, 4)}, attrs(attrInts("strides", 2, 2), attrInts("pads", 1, 1, 1, 1)), 0, tensor.Shape{1, 3, 10, 10}},
		{"gemm transA", 13, "Gemm", []in{shp(4, 2), shp(4, 5)}, attrs(attrInt("transA", 1)), 0, tensor.Shape{2, 5}},
		{"matmul batch broadcast", 13, "MatMul", []in{shp(2, 1, 3, 4), shp(5, 4, 6)}, nil, 0, tensor.Shape{2, 5, 3, 6}},
		{"matmul vector", 13, "MatMul", []in{shp(3, 4), shp(4)}, nil, 0, tensor.Shape{3}},
		{"concat axis -1", 13, "Concat", []in{shp(1, 2, 3), shp(1, 2, 5)}, attrs(attrInt("axis", -1)), 0, tensor.Shape{1, 2, 8}},
		{"split equal", 13, "Split", []in{shp(1, 6, 4)}, attrs(attrInt("axis", 1)), 1, tensor.Shape{1, 3, 4}},
		{"split sizes input", 13, "Split", []in{shp(1, 6, 4), i64(2, 4)}, attrs(attrInt("axis", 1)), 1, tensor.Shape{1, 4, 4}},
		{"split sizes attr opset 11", 11, "Split", []in{shp(1, 6, 4)}, attrs(attrInt("axis", 1), attrInts("split", 1, 5)), 1, tensor.Shape{1, 5, 4}},
		{"slice with steps", 13, "Slice", []in{shp(1, 10, 8), i64(1, -1), i64(9, 0), i64(1, 2), i64(2, -2)}, nil, 0, tensor.Shape{1, 4, 4}},
		{"slice to int64 max", 13, "Slice", []in{shp(3, 10), i64(2), i64(1 << 62), i64(1)}, nil, 0, tensor.Shape{3, 8}},
		{"slice attrs opset 9", 9, "Slice", []in{shp(3, 10)}, attrs(attrInts("starts", 0), attrInts("ends", 2), attrInts("axes", 0)), 0, tensor.Shape{2, 10}},
		{"reshape zero and minus one", 13, "Reshape", []in{shp(2, 3, 4), i64(0, -1)}, nil, 0, tensor.Shape{2, 12}},
		{"flatten axis 2", 13, "Flatten", []in{shp(2, 3, 4, 5)}, attrs(attrInt("axis", 2)), 0, tensor.Shape{6, 20}},
		{"transpose perm", 13, "Transpose", []in{shp(1, 2, 3)}, attrs(attrInts("perm", 2, 0, 1)), 0, tensor.Shape{3, 1, 2}},
		{"transpose default reverses", 13, "Transpose", []in{shp(1, 2, 3)}, nil, 0, tensor.Shape{3, 2, 1}},
		{"squeeze axes input", 13, "Squeeze", []in{shp(1, 3, 1, 2), i64(0, 2)}, nil, 0, tensor.Shape{3, 2}},
		{"squeeze all ones", 11, "Squeeze", []in{shp(1, 3, 1, 2)}, nil, 0, tensor.Shape{3, 2}},
		{"unsqueeze attr opset 11", 11, "Unsqueeze", []in{shp(3, 2)}, attrs(attrInts("axes", 0, 3)), 0, tensor.Shape{1, 3, 2, 1}},
		{"resize scales", 13, "Resize", []in{shp(1, 3, 4, 5), none(), f32(1, 1, 2, 2)}, nil, 0, tensor.Shape{1, 3, 8, 10}},
		{"resize sizes", 13, "Resize", []in{shp(1, 3, 4, 5), none(), none(), i64(1, 3, 7, 9)}, nil, 0, tensor.Shape{1, 3, 7, 9}},
		{"upsample opset 9", 9, "Upsample", []in{shp(1, 3, 4, 5), f32(1, 1, 2, 3)}, nil, 0, tensor.Shape{1, 3, 8, 15}},
		{"reducemean keepdims", 13, "ReduceMean", []in{shp(2, 3, 4)}, attrs(attrInts("axes", -1)), 0, tensor.Shape{2, 3, 1}},
		{"reducesum axes input no keepdims", 13, "ReduceSum", []in{shp(2, 3, 4), i64(1)}, attrs(attrInt("keepdims", 0)), 0, tensor.Shape{2, 4}},
		{"reducemax all", 13, "ReduceMax", []in{shp(2, 3, 4)}, attrs(attrInt("keepdims", 0)), 0, tensor.Shape{}},
		{"pad input", 13, "Pad", []in{shp(1, 3, 4, 4), i64(0, 0, 1, 2, 0, 0, 3, 4)}, nil, 0, tensor.Shape{1, 3, 8, 10}},
		{"pad attr opset 9", 9, "Pad", []in{shp(1, 3)}, attrs(attrInts("pads", 0, 1, 0, 1)), 0, tensor.Shape{1, 5}},
		{"shape with start", 15, "Shape", []in{shp(2, 3, 4)}, attrs(attrInt("start", 1)), 0, tensor.Shape{2}},
		{"gather axis 1", 13, "Gather", []in{shp(2, 5, 3), i64(0, 4)}, attrs(attrInt("axis", 1)), 0, tensor.Shape{2, 2, 3}},
		{"gather scalar index", 13, "Gather", []in{shp(2, 5, 3), scalarInt(1)}, nil, 0, tensor.Shape{5, 3}},
		{"constantofshape", 13, "ConstantOfShape", []in{i64(2, 3)}, nil, 0, tensor.Shape{2, 3}},
		{"topk values", 13, "TopK", []in{shp(2, 10), i64(3)}, nil, 0, tensor.Shape{2, 3}},
		{"topk indices", 13, "TopK", []in{shp(2, 10), i64(3)}, nil, 1, tensor.Shape{2, 3}},
		{"nms is data dependent", 13, "NonMaxSuppression", []in{shp(1, 100, 4), shp(1, 3, 100)}, nil, 0, tensor.Shape{-1, 3}},
		{"roialign", 13, "RoiAlign", []in{shp(1, 8, 20, 20), shp(5, 4), shp(5)}, attrs(attrInt("output_height", 7), attrInt("output_width", 7)), 0, tensor.Shape{5, 8, 7, 7}},
		{"expand", 13, "Expand", []in{shp(3, 1), i64(2, 1, 4)}, nil, 0, tensor.Shape{2, 3, 4}},
		{"tile", 13, "Tile", []in{shp(2, 3), i64(2, 2)}, nil, 0, tensor.Shape{4, 6}},
		{"range", 13, "Range", []in{scalarInt(1), scalarInt(10), scalarInt(3)}, nil, 0, tensor.Shape{3}},
		{"where broadcast", 13, "Where", []in{shp(2, 1), shp(1, 3), shp(2, 3)}, nil, 0, tensor.Shape{2, 3}},
		{"argmax no keepdims", 13, "ArgMax", []in{shp(2, 3, 4)}, attrs(attrInt("axis", 1), attrInt("keepdims", 0)), 0, tensor.Shape{2, 4}},
		{"add broadcast", 13, "Add", []in{shp(2, 3, 4), shp(4)}, nil, 0, tensor.Shape{2, 3, 4}},
		{"sum of three", 13, "Sum", []in{shp(2, 1), shp(1, 3), shp(3)}, nil, 0, tensor.Shape{2, 3}},
		{"global average pool", 13, "GlobalAveragePool", []in{shp(2, 3, 4, 5)}, nil, 0, tensor.Shape{2, 3, 1, 1}},
		{"cast", 13, "Cast", []in{shp(2, 3)}, attrs(attrInt("to", 7)), 0, tensor.Shape{2, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := singleNode(tt.opset, tt.op, tt.ins, tt.k+1, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			got := g.Nodes[len(g.Nodes)-1].Outputs[tt.k].Shape
			if got == nil || !got.Equal(tt.want) {
				t.Errorf("shape %v, want %v", got, tt.want)
			}
		})
	}
}

func TestShapeInferenceRejectsInconsistentNodes(t *testing.T) {
	tests := []struct {
		name string
		op   string
		ins  []in
		at   []*onnx.AttributeProto
	}{
		{"add shapes do not broadcast", "Add", []in{shp(2, 3), shp(4)}, nil},
		{"matmul inner differs", "MatMul", []in{shp(2, 3), shp(4, 5)}, nil},
		{"concat rank differs", "Concat", []in{shp(2, 3), shp(2)}, attrs(attrInt("axis", 0))},
		{"transpose bad perm", "Transpose", []in{shp(2, 3)}, attrs(attrInts("perm", 0, 0))},
		{"gather axis out of range", "Gather", []in{shp(2, 3), i64(0)}, attrs(attrInt("axis", 5))},
		{"split sizes do not sum", "Split", []in{shp(6), i64(2, 2)}, nil},
		{"slice step zero", "Slice", []in{shp(6), i64(0), i64(3), i64(0), i64(0)}, nil},
		{"conv without weights", "Conv", []in{shp(1, 3, 4, 4)}, nil},
		{"pool negative stride", "MaxPool", []in{shp(1, 3, 4, 4)}, attrs(attrInts("kernel_shape", 2, 2), attrInts("strides", -1, 1))},
		{"topk k too large", "TopK", []in{shp(2, 3), i64(5)}, nil},
		{"range zero delta", "Range", []in{scalarInt(0), scalarInt(3), scalarInt(0)}, nil},
		{"cast to unknown type", "Cast", []in{shp(2)}, attrs(attrInt("to", 99))},
		{"unsqueeze repeated axis", "Unsqueeze", []in{shp(2), i64(0, 0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := singleNode(13, tt.op, tt.ins, 1, tt.at)
			if err == nil {
				t.Fatal("no error")
			}
			if want := tt.op + ` "n"`; !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		})
	}
}
