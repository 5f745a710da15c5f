package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/gpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// deviceFlags choose the backend of run and bench.
type deviceFlags struct {
	gpu, fp16, nchw, autotune, find, nofuse, noown, profile, json bool
	engine, convKernel                                            string
}

func (d *deviceFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&d.gpu, "gpu", false, "run on the CUDA backend (GPU 0)")
	fs.BoolVar(&d.fp16, "fp16", false, "with --gpu: half precision (float32 inputs and outputs)")
	fs.BoolVar(&d.nchw, "nchw", false, "with --gpu --fp16: keep convolutions NCHW instead of NHWC")
	fs.BoolVar(&d.autotune, "autotune", false, "with --gpu: time cuDNN's candidate algorithms (default: its heuristic choice)")
	fs.BoolVar(&d.find, "find", false, "with --gpu: cuDNN's own Find timings for the candidates")
	fs.BoolVar(&d.nofuse, "nofuse", false, "with --gpu: bias and activation in dsgo's kernel, not cuDNN's fused call")
	fs.StringVar(&d.convKernel, "conv-kernel", "", "with --gpu: run every convolution it can on this dsgo kernel (e.g. dsgo_igemm_128x32x32)")
	fs.BoolVar(&d.noown, "no-own-conv", false, "with --gpu: every convolution on cuDNN, none on dsgo's tensor-core kernels")
	fs.BoolVar(&d.profile, "profile", false, "print per-layer timings (bench)")
	fs.BoolVar(&d.json, "json", false, "bench: print the result as one JSON line")
	fs.StringVar(&d.engine, "engine", "", "run the engine file dsmodel build wrote (on the GPU it was built for) instead of --onnx")
}

// load reads the model: the ONNX file, or the engine file's graph with
// --engine (which implies --gpu).
func (d *deviceFlags) load(onnxPath string) (*graph.Graph, *gpu.EngineFile, error) {
	if d.engine == "" {
		if onnxPath == "" {
			return nil, nil, fmt.Errorf("--onnx or --engine is required")
		}
		g, err := graph.LoadFile(onnxPath)
		return g, nil, err
	}
	f, err := gpu.ReadEngineFile(d.engine)
	if err != nil {
		return nil, nil, err
	}
	d.gpu = true
	return f.Graph, f, nil
}

// compileGPU compiles g on the CUDA backend, from the engine file f when
// there is one (which must match this GPU); the func frees it.
func (d *deviceFlags) compileGPU(g *graph.Graph, f *gpu.EngineFile, shapes map[string]tensor.Shape) (*gpu.Program, func(), error) {
	if f == nil {
		p, err := gpu.Compile(g, shapes, d.options())
		if err != nil {
			return nil, nil, err
		}
		return p, func() { p.Close() }, nil
	}
	o, err := f.Options(gpu.Options{})
	if err != nil {
		return nil, nil, err
	}
	if err := f.Check(gpu.EngineWant{Precision: o.Precision}); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", d.engine, err)
	}
	e, err := f.Open(gpu.Options{})
	if err != nil {
		return nil, nil, err
	}
	p, err := e.Compile(shapes)
	if err != nil {
		return nil, nil, errors.Join(err, e.Close())
	}
	if n := p.Retuned(); n > 0 {
		fmt.Fprintf(os.Stderr, "dsmodel: %d convolutions tuned afresh: the engine's tactics do not fit them\n", n)
	}
	return p, func() { e.Close() }, nil
}

func (d *deviceFlags) options() gpu.Options {
	o := gpu.Options{Autotune: d.autotune, Find: d.find, NoFusedConv: d.nofuse, NoOwnConv: d.noown, ConvKernel: d.convKernel}
	if d.fp16 {
		o.Precision = gpu.FP16
	}
	if d.nchw {
		o.Layout = gpu.LayoutNCHW
	}
	return o
}

// program is what run needs of a compiled model, on either backend.
type program interface {
	Input(name string) (*tensor.Tensor, bool)
	Output(name string) (*tensor.Tensor, bool)
	Run() error
	Graph() *graph.Graph
}

// compile compiles g for the chosen backend; the func frees it.
func (d *deviceFlags) compile(g *graph.Graph, f *gpu.EngineFile, shapes map[string]tensor.Shape) (program, func(), error) {
	if d.gpu {
		return d.compileGPU(g, f, shapes)
	}
	r := cpu.NewRunner(cpu.Options{})
	p, err := cpu.Compile(g, shapes, r)
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	return p, r.Close, nil
}

// benchResult is bench's --json line.
type benchResult struct {
	Model     string  `json:"model"`
	Backend   string  `json:"backend"`
	Precision string  `json:"precision"`
	Batch     int     `json:"batch"`
	CompileS  float64 `json:"compile_s"`
	DeviceMs  float64 `json:"device_ms"`    // per batch, inputs and outputs on the device
	RoundMs   float64 `json:"roundtrip_ms"` // per batch, with host copies and a wait
	ImagesPS  float64 `json:"images_per_s"`
}

// benchGPU times the CUDA backend: back-to-back RunDevice calls (as a
// pipeline with device inputs runs) and Run round trips from the host.
func benchGPU(g *graph.Graph, f *gpu.EngineFile, shapes map[string]tensor.Shape, model string, batch, iters int, d deviceFlags, stdout, stderr io.Writer) int {
	start := time.Now()
	p, free, err := d.compileGPU(g, f, shapes)
	if err != nil {
		return fail(stderr, err)
	}
	defer free()
	compileS := time.Since(start).Seconds()
	for name := range shapes {
		t, _ := p.Input(name)
		for i := range t.F32 {
			t.F32[i] = float32(i%255) / 255
		}
	}
	for range 5 { // warm-up
		if err := p.Run(); err != nil {
			return fail(stderr, err)
		}
	}
	s := p.Engine().Stream()
	timed := func(f func() error) (time.Duration, error) {
		n, t0 := 0, time.Now()
		for n < iters || time.Since(t0) < time.Second {
			if err := f(); err != nil {
				return 0, err
			}
			n++
			if n%50 == 0 {
				if err := s.Synchronize(); err != nil {
					return 0, err
				}
			}
		}
		if err := s.Synchronize(); err != nil {
			return 0, err
		}
		return time.Since(t0) / time.Duration(n), nil
	}
	dev, err := timed(p.RunDevice)
	if err != nil {
		return fail(stderr, err)
	}
	round, err := timed(p.Run)
	if err != nil {
		return fail(stderr, err)
	}
	r := benchResult{Model: filepath.Base(model), Backend: "dsgo-gpu", Precision: d.options().Precision.String(), Batch: batch,
		CompileS: compileS, DeviceMs: dev.Seconds() * 1e3, RoundMs: round.Seconds() * 1e3,
		ImagesPS: float64(batch) / dev.Seconds()}
	if d.json {
		b, _ := json.Marshal(r)
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprintf(stdout, "%s batch %d, GPU %s: %v per batch on the device (%.1f inferences/s), %v with host copies; compiled in %.1fs\n",
			r.Model, batch, r.Precision, dev.Round(time.Microsecond), r.ImagesPS, round.Round(time.Microsecond), compileS)
	}
	if d.profile {
		if err := p.Profile(stdout, 20); err != nil {
			return fail(stderr, err)
		}
	}
	return 0
}
