package cpu

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
)

func TestResizeNearestAndLinear(t *testing.T) {
	x, _ := tensor.FromF32([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	for _, c := range []struct {
		name string
		p    ResizeParams
		oh   int
		want []float32
	}{
		// ONNX's own test vectors (onnx/backend/test/case/node/resize.py).
		{"nearest asymmetric floor x2", ResizeParams{Coord: CoordAsymmetric, Nearest: NearestFloor}, 4,
			[]float32{1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}},
		{"linear half_pixel x2", ResizeParams{Mode: ResizeLinear}, 4,
			[]float32{1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4}},
		{"linear align_corners to 3", ResizeParams{Mode: ResizeLinear, Coord: CoordAlignCorners}, 3,
			[]float32{1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4}},
		{"nearest half_pixel round_prefer_floor to 3", ResizeParams{}, 3,
			[]float32{1, 1, 2, 1, 1, 2, 3, 3, 4}},
		{"nearest half_pixel round_prefer_ceil to 3", ResizeParams{Nearest: NearestRoundPreferCeil}, 3,
			[]float32{1, 2, 2, 3, 4, 4, 3, 4, 4}},
		{"linear asymmetric to 3", ResizeParams{Mode: ResizeLinear, Coord: CoordAsymmetric}, 3,
			[]float32{1, 5.0 / 3, 2, 7.0 / 3, 3, 10.0 / 3, 3, 11.0 / 3, 4}},
	} {
		y := tensor.New(1, 1, c.oh, c.oh)
		if err := Resize(y, x, c.p); err != nil {
			t.Fatal(err)
		}
		assertClose(t, c.name, y.F32, c.want, 1e-5)
	}
	// scales given: ONNX resize_downsample_scales_nearest, scale 0.6 on 2x4.
	x2, _ := tensor.FromF32([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 2, 4)
	y := tensor.New(1, 1, 1, 2)
	if err := Resize(y, x2, ResizeParams{ScaleH: 0.6, ScaleW: 0.6, Coord: CoordAsymmetric, Nearest: NearestRoundPreferFloor}); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "downsample scales", y.F32, []float32{1, 3}, 0)
	if err := Resize(tensor.New(1, 2, 4, 4), x, ResizeParams{}); err == nil {
		t.Error("channel change accepted")
	}
	// The 2x nearest paths: whole planes (vecmath.Upsample2, 13 columns:
	// a vector and an overlapping last one), and rows doubled with the
	// vector kernel (13 columns: a vector and a scalar rest) where the
	// rows are not doubled (3 rows to 5).
	x3 := tensor.New(1, 2, 3, 13)
	for i := range x3.F32 {
		x3.F32[i] = float32(i)
	}
	for _, oh := range []int{6, 5} {
		y3 := tensor.New(1, 2, oh, 26)
		if err := Resize(y3, x3, ResizeParams{Coord: CoordAsymmetric, Nearest: NearestFloor}); err != nil {
			t.Fatal(err)
		}
		for i, v := range y3.F32 {
			c, oy, ox := i/(oh*26), i/26%oh, i%26
			sy := oy * 3 / oh // floor(oy / scale), scale oh/3
			if want := x3.F32[c*3*13+sy*13+ox/2]; v != want {
				t.Fatalf("2x nearest to %d rows: output %d = %v, want %v", oh, i, v, want)
			}
		}
	}
}

func readInt64s(t *tensor.Tensor) []int64 {
	v := make([]int64, len(t.Raw)/8)
	for i := range v {
		v[i] = int64(binary.LittleEndian.Uint64(t.Raw[8*i:]))
	}
	return v
}

func TestTopK(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	x := randT(rng, 3, 7, 2)
	for i := range x.F32 {
		x.F32[i] = float32(int(x.F32[i] * 3)) // ties
	}
	for _, largest := range []bool{true, false} {
		for _, k := range []int{0, 1, 3, 7} {
			v := tensor.New(3, k, 2)
			ix := &tensor.Tensor{DType: tensor.Int64, Shape: tensor.Shape{3, k, 2}, Raw: make([]byte, 8*3*k*2)}
			if err := TopK(v, ix, x, 1, k, largest); err != nil {
				t.Fatal(err)
			}
			got := readInt64s(ix)
			for o := 0; o < 3; o++ {
				for i := 0; i < 2; i++ {
					order := []int{0, 1, 2, 3, 4, 5, 6}
					val := func(j int) float32 { return x.F32[(o*7+j)*2+i] }
					sort.SliceStable(order, func(a, b int) bool {
						if largest {
							return val(order[a]) > val(order[b])
						}
						return val(order[a]) < val(order[b])
					})
					for j := 0; j < k; j++ {
						at := (o*k+j)*2 + i
						if int(got[at]) != order[j] || v.F32[at] != val(order[j]) {
							t.Fatalf("largest=%v k=%d row %d,%d pos %d: (%v, %d), want (%v, %d)", largest, k, o, i, j, v.F32[at], got[at], val(order[j]), order[j])
						}
					}
				}
			}
		}
	}
	if err := TopK(tensor.New(3, 8, 2), &tensor.Tensor{}, x, 1, 8, true); err == nil {
		t.Error("k over the axis accepted")
	}
}

func TestNonMaxSuppressionONNXCases(t *testing.T) {
	// From onnx/backend/test/case/node/nonmaxsuppression.py.
	boxes := []float32{0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, -0.1, 1, 0.9, 0, 10, 1, 11, 0, 10.1, 1, 11.1, 0, 100, 1, 101}
	scores := []float32{0.9, 0.75, 0.6, 0.95, 0.5, 0.3}
	flipped := []float32{1, 1, 0, 0, 0, 0.1, 1, 1.1, 0, 0.9, 1, -0.1, 0, 10, 1, 11, 1, 10.1, 0, 11.1, 1, 101, 0, 100}
	center := []float32{0.5, 0.5, 1, 1, 0.5, 0.6, 1, 1, 0.5, 0.4, 1, 1, 0.5, 10.5, 1, 1, 0.5, 10.6, 1, 1, 0.5, 100.5, 1, 1}
	cases := []struct {
		name  string
		boxes []float32
		p     NMSParams
		want  []int64
	}{
		{"suppress by IOU", boxes, NMSParams{MaxOutputPerClass: 3, IOUThreshold: 0.5}, []int64{0, 0, 3, 0, 0, 0, 0, 0, 5}},
		{"flipped coordinates", flipped, NMSParams{MaxOutputPerClass: 3, IOUThreshold: 0.5}, []int64{0, 0, 3, 0, 0, 0, 0, 0, 5}},
		{"center point box", center, NMSParams{MaxOutputPerClass: 3, IOUThreshold: 0.5, CenterPointBox: true}, []int64{0, 0, 3, 0, 0, 0, 0, 0, 5}},
		{"limit output size", boxes, NMSParams{MaxOutputPerClass: 2, IOUThreshold: 0.5}, []int64{0, 0, 3, 0, 0, 0}},
		{"score threshold", boxes, NMSParams{MaxOutputPerClass: 3, IOUThreshold: 0.5, ScoreThreshold: 0.4}, []int64{0, 0, 3, 0, 0, 0}},
		{"zero max output", boxes, NMSParams{IOUThreshold: 0.5}, []int64{}},
	}
	for _, c := range cases {
		bt, _ := tensor.FromF32(c.boxes, 1, 6, 4)
		st, _ := tensor.FromF32(scores, 1, 1, 6)
		sel := make([]int64, 3*NMSMaxSelected(1, 1, 6, c.p.MaxOutputPerClass))
		scratch := make([]int32, NMSWorkspace(6))
		n, err := NonMaxSuppression(sel, bt, st, c.p, scratch)
		if err != nil {
			t.Fatal(err)
		}
		got := sel[:3*n]
		if len(got) != len(c.want) {
			t.Fatalf("%s: %v, want %v", c.name, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Fatalf("%s: %v, want %v", c.name, got, c.want)
			}
		}
		if a := testing.AllocsPerRun(5, func() { NonMaxSuppression(sel, bt, st, c.p, scratch) }); a != 0 {
			t.Errorf("%s: %v allocations", c.name, a)
		}
	}
	// Two batches, two classes.
	bt, _ := tensor.FromF32(append(append([]float32{}, boxes...), boxes...), 2, 6, 4)
	st, _ := tensor.FromF32(append(append(append(append([]float32{}, scores...), scores...), scores...), scores...), 2, 2, 6)
	sel := make([]int64, 3*NMSMaxSelected(2, 2, 6, 2))
	n, err := NonMaxSuppression(sel, bt, st, NMSParams{MaxOutputPerClass: 2, IOUThreshold: 0.5}, make([]int32, 12))
	want := []int64{0, 0, 3, 0, 0, 0, 0, 1, 3, 0, 1, 0, 1, 0, 3, 1, 0, 0, 1, 1, 3, 1, 1, 0}
	if err != nil || n != 8 {
		t.Fatalf("two batches: %d rows, %v", n, err)
	}
	for i := range want {
		if sel[i] != want[i] {
			t.Fatalf("two batches: %v, want %v", sel[:24], want)
		}
	}
}

func TestRoiAlignMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	x := randT(rng, 2, 3, 10, 12)
	rois, _ := tensor.FromF32([]float32{0, 0, 9, 9, 2.5, 1.2, 7.7, 8.1, -2, -1, 4, 3, 8, 6, 15, 14, 3, 3, 3.2, 3.1}, 5, 4)
	bi := int64T(tensor.Shape{5}, 0, 1, 0, 1, 1)
	for _, p := range []RoiAlignParams{
		{OutputHeight: 3, OutputWidth: 4, SamplingRatio: 2, SpatialScale: 1},
		{OutputHeight: 2, OutputWidth: 2, SamplingRatio: 0, SpatialScale: 0.5},
		{OutputHeight: 5, OutputWidth: 3, SamplingRatio: 0, SpatialScale: 1, HalfPixel: true},
	} {
		y := tensor.New(5, 3, p.OutputHeight, p.OutputWidth)
		if err := RoiAlign(y, x, rois, bi, p); err != nil {
			t.Fatal(err)
		}
		want := make([]float32, 0, y.Len())
		for r := 0; r < 5; r++ {
			b := int(readInt64s(bi)[r])
			for c := 0; c < 3; c++ {
				want = append(want, refRoiAlign(x.F32[(b*3+c)*120:(b*3+c+1)*120], 10, 12, rois.F32[4*r:4*r+4], p)...)
			}
		}
		assertClose(t, "roialign", y.F32, want, 1e-4)
	}
}

// refRoiAlign follows the ONNX reference (onnx/reference/ops/op_roi_align.py)
// in float64, with its bilinear weights computed per sample.
func refRoiAlign(plane []float32, h, w int, roi []float32, p RoiAlignParams) []float32 {
	off := 0.0
	if p.HalfPixel {
		off = 0.5
	}
	sc := float64(p.SpatialScale)
	x0, y0 := float64(roi[0])*sc-off, float64(roi[1])*sc-off
	rw, rh := float64(roi[2])*sc-off-x0, float64(roi[3])*sc-off-y0
	if !p.HalfPixel {
		rw, rh = math.Max(rw, 1), math.Max(rh, 1)
	}
	bh, bw := rh/float64(p.OutputHeight), rw/float64(p.OutputWidth)
	gh, gw := p.SamplingRatio, p.SamplingRatio
	if gh == 0 {
		gh, gw = int(math.Ceil(rh/float64(p.OutputHeight))), int(math.Ceil(rw/float64(p.OutputWidth)))
	}
	at := func(y, x int) float64 { return float64(plane[y*w+x]) }
	var out []float32
	for ph := 0; ph < p.OutputHeight; ph++ {
		for pw := 0; pw < p.OutputWidth; pw++ {
			s := 0.0
			for iy := 0; iy < gh; iy++ {
				for ix := 0; ix < gw; ix++ {
					y := y0 + float64(ph)*bh + (float64(iy)+0.5)*bh/float64(gh)
					x := x0 + float64(pw)*bw + (float64(ix)+0.5)*bw/float64(gw)
					if y < -1 || y > float64(h) || x < -1 || x > float64(w) {
						continue
					}
					y, x = math.Max(y, 0), math.Max(x, 0)
					yl, xl := int(y), int(x)
					yh, xh := yl+1, xl+1
					if yl >= h-1 {
						yl, yh, y = h-1, h-1, float64(h-1)
					}
					if xl >= w-1 {
						xl, xh, x = w-1, w-1, float64(w-1)
					}
					ly, lx := y-float64(yl), x-float64(xl)
					s += (1-ly)*(1-lx)*at(yl, xl) + (1-ly)*lx*at(yl, xh) + ly*(1-lx)*at(yh, xl) + ly*lx*at(yh, xh)
				}
			}
			out = append(out, float32(s/math.Max(float64(gh*gw), 1)))
		}
	}
	return out
}
