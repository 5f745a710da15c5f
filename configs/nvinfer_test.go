package configs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseInferRealWorld(t *testing.T) {
	files, err := filepath.Glob("testdata/infer/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			c, warns, err := LoadInfer(f)
			if err != nil {
				t.Fatalf("LoadInfer: %v", err)
			}
			for _, w := range warns {
				t.Logf("warning: %s", w)
			}
			if c.BatchSize < 1 {
				t.Errorf("BatchSize = %d", c.BatchSize)
			}
		})
	}
}

func TestParseInferValues(t *testing.T) {
	src := `[property]
gpu-id=1
net-scale-factor=0.0039215697906911373
offsets=123.675;116.28;103.53;
model-color-format=1
onnx-file=model.onnx
labelfile-path=/abs/labels.txt
num-detected-classes=4
infer-dims=3;544;960
output-blob-names=conv2d_bbox;conv2d_cov/Sigmoid
is-classifier=0
cluster-mode=2
filter-out-class-ids=1;3

[class-attrs-all]
pre-cluster-threshold=0.4
nms-iou-threshold=0.5
topk=20

[class-attrs-2]
threshold=0.9
`
	c, warns, err := ParseInfer("cfg/pgie.txt", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	if c.GPUID != 1 || c.ModelColorFormat != 1 || c.NumDetectedClasses != 4 || c.ClusterMode != ClusterNMS {
		t.Errorf("ints: %+v", c)
	}
	if c.ONNXFile != filepath.Join("cfg", "model.onnx") || c.LabelfilePath != "/abs/labels.txt" {
		t.Errorf("paths: %q %q", c.ONNXFile, c.LabelfilePath)
	}
	if len(c.Offsets) != 3 || c.Offsets[2] != 103.53 || len(c.InferDims) != 3 || c.InferDims[2] != 960 {
		t.Errorf("lists: %v %v", c.Offsets, c.InferDims)
	}
	if len(c.OutputBlobNames) != 2 || c.OutputBlobNames[1] != "conv2d_cov/Sigmoid" || len(c.FilterOutClassIDs) != 2 {
		t.Errorf("names: %v %v", c.OutputBlobNames, c.FilterOutClassIDs)
	}
	if a := c.Class(0); a.PreClusterThreshold != 0.4 || a.NMSIOUThreshold != 0.5 || a.TopK != 20 {
		t.Errorf("class 0: %+v", a)
	}
	if a := c.Class(2); a.PreClusterThreshold != 0.9 || a.NMSIOUThreshold != 0.5 {
		t.Errorf("class 2 must inherit class-attrs-all: %+v", a)
	}
	if c.GIEUniqueID != 15 || c.OperateOnGIEID != -1 || c.ProcessMode != 1 || c.NetScaleFactor == 1 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestParseInferDefaults(t *testing.T) {
	c, _, err := ParseInfer("x.txt", strings.NewReader("[property]\nonnx-file=m.onnx\nnetwork-type=1\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Class(7)
	if a.PreClusterThreshold != 0.2 || a.NMSIOUThreshold != 0.3 || a.TopK != -1 || a.PostClusterThreshold != 0 {
		t.Errorf("class defaults: %+v", a)
	}
	if c.NetScaleFactor != 1 || c.BatchSize != 1 || c.ClusterMode != ClusterGroupRectangles {
		t.Errorf("defaults: %+v", c)
	}
}

func TestParseInferWarnsUnknownKeys(t *testing.T) {
	src := "[property]\nonnx-file=m.onnx\nnetwork-type=1\nnet-scale-facter=2\n[class-attrs-all]\nepsilon=1\n[other]\na=b\n[class-attrs-all]\nmin-boxes=3\n"
	_, warns, err := ParseInfer("w.txt", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"w.txt:4: net-scale-facter: unknown key ignored",
		"w.txt:6: epsilon: unknown key ignored",
		"w.txt:7: [other]: unknown group ignored",
		"w.txt:10: min-boxes: unknown key ignored; did you mean minBoxes?",
	}
	if len(warns) != len(want) {
		t.Fatalf("warnings = %v, want %v", warns, want)
	}
	for i, w := range warns {
		if w.String() != want[i] {
			t.Errorf("warning %d = %q, want %q", i, w, want[i])
		}
	}
}

func TestParseInferLegacyKeys(t *testing.T) {
	src := "[property]\nmodel-engine-file=e.engine\nis-classifier=1\nenable-dbscan=1\nuff-input-dims=3;272;480;0\n"
	c, _, err := ParseInfer("l.txt", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.NetworkType != NetworkClassifier || c.ClusterMode != ClusterDBSCAN || len(c.InferDims) != 3 || c.InferDims[1] != 272 {
		t.Errorf("legacy: type %d cluster %d dims %v", c.NetworkType, c.ClusterMode, c.InferDims)
	}
}

// head is a valid [property] start: lines 1-4.
const head = "[property]\nonnx-file=m.onnx\nnum-detected-classes=4\ngie-unique-id=1\n"

func TestParseInferErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"cluster-mode", head + "cluster-mode=7\n", "c.txt:5: cluster-mode=7: must be 0-4"},
		{"not int", head + "batch-size=four\n", "c.txt:5: batch-size=four: must be an integer"},
		{"batch 0", head + "batch-size=0\n", "c.txt:5: batch-size=0: must be 1-1024"},
		{"not number", head + "net-scale-factor=abc\n", "c.txt:5: net-scale-factor=abc: must be a number"},
		{"nan", head + "net-scale-factor=nan\n", "c.txt:5: net-scale-factor=nan: must be a number"},
		{"scale 0", head + "net-scale-factor=0\n", "c.txt:5: net-scale-factor=0: must be > 0"},
		{"color", head + "model-color-format=3\n", "c.txt:5: model-color-format=3: must be 0-2 (0 RGB, 1 BGR, 2 GRAY)"},
		{"network-mode", head + "network-mode=5\n", "c.txt:5: network-mode=5: must be 0-2 (0 FP32, 1 INT8, 2 FP16)"},
		{"process-mode", head + "process-mode=0\n", "c.txt:5: process-mode=0: must be 1 (primary) or 2 (secondary)"},
		{"network-type", head + "network-type=4\n", "c.txt:5: network-type=4: must be 0-3 or 100"},
		{"bool", head + "maintain-aspect-ratio=yes\n", "c.txt:5: maintain-aspect-ratio=yes: must be 0 or 1 (or true or false)"},
		{"offsets count", head + "offsets=1;2\n", "c.txt:5: offsets=1;2: must have 3 values, one per channel of model-color-format=0"},
		{"offsets item", head + "offsets=1;x;3\n", "c.txt:5: offsets=1;x;3: must be a ';'-separated list of numbers"},
		{"class ids", head + "operate-on-class-ids=0;a\n", "c.txt:5: operate-on-class-ids=0;a: must be a ';'-separated list of integers"},
		{"infer-dims", head + "infer-dims=3;0;960\n", "c.txt:5: infer-dims=3;0;960: must be 3 positive values c;h;w"},
		{"interval", head + "interval=-1\n", "c.txt:5: interval=-1: must be >= 0"},
		{"gie id", head + "operate-on-gie-id=-2\n", "c.txt:5: operate-on-gie-id=-2: must be >= -1"},
		{"scaling", head + "scaling-compute-hw=3\n", "c.txt:5: scaling-compute-hw=3: must be 0-2 (0 default, 1 GPU, 2 VIC)"},
		{"nms iou", head + "[class-attrs-all]\nnms-iou-threshold=1.5\n", "c.txt:6: nms-iou-threshold=1.5: must be 0-1"},
		{"topk", head + "[class-attrs-all]\ntopk=-5\n", "c.txt:6: topk=-5: must be >= -1 (-1 keeps all)"},
		{"threshold", head + "[class-attrs-0]\npre-cluster-threshold=-0.1\n", "c.txt:6: pre-cluster-threshold=-0.1: must be >= 0"},
		{"minBoxes", head + "[class-attrs-1]\nminBoxes=x\n", "c.txt:6: minBoxes=x: must be an integer"},
		{"class id range", head + "[class-attrs-4]\neps=0.2\n", "c.txt:5: [class-attrs-4]: class id must be 0-3 (num-detected-classes=4)"},
		{"class id name", head + "[class-attrs-x]\neps=0.2\n", "c.txt:5: [class-attrs-x]: class id must be a non-negative integer or \"all\""},
		{"border", head + "[class-attrs-all]\nborder-color=1;0;0\n", "c.txt:6: border-color=1;0;0: must be 4 values r;g;b;a"},
		{"caffe", "[property]\nmodel-file=r.caffemodel\nproto-file=r.prototxt\nnum-detected-classes=4\n", "c.txt:2: model-file=r.caffemodel: model format not supported: convert to ONNX and set onnx-file"},
		{"no model", "[property]\nnum-detected-classes=4\n", "c.txt: no model: set onnx-file or model-engine-file"},
		{"no classes", "[property]\nonnx-file=m.onnx\n", "c.txt: num-detected-classes=0: must be >= 1 for a detector (network-type=0)"},
		{"no property", "[class-attrs-all]\neps=1\n", "c.txt: missing [property] group"},
		{"key before group", "gpu-id=0\n[property]\n", "c.txt:1: key before the first [group]"},
		{"not a pair", head + "cluster-mode\n", "c.txt:5: line \"cluster-mode\" is not a key=value pair, group or comment"},
		{"bad header", head + "[class-attrs-all\n", "c.txt:5: invalid group header \"[class-attrs-all\""},
		{"two errors", head + "cluster-mode=9\n#\ngpu-id=-1\n", "c.txt:5: cluster-mode=9: must be 0-4\nc.txt:7: gpu-id=-1: must be >= 0"},
		{"bad and missing", "[property]\nonnx-file=m.onnx\nnum-detected-classes=x\n", "c.txt:3: num-detected-classes=x: must be an integer"},
		{"parse and range", head + "batch-size=x\ncluster-mode=5\n", "c.txt:5: batch-size=x: must be an integer\nc.txt:6: cluster-mode=5: must be 0-4"},
		{"last wins", head + "cluster-mode=9\ncluster-mode=8\n", "c.txt:6: cluster-mode=8: must be 0-4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ParseInfer("c.txt", strings.NewReader(tt.src))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %q\nwant %q", err, tt.want)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("error %T is not an *Error", err)
			}
		})
	}
}

func FuzzParseInfer(f *testing.F) {
	files, _ := filepath.Glob("testdata/infer/*.txt")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(head + "[class-attrs-all]\ntopk=3\n[class-attrs-2]\neps=0.1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, _, err := ParseInfer("f.txt", strings.NewReader(string(b)))
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
		if err != nil && err.Error() == "" {
			t.Fatal("empty error")
		}
	})
}
