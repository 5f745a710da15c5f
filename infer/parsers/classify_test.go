package parsers

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
	"github.com/dsgo/dsgo/meta"
)

func TestSoftmaxOneAttributePerLayer(t *testing.T) {
	color := named("color/Softmax", 1, 3, 1, 1)
	copy(color.F32, []float32{0.1, 0.7, 0.2})
	make_ := named("make/Softmax", 4)
	copy(make_.F32, []float32{0.3, 0.3, 0.2, 0.2}) // best 0.3 < threshold
	labels := [][]string{{"black", "red", "blue"}, {"ford"}}
	got, err := ParseSoftmax([]*tensor.Tensor{color, make_}, meta.NetworkInfo{}, 0.5, labels, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Attribute{{AttributeIndex: 0, Value: 1, Confidence: 0.7, Label: "red"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	got, _ = ParseSoftmax([]*tensor.Tensor{color, make_}, meta.NetworkInfo{}, 0.25, nil, got[:0])
	want = []Attribute{{0, 1, 0.7, ""}, {1, 0, 0.3, ""}}
	if !slices.Equal(got, want) {
		t.Errorf("no labels, threshold 0.25: got %+v, want %+v", got, want)
	}
}

func TestMultiLabel(t *testing.T) {
	l := named("attrs", 4)
	copy(l.F32, []float32{0.9, 0.1, 0.6, 0.5})
	got, err := ParseMultiLabel([]*tensor.Tensor{l}, meta.NetworkInfo{}, 0.5, [][]string{{"hat", "bag", "coat", "scarf"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Attribute{{0, 0, 0.9, "hat"}, {0, 2, 0.6, "coat"}}
	if !slices.Equal(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestClassifierMalformed(t *testing.T) {
	bad := named("x", 4)
	bad.F32 = bad.F32[:2]
	for _, layers := range [][]*tensor.Tensor{{nil}, {bad}, {{Name: "i", DType: tensor.Int32, Shape: tensor.Shape{1}}}} {
		if _, err := ParseSoftmax(layers, meta.NetworkInfo{}, 0.5, nil, nil); err == nil {
			t.Errorf("softmax accepted %v", layers)
		}
		if _, err := ParseMultiLabel(layers, meta.NetworkInfo{}, 0.5, nil, nil); err == nil {
			t.Errorf("multi-label accepted %v", layers)
		}
	}
}

func TestSegmentationArgmaxWithThreshold(t *testing.T) {
	l := named("softmax", 1, 3, 2, 2) // 3 classes, 2x2
	copy(l.F32, []float32{
		0.8, 0.1, 0.3, 0.2, // class 0
		0.1, 0.7, 0.3, 0.2, // class 1
		0.1, 0.2, 0.4, 0.6, // class 2
	})
	var s meta.SegmentationMeta
	if err := ParseSegmentation(l, 0.5, false, &s); err != nil {
		t.Fatal(err)
	}
	if s.Classes != 3 || s.Width != 2 || s.Height != 2 {
		t.Errorf("size: %+v", s)
	}
	// Pixel 2's best (0.4) is under the threshold: -1.
	if want := []int32{0, 1, -1, 2}; !slices.Equal(s.ClassMap, want) {
		t.Errorf("class map %v, want %v", s.ClassMap, want)
	}
	if !slices.Equal(s.ClassProbabilities, l.F32) {
		t.Errorf("probabilities %v", s.ClassProbabilities)
	}
	allocs := testing.AllocsPerRun(20, func() { _ = ParseSegmentation(l, 0.5, false, &s) })
	if allocs != 0 {
		t.Errorf("%v allocations per call reusing the meta, want 0", allocs)
	}
	hwc := named("softmax", 2, 2, 3) // the same map, channels last
	for i := range 4 {
		for k := range 3 {
			hwc.F32[i*3+k] = l.F32[k*4+i]
		}
	}
	var s2 meta.SegmentationMeta
	if err := ParseSegmentation(hwc, 0.5, true, &s2); err != nil || !slices.Equal(s2.ClassMap, s.ClassMap) || s2.Classes != 3 || s2.Width != 2 {
		t.Errorf("HWC: %+v, %v; want class map %v", s2, err, s.ClassMap)
	}
	if err := ParseSegmentation(named("x", 3, 4), 0.5, false, &s); err == nil {
		t.Error("2-D segmentation output accepted")
	}
}

func TestMrcnnKnownBoxAndMask(t *testing.T) {
	det := named(mrcnnDetections, 1, 2, 6)
	copy(det.F32, []float32{
		10, 20, 110, 220, 1, 0.9, // y1 x1 y2 x2 class score
		0, 0, 50, 50, 0, 0.1, // below threshold
	})
	masks := named(mrcnnMasks, 1, 2, 2, 4, 4)
	for i := range masks.F32 {
		masks.F32[i] = float32(i)
	}
	net := meta.NetworkInfo{Width: 960, Height: 576, Channels: 3}
	got, err := ParseMrcnnTLTV2([]*tensor.Tensor{det, masks}, net, params(2, 0.5), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d objects", len(got))
	}
	checkObjects(t, []Object{got[0].Object}, []Object{box(1, 20, 10, 200, 100, 0.9)})
	// Detection 0, class 1: the second 4x4 plane.
	if got[0].MaskWidth != 4 || got[0].MaskHeight != 4 || got[0].Mask[0] != 16 || got[0].Mask[15] != 31 || len(got[0].Mask) != 16 {
		t.Errorf("mask %dx%d %v", got[0].MaskWidth, got[0].MaskHeight, got[0].Mask)
	}
}

func TestMrcnnMalformed(t *testing.T) {
	net := meta.NetworkInfo{Width: 960, Height: 576, Channels: 3}
	det := named(mrcnnDetections, 1, 6)
	copy(det.F32, []float32{float32(math.NaN()), 20, 110, 220, 1, 0.9})
	masks := named(mrcnnMasks, 1, 2, 4, 4)
	classBeyond := named(mrcnnDetections, 1, 6)
	copy(classBeyond.F32, []float32{10, 20, 110, 220, 3, 0.9})
	tests := []struct {
		name   string
		layers []*tensor.Tensor
		want   string
	}{
		{"missing", []*tensor.Tensor{det}, "needs layers"},
		{"nan", []*tensor.Tensor{det, masks}, "non-finite"},
		{"det shape", []*tensor.Tensor{named(mrcnnDetections, 1, 5), masks}, "disagree"},
		{"mask rank", []*tensor.Tensor{det, named(mrcnnMasks, 2, 4, 4)}, "want 4 dimensions"},
		{"class beyond masks", []*tensor.Tensor{classBeyond, masks}, "has class 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMrcnnTLTV2(tt.layers, net, params(4, 0.5), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestClusterInstancesTopKPerClass(t *testing.T) {
	mk := func(cls int, conf float32) InstanceObject {
		return InstanceObject{Object: box(cls, 0, 0, 10, 10, conf), Mask: []float32{conf}, MaskWidth: 1, MaskHeight: 1}
	}
	in := []InstanceObject{mk(1, 0.6), mk(0, 0.7), mk(0, 0.9), mk(0, 0.1), mk(5, 1)}
	p := DefaultClassParams()
	p.TopK = 1
	c := Clusterer{Mode: ClusterNone, Classes: []ClassParams{p, DefaultClassParams()}}
	got, err := c.ClusterInstances(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Confidence != 0.9 || got[0].Mask[0] != 0.9 || got[1].ClassID != 1 {
		t.Errorf("got %+v", got)
	}
	c.Mode = ClusterNMS
	if _, err := c.ClusterInstances(in, nil); err == nil {
		t.Error("NMS accepted for instance segmentation")
	}
}
