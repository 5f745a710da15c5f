package models

import (
	"cmp"
	"slices"
	"testing"

	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/npy"
	"github.com/dsgo/dsgo/infer/parsers"
	"github.com/dsgo/dsgo/infer/tensor"
	"github.com/dsgo/dsgo/meta"
)

// gtBox is one ground-truth object of the two reference images
// (reference_gt.npy: the held-out dataset's det_boxes rows of its images
// 0 and 1, in 640x368 pixels).
type gtBox struct {
	image, class   int
	x1, y1, x2, y2 float32
	ignore         bool
}

func loadGT(t *testing.T) []gtBox {
	t.Helper()
	g, err := npy.ReadFile("reference_gt.npy")
	if err != nil {
		t.Fatal(err)
	}
	if g.DType != tensor.Float32 || len(g.Shape) != 2 || g.Shape[1] != 7 {
		t.Fatalf("reference_gt.npy: %v %v, want float32 [n, 7]", g.DType, g.Shape)
	}
	var out []gtBox
	for i := range g.Shape[0] {
		r := g.F32[i*7 : i*7+7]
		out = append(out, gtBox{int(r[0]), int(r[1]), r[2], r[3], r[4], r[5], r[6] > 0})
	}
	return out
}

// detector says how a sample detector's outputs are parsed, as its nvinfer
// config would have them parsed, and how ground truth maps onto its input.
type detector struct {
	dir     string
	net     meta.NetworkInfo
	params  parsers.DetectionParams
	parse   func(layers []*tensor.Tensor, net meta.NetworkInfo, p *parsers.DetectionParams) ([]parsers.Object, error)
	cluster *parsers.Clusterer    // nil: the model clusters in its graph
	class   func(gt int) int      // the model's class of a dataset class, -1 if it has none
	gtY     func(float32) float32 // dataset y (640x368) to network input y
}

func bbox(p parsers.BBoxParser) func([]*tensor.Tensor, meta.NetworkInfo, *parsers.DetectionParams) ([]parsers.Object, error) {
	return func(l []*tensor.Tensor, n meta.NetworkInfo, d *parsers.DetectionParams) ([]parsers.Object, error) {
		return p.ParseBBox(l, n, d, nil)
	}
}

func nms(classes int, thr, iou float32, topk int) *parsers.Clusterer {
	c := &parsers.Clusterer{Mode: parsers.ClusterNMS}
	for range classes {
		c.Classes = append(c.Classes, parsers.ClassParams{PreClusterThreshold: thr, NMSIOUThreshold: iou, TopK: topk})
	}
	return c
}

func thresholds(v ...float32) parsers.DetectionParams {
	return parsers.DetectionParams{NumClasses: len(v), PreClusterThreshold: v}
}

func same(c int) int              { return c }
func identityY(y float32) float32 { return y }

func detectors(t *testing.T) []detector {
	t.Helper()
	parser := func(name string) parsers.BBoxParser {
		p, err := parsers.Default.BBox(name)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	mrcnn, err := parsers.Default.InstanceMask(parsers.MrcnnName)
	if err != nil {
		t.Fatal(err)
	}
	return []detector{
		{dir: "primary_detector", net: meta.NetworkInfo{Width: 640, Height: 368, Channels: 3},
			params: thresholds(0.2, 0.2, 0.2, 0.2), parse: bbox(parser(parsers.DetectNetName)),
			cluster: nms(4, 0.2, 0.5, 20), class: same, gtY: identityY},
		{dir: "yolo_detector", net: meta.NetworkInfo{Width: 640, Height: 384, Channels: 3},
			params: thresholds(0.25, 0.25, 0.25, 0.25), parse: bbox(parser(parsers.YoloV8Name)),
			cluster: nms(4, 0.25, 0.45, -1), class: same,
			gtY: func(y float32) float32 { return y*360/368 + 12 }}, // letterboxed
		{dir: "ssd_detector", net: meta.NetworkInfo{Width: 640, Height: 368, Channels: 3},
			params: thresholds(2, 0.25, 0.25, 0.25, 0.25), parse: bbox(parser(parsers.TfSSDName)),
			class: func(c int) int { return c + 1 }, gtY: identityY}, // 1-based, 0 background
		{dir: "mask_rcnn", net: meta.NetworkInfo{Width: 640, Height: 368, Channels: 3},
			params: thresholds(0.3, 0.3),
			parse: func(l []*tensor.Tensor, n meta.NetworkInfo, d *parsers.DetectionParams) ([]parsers.Object, error) {
				inst, err := mrcnn.ParseInstanceMask(l, n, d, nil)
				var out []parsers.Object
				for _, o := range inst {
					if len(o.Mask) != 28*28 {
						t.Fatalf("mask of %d values, want 28x28", len(o.Mask))
					}
					out = append(out, o.Object)
				}
				return out, err
			},
			class: carPerson, gtY: identityY},
	}
}

// carPerson maps dataset classes to mask_rcnn's: Car 0, Person 1.
func carPerson(c int) int {
	switch c {
	case 0:
		return 0
	case 2:
		return 1
	}
	return -1
}

// frame returns frame b of a batched output as its own tensor (what an
// nvinfer parser is given).
func frame(t *tensor.Tensor, b int) *tensor.Tensor {
	n := t.Len() / t.Shape[0]
	return &tensor.Tensor{Name: t.Name, DType: t.DType, Shape: t.Shape[1:], F32: t.F32[b*n : (b+1)*n]}
}

// TestDetectorsFindTheGroundTruth parses each detector's dsgo outputs on
// the reference images with its DeepStream-named parser and clustering,
// as a config would, and matches the boxes with the images' ground truth
// at IoU 0.5: most objects must be found and most boxes must be right.
// This checks the output encodings (grid offsets, letterbox, 1-based
// classes, y1,x1 order) end to end, not only the arithmetic.
func TestDetectorsFindTheGroundTruth(t *testing.T) {
	gt := loadGT(t)
	r := cpu.NewRunner(cpu.Options{})
	defer r.Close()
	all := map[string]manifest{}
	for _, m := range models(t) {
		all[m.dir] = m
	}
	for _, d := range detectors(t) {
		t.Run(d.dir, func(t *testing.T) {
			m, ok := all[d.dir]
			if !ok {
				t.Fatalf("no model %s", d.dir)
			}
			prog := runModel(t, r, m)
			found, objects, matched, boxes := 0, 0, 0, 0
			for b := range 2 {
				var layers []*tensor.Tensor
				for _, name := range m.Outputs {
					out, _ := prog.Output(name)
					layers = append(layers, frame(out, b))
				}
				objs, err := d.parse(layers, d.net, &d.params)
				if err != nil {
					t.Fatal(err)
				}
				if d.cluster != nil {
					if objs, err = d.cluster.Cluster(objs, nil); err != nil {
						t.Fatal(err)
					}
				}
				f, o, mt := match(objs, gt, b, d)
				found, objects, matched, boxes = found+f, objects+o, matched+mt, boxes+len(objs)
			}
			recall, precision := float64(found)/float64(objects), float64(matched)/float64(max(boxes, 1))
			t.Logf("%d of %d objects found, %d of %d boxes right", found, objects, matched, boxes)
			if objects < 10 || recall < 0.75 || precision < 0.75 {
				t.Fatalf("recall %.2f, precision %.2f over %d objects: want both >= 0.75", recall, precision, objects)
			}
		})
	}
}

// match pairs image b's boxes, by decreasing confidence, with the
// best-overlapping unmatched ground truth of their class at IoU >= 0.5.
// It returns the non-ignored objects found, the non-ignored objects, and
// the boxes matched (to any object, ignored ones included).
func match(objs []parsers.Object, gt []gtBox, b int, d detector) (found, objects, matched int) {
	var g []gtBox
	for _, o := range gt {
		if o.image == b && d.class(o.class) >= 0 {
			g = append(g, o)
			if !o.ignore {
				objects++
			}
		}
	}
	objs = slices.Clone(objs)
	slices.SortStableFunc(objs, func(a, b parsers.Object) int { return cmp.Compare(b.Confidence, a.Confidence) })
	used := make([]bool, len(g))
	for _, o := range objs {
		best, at := float32(0.5), -1
		for j, e := range g {
			if used[j] || d.class(e.class) != o.ClassID {
				continue
			}
			if v := iou(o, e.x1, d.gtY(e.y1), e.x2, d.gtY(e.y2)); v >= best {
				best, at = v, j
			}
		}
		if at < 0 {
			continue
		}
		used[at] = true
		matched++
		if !g[at].ignore {
			found++
		}
	}
	return found, objects, matched
}

func iou(o parsers.Object, x1, y1, x2, y2 float32) float32 {
	ix := min(o.Left+o.Width, x2) - max(o.Left, x1)
	iy := min(o.Top+o.Height, y2) - max(o.Top, y1)
	if ix <= 0 || iy <= 0 {
		return 0
	}
	inter := ix * iy
	return inter / (o.Width*o.Height + (x2-x1)*(y2-y1) - inter)
}
