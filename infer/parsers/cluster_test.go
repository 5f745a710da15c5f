package parsers

import (
	"testing"
)

func box(cls int, l, t, w, h, conf float32) Object {
	return Object{ClassID: cls, Left: l, Top: t, Width: w, Height: h, Confidence: conf}
}

func classes(n int, p ClassParams) []ClassParams {
	c := make([]ClassParams, n)
	for i := range c {
		c[i] = p
	}
	return c
}

func TestNMSKeepsBestBox(t *testing.T) {
	in := []Object{
		box(0, 0, 0, 100, 100, 0.9),
		box(0, 10, 10, 100, 100, 0.95), // IoU 0.68 with the first, better
		box(0, 300, 300, 50, 50, 0.5),
		box(1, 0, 0, 100, 100, 0.7), // another class: never suppressed by class 0
	}
	base := ClassParams{NMSIOUThreshold: 0.5, TopK: -1}
	all := func(p ClassParams) ClassParams { p.TopK = -1; return p }
	tests := []struct {
		name string
		p    ClassParams
		want []Object
	}{
		{"nms", base, []Object{in[1], in[2], in[3]}},
		{"topk", ClassParams{NMSIOUThreshold: 0.5, TopK: 1}, []Object{in[1], in[3]}},
		{"topk 0", ClassParams{NMSIOUThreshold: 0.5, TopK: 0}, nil},
		{"post-cluster", all(ClassParams{NMSIOUThreshold: 0.5, PostClusterThreshold: 0.6}), []Object{in[1], in[3]}},
		{"pre-cluster", all(ClassParams{NMSIOUThreshold: 0.5, PreClusterThreshold: 0.92}), []Object{in[1]}},
		{"loose iou", all(ClassParams{NMSIOUThreshold: 0.7}), []Object{in[1], in[0], in[2], in[3]}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Clusterer{Mode: ClusterNMS, Classes: classes(2, tt.p)}
			got, err := c.Cluster(in, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkObjects(t, got, tt.want)
		})
	}
}

func TestDBSCANAveragesByConfidence(t *testing.T) {
	in := []Object{
		box(0, 0, 0, 100, 100, 0.8),
		box(0, 500, 500, 50, 50, 0.9), // alone: not a cluster with minBoxes 2
		box(0, 10, 0, 100, 100, 0.4),  // 1-IoU = 0.18 from the first
	}
	p := ClassParams{EPS: 0.7, MinBoxes: 2, TopK: -1}
	c := Clusterer{Mode: ClusterDBSCAN, Classes: classes(1, p)}
	got, err := c.Cluster(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Confidence-weighted mean: left = (0.8*0 + 0.4*10) / 1.2; the best
	// member's confidence.
	checkObjects(t, got, []Object{box(0, 10.0/3, 0, 100, 100, 0.8)})

	c.Classes[0].DBSCANMinScore = 1.3 // the cluster sums to 1.2
	if got, _ := c.Cluster(in, nil); len(got) != 0 {
		t.Errorf("cluster below dbscan-min-score kept: %v", got)
	}
	c.Classes[0] = ClassParams{EPS: 0.7, TopK: -1} // minBoxes 0: no clustering
	if got, _ := c.Cluster(in, nil); len(got) != 3 {
		t.Errorf("minBoxes=0 changed the boxes: %v", got)
	}
	c.Classes[0] = ClassParams{EPS: 0.7, TopK: 2, PostClusterThreshold: 0.5}
	got, _ = c.Cluster(in, nil)
	checkObjects(t, got, []Object{in[1], in[0]}) // 0.4 < post-cluster; by confidence
}

func TestDBSCANDropsSparseBigClusters(t *testing.T) {
	// DeepStream's area-to-hit-ratio filter: sqrt(200*200)/(2+1) > 60.
	in := []Object{box(0, 0, 0, 200, 200, 0.8), box(0, 5, 0, 200, 200, 0.8)}
	c := Clusterer{Mode: ClusterDBSCAN, Classes: classes(1, ClassParams{EPS: 0.5, MinBoxes: 2, TopK: -1})}
	if got, _ := c.Cluster(in, nil); len(got) != 0 {
		t.Errorf("got %v, want the cluster dropped by the ATHR filter", got)
	}
}

func TestHybridDropsOutliersThenNMS(t *testing.T) {
	in := []Object{
		box(0, 0, 0, 100, 100, 0.8),
		box(0, 500, 500, 50, 50, 0.9),
		box(0, 10, 0, 100, 100, 0.4),
	}
	p := ClassParams{EPS: 0.7, MinBoxes: 2, NMSIOUThreshold: 0.5, TopK: -1}
	c := Clusterer{Mode: ClusterDBSCANNMS, Classes: classes(1, p)}
	got, err := c.Cluster(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkObjects(t, got, []Object{in[0]})
}

func TestGroupRectanglesAsOpenCV(t *testing.T) {
	in := []Object{
		box(0, 100, 100, 50, 50, 0.9),
		box(0, 102.7, 101, 50, 50, 0.9), // truncated to 102 as cv::Rect does
		box(0, 400, 400, 30, 30, 0.9),   // alone: 1 member <= group-threshold
		box(0, 98, 99, 52, 51, 0.9),
	}
	c := Clusterer{Mode: ClusterGroupRectangles, Classes: classes(1, ClassParams{GroupThreshold: 1, EPS: 0.2})}
	got, err := c.Cluster(in, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Mean of x 100,102,98 = 100; y 100; w 152/3 = 50.67 -> 51; h 151/3 -> 50.
	checkObjects(t, got, []Object{box(0, 100, 100, 51, 50, NoConfidence)})

	c.Classes[0].GroupThreshold = 0 // no grouping: boxes pass, truncated
	got, _ = c.Cluster(in, nil)
	if len(got) != 4 || got[1].Left != 102 || got[1].Confidence != NoConfidence {
		t.Errorf("group-threshold=0: %+v", got)
	}
}

func TestGroupRectanglesDropsSmallGroupsInsideBigOnes(t *testing.T) {
	in := []Object{
		box(0, 100, 100, 200, 200, 1), box(0, 100, 100, 200, 200, 1), box(0, 100, 100, 200, 200, 1),
		box(0, 150, 150, 40, 40, 1), box(0, 150, 150, 40, 40, 1),
	}
	c := Clusterer{Mode: ClusterGroupRectangles, Classes: classes(1, ClassParams{GroupThreshold: 1, EPS: 0.2})}
	got, _ := c.Cluster(in, nil)
	checkObjects(t, got, []Object{box(0, 100, 100, 200, 200, NoConfidence)})
}

func TestClusterNoneGroupsByClassAndFiltersThreshold(t *testing.T) {
	in := []Object{box(1, 1, 1, 5, 5, 0.9), box(0, 2, 2, 5, 5, 0.1), box(0, 3, 3, 5, 5, 0.5), box(7, 0, 0, 1, 1, 1), box(0, 4, 4, 5, 5, 0.6)}
	c := Clusterer{Mode: ClusterNone, Classes: classes(2, ClassParams{PreClusterThreshold: 0.2, TopK: -1})}
	got, _ := c.Cluster(in, nil)
	checkObjects(t, got, []Object{in[2], in[4], in[0]})
	c.Classes[0].TopK = 1
	got, _ = c.Cluster(in, nil)
	checkObjects(t, got, []Object{in[4], in[0]})
	c.Mode = 9
	if _, err := c.Cluster(in, nil); err == nil {
		t.Error("mode 9 accepted")
	}
}

func TestFilter(t *testing.T) {
	p := ClassParams{DetectedMinW: 10, DetectedMinH: 10, DetectedMaxW: 100, DetectedMaxH: 100, ROITopOffset: 20, ROIBottomOffset: 30}
	in := []Object{
		box(0, 0, 50, 50, 50, 1),  // kept
		box(0, 0, 50, 5, 50, 1),   // too narrow
		box(0, 0, 50, 50, 200, 1), // too tall
		box(0, 0, 10, 50, 50, 1),  // above the ROI
		box(0, 0, 900, 50, 60, 1), // bottom 960 > 1000-30? no: 960 <= 970, kept
		box(0, 0, 930, 50, 50, 1), // bottom 980 > 970
		box(2, 0, 50, 50, 50, 1),  // filtered-out class
		box(5, 0, 0, 1, 1, 1),     // no parameters: kept
	}
	got := Filter(in, classes(3, p), []int{2}, 1000)
	checkObjects(t, got, []Object{box(0, 0, 50, 50, 50, 1), box(0, 0, 900, 50, 60, 1), box(5, 0, 0, 1, 1, 1)})
}

func TestClusterAllocatesNothing(t *testing.T) {
	var in []Object
	for i := range 40 {
		f := float32(i % 10)
		in = append(in, box(i%3, 10*f, 5*f, 100+f, 80, 0.3+0.01*float32(i)))
	}
	p := ClassParams{NMSIOUThreshold: 0.5, EPS: 0.3, MinBoxes: 2, GroupThreshold: 1, TopK: 5}
	for mode := ClusterGroupRectangles; mode <= ClusterNone; mode++ {
		c := Clusterer{Mode: mode, Classes: classes(3, p)}
		out := make([]Object, 0, 64)
		out, _ = c.Cluster(in, out[:0]) // warm the scratch memory
		allocs := testing.AllocsPerRun(50, func() { out, _ = c.Cluster(in, out[:0]) })
		if allocs != 0 {
			t.Errorf("mode %d: %v allocations per call, want 0", mode, allocs)
		}
	}
}

func TestDefaultClassParamsKeepAll(t *testing.T) {
	in := []Object{box(0, 0, 0, 10, 10, 0.5), box(0, 100, 0, 10, 10, 0.1), box(0, 200, 0, 10, 10, 0.6)}
	c := Clusterer{Mode: ClusterNone, Classes: []ClassParams{DefaultClassParams()}}
	got, _ := c.Cluster(in, nil)
	checkObjects(t, got, []Object{in[0], in[2]})
}
