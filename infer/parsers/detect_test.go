package parsers

import (
	"math"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
	"github.com/dsgo/dsgo/meta"
)

func params(n int, thr float32) *DetectionParams {
	p := &DetectionParams{NumClasses: n, PreClusterThreshold: make([]float32, n)}
	for i := range p.PreClusterThreshold {
		p.PreClusterThreshold[i] = thr
	}
	return p
}

func named(name string, shape ...int) *tensor.Tensor {
	t := tensor.New(shape...)
	t.Name = name
	return t
}

// near reports whether got matches want to within 1e-3 pixels.
func near(got, want Object) bool {
	d := func(a, b float32) bool { return math.Abs(float64(a-b)) <= 1e-3 }
	return got.ClassID == want.ClassID && d(got.Left, want.Left) && d(got.Top, want.Top) &&
		d(got.Width, want.Width) && d(got.Height, want.Height) && d(got.Confidence, want.Confidence)
}

func checkObjects(t *testing.T, got, want []Object) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d objects %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range got {
		if !near(got[i], want[i]) {
			t.Errorf("object %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// detectNetLayers returns DetectNet outputs for a 960x544 network (grid
// 60x34, stride 16) with one class-2 box (x1,y1)-(x2,y2) in cell (h, w).
func detectNetLayers(h, w int, x1, y1, x2, y2 float32) []*tensor.Tensor {
	const gw, gh = 60, 34
	cov := named("output_cov/Sigmoid", 1, 4, gh, gw)
	bbox := named("output_bbox/BiasAdd", 1, 16, gh, gw)
	grid := gw * gh
	i := h*gw + w
	cov.F32[2*grid+i] = 0.9
	cx := float32(float64(w*16)+0.5) / 35
	cy := float32(float64(h*16)+0.5) / 35
	b := bbox.F32[2*4*grid:]
	b[i] = cx - x1/35
	b[grid+i] = cy - y1/35
	b[2*grid+i] = x2/35 - cx
	b[3*grid+i] = y2/35 - cy
	return []*tensor.Tensor{cov, bbox}
}

func TestDetectNetKnownBox(t *testing.T) {
	net := meta.NetworkInfo{Width: 960, Height: 544, Channels: 3}
	got, err := ParseDetectNet(detectNetLayers(5, 10, 100, 50, 200, 120), net, params(4, 0.5), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkObjects(t, got, []Object{{ClassID: 2, Left: 100, Top: 50, Width: 100, Height: 70, Confidence: 0.9}})
}

func TestDetectNetClipsToNetwork(t *testing.T) {
	net := meta.NetworkInfo{Width: 960, Height: 544, Channels: 3}
	got, err := ParseDetectNet(detectNetLayers(30, 58, 900, 500, 1200, 700), net, params(4, 0.5), nil)
	if err != nil {
		t.Fatal(err)
	}
	// x2 1200 >= 960 becomes 959, y2 700 >= 544 becomes 543.
	checkObjects(t, got, []Object{{ClassID: 2, Left: 900, Top: 500, Width: 59, Height: 43, Confidence: 0.9}})
}

func TestDetectNetThresholdPerClass(t *testing.T) {
	net := meta.NetworkInfo{Width: 960, Height: 544, Channels: 3}
	p := params(4, 0.5)
	p.PreClusterThreshold[2] = 0.95
	got, err := ParseDetectNet(detectNetLayers(5, 10, 100, 50, 200, 120), net, p, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v; want nothing above class 2's threshold", got, err)
	}
	got, _ = ParseDetectNet(detectNetLayers(5, 10, 100, 50, 200, 120), net, params(2, 0.5), nil)
	if len(got) != 0 {
		t.Errorf("class 2 parsed with num-detected-classes=2: %v", got)
	}
}

func ssdLayers(n int) []*tensor.Tensor {
	num := named("num_detections", 1)
	boxes, scores, classes := named("detection_boxes", 1, n, 4), named("detection_scores", 1, n), named("detection_classes", 1, n)
	num.F32[0] = 1
	copy(boxes.F32, []float32{0.1, 0.2, 0.5, 0.6})
	scores.F32[0], classes.F32[0] = 0.8, 3
	for i := 1; i < n; i++ { // beyond num_detections: must be ignored
		copy(boxes.F32[4*i:], []float32{0, 0, 1, 1})
		scores.F32[i], classes.F32[i] = 0.99, 1
	}
	return []*tensor.Tensor{num, boxes, scores, classes}
}

func TestTfSSDKnownBox(t *testing.T) {
	net := meta.NetworkInfo{Width: 300, Height: 300, Channels: 3}
	got, err := ParseTfSSD(ssdLayers(5), net, params(91, 0.5), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkObjects(t, got, []Object{{ClassID: 3, Left: 60, Top: 30, Width: 120, Height: 120, Confidence: 0.8}})
}

func TestYoloV5KnownBox(t *testing.T) {
	out := named("output0", 1, 3, 7)
	copy(out.F32, []float32{
		100, 200, 40, 60, 0.9, 0.1, 0.8, // class 1, 0.72
		300, 300, 10, 10, 0.9, 0.2, 0.1, // 0.18: below threshold
		5, 600, 20, 100, 1, 0.6, 0.1, // clipped at the left and bottom
	})
	net := meta.NetworkInfo{Width: 640, Height: 640, Channels: 3}
	got, err := ParseYoloV5([]*tensor.Tensor{out}, net, params(2, 0.25), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkObjects(t, got, []Object{
		{ClassID: 1, Left: 80, Top: 170, Width: 40, Height: 60, Confidence: 0.72},
		{ClassID: 0, Left: 0, Top: 550, Width: 15, Height: 90, Confidence: 0.6},
	})
}

func TestYoloV8KnownBox(t *testing.T) {
	out := named("output0", 1, 6, 2) // 4 + 2 classes, 2 anchors
	copy(out.F32, []float32{
		100, 300, // cx
		200, 300, // cy
		40, 10, // w
		60, 10, // h
		0.1, 0.2, // class 0
		0.72, 0.1, // class 1
	})
	net := meta.NetworkInfo{Width: 640, Height: 640, Channels: 3}
	got, err := ParseYoloV8([]*tensor.Tensor{out}, net, params(2, 0.25), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkObjects(t, got, []Object{{ClassID: 1, Left: 80, Top: 170, Width: 40, Height: 60, Confidence: 0.72}})
}

func TestYoloDispatchesByShape(t *testing.T) {
	net := meta.NetworkInfo{Width: 640, Height: 640, Channels: 3}
	ds := named("output", 1, 2, 6) // DeepStream-Yolo: x1 y1 x2 y2 score class
	copy(ds.F32, []float32{80, 170, 120, 230, 0.72, 1, 0, 0, 10, 10, 0.1, 0})
	v5 := named("output0", 1, 1, 7)
	copy(v5.F32, []float32{100, 200, 40, 60, 0.9, 0.1, 0.8})
	v8 := named("output0", 6, 1)
	copy(v8.F32, []float32{100, 200, 40, 60, 0.1, 0.72})
	want := []Object{{ClassID: 1, Left: 80, Top: 170, Width: 40, Height: 60, Confidence: 0.72}}
	for _, l := range []*tensor.Tensor{ds, v5, v8} {
		got, err := ParseYolo([]*tensor.Tensor{l}, net, params(2, 0.25), nil)
		if err != nil {
			t.Fatalf("%v: %v", l, err)
		}
		checkObjects(t, got, want)
	}
	if _, err := ParseYolo([]*tensor.Tensor{named("o", 3, 9)}, net, params(2, 0.25), nil); err == nil {
		t.Error("[3, 9] accepted for 2 classes")
	}
}

func TestMalformedOutputsGiveErrors(t *testing.T) {
	net := meta.NetworkInfo{Width: 960, Height: 544, Channels: 3}
	dn := detectNetLayers(5, 10, 100, 50, 200, 120)
	nanBox := detectNetLayers(5, 10, 100, 50, 200, 120)
	nanBox[1].F32[2*4*60*34+5*60+10] = float32(math.NaN())
	short := named("output_bbox", 16, 34, 60)
	short.F32 = short.F32[:10]
	ssdNaN := ssdLayers(3)
	ssdNaN[1].F32[1] = float32(math.Inf(1))
	ssdBadNum := ssdLayers(3)
	ssdBadNum[0].F32[0] = float32(math.NaN())
	int8 := &tensor.Tensor{Name: "output0", DType: tensor.Int8, Shape: tensor.Shape{3, 7}, Raw: make([]byte, 21)}
	yNaN := named("output0", 1, 7)
	copy(yNaN.F32, []float32{float32(math.NaN()), 1, 1, 1, 1, 1, 1})
	tests := []struct {
		name   string
		parse  BBoxFunc
		layers []*tensor.Tensor
		p      *DetectionParams
		want   string
	}{
		{"detectnet no layers", ParseDetectNet, nil, params(4, 0.5), "needs a coverage layer"},
		{"detectnet one layer", ParseDetectNet, dn[:1], params(4, 0.5), "needs a coverage layer"},
		{"detectnet bbox channels", ParseDetectNet, []*tensor.Tensor{dn[0], named("bbox", 8, 34, 60)}, params(4, 0.5), "does not match"},
		{"detectnet bbox grid", ParseDetectNet, []*tensor.Tensor{dn[0], named("bbox", 16, 17, 30)}, params(4, 0.5), "does not match"},
		{"detectnet rank", ParseDetectNet, []*tensor.Tensor{named("cov", 4, 34), dn[1]}, params(4, 0.5), "want 3 dimensions"},
		{"detectnet short data", ParseDetectNet, []*tensor.Tensor{dn[0], short}, params(4, 0.5), "data has 10"},
		{"detectnet nan", ParseDetectNet, nanBox, params(4, 0.5), "non-finite"},
		{"detectnet nil params", ParseDetectNet, dn, nil, "nil detection params"},
		{"detectnet few thresholds", ParseDetectNet, dn, &DetectionParams{NumClasses: 4}, "pre-cluster thresholds"},
		{"ssd missing", ParseTfSSD, ssdLayers(3)[:2], params(4, 0.5), "needs layers"},
		{"ssd inf box", ParseTfSSD, ssdNaN, params(4, 0.5), "non-finite"},
		{"ssd nan count", ParseTfSSD, ssdBadNum, params(4, 0.5), "num_detections"},
		{"ssd box shape", ParseTfSSD, []*tensor.Tensor{named("detection_boxes", 3, 3), named("detection_scores", 3), named("detection_classes", 3)}, params(4, 0.5), "disagree"},
		{"yolo none", ParseYoloV5, nil, params(2, 0.5), "got none"},
		{"yolo narrow", ParseYoloV5, []*tensor.Tensor{named("o", 3, 5)}, params(2, 0.5), "want [N, 5+classes]"},
		{"yolo int8", ParseYoloV5, []*tensor.Tensor{int8}, params(2, 0.5), "want float32"},
		{"yolo nan", ParseYoloV5, []*tensor.Tensor{yNaN}, params(2, 0.5), "non-finite"},
		{"yolo nil layer", ParseYoloV5, []*tensor.Tensor{nil}, params(2, 0.5), "missing output layer"},
		{"yolov8 narrow", ParseYoloV8, []*tensor.Tensor{named("o", 4, 9)}, params(2, 0.5), "want [4+classes, N]"},
		{"yolov8 rank", ParseYoloV8, []*tensor.Tensor{named("o", 2, 6, 9)}, params(2, 0.5), "want 2 dimensions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.parse(tt.layers, net, tt.p, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDetectionParsersAllocateNothing(t *testing.T) {
	dnNet := meta.NetworkInfo{Width: 960, Height: 544, Channels: 3}
	yolo := named("output0", 1, 3, 7)
	copy(yolo.F32, []float32{100, 200, 40, 60, 0.9, 0.1, 0.8})
	v8 := named("output0", 6, 2)
	copy(v8.F32, []float32{100, 300, 200, 300, 40, 10, 60, 10, 0.1, 0.2, 0.72, 0.1})
	yNet := meta.NetworkInfo{Width: 640, Height: 640, Channels: 3}
	tests := []struct {
		name   string
		parse  BBoxFunc
		layers []*tensor.Tensor
		net    meta.NetworkInfo
		p      *DetectionParams
	}{
		{"detectnet", ParseDetectNet, detectNetLayers(5, 10, 100, 50, 200, 120), dnNet, params(4, 0.5)},
		{"ssd", ParseTfSSD, ssdLayers(5), meta.NetworkInfo{Width: 300, Height: 300}, params(91, 0.5)},
		{"yolov5", ParseYoloV5, []*tensor.Tensor{yolo}, yNet, params(2, 0.25)},
		{"yolo auto", ParseYolo, []*tensor.Tensor{yolo}, yNet, params(2, 0.25)},
		{"yolov8", ParseYoloV8, []*tensor.Tensor{v8}, yNet, params(2, 0.25)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := make([]Object, 0, 16)
			var err error
			allocs := testing.AllocsPerRun(100, func() {
				out, err = tt.parse(tt.layers, tt.net, tt.p, out[:0])
			})
			if err != nil || len(out) == 0 {
				t.Fatalf("parse: %d objects, %v", len(out), err)
			}
			if allocs != 0 {
				t.Errorf("%v allocations per call, want 0", allocs)
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	for _, name := range []string{"", DetectNetName, TfSSDName, YoloName, YoloV5Name, YoloV8Name} {
		if _, err := Default.BBox(name); err != nil {
			t.Errorf("BBox(%q): %v", name, err)
		}
	}
	if _, err := Default.InstanceMask(MrcnnName); err != nil {
		t.Error(err)
	}
	if _, err := Default.Classifier(""); err != nil {
		t.Error(err)
	}
	var r Registry
	if _, err := r.BBox("NvDsInferParseCustomFoo"); err == nil || !strings.Contains(err.Error(), "register a Go parser") {
		t.Errorf("unknown parser: %v", err)
	}
	called := false
	r.Register("NvDsInferParseCustomFoo", BBoxFunc(func(_ []*tensor.Tensor, _ meta.NetworkInfo, _ *DetectionParams, out []Object) ([]Object, error) {
		called = true
		return out, nil
	}))
	p, err := r.BBox("NvDsInferParseCustomFoo")
	if err != nil {
		t.Fatal(err)
	}
	p.ParseBBox(nil, meta.NetworkInfo{}, nil, nil)
	if !called {
		t.Error("registered parser not called")
	}
}

func TestYoloV8AcrossBlocks(t *testing.T) {
	const n, ncls = 130, 3
	out := named("output0", 1, 4+ncls, n)
	at := func(row, i int) *float32 { return &out.F32[row*n+i] }
	for _, i := range []int{0, 63, 64, 100, 129} {
		*at(0, i), *at(1, i), *at(2, i), *at(3, i) = float32(10+i), 50, 10, 20
		*at(4+i%ncls, i) = 0.5 + float32(i)/1000
	}
	net := meta.NetworkInfo{Width: 640, Height: 640, Channels: 3}
	got, err := ParseYoloV8([]*tensor.Tensor{out}, net, params(ncls, 0.25), nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []Object
	for _, i := range []int{0, 63, 64, 100, 129} {
		want = append(want, Object{ClassID: i % ncls, Left: float32(5 + i), Top: 40, Width: 10, Height: 20, Confidence: 0.5 + float32(i)/1000})
	}
	checkObjects(t, got, want)
}
