package graph

import (
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/dsgo/dsgo/infer/onnx"
	"github.com/dsgo/dsgo/infer/tensor"
	"google.golang.org/protobuf/proto"
)

// ToProto returns g as an ONNX model, the inverse of FromProto: inputs and
// outputs with their types and shapes (an unknown dimension becomes a
// named dim_param), every node with its attributes, and every constant a
// node reads (weights and values folded by Optimize) as an initializer
// with raw little-endian data. An optimised graph keeps the dsgo.*
// attributes of its fused convolutions, which FromProto reads back; other
// ONNX tools ignore them. Engine files store graphs this way.
func ToProto(g *Graph) (*onnx.ModelProto, error) {
	if g == nil {
		return nil, fmt.Errorf("graph: nil graph")
	}
	gp := &onnx.GraphProto{Name: proto.String(g.Name)}
	inits := map[string]bool{}
	addInit := func(v *Value) error {
		if v == nil || v.Const == nil || inits[v.Name] {
			return nil
		}
		tp, err := tensorProto(v.Name, v.Const)
		if err != nil {
			return err
		}
		inits[v.Name] = true
		gp.Initializer = append(gp.Initializer, tp)
		return nil
	}
	produced := map[*Value]bool{}
	for _, n := range g.Nodes {
		for _, v := range n.Outputs {
			produced[v] = true
		}
	}
	for _, v := range g.Inputs {
		gp.Input = append(gp.Input, valueInfoOf(v))
	}
	for _, n := range g.Nodes {
		np := &onnx.NodeProto{OpType: proto.String(n.Op), Name: proto.String(n.Name)}
		for _, v := range n.Inputs {
			if v == nil {
				np.Input = append(np.Input, "")
				continue
			}
			if !produced[v] {
				if err := addInit(v); err != nil {
					return nil, fmt.Errorf("graph: node %s: %w", n, err)
				}
			}
			np.Input = append(np.Input, v.Name)
		}
		for _, v := range n.Outputs {
			if v == nil {
				np.Output = append(np.Output, "")
			} else {
				np.Output = append(np.Output, v.Name)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(n.Attrs)) {
			ap, err := attrProto(name, n.Attrs[name])
			if err != nil {
				return nil, fmt.Errorf("graph: node %s: %w", n, err)
			}
			np.Attribute = append(np.Attribute, ap)
		}
		gp.Node = append(gp.Node, np)
	}
	for _, v := range g.Outputs {
		if !produced[v] {
			if err := addInit(v); err != nil {
				return nil, fmt.Errorf("graph: output: %w", err)
			}
		}
		gp.Output = append(gp.Output, valueInfoOf(v))
	}
	return &onnx.ModelProto{
		IrVersion:    proto.Int64(8),
		ProducerName: proto.String("dsgo"),
		OpsetImport:  []*onnx.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(int64(g.Opset))}},
		Graph:        gp,
	}, nil
}

// Save writes g as a binary ONNX model (see ToProto).
func (g *Graph) Save(w io.Writer) error {
	m, err := ToProto(g)
	if err != nil {
		return err
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return fmt.Errorf("graph: encoding %q: %v", g.Name, err)
	}
	if len(b) > maxModelBytes {
		return fmt.Errorf("graph: %q encodes to %d bytes, more than ONNX's 2 GiB", g.Name, len(b))
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("graph: writing %q: %w", g.Name, err)
	}
	return nil
}

// valueInfoOf declares v's element type and shape.
func valueInfoOf(v *Value) *onnx.ValueInfoProto {
	tt := &onnx.TypeProto_Tensor{ElemType: proto.Int32(int32(v.DType))}
	if v.Shape != nil {
		sp := &onnx.TensorShapeProto{}
		for i, d := range v.Shape {
			dim := &onnx.TensorShapeProto_Dimension{}
			if d >= 0 {
				dim.Value = &onnx.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}
			} else {
				dim.Value = &onnx.TensorShapeProto_Dimension_DimParam{DimParam: v.Name + "_d" + strconv.Itoa(i)}
			}
			sp.Dim = append(sp.Dim, dim)
		}
		tt.Shape = sp
	}
	return &onnx.ValueInfoProto{Name: proto.String(v.Name), Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{TensorType: tt}}}
}

// tensorProto encodes t under name with raw data.
func tensorProto(name string, t *tensor.Tensor) (*onnx.TensorProto, error) {
	tp := &onnx.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(t.DType))}
	for _, d := range t.Shape {
		tp.Dims = append(tp.Dims, int64(d))
	}
	n := t.Shape.NumElements()
	switch {
	case t.DType == tensor.Float32:
		if len(t.F32) != n {
			return nil, fmt.Errorf("tensor %q holds %d floats for shape %v", name, len(t.F32), t.Shape)
		}
		raw := make([]byte, 4*n)
		for i, f := range t.F32 {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(f))
		}
		tp.RawData = raw
	case t.DType.Size() > 0 && t.DType != tensor.Float16:
		if len(t.Raw) != n*t.DType.Size() {
			return nil, fmt.Errorf("tensor %q holds %d bytes for %s%v", name, len(t.Raw), t.DType, t.Shape)
		}
		tp.RawData = append([]byte(nil), t.Raw...)
	default:
		return nil, fmt.Errorf("tensor %q: type %s cannot be saved", name, t.DType)
	}
	return tp, nil
}

// attrProto encodes one attribute.
func attrProto(name string, a Attr) (*onnx.AttributeProto, error) {
	ap := &onnx.AttributeProto{Name: proto.String(name)}
	switch a.Kind {
	case AttrIntKind:
		ap.Type, ap.I = onnx.AttributeProto_INT.Enum(), proto.Int64(a.Int)
	case AttrFloatKind:
		ap.Type, ap.F = onnx.AttributeProto_FLOAT.Enum(), proto.Float32(a.Float)
	case AttrStringKind:
		ap.Type, ap.S = onnx.AttributeProto_STRING.Enum(), []byte(a.String)
	case AttrIntsKind:
		ap.Type, ap.Ints = onnx.AttributeProto_INTS.Enum(), append([]int64(nil), a.Ints...)
	case AttrFloatsKind:
		ap.Type, ap.Floats = onnx.AttributeProto_FLOATS.Enum(), append([]float32(nil), a.Floats...)
	case AttrStringsKind:
		ap.Type = onnx.AttributeProto_STRINGS.Enum()
		for _, s := range a.Strings {
			ap.Strings = append(ap.Strings, []byte(s))
		}
	case AttrTensorKind:
		if a.Tensor == nil {
			return nil, fmt.Errorf("attribute %q: nil tensor", name)
		}
		tp, err := tensorProto(a.Tensor.Name, a.Tensor)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", name, err)
		}
		ap.Type, ap.T = onnx.AttributeProto_TENSOR.Enum(), tp
	default:
		return nil, fmt.Errorf("attribute %q of kind %s", name, a.Kind)
	}
	return ap, nil
}
