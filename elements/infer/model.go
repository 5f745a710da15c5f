package infer

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dsgo/dsgo/configs"
	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/gpu"
	"github.com/dsgo/dsgo/infer/graph"
)

// Backends the backend property chooses.
const (
	backendAuto = iota
	backendCPU
	backendGPU
)

// loadModel reads the model and prepares the backend that runs it: the
// GPU engine (gpu-id, network-mode) when a GPU is there and backend
// allows, from model-engine-file when that file fits, else built from
// onnx-file; the CPU runner otherwise, with onnx-file (or, lacking one,
// the engine file's graph). With backend=auto a GPU that fails to start
// is a warning and the CPU runs the model.
func (e *Infer) loadModel(cfg *configs.InferConfig, batch int) (*graph.Graph, error) {
	if cfg.ONNXFile == "" && cfg.ModelEngineFile == "" {
		return nil, fmt.Errorf("%s: onnx-file or model-engine-file is required", cfg.File)
	}
	if e.backend == backendGPU || (e.backend == backendAuto && cuda.Available()) {
		g, err := e.openGPU(cfg, batch)
		if err == nil {
			return g, nil
		}
		if e.backend == backendGPU {
			return nil, fmt.Errorf("%s: backend=gpu: %w", cfg.File, err)
		}
		e.PostWarning(fmt.Errorf("%s: GPU backend unavailable, running on the CPU: %w", cfg.File, err), "")
	}
	if e.runner == nil {
		e.runner = cpu.NewRunner(cpu.Options{})
	}
	if cfg.ONNXFile != "" {
		return graph.LoadFile(cfg.ONNXFile)
	}
	path := ownEngine(cfg.ModelEngineFile)
	f, err := gpu.ReadEngineFile(path)
	if err != nil {
		if path != cfg.ModelEngineFile {
			err = fmt.Errorf("%s is not a dsgo engine, and beside it %w", cfg.ModelEngineFile, err)
		}
		return nil, fmt.Errorf("%s: no onnx-file, and the engine file cannot be read: %w", cfg.File, err)
	}
	e.PostInfo(fmt.Sprintf("%s: running the graph of engine file %s on the CPU (it has no onnx-file)", cfg.File, path))
	return f.Graph, nil
}

// gpuOptions are the engine options the config asks for.
func (e *Infer) gpuOptions(cfg *configs.InferConfig) gpu.Options {
	opts := gpu.Options{Device: cfg.GPUID, Precision: gpu.FP32}
	if e.gpuID > 0 {
		opts.Device = int(e.gpuID)
	}
	switch cfg.NetworkMode {
	case 1:
		e.PostWarning(fmt.Errorf("%s: network-mode=1 (INT8) is not supported yet: running FP16", cfg.File), "")
		opts.Precision = gpu.FP16
	case 2:
		opts.Precision = gpu.FP16
	}
	return opts
}

// openGPU prepares the GPU engine as DeepStream does: it deserializes
// model-engine-file when the file was built for this GPU, precision, a
// batch at least batch-size and the config's onnx-file; otherwise it logs
// why and builds the engine from onnx-file, and saveEngine later writes
// it to model-engine-file (or, without one, to the name DeepStream gives
// it beside the model) so that the next start loads it.
func (e *Infer) openGPU(cfg *configs.InferConfig, batch int) (*graph.Graph, error) {
	opts := e.gpuOptions(cfg)
	want := gpu.EngineWant{Device: opts.Device, Precision: opts.Precision, MaxBatch: batch}
	var src gpu.Source
	if cfg.ONNXFile != "" {
		var err error
		if src, err = gpu.SourceOf(cfg.ONNXFile); err != nil {
			return nil, err
		}
		want.SourceSHA256 = src.SHA256
	}
	path := cfg.ModelEngineFile
	if path == "" && cfg.ONNXFile != "" {
		path = gpu.EngineFileName(cfg.ONNXFile, batch, opts.Device, opts.Precision)
	}
	if own := ownEngine(path); own != path {
		// DeepStream configs name TensorRT engines, often by this very
		// name: dsgo never overwrites one and keeps its own beside it.
		e.PostWarning(fmt.Errorf("%s: %s is not a dsgo engine (TensorRT's?): it is left alone, dsgo's engine is %s", cfg.File, path, own), "")
		path = own
	}
	if cfg.ModelEngineFile != "" || gpu.IsEngineFile(path) {
		f, err := gpu.ReadEngineFile(path)
		if err == nil {
			err = f.Check(want)
		}
		if err == nil {
			eng, err := f.Open(gpu.Options{Device: opts.Device})
			if err != nil {
				return nil, err
			}
			e.gpu = eng
			h := f.Header
			e.PostInfo(fmt.Sprintf("%s: deserialized engine %s (%s, built on %s in %.2fs) on GPU %d",
				cfg.File, path, h.Precision, h.GPU, h.BuildSeconds, opts.Device))
			return f.Graph, nil
		}
		if errors.Is(err, cuda.ErrUnavailable) {
			return nil, err
		}
		if cfg.ONNXFile == "" {
			return nil, fmt.Errorf("model-engine-file %s: %w; no onnx-file to build it from", path, err)
		}
		e.PostWarning(fmt.Errorf("%s: model-engine-file %s: %w; building the engine from %s", cfg.File, path, err, cfg.ONNXFile), "")
	}
	g, err := graph.LoadFile(cfg.ONNXFile)
	if err != nil {
		return nil, err
	}
	if g, err = graph.Optimize(g, graph.Options{}); err != nil {
		return nil, err
	}
	eng, err := gpu.NewEngine(g, opts)
	if err != nil {
		return nil, err
	}
	e.gpu, e.engineSrc, e.engineOut = eng, src, path
	e.PostInfo(fmt.Sprintf("%s: building the engine of %s for GPU %d (%s)", cfg.File, cfg.ONNXFile, opts.Device, opts.Precision))
	return g, nil
}

// saveEngine writes the engine built at start, with the programs it has
// compiled, to the engine file; failing to is a warning, as in
// DeepStream (the pipeline runs, the next start builds again).
func (e *Infer) saveEngine(cfg *configs.InferConfig) {
	if e.gpu == nil || e.engineOut == "" {
		return
	}
	path := e.engineOut
	e.engineOut = ""
	f, err := e.gpu.EngineFile(e.engineSrc)
	if err == nil {
		err = f.WriteFile(path)
	}
	if err != nil {
		e.PostWarning(fmt.Errorf("%s: the engine was built but not saved: %w", cfg.File, err), "")
		return
	}
	e.PostInfo(fmt.Sprintf("%s: serialized engine to %s (built in %.2fs)", cfg.File, path, f.Header.BuildSeconds))
}

// ownEngine returns where dsgo's engine for path lives: path itself,
// unless a file that is not a dsgo engine (a TensorRT engine from a
// DeepStream setup) is there; then model.dsgo.engine beside it.
func ownEngine(path string) string {
	if path == "" {
		return ""
	}
	if _, err := os.Stat(path); err != nil || gpu.IsEngineFile(path) {
		return path
	}
	return strings.TrimSuffix(path, ".engine") + ".dsgo.engine"
}
