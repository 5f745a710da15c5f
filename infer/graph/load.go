package graph

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/dsgo/dsgo/infer/onnx"
	"github.com/dsgo/dsgo/infer/tensor"
)

// Opset range Load accepts.
const (
	MinOpset = 7
	MaxOpset = 21
)

// maxModelBytes bounds what Load reads (protobuf's own limit is 2 GiB).
const maxModelBytes = 2<<30 - 1

// LoadFile reads and lowers the ONNX model at path.
func LoadFile(path string) (*Graph, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("graph: %v", err)
	}
	defer f.Close()
	g, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// Load reads an ONNX model, lowers it to the IR, checks its operators and
// infers what shapes its declared inputs allow.
func Load(r io.Reader) (*Graph, error) {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, io.LimitReader(r, maxModelBytes+1)); err != nil {
		return nil, fmt.Errorf("graph: reading model: %v", err)
	}
	if buf.Len() > maxModelBytes {
		return nil, fmt.Errorf("graph: model is larger than 2 GiB; external data is not supported")
	}
	var m onnx.ModelProto
	if err := proto.Unmarshal(buf.Bytes(), &m); err != nil {
		return nil, fmt.Errorf("graph: not an ONNX model: %v", err)
	}
	return FromProto(&m)
}

// FromProto lowers a parsed ONNX model to the IR.
func FromProto(m *onnx.ModelProto) (*Graph, error) {
	opset, err := modelOpset(m)
	if err != nil {
		return nil, err
	}
	gp := m.GetGraph()
	if gp == nil {
		return nil, fmt.Errorf("graph: model has no graph")
	}
	b := &builder{g: &Graph{Name: gp.GetName(), Opset: opset, Initializers: map[string]*tensor.Tensor{}}, values: map[string]*Value{}}
	if err := b.build(gp); err != nil {
		return nil, fmt.Errorf("graph %q: %w", gp.GetName(), err)
	}
	if err := b.g.infer(); err != nil {
		return nil, fmt.Errorf("graph %q: %w", gp.GetName(), err)
	}
	return b.g, nil
}

func modelOpset(m *onnx.ModelProto) (int, error) {
	opset := -1
	for _, o := range m.GetOpsetImport() {
		if d := o.GetDomain(); d == "" || d == "ai.onnx" {
			opset = int(o.GetVersion())
		}
	}
	if opset < 0 {
		return 0, fmt.Errorf("graph: model imports no ai.onnx opset")
	}
	if opset < MinOpset || opset > MaxOpset {
		return 0, fmt.Errorf("graph: opset %d is not supported (want %d-%d)", opset, MinOpset, MaxOpset)
	}
	return opset, nil
}

type builder struct {
	g      *Graph
	values map[string]*Value
}

func (b *builder) build(gp *onnx.GraphProto) error {
	for _, tp := range gp.GetInitializer() {
		t, err := convertTensor(tp)
		if err != nil {
			return fmt.Errorf("initializer: %w", err)
		}
		if _, dup := b.values[t.Name]; dup || t.Name == "" {
			return fmt.Errorf("initializer %q: empty or duplicate name", t.Name)
		}
		b.g.Initializers[t.Name] = t
		b.values[t.Name] = &Value{Name: t.Name, DType: t.DType, Shape: cloneShape(t.Shape), Const: t}
	}
	if len(gp.GetSparseInitializer()) > 0 {
		return fmt.Errorf("sparse initializers are not supported")
	}
	for _, vi := range gp.GetInput() {
		if _, isInit := b.g.Initializers[vi.GetName()]; isInit {
			continue // IR < 4 lists weights as inputs too
		}
		v, err := b.declare(vi, true)
		if err != nil {
			return fmt.Errorf("input: %w", err)
		}
		b.g.Inputs = append(b.g.Inputs, v)
	}
	for _, vi := range gp.GetValueInfo() {
		if _, err := b.declare(vi, false); err != nil {
			return fmt.Errorf("value_info: %w", err)
		}
	}
	outInfo := map[string]*onnx.ValueInfoProto{}
	for _, vi := range gp.GetOutput() {
		outInfo[vi.GetName()] = vi
	}
	if err := b.nodes(gp.GetNode()); err != nil {
		return err
	}
	for _, vi := range gp.GetOutput() {
		v := b.values[vi.GetName()]
		if v == nil {
			return fmt.Errorf("output %q is produced by no node", vi.GetName())
		}
		if err := applyInfo(v, vi); err != nil {
			return fmt.Errorf("output: %w", err)
		}
		b.g.Outputs = append(b.g.Outputs, v)
	}
	if len(b.g.Outputs) == 0 {
		return fmt.Errorf("graph has no outputs")
	}
	return nil
}

// declare records a graph input (fresh) or value_info (a shape hint).
func (b *builder) declare(vi *onnx.ValueInfoProto, input bool) (*Value, error) {
	name := vi.GetName()
	if name == "" {
		return nil, fmt.Errorf("value with an empty name")
	}
	v, ok := b.values[name]
	if input && ok {
		return nil, fmt.Errorf("%q declared twice", name)
	}
	if !ok {
		v = &Value{Name: name}
		b.values[name] = v
	}
	return v, applyInfo(v, vi)
}

// applyInfo sets a value's type and shape from a ValueInfoProto.
func applyInfo(v *Value, vi *onnx.ValueInfoProto) error {
	tp := vi.GetType()
	if tp == nil {
		return nil
	}
	tt := tp.GetTensorType()
	if tt == nil {
		return fmt.Errorf("%q: only tensor types are supported", v.Name)
	}
	if dt := tensor.DType(tt.GetElemType()); dt != tensor.Undefined {
		if dt.Size() == 0 {
			return fmt.Errorf("%q: unsupported element type %d", v.Name, int32(dt))
		}
		v.DType = dt
	}
	if tt.GetShape() == nil {
		return nil
	}
	shape := tensor.Shape{}
	for _, d := range tt.GetShape().GetDim() {
		_, hasValue := d.GetValue().(*onnx.TensorShapeProto_Dimension_DimValue)
		switch {
		case !hasValue:
			shape = append(shape, -1)
		case d.GetDimValue() < 0 || d.GetDimValue() > maxElements:
			return fmt.Errorf("%q: dimension %d out of range", v.Name, d.GetDimValue())
		default:
			shape = append(shape, int(d.GetDimValue()))
		}
	}
	if len(shape) > 8 {
		return fmt.Errorf("%q: rank %d is more than 8", v.Name, len(shape))
	}
	if v.Shape == nil || v.Const == nil {
		v.Shape = shape
	}
	return nil
}

// nodes lowers the node list, then sorts it topologically.
func (b *builder) nodes(nps []*onnx.NodeProto) error {
	produced := map[string]bool{}
	for _, v := range b.values {
		if v.Const != nil {
			produced[v.Name] = true
		}
	}
	for _, v := range b.g.Inputs {
		produced[v.Name] = true
	}
	for i, np := range nps {
		if np.GetName() == "" {
			np.Name = proto.String(fmt.Sprintf("%s_%d", np.GetOpType(), i))
		}
		n, err := b.node(np, produced)
		if err != nil {
			return err
		}
		b.g.Nodes = append(b.g.Nodes, n)
	}
	for _, np := range nps {
		for _, in := range np.GetInput() {
			if in != "" && !produced[in] {
				return fmt.Errorf("node %s %q: input %q is not a graph input, initializer or node output", np.GetOpType(), np.GetName(), in)
			}
		}
	}
	return b.g.sortNodes()
}

func (b *builder) node(np *onnx.NodeProto, produced map[string]bool) (*Node, error) {
	n := &Node{Op: np.GetOpType(), Name: np.GetName(), Attrs: map[string]Attr{}}
	if d := np.GetDomain(); d != "" && d != "ai.onnx" {
		return nil, fmt.Errorf("node %s: unsupported op %s (domain %q)", n, n.Op, d)
	}
	if !Supported(n.Op) {
		return nil, fmt.Errorf("node %s: unsupported op %s", n, n.Op)
	}
	for _, ap := range np.GetAttribute() {
		a, err := convertAttr(ap)
		if err != nil {
			return nil, fmt.Errorf("node %s: attribute %q: %w", n, ap.GetName(), err)
		}
		n.Attrs[ap.GetName()] = a
	}
	if err := checkAttrKinds(n); err != nil {
		return nil, err
	}
	for _, name := range np.GetInput() {
		if name == "" {
			n.Inputs = append(n.Inputs, nil)
			continue
		}
		v := b.values[name]
		if v == nil {
			v = &Value{Name: name}
			b.values[name] = v
		}
		n.Inputs = append(n.Inputs, v)
	}
	for _, name := range np.GetOutput() {
		if name == "" {
			n.Outputs = append(n.Outputs, nil)
			continue
		}
		if produced[name] {
			return nil, fmt.Errorf("node %s: output %q is produced twice", n, name)
		}
		produced[name] = true
		v := b.values[name]
		if v == nil {
			v = &Value{Name: name}
			b.values[name] = v
		}
		n.Outputs = append(n.Outputs, v)
	}
	if len(n.Outputs) == 0 || n.Outputs[0] == nil {
		return nil, fmt.Errorf("node %s: has no output", n)
	}
	return n, nil
}

// sortNodes orders the nodes topologically (stable for sorted input).
func (g *Graph) sortNodes() error {
	producer := map[*Value]int{}
	for i, n := range g.Nodes {
		for _, v := range n.Outputs {
			if v != nil {
				producer[v] = i
			}
		}
	}
	state := make([]int8, len(g.Nodes)) // 0 new, 1 visiting, 2 done
	sorted := make([]*Node, 0, len(g.Nodes))
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case 1:
			return fmt.Errorf("node %s: the graph has a cycle", g.Nodes[i])
		case 2:
			return nil
		}
		state[i] = 1
		for _, v := range g.Nodes[i].Inputs {
			if p, ok := producer[v]; ok && v != nil {
				if err := visit(p); err != nil {
					return err
				}
			}
		}
		state[i] = 2
		sorted = append(sorted, g.Nodes[i])
		return nil
	}
	for i := range g.Nodes {
		if err := visit(i); err != nil {
			return err
		}
	}
	g.Nodes = sorted
	return nil
}

func convertAttr(ap *onnx.AttributeProto) (Attr, error) {
	switch ap.GetType() {
	case onnx.AttributeProto_INT:
		return Attr{Kind: AttrIntKind, Int: ap.GetI()}, nil
	case onnx.AttributeProto_FLOAT:
		return Attr{Kind: AttrFloatKind, Float: ap.GetF()}, nil
	case onnx.AttributeProto_STRING:
		return Attr{Kind: AttrStringKind, String: string(ap.GetS())}, nil
	case onnx.AttributeProto_INTS:
		return Attr{Kind: AttrIntsKind, Ints: append([]int64(nil), ap.GetInts()...)}, nil
	case onnx.AttributeProto_FLOATS:
		return Attr{Kind: AttrFloatsKind, Floats: append([]float32(nil), ap.GetFloats()...)}, nil
	case onnx.AttributeProto_STRINGS:
		a := Attr{Kind: AttrStringsKind}
		for _, s := range ap.GetStrings() {
			a.Strings = append(a.Strings, string(s))
		}
		return a, nil
	case onnx.AttributeProto_TENSOR:
		t, err := convertTensor(ap.GetT())
		if err != nil {
			return Attr{}, err
		}
		return Attr{Kind: AttrTensorKind, Tensor: t}, nil
	}
	return Attr{}, fmt.Errorf("unsupported attribute type %v", ap.GetType())
}

// attrKinds gives the kind every known attribute must have.
var attrKinds = map[string]AttrKind{
	"kernel_shape": AttrIntsKind, "strides": AttrIntsKind, "pads": AttrIntsKind, "dilations": AttrIntsKind,
	"output_padding": AttrIntsKind, "output_shape": AttrIntsKind, "perm": AttrIntsKind, "split": AttrIntsKind,
	"starts": AttrIntsKind, "ends": AttrIntsKind, "group": AttrIntKind, "axis": AttrIntKind,
	"transA": AttrIntKind, "transB": AttrIntKind, "keepdims": AttrIntKind, "to": AttrIntKind,
	"ceil_mode": AttrIntKind, "count_include_pad": AttrIntKind, "allowzero": AttrIntKind, "largest": AttrIntKind,
	"sorted": AttrIntKind, "k": AttrIntKind, "center_point_box": AttrIntKind, "output_height": AttrIntKind,
	"output_width": AttrIntKind, "sampling_ratio": AttrIntKind, "select_last_index": AttrIntKind,
	"noop_with_empty_axes": AttrIntKind, "num_outputs": AttrIntKind, "start": AttrIntKind, "end": AttrIntKind,
	"epsilon": AttrFloatKind, "alpha": AttrFloatKind, "beta": AttrFloatKind, "momentum": AttrFloatKind,
	"spatial_scale": AttrFloatKind, "ratio": AttrFloatKind, "cubic_coeff_a": AttrFloatKind,
	"extrapolation_value": AttrFloatKind, "mode": AttrStringKind, "auto_pad": AttrStringKind,
	"coordinate_transformation_mode": AttrStringKind, "nearest_mode": AttrStringKind,
	"value": AttrTensorKind, "value_float": AttrFloatKind, "value_floats": AttrFloatsKind,
	"value_int": AttrIntKind, "value_ints": AttrIntsKind, "scales": AttrFloatsKind,
}

// checkAttrKinds rejects a known attribute of the wrong kind; Clip's min
// and max (opset < 11) are floats, other ops' "axes" are ints.
func checkAttrKinds(n *Node) error {
	for name, a := range n.Attrs {
		want, ok := attrKinds[name]
		switch name {
		case "axes":
			want, ok = AttrIntsKind, true
		case "min", "max":
			want, ok = AttrFloatKind, n.Op == "Clip"
		}
		if ok && a.Kind != want {
			return fmt.Errorf("node %s: attribute %q is %s, want %s", n, name, a.Kind, want)
		}
	}
	return nil
}

var supportedOps = map[string]bool{}

func init() {
	for _, op := range strings.Fields(`Conv ConvTranspose BatchNormalization Relu LeakyRelu Sigmoid
		HardSigmoid HardSwish Tanh Clip Add Sub Mul Div Pow Sqrt Exp MaxPool AveragePool
		GlobalAveragePool Gemm MatMul Concat Split Slice Reshape Flatten Transpose Squeeze
		Unsqueeze Resize Upsample Softmax ReduceMean Pad Shape Gather Cast Constant
		ConstantOfShape TopK NonMaxSuppression RoiAlign Identity Dropout Expand Range Equal
		Where Neg Floor Ceil Min Max ArgMax Mish Erf ReduceMax ReduceSum Sum Tile`) {
		supportedOps[op] = true
	}
}

// Supported reports whether op (an ai.onnx op type) is in the IR's op set.
func Supported(op string) bool { return supportedOps[op] }

// SupportedOps returns the supported op types, sorted.
func SupportedOps() []string {
	ops := make([]string, 0, len(supportedOps))
	for op := range supportedOps {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}
