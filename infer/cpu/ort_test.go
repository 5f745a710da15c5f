package cpu

// Single-op checks against onnxruntime, the independent reference
// runtime, loaded from ONNXRUNTIME_LIB (libonnxruntime.so.1 from the npm
// package onnxruntime-node@1.30.0, installed with --ignore-scripts). The
// one-node models are protobuf-encoded here by hand, so these tests lean
// on nothing but the kernels.

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
	ort "github.com/yalue/onnxruntime_go"
)

func ortMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type pb []byte

func (b pb) varint(v uint64) pb {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}
func (b pb) tag(f, w int) pb          { return b.varint(uint64(f<<3 | w)) }
func (b pb) vint(f int, v int64) pb   { return b.tag(f, 0).varint(uint64(v)) }
func (b pb) bytes(f int, v []byte) pb { return append(b.tag(f, 2).varint(uint64(len(v))), v...) }
func (b pb) str(f int, s string) pb   { return b.bytes(f, []byte(s)) }
func (b pb) f32(f int, v float32) pb {
	return binary.LittleEndian.AppendUint32(b.tag(f, 5), math.Float32bits(v))
}

type attr struct {
	name string
	i    *int64
	f    *float32
	s    string
	ints []int64
}

func ai(n string, v int64) attr       { return attr{name: n, i: &v} }
func af(n string, v float32) attr     { return attr{name: n, f: &v} }
func as(n string, v string) attr      { return attr{name: n, s: v} }
func aints(n string, v ...int64) attr { return attr{name: n, ints: v} }

func (a attr) enc() []byte {
	b := pb{}.str(1, a.name)
	switch {
	case a.i != nil:
		b = b.vint(3, *a.i).vint(20, 2)
	case a.f != nil:
		b = b.f32(2, *a.f).vint(20, 1)
	case a.s != "":
		b = b.bytes(4, []byte(a.s)).vint(20, 3)
	default:
		for _, v := range a.ints {
			b = b.vint(8, v)
		}
		b = b.vint(20, 7)
	}
	return b
}

type initT struct {
	name  string
	dims  []int64
	dtype int64
	raw   []byte
}

func f32init(name string, data []float32, dims ...int64) initT {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return initT{name, dims, 1, raw}
}
func i64init(name string, data []int64, dims ...int64) initT {
	raw := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	return initT{name, dims, 7, raw}
}

type vinfo struct {
	name  string
	dtype int64
	dims  []int64 // nil: no shape
}

func (v vinfo) enc() []byte {
	tt := pb{}.vint(1, v.dtype)
	if v.dims != nil {
		sh := pb{}
		for _, d := range v.dims {
			sh = sh.bytes(1, pb{}.vint(1, d))
		}
		tt = tt.bytes(2, sh)
	}
	return pb{}.str(1, v.name).bytes(2, pb{}.bytes(1, tt))
}

// model builds a one-node ONNX model (opset 19).
func model(op string, inputs, outputs []string, attrs []attr, inits []initT, gin, gout []vinfo) []byte {
	node := pb{}
	for _, s := range inputs {
		node = node.str(1, s)
	}
	for _, s := range outputs {
		node = node.str(2, s)
	}
	node = node.str(3, "n").str(4, op)
	for _, a := range attrs {
		node = node.bytes(5, a.enc())
	}
	g := pb{}.bytes(1, node).str(2, "g")
	for _, in := range inits {
		t := pb{}
		for _, d := range in.dims {
			t = t.vint(1, d)
		}
		t = t.vint(2, in.dtype).str(8, in.name).bytes(9, in.raw)
		g = g.bytes(5, t)
	}
	for _, v := range gin {
		g = g.bytes(11, v.enc())
	}
	for _, v := range gout {
		g = g.bytes(12, v.enc())
	}
	return pb{}.vint(1, 8).bytes(8, pb{}.str(1, "").vint(2, 19)).bytes(7, g)
}

func i64(s []int) []int64 {
	r := make([]int64, len(s))
	for i, v := range s {
		r[i] = int64(v)
	}
	return r
}

// runORT runs a one-node model whose graph inputs are xs (float32) and
// returns its outputs' float data (or int64 for NMS).
func runORT(t *testing.T, op string, xs []*tensor.Tensor, extra []string, attrs []attr, inits []initT, nout int) []ort.Value {
	var names, outs []string
	var gin []vinfo
	var vals []ort.Value
	for i, x := range xs {
		n := fmt.Sprint("x", i)
		names = append(names, n)
		gin = append(gin, vinfo{n, 1, i64(x.Shape)})
		v, err := ort.NewTensor(ort.NewShape(i64(x.Shape)...), x.F32)
		ortMust(t, err)
		vals = append(vals, v)
	}
	var gout []vinfo
	for i := 0; i < nout; i++ {
		outs = append(outs, fmt.Sprint("y", i))
		gout = append(gout, vinfo{fmt.Sprint("y", i), 1, nil})
	}
	if op == "NonMaxSuppression" || op == "TopK" {
		gout[nout-1].dtype = 7
	}
	m := model(op, append(append([]string{}, names...), extra...), outs, attrs, inits, gin, gout)
	s, err := ort.NewDynamicAdvancedSessionWithONNXData(m, names, outs, nil)
	ortMust(t, err)
	defer s.Destroy()
	res := make([]ort.Value, nout)
	ortMust(t, s.Run(vals, res))
	for _, v := range vals {
		v.Destroy()
	}
	return res
}

func ortCompare(t *testing.T, what string, got []float32, v ort.Value, shape tensor.Shape) {
	ot := v.(*ort.Tensor[float32])
	want := ot.GetData()
	ws := ot.GetShape()
	ok := len(ws) == len(shape)
	for i := range ws {
		ok = ok && int(ws[i]) == shape[i]
	}
	if !ok {
		t.Errorf("%s: shape %v, onnxruntime %v", what, shape, ws)
		return
	}
	maxd := 0.0
	for i := range want {
		maxd = math.Max(maxd, math.Abs(float64(got[i]-want[i])))
	}
	if maxd > 1e-4 {
		t.Errorf("%s: %v max |diff| %.2g from onnxruntime", what, shape, maxd)
	}
}

// TestAgainstOnnxruntime checks the kernels whose ONNX semantics are
// easiest to get subtly wrong against onnxruntime on single-op models.
func TestAgainstOnnxruntime(t *testing.T) {
	lib := os.Getenv("ONNXRUNTIME_LIB")
	if lib == "" {
		t.Skip("ONNXRUNTIME_LIB (path of libonnxruntime.so.1) not set")
	}
	if !ort.IsInitialized() {
		ort.SetSharedLibraryPath(lib)
		ortMust(t, ort.InitializeEnvironment())
		defer ort.DestroyEnvironment()
	}
	rng := rand.New(rand.NewPCG(42, 7))
	for _, blas := range []bool{false, true} {
		r := NewRunner(Options{Workers: 2})
		defer r.Close()
		if !r.UseBLAS(blas) {
			continue
		}
		ortConv(t, rng, r)
		ortConvTranspose(t, rng, r)
		ortPool(t, rng, r)
		ortGemm(t, rng, r)
	}
	ortResize(t, rng)
	ortNMS(t, rng)
	ortRoiAlign(t, rng)
}

func ortConv(t *testing.T, rng *rand.Rand, r *Runner) {
	type c struct {
		x, w tensor.Shape
		p    ConvParams
	}
	for _, k := range []c{
		{tensor.Shape{2, 3, 11, 9}, tensor.Shape{8, 3, 3, 3}, ConvParams{Pads: [4]int{1, 0, 2, 1}, Strides: [2]int{2, 1}}},
		{tensor.Shape{2, 16, 7, 7}, tensor.Shape{8, 16, 1, 1}, ConvParams{}},
		{tensor.Shape{1, 16, 7, 7}, tensor.Shape{8, 16, 1, 1}, ConvParams{Strides: [2]int{2, 2}}},
		{tensor.Shape{2, 12, 10, 13}, tensor.Shape{12, 1, 3, 3}, ConvParams{Group: 12, Pads: [4]int{1, 1, 1, 1}, Strides: [2]int{2, 2}}},
		{tensor.Shape{1, 8, 12, 12}, tensor.Shape{16, 1, 5, 5}, ConvParams{Group: 8, Pads: [4]int{2, 2, 2, 2}, Dilations: [2]int{2, 1}}},
		{tensor.Shape{2, 8, 9, 9}, tensor.Shape{6, 4, 3, 3}, ConvParams{Group: 2, Dilations: [2]int{2, 2}, Pads: [4]int{2, 2, 2, 2}}},
		{tensor.Shape{1, 64, 28, 28}, tensor.Shape{70, 64, 3, 3}, ConvParams{Pads: [4]int{1, 1, 1, 1}}},
	} {
		x, w, b := randT(rng, k.x...), randT(rng, k.w...), randT(rng, k.w[0])
		out, err := ConvOutputShape(k.x, k.w, k.p)
		ortMust(t, err)
		n, _ := ConvWorkspace(k.x, k.w, k.p)
		y := tensor.New(out...)
		ortMust(t, r.Conv2D(y, x, w, b, nil, k.p, make([]float32, n)))
		g := int64(max(k.p.Group, 1))
		s, d := k.p.Strides, k.p.Dilations
		attrs := []attr{ai("group", g), aints("pads", i64(k.p.Pads[:])...), aints("strides", int64(max(s[0], 1)), int64(max(s[1], 1))),
			aints("dilations", int64(max(d[0], 1)), int64(max(d[1], 1))), aints("kernel_shape", int64(k.w[2]), int64(k.w[3]))}
		res := runORT(t, "Conv", []*tensor.Tensor{x}, []string{"w", "b"}, attrs,
			[]initT{f32init("w", w.F32, i64(k.w)...), f32init("b", b.F32, int64(k.w[0]))}, 1)
		ortCompare(t, fmt.Sprintf("Conv x%v w%v %+v", k.x, k.w, k.p), y.F32, res[0], out)
	}
}

func ortConvTranspose(t *testing.T, rng *rand.Rand, r *Runner) {
	x, w, b := randT(rng, 2, 4, 5, 4), randT(rng, 4, 3, 3, 3), randT(rng, 6)
	p := ConvTransposeParams{Group: 2, Strides: [2]int{2, 3}, Pads: [4]int{1, 0, 0, 1}, OutputPadding: [2]int{1, 0}, Dilations: [2]int{1, 2}}
	out, err := ConvTransposeOutputShape(x.Shape, w.Shape, p)
	ortMust(t, err)
	n, _ := ConvTransposeWorkspace(x.Shape, w.Shape, p)
	y := tensor.New(out...)
	ortMust(t, r.ConvTranspose2D(y, x, w, b, p, make([]float32, n)))
	res := runORT(t, "ConvTranspose", []*tensor.Tensor{x}, []string{"w", "b"},
		[]attr{ai("group", 2), aints("strides", 2, 3), aints("pads", 1, 0, 0, 1), aints("output_padding", 1, 0), aints("dilations", 1, 2)},
		[]initT{f32init("w", w.F32, 4, 3, 3, 3), f32init("b", b.F32, 6)}, 1)
	ortCompare(t, "ConvTranspose", y.F32, res[0], out)
}

func ortPool(t *testing.T, rng *rand.Rand, r *Runner) {
	for _, p := range []PoolParams{
		{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, Pads: [4]int{1, 1, 1, 1}},
		{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true},
		{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true, Pads: [4]int{1, 0, 1, 0}},
		{Kernel: [2]int{3, 3}, Strides: [2]int{2, 2}, CeilMode: true, Pads: [4]int{1, 0, 1, 0}, CountIncludePad: true},
		{Kernel: [2]int{2, 2}, Strides: [2]int{2, 2}, CeilMode: true, Pads: [4]int{1, 1, 1, 1}, CountIncludePad: true},
		{Kernel: [2]int{5, 5}, Pads: [4]int{2, 2, 2, 2}, CountIncludePad: true},
		{Kernel: [2]int{2, 3}, Dilations: [2]int{2, 1}, Pads: [4]int{0, 1, 1, 1}},
	} {
		x := randT(rng, 2, 3, 8, 7)
		out, err := PoolOutputShape(x.Shape, p)
		ortMust(t, err)
		s, d := p.Strides, p.Dilations
		base := []attr{aints("kernel_shape", i64(p.Kernel[:])...), aints("pads", i64(p.Pads[:])...),
			aints("strides", int64(max(s[0], 1)), int64(max(s[1], 1))), ai("ceil_mode", map[bool]int64{true: 1}[p.CeilMode])}
		y := tensor.New(out...)
		ortMust(t, r.MaxPool(y, x, p))
		res := runORT(t, "MaxPool", []*tensor.Tensor{x}, nil, append(base, aints("dilations", int64(max(d[0], 1)), int64(max(d[1], 1)))), nil, 1)
		ortCompare(t, fmt.Sprintf("MaxPool %+v", p), y.F32, res[0], out)
		if d != [2]int{} {
			continue
		}
		ortMust(t, r.AveragePool(y, x, p))
		res = runORT(t, "AveragePool", []*tensor.Tensor{x}, nil, append(base, ai("count_include_pad", map[bool]int64{true: 1}[p.CountIncludePad])), nil, 1)
		ortCompare(t, fmt.Sprintf("AveragePool %+v", p), y.F32, res[0], out)
	}
}

func ortGemm(t *testing.T, rng *rand.Rand, r *Runner) {
	a, b, c := randT(rng, 3, 512), randT(rng, 1000, 512), randT(rng, 1000)
	y := tensor.New(3, 1000)
	ortMust(t, r.Gemm(y, a, b, c, GemmParams{TransB: true, Alpha: 0.5, Beta: 2}))
	res := runORT(t, "Gemm", []*tensor.Tensor{a}, []string{"b", "c"}, []attr{ai("transB", 1), af("alpha", 0.5), af("beta", 2)},
		[]initT{f32init("b", b.F32, 1000, 512), f32init("c", c.F32, 1000)}, 1)
	ortCompare(t, "Gemm 3x512 * (1000x512)^T + c", y.F32, res[0], y.Shape)
}

func ortResize(t *testing.T, rng *rand.Rand) {
	coord := map[CoordMode]string{CoordHalfPixel: "half_pixel", CoordAsymmetric: "asymmetric", CoordAlignCorners: "align_corners", CoordPytorchHalfPixel: "pytorch_half_pixel"}
	near := map[NearestMode]string{NearestFloor: "floor", NearestRoundPreferFloor: "round_prefer_floor", NearestRoundPreferCeil: "round_prefer_ceil", NearestCeil: "ceil"}
	x := randT(rng, 2, 3, 5, 7)
	for _, size := range [][2]int{{10, 14}, {8, 5}, {3, 3}, {13, 20}} {
		for cm, cn := range coord {
			for _, mode := range []ResizeMode{ResizeNearest, ResizeLinear} {
				for nm, nn := range near {
					if mode == ResizeLinear && nm != NearestFloor {
						continue
					}
					p := ResizeParams{Mode: mode, Coord: cm, Nearest: nm}
					y := tensor.New(2, 3, size[0], size[1])
					ortMust(t, Resize(y, x, p))
					ms := map[ResizeMode]string{ResizeNearest: "nearest", ResizeLinear: "linear"}[mode]
					res := runORT(t, "Resize", []*tensor.Tensor{x}, []string{"", "", "sizes"},
						[]attr{as("mode", ms), as("coordinate_transformation_mode", cn), as("nearest_mode", nn)},
						[]initT{i64init("sizes", []int64{2, 3, int64(size[0]), int64(size[1])}, 4)}, 1)
					ortCompare(t, fmt.Sprintf("Resize %s %s %s %v", ms, cn, nn, size), y.F32, res[0], y.Shape)
				}
			}
		}
	}
}

func ortNMS(t *testing.T, rng *rand.Rand) {
	for _, center := range []bool{false, true} {
		nb, nc, n := 2, 3, 60
		boxes, scores := tensor.New(nb, n, 4), randT(rng, nb, nc, n)
		for i := 0; i < nb*n; i++ {
			y, x := rng.Float32()*50, rng.Float32()*50
			h, w := rng.Float32()*20+1, rng.Float32()*20+1
			copy(boxes.F32[4*i:], []float32{y, x, y + h, x + w})
			if i%3 == 0 {
				copy(boxes.F32[4*i:], []float32{y + h, x + w, y, x}) // flipped
			}
			if center {
				copy(boxes.F32[4*i:], []float32{x, y, w, h})
			}
		}
		p := NMSParams{MaxOutputPerClass: 7, IOUThreshold: 0.3, ScoreThreshold: 0.1, CenterPointBox: center}
		sel := make([]int64, 3*NMSMaxSelected(nb, nc, n, 7))
		cnt, err := NonMaxSuppression(sel, boxes, scores, p, make([]int32, NMSWorkspace(n)))
		ortMust(t, err)
		res := runORT(t, "NonMaxSuppression", []*tensor.Tensor{boxes, scores}, []string{"m", "iou", "st"},
			[]attr{ai("center_point_box", map[bool]int64{true: 1}[center])},
			[]initT{i64init("m", []int64{7}, 1), f32init("iou", []float32{0.3}, 1), f32init("st", []float32{0.1}, 1)}, 1)
		want := res[0].(*ort.Tensor[int64]).GetData()
		ok := len(want) == 3*cnt
		for i := 0; ok && i < len(want); i++ {
			ok = want[i] == sel[i]
		}
		if !ok {
			t.Errorf("NonMaxSuppression center=%v: %v, onnxruntime %v", center, sel[:3*cnt], want)
		}
	}
}

func ortRoiAlign(t *testing.T, rng *rand.Rand) {
	x := randT(rng, 2, 3, 10, 12)
	rois, _ := tensor.FromF32([]float32{0, 0, 9, 9, 2.5, 1.2, 7.7, 8.1, -2, -1, 4, 3, 8, 6, 15, 14, 3, 3, 3.2, 3.1}, 5, 4)
	bi := &tensor.Tensor{DType: tensor.Int64, Shape: tensor.Shape{5}, Raw: i64init("", []int64{0, 1, 0, 1, 1}).raw}
	for _, p := range []RoiAlignParams{
		{OutputHeight: 3, OutputWidth: 4, SamplingRatio: 2, SpatialScale: 1},
		{OutputHeight: 2, OutputWidth: 2, SamplingRatio: 0, SpatialScale: 0.5},
		{OutputHeight: 5, OutputWidth: 3, SamplingRatio: 0, SpatialScale: 1, HalfPixel: true},
	} {
		y := tensor.New(5, 3, p.OutputHeight, p.OutputWidth)
		ortMust(t, RoiAlign(y, x, rois, bi, p))
		ct := map[bool]string{true: "half_pixel", false: "output_half_pixel"}[p.HalfPixel]
		res := runORT(t, "RoiAlign", []*tensor.Tensor{x, rois}, []string{"bi"},
			[]attr{ai("output_height", int64(p.OutputHeight)), ai("output_width", int64(p.OutputWidth)), ai("sampling_ratio", int64(p.SamplingRatio)),
				af("spatial_scale", p.SpatialScale), as("coordinate_transformation_mode", ct)},
			[]initT{i64init("bi", []int64{0, 1, 0, 1, 1}, 5)}, 1)
		ortCompare(t, fmt.Sprintf("RoiAlign %+v", p), y.F32, res[0], y.Shape)
	}
}
