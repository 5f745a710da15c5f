package gpu

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// Precision is the arithmetic a program runs in.
type Precision int

// Precisions. FP16 keeps activations and weights in IEEE half and
// accumulates in float32; inputs and outputs stay float32 at the API.
const (
	FP32 Precision = iota
	FP16
)

func (p Precision) String() string {
	if p == FP16 {
		return "fp16"
	}
	return "fp32"
}

// Layout is the memory order of convolution activations.
type Layout int

// Layouts. LayoutAuto is NHWC in FP16 programs (cuDNN's tensor-core
// kernels are channels-last) and NCHW in FP32 ones.
const (
	LayoutAuto Layout = iota
	LayoutNCHW
	LayoutNHWC
)

var layoutNames = [...]string{"auto", "nchw", "nhwc"}

func (l Layout) String() string {
	if l >= 0 && int(l) < len(layoutNames) {
		return layoutNames[l]
	}
	return "layout(" + strconv.Itoa(int(l)) + ")"
}

// parseLayout is the inverse of Layout.String.
func parseLayout(s string) (Layout, error) {
	if i := slices.Index(layoutNames[:], s); i >= 0 {
		return Layout(i), nil
	}
	return 0, fmt.Errorf("gpu: layout %q", s)
}

// Options configure an Engine.
type Options struct {
	Precision Precision
	Device    int    // CUDA device ordinal
	Layout    Layout // of convolution activations
	// Convolution algorithms are cuDNN's heuristic choice by default.
	// Autotune times the heuristic candidates on the device at compile
	// time instead (warmed up, in the program's own buffers); Find uses
	// cuDNN's cudnnFind*AlgorithmEx, whose timings include cold first
	// runs: on an H100 with cuDNN 9.19 it picked kernels 4-8 times slower
	// than the heuristics' (ResNet-50 FP16, batch 1 and 32).
	Autotune, Find bool
	// WorkspaceLimit caps the scratch memory a convolution algorithm may
	// use, in bytes; 0 means 256 MiB.
	WorkspaceLimit int
	// NoFusedConv runs convolutions with a separate bias and activation
	// kernel even where cuDNN's fused call exists (for comparisons).
	NoFusedConv bool
	// NoOwnConv leaves every convolution to cuDNN: dsgo's own
	// tensor-core kernels (cuda/kernels/conv.cu) are not timed against it.
	NoOwnConv bool
	// ConvKernel makes every convolution that dsgo's own kernels can run
	// use the one named (e.g. "dsgo_igemm_128x32x32") instead of the
	// fastest, for tests and experiments.
	ConvKernel string
	// NoGraph runs the steps one by one on each Run instead of replaying
	// a captured CUDA graph (for debugging and comparisons).
	NoGraph  bool
	CacheDir string      // compiled-kernel cache ("" for cuda.DefaultCacheDir)
	Debug    graph.Debug // 0 reads DSGO_DEBUG
	Log      io.Writer   // where Debug output goes; nil is os.Stderr
}

// Engine is a model prepared for one GPU: the CUDA context, a stream,
// cuBLAS and cuDNN handles, dsgo's kernels, and the weights on the
// device, shared by the Programs it compiles for each set of input
// shapes (one per batch size, say). An Engine and its Programs are not
// safe for concurrent use: they share the stream and its handles.
type Engine struct {
	opts   Options
	g      *graph.Graph
	ctx    *cuda.Context
	s      *cuda.Stream
	blas   *cuda.BLAS
	dnn    *cuda.DNN
	sh     *shared
	kern   map[string]*cuda.Function // sh's, read-only
	args   *cuda.Args
	blasWS *cuda.DeviceMemory
	progs  []*Program
	// presets are the tactics of an engine file, by input shapes.
	presets map[string][]Tactic
	// buildTime is the time spent in NewEngine and Compile.
	buildTime time.Duration
	act       dtype
	log       io.Writer
}

// shared is what an engine's execution contexts (NewContext) have in
// common: the weights on the device and dsgo's kernels. The last context
// closed frees them.
type shared struct {
	ctx    *cuda.Context   // its own hold on the primary context
	mu     sync.Mutex      // contexts compile programs concurrently
	consts map[string]*buf // weights by name, form and content
	seed   maphash.Seed
	mod    *cuda.Module
	kern   map[string]*cuda.Function
	// convCfgs are conv.cu's convolution kernels that this GPU runs, and
	// grid the persistent grid of each halo kernel: as many blocks as fit
	// on the GPU at once.
	convCfgs []igemmConfig
	grid     map[string]int
	refs     int
}

// cublasWorkspace is what cuBLAS gets for its kernels (its recommended
// size on Hopper), so that it allocates nothing during graph capture.
const cublasWorkspace = 32 << 20

// NewEngine prepares g for the GPU: it loads the CUDA driver, cuBLAS,
// cuDNN and dsgo's kernels (compiled by NVRTC, or from the on-disk
// cache). On a machine without a usable GPU the error wraps
// cuda.ErrUnavailable and says what is missing.
func NewEngine(g *graph.Graph, o Options) (e *Engine, err error) {
	start := time.Now()
	defer func() {
		if e != nil {
			e.buildTime += time.Since(start)
		}
	}()
	if g == nil {
		return nil, errors.New("gpu: nil graph")
	}
	if o.Precision != FP32 && o.Precision != FP16 {
		return nil, fmt.Errorf("gpu: precision %d", o.Precision)
	}
	if o.Debug == 0 {
		o.Debug = graph.DebugFromEnv()
	}
	if o.WorkspaceLimit <= 0 {
		o.WorkspaceLimit = 256 << 20
	}
	sh := &shared{consts: map[string]*buf{}, kern: map[string]*cuda.Function{}, grid: map[string]int{},
		seed: maphash.MakeSeed(), refs: 1}
	eng := &Engine{opts: o, g: g, sh: sh, kern: sh.kern, args: cuda.NewArgs(), act: dF32, log: o.Log}
	e = eng
	if o.Precision == FP16 {
		e.act = dF16
	}
	if e.log == nil {
		e.log = os.Stderr
	}
	defer func() {
		if err != nil && eng.ctx != nil {
			eng.Close()
		}
	}()
	if err := eng.open(); err != nil {
		return nil, err
	}
	if sh.ctx, err = eng.ctx.Device().RetainPrimaryContext(); err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	prog, err := cuda.Kernel("infer.cu")
	if err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	conv, err := cuda.Kernel("conv.cu") // uses infer.cu's helpers: one program
	if err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	prog.Source += "\n" + conv.Source
	if sh.mod, err = sh.ctx.BuildModule(prog, o.CacheDir); err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	for _, name := range kernelNames {
		if sh.kern[name], err = sh.mod.Function(name); err != nil {
			return nil, fmt.Errorf("gpu: %w", err)
		}
	}
	// The tensor-core convolution kernels exist from sm_80 on, and not in
	// the emulator: without them cuDNN runs every convolution.
	if !o.NoOwnConv {
		if err := sh.loadOwnConv(eng.ctx.Device()); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// open retains the device's primary context and makes what is e's own:
// the stream, the cuBLAS handle and workspace, the cuDNN handle.
func (e *Engine) open() error {
	dev, err := cuda.GetDevice(e.opts.Device)
	if err != nil {
		return fmt.Errorf("gpu: %w", err)
	}
	if e.ctx, err = dev.RetainPrimaryContext(); err != nil {
		return fmt.Errorf("gpu: %w", err)
	}
	if e.s, err = e.ctx.NewStream(); err != nil {
		return fmt.Errorf("gpu: %w", err)
	}
	if e.blas, err = e.ctx.NewBLAS(); err != nil {
		return fmt.Errorf("gpu: %w", err)
	}
	if e.blasWS, err = e.ctx.Alloc(cublasWorkspace); err != nil {
		return fmt.Errorf("gpu: cuBLAS workspace: %w", err)
	}
	if err := e.blas.SetWorkspace(e.blasWS.Ptr(), cublasWorkspace); err != nil && !isNoSymbol(err) {
		return fmt.Errorf("gpu: %w", err)
	}
	if e.dnn, err = e.ctx.NewDNN(); err != nil {
		return fmt.Errorf("gpu: %w", err)
	}
	return nil
}

// NewContext returns another execution context of e's model, as
// TensorRT's IExecutionContext: its own stream, cuBLAS and cuDNN handles
// and programs, sharing e's weights and kernels, so that goroutines (one
// per context) run the model at once without a second copy of the
// weights. It compiles with e's options and engine-file tactics. The
// engine and its contexts may be closed in any order; the weights go
// with the last.
func (e *Engine) NewContext() (*Engine, error) {
	if e == nil || e.ctx == nil {
		return nil, errors.New("gpu: context of a closed engine")
	}
	c := &Engine{opts: e.opts, g: e.g, sh: e.sh, kern: e.kern, args: cuda.NewArgs(), presets: e.presets, act: e.act, log: e.log}
	e.sh.mu.Lock()
	e.sh.refs++
	e.sh.mu.Unlock()
	if err := c.open(); err != nil {
		if c.ctx != nil {
			c.Close()
		} else {
			c.sh.release()
		}
		return nil, err
	}
	return c, nil
}

// release drops one context's hold on the shared state, freeing it with
// the last.
func (sh *shared) release() []error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.refs--; sh.refs > 0 {
		return nil
	}
	var errs []error
	for _, b := range sh.consts {
		errs = append(errs, b.mem.Free())
	}
	sh.consts = nil
	if sh.mod != nil {
		errs = append(errs, sh.mod.Close())
	}
	if sh.ctx != nil {
		errs = append(errs, sh.ctx.Close())
	}
	return errs
}

func isNoSymbol(err error) bool {
	var le *cuda.LibError
	return errors.As(err, &le) && le.Status == 9999
}

// Compile binds the engine's graph to the input shapes (graph.Bind), runs
// the optimisation passes and lowers every node into a Program: a memory
// plan in one device arena, convolution algorithms chosen, and the whole
// inference captured as one CUDA graph. An op without a GPU lowering
// fails here, naming the op and the node.
func (e *Engine) Compile(shapes map[string]tensor.Shape) (*Program, error) {
	if e == nil || e.ctx == nil {
		return nil, errors.New("gpu: compile on a closed engine")
	}
	defer func(start time.Time) { e.buildTime += time.Since(start) }(time.Now())
	bound, err := e.g.Bind(shapes)
	if err != nil {
		return nil, err
	}
	if bound, err = graph.Optimize(bound, graph.Options{Debug: e.opts.Debug, Log: e.opts.Log}); err != nil {
		return nil, err
	}
	p, err := compile(e, bound, e.presets[shapesKey(shapes)])
	if err != nil {
		return nil, err
	}
	e.progs = append(e.progs, p)
	return p, nil
}

// Stream returns the stream programs run on; work that produces their
// device inputs (preprocessing) must be queued on it or ordered before
// it with an event.
func (e *Engine) Stream() *cuda.Stream { return e.s }

// Context returns the engine's CUDA context.
func (e *Engine) Context() *cuda.Context { return e.ctx }

// Options returns the engine's options.
func (e *Engine) Options() Options { return e.opts }

// Close frees the programs, the weights and the handles.
func (e *Engine) Close() error {
	if e == nil || e.ctx == nil {
		return errors.New("gpu: engine already closed")
	}
	var errs []error
	if e.s != nil {
		errs = append(errs, e.s.Synchronize())
	}
	for _, p := range e.progs {
		errs = append(errs, p.free())
	}
	e.progs = nil
	errs = append(errs, e.sh.release()...)
	if e.dnn != nil {
		errs = append(errs, e.dnn.Close())
	}
	if e.blas != nil {
		errs = append(errs, e.blas.Close())
	}
	if e.blasWS != nil {
		errs = append(errs, e.blasWS.Free())
	}
	if e.s != nil {
		errs = append(errs, e.s.Close())
	}
	errs = append(errs, e.ctx.Close())
	e.ctx = nil
	return errors.Join(errs...)
}

// Compile is NewEngine and Engine.Compile in one: a Program for one set
// of input shapes that owns its engine (Program.Close closes both).
func Compile(g *graph.Graph, shapes map[string]tensor.Shape, o Options) (*Program, error) {
	e, err := NewEngine(g, o)
	if err != nil {
		return nil, err
	}
	p, err := e.Compile(shapes)
	if err != nil {
		return nil, errors.Join(err, e.Close())
	}
	p.owns = true
	return p, nil
}
