package gpu

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// TestEngineFileRoundTrip builds the reference classifier for batches 1
// and 4 (autotuned), saves the engine file, reads it back and checks it:
// the file matches this GPU, an engine opened from it adopts every stored
// tactic (none tuned afresh), and its programs compute exactly what the
// built ones did; a batch size it was not built for is tuned afresh.
func TestEngineFileRoundTrip(t *testing.T) {
	needGPU(t)
	dir := filepath.Join(testdata(t), "models", "classifier")
	c := loadRef(t, dir)
	src := filepath.Join(dir, "model.onnx")
	source, err := SourceOf(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, prec := range []Precision{FP32, FP16} {
		t.Run(prec.String(), func(t *testing.T) {
			o := testOptions(prec)
			o.Autotune = true
			e, progs, f, err := Build(c.g, o, BuildRequest{Batches: []int{1, 4}, Source: source})
			if err != nil {
				t.Fatal(err)
			}
			defer e.Close()
			if len(progs) != 2 || len(f.Header.Programs) != 2 || len(f.Header.Programs[0].Tactics) == 0 {
				t.Fatalf("built %d programs, header %+v", len(progs), f.Header.Programs)
			}
			want := runBatch(t, progs[1], c)
			path := filepath.Join(t.TempDir(), "model.onnx_b4_gpu0_"+prec.String()+".engine")
			if err := f.WriteFile(path); err != nil {
				t.Fatal(err)
			}
			back, err := ReadEngineFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := back.Check(EngineWant{Precision: prec, MaxBatch: 4, SourceSHA256: source.SHA256}); err != nil {
				t.Fatalf("the file does not match the GPU that built it: %v", err)
			}
			if back.Header.BuildSeconds <= 0 || back.Header.GPU == "" || back.Header.Arch == "" {
				t.Errorf("header %+v", back.Header)
			}
			e2, err := back.Open(Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer e2.Close()
			for i, b := range []int{1, 4} {
				shapes, err := BatchShapes(back.Graph, nil, b)
				if err != nil {
					t.Fatal(err)
				}
				p, err := e2.Compile(shapes)
				if err != nil {
					t.Fatal(err)
				}
				if p.Retuned() != 0 || !slices.Equal(p.Tactics(), progs[i].Tactics()) {
					t.Errorf("batch %d: %d convolutions retuned; tactics %v, built %v", b, p.Retuned(), p.Tactics(), progs[i].Tactics())
				}
				if b == 4 {
					got := runBatch(t, p, c)
					for k := range want {
						if !slices.Equal(got[k], want[k]) {
							t.Errorf("output %d differs between the built and the loaded engine", k)
						}
					}
				}
			}
			shapes, _ := BatchShapes(back.Graph, nil, 2)
			p, err := e2.Compile(shapes)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Tactics()) != len(progs[0].Tactics()) || p.Retuned() != 0 {
				t.Errorf("batch 2 (not in the file): %d tactics, %d retuned", len(p.Tactics()), p.Retuned())
			}
		})
	}
}

// runBatch fills every image of p's batch with the reference input and
// returns p's outputs.
func runBatch(t *testing.T, p *Program, c *refCase) [][]float32 {
	t.Helper()
	for i, name := range c.man.Inputs {
		in, _ := p.Input(name)
		src := c.ins[i].F32
		for off := 0; off < len(in.F32); off += len(src) {
			copy(in.F32[off:], src)
		}
	}
	if err := p.Run(); err != nil {
		t.Fatal(err)
	}
	var outs [][]float32
	for _, name := range c.man.Outputs {
		o, _ := p.Output(name)
		outs = append(outs, slices.Clone(o.F32))
	}
	return outs
}

// TestEngineFileMismatches checks that Check names each difference that
// makes DeepStream rebuild an engine.
func TestEngineFileMismatches(t *testing.T) {
	needGPU(t)
	c := loadRef(t, filepath.Join(testdata(t), "models", "classifier"))
	e, _, f, err := Build(c.g, testOptions(FP32), BuildRequest{Batches: []int{2}, Source: Source{SHA256: "abc"}})
	if err != nil {
		t.Fatal(err)
	}
	e.Close()
	ok := EngineWant{Precision: FP32, MaxBatch: 2, SourceSHA256: "abc"}
	if err := f.Check(ok); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		want EngineWant
		edit func(h *EngineHeader)
	}{
		"precision": {EngineWant{Precision: FP16, MaxBatch: 2}, nil},
		"batch":     {EngineWant{Precision: FP32, MaxBatch: 3}, nil},
		"model":     {EngineWant{Precision: FP32, MaxBatch: 1, SourceSHA256: "abd"}, nil},
		"version":   {ok, func(h *EngineHeader) { h.Version++ }},
		"gpu":       {ok, func(h *EngineHeader) { h.GPU = "NVIDIA Tesla K80" }},
		"arch":      {ok, func(h *EngineHeader) { h.Arch = "sm_37" }},
		"cudnn":     {ok, func(h *EngineHeader) { h.CuDNN = 7605 }},
	} {
		g := *f
		if tc.edit != nil {
			tc.edit(&g.Header)
		}
		if err := g.Check(tc.want); !errors.Is(err, ErrEngineMismatch) {
			t.Errorf("%s: Check = %v, want a mismatch", name, err)
		}
	}
}

// testEngineFile makes an engine file of the classifier without a GPU
// (its header as a build would write it), for the decoding tests.
func testEngineFile(t testing.TB) *EngineFile {
	t.Helper()
	g, err := graph.LoadFile(filepath.Join(testdata(t), "models", "classifier", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	opt, err := graph.Optimize(g, graph.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewEngineFile(opt, EngineHeader{Version: EngineVersion,
		GPU: "NVIDIA H100 80GB HBM3", Arch: "sm_90", CuDNN: 91900, Precision: "fp16", Layout: "auto", MaxBatch: 4,
		BuildSeconds: 1.5,
		Programs: []ProgramTactics{{Shapes: map[string][]int{opt.Inputs[0].Name: {4, 3, 32, 32}},
			Tactics: []Tactic{{Step: "conv", Spec: "fwd n4", Algo: 1, Fused: true, Millis: -1},
				{Step: "conv2", Spec: "fwd n4 c16", Algo: 1, Kernel: "dsgo_igemm_128x32x32", Millis: 0.05}}}}})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestEngineFileDecodes writes an engine file and decodes it, and checks
// that every damaged variant is an error wrapping ErrEngineFormat.
func TestEngineFileDecodes(t *testing.T) {
	f := testEngineFile(t)
	var b bytes.Buffer
	if _, err := f.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	back, err := DecodeEngineFile(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if back.Header.GPU != f.Header.GPU || len(back.Graph.Nodes) != len(f.Graph.Nodes) ||
		!slices.Equal(back.Header.Programs[0].Tactics, f.Header.Programs[0].Tactics) {
		t.Errorf("decoded %+v", back.Header)
	}
	good := b.Bytes()
	damaged := map[string][]byte{
		"empty":      nil,
		"magic":      append([]byte("ONNXENG\x00"), good[8:]...),
		"format":     patch(good, 8, 2),
		"truncated":  good[:len(good)-10],
		"extra":      append(slices.Clone(good), 0),
		"header len": patch(good, 12, 0xff),
		"graph byte": patch(good, len(good)-20, good[len(good)-20]^1),
	}
	for name, d := range damaged {
		if _, err := DecodeEngineFile(d); !errors.Is(err, ErrEngineFormat) {
			t.Errorf("%s: DecodeEngineFile = %v, want ErrEngineFormat", name, err)
		}
	}
	path := filepath.Join(t.TempDir(), "x.engine")
	if err := f.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadEngineFile(path); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("WriteFile left %d files", len(entries))
	}
}

func patch(b []byte, at int, v byte) []byte {
	c := slices.Clone(b)
	c[at] = v
	return c
}

// FuzzDecodeEngineFile: whatever the bytes, decoding returns an engine
// file or an error, never panics.
func FuzzDecodeEngineFile(f *testing.F) {
	ef := testEngineFile(f)
	var b bytes.Buffer
	if _, err := ef.WriteTo(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:40])
	f.Add([]byte(engineMagic + "\x01\x00\x00\x00\x02\x00\x00\x00{}\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ef, err := DecodeEngineFile(data)
		if err == nil && (ef.Graph == nil || math.IsNaN(ef.Header.BuildSeconds)) {
			t.Fatal("decoded without a graph")
		}
	})
}

// TestSampleModelsMatchOnnxruntime runs the trained sample models of
// samples/models (a DetectNet-style detector with ReLU residual blocks, a
// YOLO-style one with SiLU residual blocks, upsampling and concats) in
// FP32 and FP16 against onnxruntime's outputs; their residual Add+SiLU
// and Add+ReLU run inside the convolutions' epilogues.
func TestSampleModelsMatchOnnxruntime(t *testing.T) {
	needGPU(t)
	root := filepath.Join(testdata(t), "..", "..", "samples", "models")
	for _, name := range []string{"primary_detector", "yolo_detector"} {
		c := loadRef(t, filepath.Join(root, name))
		c.ins[0] = nchwInput(t, c.ins[0], 0.0039215697906911373) // net-scale-factor
		for _, prec := range []Precision{FP32, FP16} {
			t.Run(name+"/"+prec.String(), func(t *testing.T) {
				p, worst := c.run(t, testOptions(prec))
				defer p.Close()
				t.Logf("worst error %.3g", worst)
				for _, st := range p.steps {
					if strings.HasSuffix(st.name, "act/Sigmoid") || strings.HasSuffix(st.name, "act/Mul") {
						t.Errorf("step %s was not fused into its convolution", st.name)
					}
				}
			})
		}
	}
}

// nchwInput turns the sample models' uint8 NHWC images into the network
// input, float32(x) * scale in NCHW, as nvinfer's preprocessing (and the
// reference) does.
func nchwInput(t *testing.T, u8 *tensor.Tensor, scale float32) *tensor.Tensor {
	t.Helper()
	if u8.DType != tensor.Uint8 || len(u8.Shape) != 4 {
		t.Fatalf("sample input %v %v, want uint8 NHWC", u8.DType, u8.Shape)
	}
	n, h, w, c := u8.Shape[0], u8.Shape[1], u8.Shape[2], u8.Shape[3]
	x := tensor.New(n, c, h, w)
	for i := range n {
		for y := range h {
			for xx := range w {
				for k := range c {
					x.F32[((i*c+k)*h+y)*w+xx] = float32(u8.Raw[((i*h+y)*w+xx)*c+k]) * scale
				}
			}
		}
	}
	return x
}
