package parsers

import (
	"math/rand"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
	"github.com/dsgo/dsgo/meta"
)

// benchObjects returns n boxes of 4 classes scattered over 960x544, in
// overlapping clumps as a detector outputs them.
func benchObjects(n int) []Object {
	r := rand.New(rand.NewSource(1))
	objs := make([]Object, n)
	for i := range objs {
		cx, cy := float32(r.Intn(10)*90), float32(r.Intn(6)*80)
		objs[i] = box(i%4, cx+float32(r.Intn(8)), cy+float32(r.Intn(8)), 60+float32(r.Intn(8)), 50, 0.3+0.7*r.Float32())
	}
	return objs
}

func BenchmarkParseDetectNet(b *testing.B) {
	layers := detectNetLayers(5, 10, 100, 50, 200, 120)
	r := rand.New(rand.NewSource(1))
	for i := range layers[0].F32 {
		layers[0].F32[i] = r.Float32() * 0.6 // about 1 in 6 cells over 0.5
	}
	net := meta.NetworkInfo{Width: 960, Height: 544, Channels: 3}
	p := params(4, 0.5)
	out := make([]Object, 0, 8192)
	b.ReportAllocs()
	for b.Loop() {
		out, _ = ParseDetectNet(layers, net, p, out[:0])
	}
}

func BenchmarkParseYoloV8(b *testing.B) {
	const anchors, ncls = 8400, 80
	t := named("output0", 1, 4+ncls, anchors)
	r := rand.New(rand.NewSource(1))
	for i := range t.F32 {
		t.F32[i] = r.Float32() * 0.3
	}
	for i := range anchors {
		t.F32[i], t.F32[anchors+i], t.F32[2*anchors+i], t.F32[3*anchors+i] = 320, 320, 50, 50
	}
	net := meta.NetworkInfo{Width: 640, Height: 640, Channels: 3}
	p := params(ncls, 0.29)
	out := make([]Object, 0, anchors)
	b.ReportAllocs()
	for b.Loop() {
		out, _ = ParseYoloV8([]*tensor.Tensor{t}, net, p, out[:0])
	}
}

func BenchmarkCluster(b *testing.B) {
	objs := benchObjects(400)
	p := ClassParams{NMSIOUThreshold: 0.5, EPS: 0.3, MinBoxes: 3, GroupThreshold: 2, TopK: -1}
	for _, bm := range []struct {
		name string
		mode int
	}{{"GroupRectangles", ClusterGroupRectangles}, {"DBSCAN", ClusterDBSCAN}, {"NMS", ClusterNMS}, {"Hybrid", ClusterDBSCANNMS}} {
		b.Run(bm.name, func(b *testing.B) {
			c := Clusterer{Mode: bm.mode, Classes: classes(4, p)}
			out := make([]Object, 0, len(objs))
			b.ReportAllocs()
			for b.Loop() {
				out, _ = c.Cluster(objs, out[:0])
			}
		})
	}
}
