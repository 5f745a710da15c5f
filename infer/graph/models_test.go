package graph

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/dsgo/dsgo/infer/onnx"
	"github.com/dsgo/dsgo/infer/tensor"
)

// model builds an ONNX ModelProto in test code.
type model struct {
	m *onnx.ModelProto
}

func newModel(opset int64) *model {
	return &model{m: &onnx.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnx.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}},
		Graph:       &onnx.GraphProto{Name: proto.String("test")},
	}}
}

// valueInfo declares a float tensor; a negative dim is the symbol "N".
func valueInfo(name string, dt tensor.DType, dims ...int64) *onnx.ValueInfoProto {
	shape := &onnx.TensorShapeProto{}
	for _, d := range dims {
		dim := &onnx.TensorShapeProto_Dimension{}
		if d < 0 {
			dim.Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: "N"}
		} else {
			dim.Value = &onnx.TensorShapeProto_Dimension_DimValue{DimValue: d}
		}
		shape.Dim = append(shape.Dim, dim)
	}
	return &onnx.ValueInfoProto{Name: proto.String(name), Type: &onnx.TypeProto{
		Value: &onnx.TypeProto_TensorType{TensorType: &onnx.TypeProto_Tensor{ElemType: proto.Int32(int32(dt)), Shape: shape}}}}
}

func (m *model) input(name string, dims ...int64) *model {
	m.m.Graph.Input = append(m.m.Graph.Input, valueInfo(name, tensor.Float32, dims...))
	return m
}

func (m *model) output(names ...string) *model {
	for _, n := range names {
		m.m.Graph.Output = append(m.m.Graph.Output, &onnx.ValueInfoProto{Name: proto.String(n)})
	}
	return m
}

// floatInit adds a float initializer filled with fill(i).
func (m *model) floatInit(name string, fill func(i int) float32, dims ...int64) *model {
	n := 1
	for _, d := range dims {
		n *= int(d)
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = fill(i)
	}
	m.m.Graph.Initializer = append(m.m.Graph.Initializer, &onnx.TensorProto{Name: proto.String(name),
		DataType: proto.Int32(int32(tensor.Float32)), Dims: dims, FloatData: data})
	return m
}

func (m *model) intInit(name string, data []int64, dims ...int64) *model {
	m.m.Graph.Initializer = append(m.m.Graph.Initializer, &onnx.TensorProto{Name: proto.String(name),
		DataType: proto.Int32(int32(tensor.Int64)), Dims: dims, Int64Data: data})
	return m
}

func (m *model) node(op, name string, ins, outs []string, attrs ...*onnx.AttributeProto) *model {
	m.m.Graph.Node = append(m.m.Graph.Node, &onnx.NodeProto{OpType: proto.String(op), Name: proto.String(name),
		Input: ins, Output: outs, Attribute: attrs})
	return m
}

func attrInt(name string, v int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: proto.String(name), Type: onnx.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func attrInts(name string, v ...int64) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: proto.String(name), Type: onnx.AttributeProto_INTS.Enum(), Ints: v}
}

func attrFloat(name string, v float32) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: proto.String(name), Type: onnx.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}

func attrString(name, v string) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: proto.String(name), Type: onnx.AttributeProto_STRING.Enum(), S: []byte(v)}
}

func attrTensor(name string, t *onnx.TensorProto) *onnx.AttributeProto {
	return &onnx.AttributeProto{Name: proto.String(name), Type: onnx.AttributeProto_TENSOR.Enum(), T: t}
}

func (m *model) bytes(t testing.TB) []byte {
	t.Helper()
	b, err := proto.Marshal(m.m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (m *model) load(t testing.TB) *Graph {
	t.Helper()
	g, err := Load(bytes.NewReader(m.bytes(t)))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func ones(int) float32 { return 1 }

func ramp(i int) float32 { return float32(i%7) * 0.1 }

func strs(s ...string) []string { return s }

// classifier is Conv→BatchNormalization→Relu→GlobalAveragePool→Flatten→
// Gemm→Softmax on a [batch,3,8,8] image (batch < 0: dynamic).
func classifier(batch int64) *model {
	return newModel(13).input("image", batch, 3, 8, 8).
		floatInit("conv.w", ramp, 4, 3, 3, 3).floatInit("conv.b", ones, 4).
		floatInit("bn.scale", func(i int) float32 { return 2 }, 4).floatInit("bn.bias", ramp, 4).
		floatInit("bn.mean", ramp, 4).floatInit("bn.var", func(i int) float32 { return 3 }, 4).
		floatInit("fc.w", ramp, 10, 4).floatInit("fc.b", ones, 10).
		node("Conv", "conv", strs("image", "conv.w", "conv.b"), strs("c"), attrInts("pads", 1, 1, 1, 1), attrInts("kernel_shape", 3, 3)).
		node("BatchNormalization", "bn", strs("c", "bn.scale", "bn.bias", "bn.mean", "bn.var"), strs("b"), attrFloat("epsilon", 1e-5)).
		node("Relu", "relu", strs("b"), strs("r")).
		node("GlobalAveragePool", "gap", strs("r"), strs("p")).
		node("Flatten", "flat", strs("p"), strs("f")).
		node("Gemm", "fc", strs("f", "fc.w", "fc.b"), strs("logits"), attrInt("transB", 1)).
		node("Softmax", "softmax", strs("logits"), strs("probs"), attrInt("axis", 1)).
		output("probs")
}

// detectNet is a DetectNet_v2-like head: a stride-2 backbone conv, then a
// coverage output (Sigmoid) and a bbox output.
func detectNet(batch int64) *model {
	return newModel(11).input("input_1", batch, 3, 32, 32).
		floatInit("bb.w", ramp, 8, 3, 3, 3).
		floatInit("cov.w", ramp, 2, 8, 1, 1).floatInit("bbox.w", ramp, 8, 8, 1, 1).floatInit("bbox.b", ones, 8).
		node("Conv", "backbone", strs("input_1", "bb.w"), strs("feat0"), attrInts("strides", 2, 2), attrString("auto_pad", "SAME_UPPER")).
		node("Relu", "backbone_relu", strs("feat0"), strs("feat")).
		node("Conv", "cov_conv", strs("feat", "cov.w"), strs("cov0")).
		node("Sigmoid", "cov_sig", strs("cov0"), strs("output_cov/Sigmoid")).
		node("Conv", "bbox_conv", strs("feat", "bbox.w", "bbox.b"), strs("output_bbox/BiasAdd")).
		output("output_cov/Sigmoid", "output_bbox/BiasAdd")
}

// reshapeChain flattens x the way PyTorch exports x.view(x.size(0), -1):
// Shape→Gather→Unsqueeze→Concat→Reshape, with an Identity, a Dropout and
// a dead Relu on the side.
func reshapeChain() *model {
	return newModel(13).input("x", -1, 4, 2, 2).
		intInit("zero", []int64{0}).intInit("axes0", []int64{0}, 1).intInit("minus1", []int64{-1}, 1).
		node("Shape", "shape", strs("x"), strs("s")).
		node("Gather", "gather", strs("s", "zero"), strs("n"), attrInt("axis", 0)).
		node("Unsqueeze", "unsq", strs("n", "axes0"), strs("n1")).
		node("Concat", "concat", strs("n1", "minus1"), strs("newshape"), attrInt("axis", 0)).
		node("Identity", "ident", strs("x"), strs("xi")).
		node("Relu", "dead_relu", strs("x"), strs("unused")).
		node("Reshape", "reshape", strs("xi", "newshape"), strs("flat")).
		node("Dropout", "drop", strs("flat"), strs("y")).
		output("y")
}
