package gpu

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// An engine file is what trtexec's --saveEngine and DeepStream's
// model-engine-file hold for TensorRT: a model prepared for one kind of
// GPU, so that starting a pipeline does not repeat the build. dsgo's
// holds the optimised graph with its weights (as ONNX, see graph.ToProto)
// and, for each input shape built, the tactics tuning chose (a cuDNN
// algorithm per convolution), with what they were chosen for: the GPU,
// cuDNN, precision, layout and the batch sizes. Loading one skips the
// ONNX passes and the tuning; one that does not fit the GPU or the
// configuration is rebuilt (see Check).
//
// Layout: the 8-byte magic, a little-endian uint32 format version, a
// uint32 header length and the header (JSON), a uint64 graph length and
// the graph (ONNX protobuf).

// engineMagic starts every engine file.
const engineMagic = "DSGOENG\x00"

// EngineFormat is the version of the file layout; EngineVersion that of
// the lowering whose tactics the file stores. A file with another one of
// either is rebuilt. Version 3: tactics timed in captured CUDA graphs
// (version 2 timed cuDNN with its host cost and kept slower kernels) and
// the halo convolution kernels.
const (
	EngineFormat  = 1
	EngineVersion = 3
)

// maxEngineHeader bounds the JSON header a file may declare.
const maxEngineHeader = 64 << 20

// Tactic is what tuning chose for one convolution of a program.
type Tactic struct {
	Step  string `json:"step"`  // the node
	Spec  string `json:"spec"`  // the convolution's shapes and types
	Algo  int    `json:"algo"`  // cuDNN's algorithm number
	Fused bool   `json:"fused"` // cuDNN's fused bias+activation call works with Algo
	// Kernel names dsgo's own convolution kernel (cuda/kernels/conv.cu)
	// when it beat cuDNN; Algo is then cuDNN's fallback.
	Kernel string  `json:"kernel,omitempty"`
	Millis float64 `json:"ms"` // as timed by Options.Autotune; -1 when not timed
}

// ProgramTactics are the tactics of the program built for one set of
// input shapes.
type ProgramTactics struct {
	Shapes  map[string][]int `json:"shapes"`
	Tactics []Tactic         `json:"tactics"`
}

// EngineHeader describes an engine file: what it was built from, for and
// with.
type EngineHeader struct {
	Format         int              `json:"format"`
	Version        int              `json:"engine_version"`
	GPU            string           `json:"gpu"`  // device name
	Arch           string           `json:"arch"` // compute capability, e.g. sm_90
	CuDNN          int              `json:"cudnn"`
	Precision      string           `json:"precision"` // fp32 or fp16
	Layout         string           `json:"layout"`    // auto, nchw or nhwc
	Autotune       bool             `json:"autotune"`
	WorkspaceLimit int              `json:"workspace_limit"`
	FusedConv      bool             `json:"fused_conv"`
	MaxBatch       int              `json:"max_batch"`
	Source         string           `json:"source"`        // the ONNX file, as given to the build
	SourceSHA256   string           `json:"source_sha256"` // of its bytes
	GraphSHA256    string           `json:"graph_sha256"`  // of the stored graph
	Built          time.Time        `json:"built"`
	BuildSeconds   float64          `json:"build_seconds"`
	Programs       []ProgramTactics `json:"programs"`
}

// EngineFile is a decoded engine file.
type EngineFile struct {
	Header EngineHeader
	Graph  *graph.Graph // optimised, with its batch dimension free
	graph  []byte       // Graph as stored
}

// BuildRequest says what to build an engine for.
type BuildRequest struct {
	// Batches are the batch sizes to build programs for; the first
	// dimension of every input is set to each. Empty means 1.
	Batches []int
	// Shapes fixes other dynamic input dimensions (-1 for the batch).
	Shapes map[string]tensor.Shape
	Source
}

// Source is the ONNX model an engine is built from: its path and the hex
// SHA-256 of its bytes (SourceOf), recorded so a changed model is
// noticed.
type Source struct {
	Path, SHA256 string
}

// SourceOf returns the source record of the ONNX file at path.
func SourceOf(path string) (Source, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Source{}, fmt.Errorf("gpu: %w", err)
	}
	h := sha256.Sum256(b)
	return Source{Path: path, SHA256: hex.EncodeToString(h[:])}, nil
}

// EngineFileName is the name DeepStream gives the engine it builds from
// an ONNX model: model.onnx_b4_gpu0_fp16.engine beside the model.
func EngineFileName(onnxPath string, maxBatch, device int, p Precision) string {
	return fmt.Sprintf("%s_b%d_gpu%d_%s.engine", onnxPath, maxBatch, device, p)
}

// Build optimises g, prepares it on the GPU and compiles (tunes) one
// program per requested batch size; it returns the engine, its programs
// in the order of req.Batches, and the engine file describing them. The
// caller owns the engine.
func Build(g *graph.Graph, o Options, req BuildRequest) (*Engine, []*Program, *EngineFile, error) {
	if g == nil {
		return nil, nil, nil, errors.New("gpu: build: nil graph")
	}
	start := time.Now()
	opt, err := graph.Optimize(g, graph.Options{})
	if err != nil {
		return nil, nil, nil, err
	}
	passes := time.Since(start)
	e, err := NewEngine(opt, o)
	if err != nil {
		return nil, nil, nil, err
	}
	e.buildTime += passes
	batches := req.Batches
	if len(batches) == 0 {
		batches = []int{1}
	}
	var progs []*Program
	for _, b := range batches {
		shapes, err := BatchShapes(opt, req.Shapes, b)
		if err == nil {
			var p *Program
			if p, err = e.Compile(shapes); err == nil {
				progs = append(progs, p)
			}
		}
		if err != nil {
			return nil, nil, nil, errors.Join(fmt.Errorf("gpu: build for batch %d: %w", b, err), e.Close())
		}
	}
	f, err := e.EngineFile(req.Source)
	if err != nil {
		return nil, nil, nil, errors.Join(err, e.Close())
	}
	return e, progs, f, nil
}

// EngineFile describes e and the programs it has compiled as an engine
// file: e's graph (which should be optimised, with its batch dimension
// free, as Build makes it), each program's input shapes and tactics, the
// GPU, cuDNN and options, and the time spent preparing the engine and
// compiling its programs.
func (e *Engine) EngineFile(src Source) (*EngineFile, error) {
	if e == nil || e.ctx == nil {
		return nil, errors.New("gpu: engine file of a closed engine")
	}
	h, err := e.describe()
	if err != nil {
		return nil, err
	}
	for _, p := range e.progs {
		shapes := map[string][]int{}
		for _, v := range p.g.Inputs {
			shapes[v.Name] = slices.Clone([]int(v.Shape))
			if len(v.Shape) > 0 {
				h.MaxBatch = max(h.MaxBatch, v.Shape[0])
			}
		}
		h.Programs = append(h.Programs, ProgramTactics{Shapes: shapes, Tactics: p.Tactics()})
	}
	h.Source, h.SourceSHA256 = src.Path, src.SHA256
	h.Built = time.Now().UTC().Truncate(time.Second)
	h.BuildSeconds = e.buildTime.Seconds()
	return NewEngineFile(e.g, h)
}

// NewEngineFile assembles an engine file from an optimised graph and a
// header (the graph checksum is set here), for tools that write engine
// files without building them on a GPU, and for tests.
func NewEngineFile(g *graph.Graph, h EngineHeader) (*EngineFile, error) {
	var gb bytes.Buffer
	if err := g.Save(&gb); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(gb.Bytes())
	h.GraphSHA256 = hex.EncodeToString(sum[:])
	h.Format = EngineFormat
	return &EngineFile{Header: h, Graph: g, graph: gb.Bytes()}, nil
}

// describe fills the header fields that say what e runs on and how.
func (e *Engine) describe() (EngineHeader, error) {
	dev := e.ctx.Device()
	name, err := dev.Name()
	if err != nil {
		return EngineHeader{}, fmt.Errorf("gpu: %w", err)
	}
	arch, err := dev.Arch()
	if err != nil {
		return EngineHeader{}, fmt.Errorf("gpu: %w", err)
	}
	dnn, _, err := cuda.DNNVersion()
	if err != nil {
		return EngineHeader{}, fmt.Errorf("gpu: %w", err)
	}
	o := e.opts
	return EngineHeader{Format: EngineFormat, Version: EngineVersion, GPU: name, Arch: arch, CuDNN: dnn,
		Precision: o.Precision.String(), Layout: o.Layout.String(), Autotune: o.Autotune || o.Find,
		WorkspaceLimit: o.WorkspaceLimit, FusedConv: !o.NoFusedConv}, nil
}

// BatchShapes returns the shapes of g's inputs for batch size n: the
// first dimension is n, other dimensions are the model's, or fixed's
// where the model leaves them dynamic.
func BatchShapes(g *graph.Graph, fixed map[string]tensor.Shape, n int) (map[string]tensor.Shape, error) {
	if n < 1 {
		return nil, fmt.Errorf("gpu: batch size %d", n)
	}
	out := map[string]tensor.Shape{}
	for _, v := range g.Inputs {
		s := slices.Clone(v.Shape)
		if f, ok := fixed[v.Name]; ok {
			s = slices.Clone(f)
		}
		if len(s) == 0 {
			return nil, fmt.Errorf("gpu: input %s has no known rank", v.Name)
		}
		s[0] = n
		for i, d := range s {
			if d < 0 {
				return nil, fmt.Errorf("gpu: input %s: dimension %d of %v is dynamic; give its size", v.Name, i, s)
			}
		}
		out[v.Name] = s
	}
	return out, nil
}

// shapesKey identifies a set of input shapes.
func shapesKey[S ~[]int](m map[string]S) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		b.WriteString(k)
		for _, d := range m[k] {
			b.WriteByte(',')
			b.WriteString(strconv.Itoa(d))
		}
		b.WriteByte(';')
	}
	return b.String()
}

// WriteTo writes the engine file.
func (f *EngineFile) WriteTo(w io.Writer) (int64, error) {
	h, err := json.MarshalIndent(f.Header, "", " ")
	if err != nil {
		return 0, fmt.Errorf("gpu: engine header: %w", err)
	}
	var pre bytes.Buffer
	pre.WriteString(engineMagic)
	binary.Write(&pre, binary.LittleEndian, uint32(EngineFormat))
	binary.Write(&pre, binary.LittleEndian, uint32(len(h)))
	pre.Write(h)
	binary.Write(&pre, binary.LittleEndian, uint64(len(f.graph)))
	n, err := w.Write(pre.Bytes())
	if err != nil {
		return int64(n), fmt.Errorf("gpu: writing engine: %w", err)
	}
	m, err := w.Write(f.graph)
	if err != nil {
		err = fmt.Errorf("gpu: writing engine: %w", err)
	}
	return int64(n + m), err
}

// WriteFile writes the engine file at path, through a temporary file in
// the same directory renamed into place, so that a reader never sees half
// a file.
func (f *EngineFile) WriteFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("gpu: %w", err)
	}
	_, err = f.WriteTo(tmp)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("gpu: saving engine %s: %w", path, err)
	}
	return nil
}

// IsEngineFile reports whether the file at path starts as a dsgo engine
// file does (whatever its format version), without reading the rest.
func IsEngineFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, len(engineMagic))
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) == engineMagic
}

// ReadEngineFile reads and decodes the engine file at path.
func ReadEngineFile(path string) (*EngineFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	f, err := DecodeEngineFile(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// ErrEngineFormat is wrapped by the errors of a file that is not a dsgo
// engine file of a format this build reads.
var ErrEngineFormat = errors.New("not a dsgo engine file of this format")

// DecodeEngineFile decodes an engine file's bytes. A damaged file (wrong
// magic, lengths, checksum or graph) is an error wrapping
// ErrEngineFormat, never a panic.
func DecodeEngineFile(b []byte) (*EngineFile, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("gpu: engine: %w: %s", ErrEngineFormat, fmt.Sprintf(format, a...))
	}
	if len(b) < len(engineMagic)+8 || string(b[:len(engineMagic)]) != engineMagic {
		return nil, bad("no engine magic")
	}
	b = b[len(engineMagic):]
	if v := binary.LittleEndian.Uint32(b); v != EngineFormat {
		return nil, bad("format %d, this build reads %d", v, EngineFormat)
	}
	hl := uint64(binary.LittleEndian.Uint32(b[4:]))
	b = b[8:]
	if hl > maxEngineHeader || hl+8 > uint64(len(b)) {
		return nil, bad("header of %d bytes in a file of %d", hl, len(b))
	}
	f := &EngineFile{}
	if err := json.Unmarshal(b[:hl], &f.Header); err != nil {
		return nil, bad("header: %v", err)
	}
	b = b[hl:]
	gl := binary.LittleEndian.Uint64(b)
	b = b[8:]
	if gl != uint64(len(b)) {
		return nil, bad("graph of %d bytes where %d remain", gl, len(b))
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) != f.Header.GraphSHA256 {
		return nil, bad("the graph's checksum does not match the header's")
	}
	g, err := graph.Load(bytes.NewReader(b))
	if err != nil {
		return nil, bad("graph: %v", err)
	}
	f.Graph, f.graph = g, b
	if f.Header.Format != EngineFormat {
		return nil, bad("header format %d", f.Header.Format)
	}
	for i, p := range f.Header.Programs {
		for name, s := range p.Shapes {
			if !slices.ContainsFunc(g.Inputs, func(v *graph.Value) bool { return v.Name == name }) {
				return nil, bad("program %d binds %q, which is not an input", i, name)
			}
			if slices.ContainsFunc(s, func(d int) bool { return d < 1 }) {
				return nil, bad("program %d: shape %v of %q", i, s, name)
			}
		}
	}
	return f, nil
}

// ErrEngineMismatch is wrapped by Check's errors: the file is sound but
// was built for another GPU, configuration or model.
var ErrEngineMismatch = errors.New("engine file does not match")

// EngineWant is what a pipeline needs of an engine file.
type EngineWant struct {
	Device    int // CUDA device ordinal it will run on
	Precision Precision
	// MaxBatch is the largest batch it will run; the file must have been
	// built for at least this many.
	MaxBatch int
	// SourceSHA256, when set, is the hash of the ONNX file the
	// configuration names (SourceHash); a file built from another model
	// does not match.
	SourceSHA256 string
}

// Check returns nil when f can serve w on this machine, and otherwise an
// error wrapping ErrEngineMismatch that says what differs, as DeepStream
// logs before it rebuilds: the engine version, the GPU (its name and
// compute capability), cuDNN's version, the precision, the batch size or
// the model.
func (f *EngineFile) Check(w EngineWant) error {
	h := f.Header
	mismatch := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrEngineMismatch, fmt.Sprintf(format, a...))
	}
	if h.Version != EngineVersion {
		return mismatch("built by engine version %d, this is %d", h.Version, EngineVersion)
	}
	if h.Precision != w.Precision.String() {
		return mismatch("built for %s, the configuration wants %s", h.Precision, w.Precision)
	}
	if h.MaxBatch < w.MaxBatch {
		return mismatch("built for batches up to %d, the configuration wants %d", h.MaxBatch, w.MaxBatch)
	}
	if w.SourceSHA256 != "" && h.SourceSHA256 != w.SourceSHA256 {
		return mismatch("built from another model than the configuration's (%s)", h.Source)
	}
	dev, err := cuda.GetDevice(w.Device)
	if err != nil {
		return fmt.Errorf("gpu: %w", err)
	}
	name, err := dev.Name()
	if err != nil {
		return fmt.Errorf("gpu: %w", err)
	}
	arch, err := dev.Arch()
	if err != nil {
		return fmt.Errorf("gpu: %w", err)
	}
	if name != h.GPU || arch != h.Arch {
		return mismatch("built on %s (%s), GPU %d is %s (%s)", h.GPU, h.Arch, w.Device, name, arch)
	}
	if dnn, _, err := cuda.DNNVersion(); err != nil {
		return fmt.Errorf("gpu: %w", err)
	} else if dnn != h.CuDNN {
		return mismatch("built with cuDNN %d, this machine has %d", h.CuDNN, dnn)
	}
	return nil
}

// Options returns the engine options the file was built with, on device
// and with o's cache, debug and log settings.
func (f *EngineFile) Options(o Options) (Options, error) {
	h := f.Header
	switch h.Precision {
	case FP32.String():
		o.Precision = FP32
	case FP16.String():
		o.Precision = FP16
	default:
		return o, fmt.Errorf("gpu: engine precision %q", h.Precision)
	}
	l, err := parseLayout(h.Layout)
	if err != nil {
		return o, err
	}
	o.Layout, o.Autotune, o.Find = l, h.Autotune, false
	o.WorkspaceLimit, o.NoFusedConv = h.WorkspaceLimit, !h.FusedConv
	return o, nil
}

// Open prepares the file's graph on the GPU with the options it was
// built with (o gives the device, kernel cache, debug and log); the
// engine's Compile adopts the stored tactics for the shapes they were
// tuned for, and tunes any other shapes afresh. Call Check first.
func (f *EngineFile) Open(o Options) (*Engine, error) {
	o, err := f.Options(o)
	if err != nil {
		return nil, err
	}
	e, err := NewEngine(f.Graph, o)
	if err != nil {
		return nil, err
	}
	e.presets = map[string][]Tactic{}
	for _, p := range f.Header.Programs {
		e.presets[shapesKey(p.Shapes)] = p.Tactics
	}
	return e, nil
}
