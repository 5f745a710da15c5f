package infer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/dsgo/dsgo/infer/onnx"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// mrcnnModel writes a model with TAO Mask R-CNN's output layers whose
// values do not depend on the image: Input [N,3,8,8] →
// generate_detections [N,3,6] = dets and mask_fcn_logits/BiasAdd
// [N,3,2,4,4] = masks (each plus 0*mean(Input), so that both follow the
// batch).
func mrcnnModel(t *testing.T, path string, dets, masks []float32) {
	t.Helper()
	tensor := func(name string, dims []int64, f []float32, i []int64) *onnx.TensorProto {
		if i != nil {
			return &onnx.TensorProto{Name: proto.String(name), DataType: proto.Int32(7), Dims: dims, Int64Data: i}
		}
		return &onnx.TensorProto{Name: proto.String(name), DataType: proto.Int32(1), Dims: dims, FloatData: f}
	}
	node := func(op string, out string, in ...string) *onnx.NodeProto {
		return &onnx.NodeProto{OpType: proto.String(op), Name: proto.String(out), Input: in, Output: []string{out}}
	}
	mean := node("ReduceMean", "mean", "Input")
	mean.Attribute = []*onnx.AttributeProto{{Name: proto.String("axes"), Type: onnx.AttributeProto_INTS.Enum(), Ints: []int64{1, 2, 3}}}
	dim := func(v int64) *onnx.TensorShapeProto_Dimension {
		if v < 0 {
			return &onnx.TensorShapeProto_Dimension{Value: &onnx.TensorShapeProto_Dimension_DimParam{DimParam: "N"}}
		}
		return &onnx.TensorShapeProto_Dimension{Value: &onnx.TensorShapeProto_Dimension_DimValue{DimValue: v}}
	}
	in := &onnx.ValueInfoProto{Name: proto.String("Input"), Type: &onnx.TypeProto{Value: &onnx.TypeProto_TensorType{
		TensorType: &onnx.TypeProto_Tensor{ElemType: proto.Int32(1), Shape: &onnx.TensorShapeProto{Dim: []*onnx.TensorShapeProto_Dimension{dim(-1), dim(3), dim(8), dim(8)}}}}}}
	m := &onnx.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*onnx.OperatorSetIdProto{{Version: proto.Int64(13)}},
		Graph: &onnx.GraphProto{
			Name:  proto.String("mrcnn"),
			Input: []*onnx.ValueInfoProto{in},
			Initializer: []*onnx.TensorProto{
				tensor("zero", []int64{1}, []float32{0}, nil),
				tensor("s3", []int64{3}, nil, []int64{-1, 1, 1}),
				tensor("s5", []int64{5}, nil, []int64{-1, 1, 1, 1, 1}),
				tensor("dets", []int64{1, 3, 6}, dets, nil),
				tensor("masks", []int64{1, 3, 2, 4, 4}, masks, nil),
			},
			Node: []*onnx.NodeProto{
				mean,
				node("Mul", "z", "mean", "zero"),
				node("Reshape", "z3", "z", "s3"),
				node("Reshape", "z5", "z", "s5"),
				node("Add", "generate_detections", "z3", "dets"),
				node("Add", "mask_fcn_logits/BiasAdd", "z5", "masks"),
			},
			Output: []*onnx.ValueInfoProto{{Name: proto.String("generate_detections")}, {Name: proto.String("mask_fcn_logits/BiasAdd")}},
		},
	}
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestInstanceSegmentationAttachesMasks(t *testing.T) {
	dir := t.TempDir()
	dets := []float32{
		1, 1, 5, 4, 0, 0.9, // y1 x1 y2 x2 class score: a car
		2, 2, 7, 7, 1, 0.8, // a person
		0, 0, 8, 8, 1, 0.1, // below the threshold
	}
	masks := make([]float32, 3*2*16)
	for i := range masks {
		masks[i] = -1
	}
	for y := range 4 {
		masks[0*32+0*16+y*4+0], masks[0*32+0*16+y*4+1] = 3, 3 // car mask (class 0): left half
	}
	for i := range 16 {
		masks[1*32+1*16+i] = 2 // person mask (class 1): all of it
	}
	onnxPath := filepath.Join(dir, "mrcnn.onnx")
	mrcnnModel(t, onnxPath, dets, masks)
	body := `[property]
onnx-file=` + onnxPath + `
network-type=3
num-detected-classes=2
cluster-mode=4
output-instance-mask=1
segmentation-threshold=0.5
parse-bbox-instance-mask-func-name=NvDsInferParseCustomMrcnnTLTV2
output-blob-names=generate_detections;mask_fcn_logits/BiasAdd
[class-attrs-all]
pre-cluster-threshold=0.5
`
	cfg := writeConfig(t, dir, "mrcnn", body, "Car\nPerson\n")
	seen := 0
	n := runBatches(t, "videotestsrc num-buffers=2 ! m.sink_0 nvstreammux name=m batch-size=1 width=16 height=16 format=RGBA ! nvinfer config-file-path="+
		cfg+" ! appsink name=out sync=false", func(b *meta.BatchMeta) {
		for _, f := range b.Frames {
			if len(f.Objects) != 2 {
				t.Fatalf("%d objects, want 2", len(f.Objects))
			}
			for _, o := range f.Objects {
				seen++
				r, m := o.RectParams, o.MaskParams
				if m.Width != 4 || m.Height != 4 || len(m.Data) != 16 || m.Threshold != 0.5 {
					t.Fatalf("%s mask %dx%d (%d values) threshold %v", o.ObjLabel, m.Width, m.Height, len(m.Data), m.Threshold)
				}
				switch o.ClassID {
				case 0: // 8x8 network on a 16x16 frame: boxes scale by 2
					if o.ObjLabel != "Car" || r.Left != 2 || r.Top != 2 || r.Width != 6 || r.Height != 8 || o.Confidence != 0.9 {
						t.Fatalf("car %+v conf %v", r, o.Confidence)
					}
					if m.Data[0] != 3 || m.Data[1] != 3 || m.Data[2] != -1 || m.Data[15] != -1 {
						t.Fatalf("car mask %v", m.Data)
					}
				case 1:
					if o.ObjLabel != "Person" || r.Left != 4 || r.Top != 4 || r.Width != 10 || r.Height != 10 {
						t.Fatalf("person %+v", r)
					}
					if m.Data[0] != 2 || m.Data[15] != 2 {
						t.Fatalf("person mask %v", m.Data)
					}
				default:
					t.Fatalf("class %d", o.ClassID)
				}
			}
		}
	})
	if n != 2 || seen != 4 {
		t.Fatalf("%d batches, %d objects", n, seen)
	}
}

func TestInstanceSegmentationNeedsClusterModeNone(t *testing.T) {
	dir := t.TempDir()
	onnxPath := filepath.Join(dir, "mrcnn.onnx")
	mrcnnModel(t, onnxPath, make([]float32, 18), make([]float32, 96))
	for name, body := range map[string]string{
		"cluster-mode=4":                     "[property]\nonnx-file=" + onnxPath + "\nnetwork-type=3\ncluster-mode=2\nparse-bbox-instance-mask-func-name=NvDsInferParseCustomMrcnnTLTV2\n",
		"parse-bbox-instance-mask-func-name": "[property]\nonnx-file=" + onnxPath + "\nnetwork-type=3\ncluster-mode=4\n",
	} {
		cfg := writeConfig(t, dir, "bad", body, "")
		p, err := pipeline.Launch("videotestsrc num-buffers=1 ! m.sink_0 nvstreammux name=m batch-size=1 width=16 height=16 ! nvinfer config-file-path=" + cfg + " ! fakesink")
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.SetState(pipeline.StatePlaying)
		p.SetState(pipeline.StateNull)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: error %v, want one naming %s", name, err, name)
		}
	}
}
