package infer

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dsgo/dsgo/configs"
	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/gpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/parsers"
	"github.com/dsgo/dsgo/infer/tensor"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// Infer is the nvinfer element. A DeepStream nvinfer config file
// (config-file-path) names the ONNX model and how to pre- and post-process:
// in primary mode (process-mode=1) every frame of a batch is inferred and
// a detector's boxes become ObjectMeta; in secondary mode (2) the objects
// of an upstream detector are cropped, batched and classified, and the
// results become ClassifierMeta on each object. The model runs on the GPU
// backend (infer/gpu: cuDNN/cuBLAS, FP16 with network-mode=2) when a GPU
// is there and on the CPU backend (infer/cpu) otherwise; the backend
// property forces either. On the GPU, model-engine-file is loaded when it
// was built for this GPU, precision, batch size and model, and otherwise
// built and written, as DeepStream does with TensorRT engines.
type Infer struct {
	pipeline.TransformBase
	configPath  string
	uniqueID    int64
	processMode int
	interval    int64
	batchSize   int64
	gpuID       int64
	engineFile  string
	onGIEID     int64
	onClassIDs  string

	cfg    *configs.InferConfig
	in     video.Info
	runner *cpu.Runner
	// running is held while a buffer is inferred, so that Stop (from a
	// state change on another goroutine) waits for the model to finish
	// before closing the runner it uses.
	running     sync.Mutex
	model       *graph.Graph
	inName      string
	inShape     tensor.Shape // [max batch, C, H, W]
	outputNames []string     // output-blob-names; empty: all outputs
	engines     []*engine    // by batch size, compiled when first needed
	backend     int          // property: 0 auto, 1 cpu, 2 gpu
	gpu         *gpu.Engine  // the GPU engine, when the model runs there
	engineOut   string       // where to save the engine built at start
	engineSrc   gpu.Source   // the ONNX file it was built from
	gpre        *gpuPre      // its preprocessing on the device
	gpuPreOn    bool         // property gpu-preprocessing
	eng         *engine      // the one in use
	net         meta.NetworkInfo
	pre         Preprocessor
	bbox        parsers.BBoxParser
	classify    parsers.ClassifierParser
	masker      parsers.InstanceMaskParser
	cluster     parsers.Clusterer
	dp          parsers.DetectionParams
	labels      [][]string
	batches     int64
	raw         []parsers.Object
	objs        []parsers.Object
	rawInst     []parsers.InstanceObject
	insts       []parsers.InstanceObject
	attrs       []parsers.Attribute
	pending     []crop
	bufs        tensorBufs
	cache       classCache
	runs        atomic.Int64 // model runs, for the "inferences" property
}

// crop is one object waiting for secondary inference.
type crop struct {
	frame *meta.FrameMeta
	obj   *meta.ObjectMeta
	rect  video.Rect
	mem   int
}

var inferClass = &pipeline.ElementClass{
	Factory:     "nvinfer",
	Klass:       "Filter/Analytics",
	Description: "Run an ONNX model on batched frames or objects, configured by a DeepStream nvinfer config file",
	Templates: []*pipeline.PadTemplate{
		pipeline.NewPadTemplate("sink", pipeline.PadSink, pipeline.PadAlways, "video/x-raw, format={ NV12, RGBA }"),
		pipeline.NewPadTemplate("src", pipeline.PadSrc, pipeline.PadAlways, "video/x-raw, format={ NV12, RGBA }"),
	},
	Props: []pipeline.Prop{
		pipeline.StringProp("config-file-path", "nvinfer config file", "", func(e *Infer) *string { return &e.configPath }, nil),
		pipeline.IntProp("unique-id", "gie-unique-id override (0: from the config)", 0, 0, 1<<30, func(e *Infer) *int64 { return &e.uniqueID }),
		pipeline.EnumProp("process-mode", "Infer on frames or objects (default: from the config)", 0, []string{"default", "primary", "secondary"}, func(e *Infer) *int { return &e.processMode }),
		pipeline.IntProp("interval", "Batches to skip between inferences (-1: from the config)", -1, -1, 1<<30, func(e *Infer) *int64 { return &e.interval }),
		pipeline.IntProp("batch-size", "Frames or objects per inference (0: from the config)", 0, 0, 1024, func(e *Infer) *int64 { return &e.batchSize }),
		pipeline.IntProp("infer-on-gie-id", "Secondary mode: infer on objects of this gie-unique-id (-1: from the config)", -1, -1, 1<<30, func(e *Infer) *int64 { return &e.onGIEID }),
		pipeline.StringProp("infer-on-class-ids", "Secondary mode: infer on objects of these classes, colon-separated as DeepStream's \"0:2\" (empty: from the config)", "", func(e *Infer) *string { return &e.onClassIDs }, checkClassIDs),
		pipeline.EnumProp("backend", "Where the model runs: auto (the GPU when there is one), cpu or gpu", 0, []string{"auto", "cpu", "gpu"}, func(e *Infer) *int { return &e.backend }),
		pipeline.BoolProp("gpu-preprocessing", "With the GPU backend, scale, convert and normalise frames (or object crops) on the GPU, one kernel per batch, instead of on the CPU", true, func(e *Infer) *bool { return &e.gpuPreOn }),
		pipeline.IntProp("gpu-id", "GPU to use", 0, 0, 64, func(e *Infer) *int64 { return &e.gpuID }),
		pipeline.StringProp("model-engine-file", "Engine file (dsmodel build) to load on the GPU instead of building from onnx-file; rebuilt and rewritten when it does not fit (empty: from the config)", "", func(e *Infer) *string { return &e.engineFile }, nil),
		pipeline.ReadOnlyProp("inferences", "Model runs since start (batches of frames or objects)", pipeline.PropInt, func(e *Infer) any { return e.runs.Load() }),
	},
}

func init() { pipeline.Register(inferClass, func() pipeline.Element { return New() }) }

// New returns an nvinfer element.
func New() *Infer {
	e := &Infer{onGIEID: -1}
	e.InitTransform(e, inferClass)
	return e
}

// Start reads the config, loads and compiles the model and picks the parsers.
func (e *Infer) Start(context.Context) error {
	if e.configPath == "" {
		return fmt.Errorf("config-file-path is not set")
	}
	cfg, warns, err := configs.LoadInfer(e.configPath)
	if err != nil {
		return err
	}
	for _, w := range warns {
		e.PostWarning(fmt.Errorf("%s", w.String()), "")
	}
	e.applyOverrides(cfg)
	g, err := e.loadModel(cfg, max(cfg.BatchSize, 1))
	if err != nil {
		e.closeBackend()
		return err
	}
	if err := e.compile(cfg, g); err != nil {
		e.closeBackend()
		return err
	}
	e.saveEngine(cfg)
	if err := e.pickParsers(cfg); err != nil {
		return err
	}
	e.cfg, e.batches = cfg, 0
	e.runs.Store(0)
	e.cache = classCache{}
	return nil
}

func (e *Infer) applyOverrides(cfg *configs.InferConfig) {
	if e.uniqueID > 0 {
		cfg.GIEUniqueID = int(e.uniqueID)
	}
	if e.processMode > 0 {
		cfg.ProcessMode = e.processMode
	}
	if e.interval >= 0 {
		cfg.Interval = int(e.interval)
	}
	if e.batchSize > 0 {
		cfg.BatchSize = int(e.batchSize)
	}
	if e.onGIEID >= 0 {
		cfg.OperateOnGIEID = int(e.onGIEID)
	}
	if e.onClassIDs != "" {
		cfg.OperateOnClassIDs, _ = parseClassIDs(e.onClassIDs) // checked when set
	}
	if e.engineFile != "" {
		cfg.ModelEngineFile = e.engineFile
	}
}

// parseClassIDs reads infer-on-class-ids: class ids separated by ':' (as
// DeepStream's property) or ';' (as its config files).
func parseClassIDs(s string) ([]int, error) {
	var ids []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ':' || r == ';' }) {
		id, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || id < 0 {
			return nil, fmt.Errorf("infer-on-class-ids=%q: want class ids (non-negative integers) separated by ':'", s)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func checkClassIDs(s string) error {
	_, err := parseClassIDs(s)
	return err
}

// network is a compiled model: infer/cpu's Program or infer/gpu's, which
// both take and give host tensors.
type network interface {
	Input(name string) (*tensor.Tensor, bool)
	Output(name string) (*tensor.Tensor, bool)
	Graph() *graph.Graph
	Run() error
}

// engine is the model compiled for one batch size, with per-image views
// of its outputs.
type engine struct {
	prog   network
	gpu    *gpu.Program   // prog, when it runs on the GPU
	devIn  cuda.DevicePtr // its input on the device, for GPU preprocessing
	input  *tensor.Tensor
	layers [][]*tensor.Tensor // per image of the batch: views of the outputs
}

// useBatch makes the engine for batch size n current, compiling it the
// first time: a batch smaller than batch-size (one camera of a batch-4
// config, the last objects of a frame) runs only the images it has, as
// TensorRT's dynamic-batch engines do.
func (e *Infer) useBatch(n int) error {
	if e.engines[n] != nil {
		e.eng = e.engines[n]
		return nil
	}
	shape := append(tensor.Shape(nil), e.inShape...)
	shape[0] = n
	shapes := map[string]tensor.Shape{e.inName: shape}
	var prog network
	var err error
	if e.gpu != nil {
		prog, err = e.gpu.Compile(shapes)
	} else {
		prog, err = cpu.Compile(e.model, shapes, e.runner)
	}
	if err != nil {
		return err
	}
	en := &engine{prog: prog, layers: make([][]*tensor.Tensor, n)}
	en.input, _ = prog.Input(e.inName)
	if gp, ok := prog.(*gpu.Program); ok {
		en.gpu = gp
		en.devIn, _ = gp.InputDevice(e.inName)
	}
	for _, v := range prog.Graph().Outputs {
		if len(e.outputNames) > 0 && !slices.Contains(e.outputNames, v.Name) {
			continue
		}
		out, _ := prog.Output(v.Name)
		if out.DType != tensor.Float32 || len(out.Shape) == 0 || out.Shape[0] != n {
			return fmt.Errorf("output %s %v %v: want float32 with the batch first", v.Name, out.DType, out.Shape)
		}
		per := out.Len() / n
		for i := range n {
			en.layers[i] = append(en.layers[i], &tensor.Tensor{Name: v.Name, DType: tensor.Float32,
				Shape: out.Shape[1:], F32: out.F32[i*per : (i+1)*per]})
		}
	}
	e.engines[n], e.eng = en, en
	return nil
}

// progCloser returns the engine's program as an io.Closer when it holds
// device memory (GPU programs).
func (en *engine) progCloser() (io.Closer, bool) {
	if en == nil {
		return nil, false
	}
	c, ok := en.prog.(io.Closer)
	return c, ok
}

// closeBackend releases the compiled programs and the GPU engine.
func (e *Infer) closeBackend() {
	if e.gpre != nil {
		e.gpre.close()
		e.gpre = nil
	}
	if e.gpu != nil {
		for _, en := range e.engines {
			if c, ok := en.progCloser(); ok {
				c.Close()
			}
		}
		e.gpu.Close()
		e.gpu = nil
	}
	e.engines, e.eng = nil, nil
	if e.runner != nil {
		e.runner.Close()
		e.runner = nil
	}
}

// compile binds the model's input to [batch, C, H, W] and lowers it.
func (e *Infer) compile(cfg *configs.InferConfig, g *graph.Graph) error {
	if len(g.Inputs) != 1 {
		return fmt.Errorf("%s: models with %d inputs are not supported", cfg.ONNXFile, len(g.Inputs))
	}
	in := g.Inputs[0]
	if len(in.Shape) != 4 {
		return fmt.Errorf("%s: input %s is %v, want NCHW", cfg.ONNXFile, in.Name, in.Shape)
	}
	c, h, w := in.Shape[1], in.Shape[2], in.Shape[3]
	if len(cfg.InferDims) == 3 {
		c, h, w = cfg.InferDims[0], cfg.InferDims[1], cfg.InferDims[2]
	}
	b := max(cfg.BatchSize, 1)
	e.model, e.inName, e.inShape, e.outputNames = g, in.Name, tensor.Shape{b, c, h, w}, cfg.OutputBlobNames
	e.net = meta.NetworkInfo{Width: w, Height: h, Channels: c}
	e.engines = make([]*engine, b+1)
	err := e.useBatch(b)
	if err != nil && e.gpu != nil && e.backend == backendAuto {
		// A model the GPU backend cannot compile (an op it lacks) still
		// runs on the CPU.
		e.PostWarning(fmt.Errorf("%s: the GPU backend cannot run the model, running on the CPU: %w", cfg.File, err), "")
		e.closeBackend()
		e.runner = cpu.NewRunner(cpu.Options{})
		e.engines = make([]*engine, b+1)
		err = e.useBatch(b)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", cfg.ONNXFile, err)
	}
	e.pre = Preprocessor{NetW: w, NetH: h, Color: ColorFormat(cfg.ModelColorFormat), NetScaleFactor: float32(cfg.NetScaleFactor),
		MaintainAspect: cfg.MaintainAspectRatio, Symmetric: cfg.SymmetricPadding}
	if cfg.ScalingFilter == 0 {
		e.pre.Interp = video.InterpNearest
	}
	for i := 0; i < len(cfg.Offsets) && i < 3; i++ {
		e.pre.Offsets[i] = float32(cfg.Offsets[i])
	}
	if e.pre.Channels() != c {
		return fmt.Errorf("%s: model-color-format %d gives %d channels, the model takes %d", cfg.File, cfg.ModelColorFormat, e.pre.Channels(), c)
	}
	if e.gpu != nil && e.gpuPreOn && e.engines[b].devIn != 0 {
		gp, err := newGPUPre(e.gpu, &e.pre, b)
		if err != nil {
			e.PostWarning(fmt.Errorf("%s: preprocessing on the CPU: %w", cfg.File, err), "")
		}
		e.gpre = gp
	}
	return nil
}

// pickParsers chooses the output parser and clustering for network-type.
func (e *Infer) pickParsers(cfg *configs.InferConfig) error {
	labels, err := readLabels(cfg.LabelfilePath, cfg.NetworkType == 1)
	if err != nil {
		return err
	}
	e.labels = labels
	switch cfg.NetworkType {
	case 0:
		if e.bbox, err = parsers.Default.BBox(cfg.ParseBBoxFuncName); err != nil {
			return fmt.Errorf("%s: parse-bbox-func-name: %w", cfg.File, err)
		}
		e.detectionParams(cfg)
	case 3:
		if cfg.ParseBBoxInstanceMaskFuncName == "" {
			return fmt.Errorf("%s: network-type=3 needs parse-bbox-instance-mask-func-name (e.g. %s)", cfg.File, parsers.MrcnnName)
		}
		if e.masker, err = parsers.Default.InstanceMask(cfg.ParseBBoxInstanceMaskFuncName); err != nil {
			return fmt.Errorf("%s: parse-bbox-instance-mask-func-name: %w", cfg.File, err)
		}
		if cfg.ClusterMode != parsers.ClusterNone {
			return fmt.Errorf("%s: network-type=3 needs cluster-mode=4 (instance segmentation is not clustered), got %d", cfg.File, cfg.ClusterMode)
		}
		e.detectionParams(cfg)
	case 1:
		if e.classify, err = parsers.Default.Classifier(cfg.ParseClassifierFuncName); err != nil {
			return fmt.Errorf("%s: parse-classifier-func-name: %w", cfg.File, err)
		}
	case 2:
		if len(e.eng.layers) == 0 || len(e.eng.layers[0]) != 1 {
			return fmt.Errorf("%s: a segmentation model needs one output layer (set output-blob-names)", cfg.File)
		}
	default:
		return fmt.Errorf("%s: network-type=%d is not wired to nvinfer yet (detectors, classifiers and semantic segmentation are)", cfg.File, cfg.NetworkType)
	}
	return nil
}

// detectionParams sets the clustering and per-class thresholds of a
// detector (network-type 0 or 3).
func (e *Infer) detectionParams(cfg *configs.InferConfig) {
	n := max(cfg.NumDetectedClasses, 1)
	e.cluster = parsers.Clusterer{Mode: cfg.ClusterMode, Classes: make([]parsers.ClassParams, n)}
	e.dp = parsers.DetectionParams{NumClasses: n, PreClusterThreshold: make([]float32, n)}
	for i := range e.cluster.Classes {
		ca := cfg.Class(i)
		e.cluster.Classes[i] = classParams(&ca)
		e.dp.PreClusterThreshold[i] = e.cluster.Classes[i].PreClusterThreshold
	}
}

// classParams converts a config's class attributes.
func classParams(a *configs.ClassAttrs) parsers.ClassParams {
	return parsers.ClassParams{
		PreClusterThreshold: float32(a.PreClusterThreshold), PostClusterThreshold: float32(a.PostClusterThreshold),
		EPS: float32(a.EPS), GroupThreshold: a.GroupThreshold, MinBoxes: a.MinBoxes, DBSCANMinScore: float32(a.DBSCANMinScore),
		NMSIOUThreshold: float32(a.NMSIOUThreshold), TopK: a.TopK,
		DetectedMinW: float32(a.DetectedMinW), DetectedMinH: float32(a.DetectedMinH),
		DetectedMaxW: float32(a.DetectedMaxW), DetectedMaxH: float32(a.DetectedMaxH),
		ROITopOffset: float32(a.ROITopOffset), ROIBottomOffset: float32(a.ROIBottomOffset),
	}
}

// readLabels reads a DeepStream label file: one label per line, or for
// classifiers one line per output layer with ;-separated labels.
func readLabels(path string, classifier bool) ([][]string, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("labelfile-path: %w", err)
	}
	defer f.Close()
	var out [][]string
	var flat []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" {
			continue
		}
		if classifier {
			out = append(out, strings.Split(line, ";"))
		} else {
			flat = append(flat, line)
		}
	}
	if !classifier {
		out = [][]string{flat}
	}
	return out, s.Err()
}

// Stop releases the model.
func (e *Infer) Stop() error {
	e.running.Lock()
	defer e.running.Unlock()
	e.closeBackend()
	return nil
}

// SetCaps records the frame layout.
func (e *Infer) SetCaps(in *pipeline.Caps) (*pipeline.Caps, error) {
	info, err := video.HostInfoFromCaps(in)
	if err != nil {
		return nil, err
	}
	e.in = info
	return in, nil
}

// Transform infers on the batch and attaches the results.
func (e *Infer) Transform(_ context.Context, buf *pipeline.Buffer) (*pipeline.Buffer, error) {
	batch := meta.GetBatchMeta(buf)
	if batch == nil {
		buf.Unref()
		return nil, fmt.Errorf("buffer without batch metadata (put nvstreammux upstream)")
	}
	e.running.Lock()
	defer e.running.Unlock()
	if e.eng == nil { // stopped while this buffer was on its way
		buf.Unref()
		return nil, nil
	}
	e.batches++
	if iv := int64(e.cfg.Interval); iv > 0 && (e.batches-1)%(iv+1) != 0 {
		return buf, nil
	}
	var err error
	if e.cfg.ProcessMode == 2 {
		err = e.secondary(buf, batch)
	} else {
		err = e.primary(buf, batch)
	}
	if err != nil {
		buf.Unref()
		return nil, err
	}
	return buf, nil
}
