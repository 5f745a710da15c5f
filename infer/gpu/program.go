package gpu

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"unsafe"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// step is one unit of work queued on the stream: a kernel, a cuDNN or
// cuBLAS call (or a few of them).
type step struct {
	name   string
	detail string // chosen algorithm, for DSGO_DEBUG=3
	run    func(s *cuda.Stream) error
}

// binding is a graph input or output at the API: its device buffer
// (float32 for float values whatever the precision) and a host tensor in
// pinned memory that Run copies from or to.
type binding struct {
	v    *graph.Value
	b    *buf
	host *tensor.Tensor
	raw  []byte // the host tensor's bytes
}

// tuner chooses a convolution's algorithm once the arena is allocated;
// it returns the workspace bytes the choice needs.
type tuner func(ws cuda.DevicePtr, limit int) (int, error)

// Program is a graph compiled for fixed input shapes on an Engine's GPU:
// every value has its place in one device arena (values whose lifetimes
// do not overlap share memory), weights are on the device, and Run
// replays the whole inference as one CUDA graph. Running allocates
// nothing.
type Program struct {
	e      *Engine
	g      *graph.Graph
	vals   map[*graph.Value]*buf
	bufs   []*buf // arena bufs
	steps  []*step
	tuners []tuner
	convs  []*cuda.Conv
	owned  []*cuda.DeviceMemory // maps and tables
	arena  *cuda.DeviceMemory
	ws     *cuda.DeviceMemory
	wsSize int
	pinned *cuda.HostMemory
	ins    []*binding
	outs   []*binding
	hidden []*binding // device values the host steps read
	tails  []func() error
	exec   *cuda.Graph
	owns   bool
	// captureErr says why the steps could not be captured as a CUDA
	// graph (they then run one by one).
	captureErr error
	// preset are the tactics an engine file stored for this program;
	// tactics are those chosen (or adopted from preset), in tuning order;
	// retuned counts the convolutions whose preset did not fit.
	preset  []Tactic
	tactics []Tactic
	retuned int

	layouts map[*buf]*buf // layout conversions made, by source
	// host are the values only the host holds (NonMaxSuppression rows).
	host map[*graph.Value]*tensor.Tensor
	// cpu runs the nodes after a NonMaxSuppression whose rows feed them
	// (cpu.Tail), when the graph has such nodes.
	cpu *cpu.Runner
	// pending are the graph inputs whose conversion to the program's
	// type or layout is made at their first use (val), unless every
	// consumer reads the API binding itself (source).
	pending map[*graph.Value]*buf
	// slots are the Concat inputs computed in place (planSlots).
	slots map[*graph.Value]slot
	// users are each value's consumers and tail the nodes the host runs
	// (planSlots); pre are the element-wise results left to the step that
	// reads them (preChain).
	users map[*graph.Value][]*graph.Node
	tail  map[*graph.Node]bool
	pre   map[*graph.Value]*preChain
	// slotRoots are the Concat outputs computed in place; group is the
	// last step of element-wise launches into one (ew).
	slotRoots map[*buf]bool
	group     *ewGroup
}

// compile lowers a bound, optimised graph.
func compile(e *Engine, g *graph.Graph, preset []Tactic) (p *Program, err error) {
	prog := &Program{e: e, g: g, vals: map[*graph.Value]*buf{}, layouts: map[*buf]*buf{},
		pending: map[*graph.Value]*buf{}, host: map[*graph.Value]*tensor.Tensor{}, preset: preset,
		slots: map[*graph.Value]slot{}, users: map[*graph.Value][]*graph.Node{}, pre: map[*graph.Value]*preChain{},
		slotRoots: map[*buf]bool{}}
	p = prog
	defer func() {
		if err != nil { // p is nil by now (return nil, err): free what was made
			prog.free()
			p = nil
		}
	}()
	for _, v := range g.Inputs {
		if err := p.bindInput(v); err != nil {
			return nil, err
		}
	}
	t, tailNodes, keep := cpu.SplitTail(g)
	p.planSlots(tailNodes)
	for _, n := range g.Nodes {
		if tailNodes[n] {
			continue
		}
		lower, ok := lowerings[n.Op]
		if !ok {
			return nil, fmt.Errorf("gpu: %s: no GPU kernel for %s yet", n, n.Op)
		}
		if err := lower(p, n); err != nil {
			return nil, fmt.Errorf("gpu: %s: %w", n, err)
		}
	}
	if t != nil {
		if err := p.bindTail(t, keep); err != nil {
			return nil, fmt.Errorf("gpu: %w", err)
		}
	}
	for _, v := range g.Outputs {
		if err := p.bindOutput(v); err != nil {
			return nil, err
		}
	}
	if err := p.allocate(); err != nil {
		return nil, err
	}
	if e.opts.Debug >= 3 {
		p.writeSteps(e.log)
	}
	if !e.opts.NoGraph {
		if err := p.capture(); err != nil {
			// Run the steps one by one rather than not at all.
			p.captureErr = err
			if e.opts.Debug >= 1 {
				fmt.Fprintf(e.log, "dsgo: gpu program %q runs step by step: %v\n", g.Name, err)
			}
		}
	}
	return p, nil
}

// step appends work that reads and writes the given bufs; their
// lifetimes grow to cover it.
func (p *Program) step(name string, reads, writes []*buf, run func(s *cuda.Stream) error) *step {
	i := len(p.steps)
	for _, b := range reads {
		r := b.root()
		r.last = max(r.last, i)
	}
	for _, b := range writes {
		r := b.root()
		r.first = min(r.first, i)
		r.last = max(r.last, i)
	}
	s := &step{name: name, run: run}
	p.steps = append(p.steps, s)
	return s
}

// newBuf makes an arena buf.
func (p *Program) newBuf(name string, dt dtype, shape, stride []int) *buf {
	if stride == nil {
		stride = contiguous(shape)
	}
	b := &buf{name: name, dt: dt, shape: slices.Clone(shape), stride: stride, first: forever, last: -1}
	p.bufs = append(p.bufs, b)
	return b
}

// wantNHWC reports whether convolutions run channels last.
func (p *Program) wantNHWC() bool {
	switch p.e.opts.Layout {
	case LayoutNHWC:
		return true
	case LayoutNCHW:
		return false
	}
	return p.e.act == dF16
}

// define makes the buf of a value a node computes, in the layout asked
// for when it is 4-D.
func (p *Program) define(v *graph.Value, nhwc bool) (*buf, error) {
	if v == nil {
		return nil, errors.New("missing output")
	}
	if v.Shape == nil || v.Shape.NumElements() < 0 {
		return nil, fmt.Errorf("value %s has unknown shape %v", v.Name, v.Shape)
	}
	dt, err := deviceType(v.DType, p.e.act)
	if err != nil {
		return nil, fmt.Errorf("value %s: %w", v.Name, err)
	}
	var stride []int
	if nhwc && len(v.Shape) == 4 {
		stride = nhwcStrides(v.Shape)
	}
	b := p.newBuf(v.Name, dt, v.Shape, stride)
	p.vals[v] = b
	return b, nil
}

// val returns the buf of a value: computed by an earlier node, a graph
// input, or a constant (uploaded on first use).
func (p *Program) val(v *graph.Value) (*buf, error) {
	if v == nil {
		return nil, errors.New("missing input")
	}
	if b, ok := p.vals[v]; ok {
		return b, nil
	}
	if api, ok := p.pending[v]; ok {
		return p.convertInput(v, api)
	}
	if v.Const == nil {
		return nil, fmt.Errorf("value %s is not computed before it is used", v.Name)
	}
	dt, err := deviceType(v.Const.DType, p.e.act)
	if err != nil {
		return nil, err
	}
	b, err := p.e.constant(v.Const, dt)
	if err != nil {
		return nil, err
	}
	p.vals[v] = b
	return b, nil
}

// withStrides returns b stored with the given strides: b itself, or a
// copy made once per source and layout.
func (p *Program) withStrides(b *buf, stride []int) (*buf, error) {
	if sameLayout(b.shape, b.stride, stride) {
		return b, nil
	}
	if c, ok := p.layouts[b]; ok && sameLayout(c.shape, c.stride, stride) {
		return c, nil
	}
	c := p.newBuf(b.name+".relayout", b.dt, b.shape, stride)
	if err := p.ew("relayout "+b.name, c, []*buf{b}, ewSpec{op: opCopy}); err != nil {
		return nil, err
	}
	p.layouts[b] = c
	return c, nil
}

// sameLayout compares strides, ignoring dimensions of size 1.
func sameLayout(shape, a, b []int) bool {
	for i, d := range shape {
		if d != 1 && a[i] != b[i] {
			return false
		}
	}
	return true
}

// canon returns b in row-major order.
func (p *Program) canon(b *buf) (*buf, error) { return p.withStrides(b, contiguous(b.shape)) }

// canonVal returns value v in row-major order (see val and canon).
func (p *Program) canonVal(v *graph.Value) (*buf, error) {
	b, err := p.val(v)
	if err != nil {
		return nil, err
	}
	return p.canon(b)
}

// layoutFor returns a 4-D b in NHWC or NCHW order.
func (p *Program) layoutFor(b *buf, nhwc bool) (*buf, error) {
	if nhwc && len(b.shape) == 4 {
		return p.withStrides(b, nhwcStrides(b.shape))
	}
	return p.canon(b)
}

// bindInput makes a graph input's API buffer and, when the program
// computes in another type or layout, the converted value.
func (p *Program) bindInput(v *graph.Value) error {
	if v.Shape == nil || v.Shape.NumElements() < 0 {
		return fmt.Errorf("gpu: input %s has unknown shape %v: bind it", v.Name, v.Shape)
	}
	dt, err := deviceType(v.DType, dF32)
	if err != nil {
		return fmt.Errorf("gpu: input %s: %w", v.Name, err)
	}
	api := p.newBuf(v.Name, dt, v.Shape, nil)
	api.first = -1
	p.ins = append(p.ins, &binding{v: v, b: api})
	internal, _ := deviceType(v.DType, p.e.act)
	nhwc := p.wantNHWC() && len(v.Shape) == 4 && dt.float()
	if internal == dt && !nhwc {
		p.vals[v] = api
		return nil
	}
	p.pending[v] = api
	return nil
}

// source returns the buf that value v is read from as it is: a graph
// input's API binding (float32, row-major) while its conversion is
// pending, otherwise val(v). Steps that read any type and layout (the
// direct convolution) take it and so make the conversion pass
// unnecessary.
func (p *Program) source(v *graph.Value) (*buf, error) {
	if api, ok := p.pending[v]; ok {
		return api, nil
	}
	return p.val(v)
}

// convertInput makes the step that converts input v's API binding api
// to the program's type and layout.
func (p *Program) convertInput(v *graph.Value, api *buf) (*buf, error) {
	delete(p.pending, v)
	dt := api.dt
	nhwc := p.wantNHWC() && len(v.Shape) == 4 && dt.float()
	b, err := p.define(v, nhwc)
	if err != nil {
		return nil, err
	}
	if nhwc && dt == dF32 && b.dt == dF16 && slices.Equal(b.stride, nhwcStrides(b.shape)) {
		// The common case (an image batch into a channels-last FP16
		// program) has its own kernel, a pixel per thread.
		prm := &nhwcParams{Pixels: int64(b.shape[0] * b.shape[2] * b.shape[3]), C: int32(b.shape[1]), HW: int32(b.shape[2] * b.shape[3])}
		fn := p.e.kern["dsgo_to_nhwc_h"]
		p.step("convert input "+v.Name, []*buf{api}, []*buf{b}, func(s *cuda.Stream) error {
			prm.X, prm.Y = int64(api.dev()), int64(b.dev())
			return p.e.launch(s, fn, raw(prm), prm.Pixels)
		})
		return b, nil
	}
	return b, p.ew("convert input "+v.Name, b, []*buf{api}, ewSpec{op: opCopy})
}

// hostValue records a value that Run computes on the host (after the
// device's work) in tensor t; a graph output is bound to it.
func (p *Program) hostValue(v *graph.Value, t *tensor.Tensor) {
	p.host[v] = t
	if slices.Contains(p.g.Outputs, v) {
		p.outs = append(p.outs, &binding{v: v, host: t})
	}
}

// bindTail runs the nodes after a NonMaxSuppression whose rows feed them
// on the CPU backend at the end of Run: the values they read from the
// device are copied to the host with the outputs (as float32 for float
// values), the rows are the NonMaxSuppression's host tensor, and the
// graph outputs the tail makes are bound to its result tensors. The
// nodes are gathers and arithmetic on the few selected rows; the network
// before them stays on the GPU.
func (p *Program) bindTail(t *cpu.Tail, keep []*graph.Value) error {
	src := make([]*tensor.Tensor, len(keep))
	for i, v := range keep {
		if h, ok := p.host[v]; ok {
			src[i] = h
			continue
		}
		b, err := p.val(v)
		if err != nil {
			return err
		}
		dt, err := deviceType(v.DType, dF32)
		if err != nil {
			return err
		}
		c := p.newBuf(v.Name+".to_host", dt, b.shape, nil)
		c.last = forever
		if err := p.ew("copy "+v.Name+" for the host", c, []*buf{b}, ewSpec{op: opCopy}); err != nil {
			return err
		}
		src[i] = &tensor.Tensor{Name: v.Name, DType: dt.tensor(), Shape: slices.Clone(tensor.Shape(b.shape))}
		p.hidden = append(p.hidden, &binding{v: v, b: c, host: src[i]})
	}
	p.cpu = cpu.NewRunner(cpu.Options{Workers: 1})
	outs := t.Connect(src, p.cpu)
	for i, tv := range t.Outputs() {
		for _, v := range p.g.Outputs {
			if v.Name == tv.Name {
				p.hostValue(v, outs[i])
			}
		}
	}
	p.tails = append(p.tails, t.Run)
	return nil
}

// bindOutput copies a graph output into its API buffer (row-major,
// float32 for float values), unless a host step computes it.
func (p *Program) bindOutput(v *graph.Value) error {
	for _, o := range p.outs {
		if o.v == v {
			return nil // computed on the host (NonMaxSuppression)
		}
	}
	b, err := p.val(v)
	if err != nil {
		return fmt.Errorf("gpu: output %s: %w", v.Name, err)
	}
	dt := b.dt
	if dt == dF16 && v.DType == tensor.Float32 {
		dt = dF32
	}
	if b.base == nil && b.mem == nil && b.dt == dt && b.canonical() &&
		!slices.ContainsFunc(p.ins, func(in *binding) bool { return in.b == b }) {
		// Computed as the API wants it: the value is the binding.
		b.last = forever
		p.outs = append(p.outs, &binding{v: v, b: b})
		return nil
	}
	api := p.newBuf(v.Name+".out", dt, b.shape, nil)
	api.last = forever
	p.outs = append(p.outs, &binding{v: v, b: api})
	return p.ew("output "+v.Name, api, []*buf{b}, ewSpec{op: opCopy})
}

// allocate places the arena bufs, allocates the arena, the pinned host
// tensors and the convolution workspace (after choosing algorithms).
func (p *Program) allocate() error {
	for _, b := range p.bufs {
		if b.base != nil {
			continue
		}
		if b.first == forever { // written by no step (an unused input)
			b.first = -1
		}
		b.last = max(b.last, b.first)
	}
	var arenaBufs []*buf
	for _, b := range p.bufs {
		if b.base == nil && b.mem == nil {
			arenaBufs = append(arenaBufs, b)
		}
	}
	size := plan(arenaBufs)
	var err error
	if p.arena, err = p.e.ctx.Alloc(max(size, align)); err != nil {
		return fmt.Errorf("gpu: arena of %d bytes: %w", size, err)
	}
	for _, b := range arenaBufs {
		b.arena = p.arena
	}
	// Zero once: no step reads what it did not write, but cuDNN's fused
	// call multiplies an unused residual by 0, and 0*NaN is NaN.
	if err := p.e.s.Memset(p.arena.Ptr(), 0, p.arena.Size()); err != nil {
		return err
	}
	if err := p.tune(); err != nil {
		return err
	}
	return p.allocHost()
}

// tune runs the convolutions' tuners with a scratch workspace of the
// engine's limit, then allocates the largest workspace they chose.
func (p *Program) tune() error {
	if len(p.tuners) == 0 {
		return nil
	}
	limit := p.e.opts.WorkspaceLimit
	scratch, err := p.e.ctx.Alloc(limit)
	if err != nil {
		return fmt.Errorf("gpu: tuning workspace of %d bytes: %w", limit, err)
	}
	need := 0
	for _, t := range p.tuners {
		n, err := t(scratch.Ptr(), limit)
		if err != nil {
			scratch.Free()
			return err
		}
		need = max(need, n)
	}
	if err := errors.Join(p.e.s.Synchronize(), scratch.Free()); err != nil {
		return err
	}
	if need > 0 {
		if p.ws, err = p.e.ctx.Alloc(need); err != nil {
			return fmt.Errorf("gpu: workspace of %d bytes: %w", need, err)
		}
		p.wsSize = need
	}
	return nil
}

// Tactics returns what tuning chose for the program's convolutions, in
// order, as engine files store them.
func (p *Program) Tactics() []Tactic { return slices.Clone(p.tactics) }

// Retuned returns how many convolutions were tuned afresh although the
// engine came from a file whose tactics for these shapes did not fit
// them (0 for a sound engine file).
func (p *Program) Retuned() int { return p.retuned }

// workspace returns the convolution workspace (valid once tuned).
func (p *Program) workspace() cuda.DevicePtr {
	if p.ws == nil {
		return 0
	}
	return p.ws.Ptr()
}

// allocHost gives every binding a host tensor in one block of pinned
// memory.
func (p *Program) allocHost() error {
	all := slices.Concat(p.ins, p.outs, p.hidden)
	total := 0
	for _, bd := range all {
		if bd.b != nil {
			total += (bd.b.bytes() + 63) &^ 63
		}
	}
	if total == 0 {
		return nil
	}
	var err error
	if p.pinned, err = p.e.ctx.AllocHost(total); err != nil {
		return fmt.Errorf("gpu: pinned host memory: %w", err)
	}
	mem := p.pinned.Bytes()
	off := 0
	for _, bd := range all {
		if bd.b == nil {
			continue
		}
		n := bd.b.bytes()
		bd.raw = mem[off : off+n : off+n]
		off += (n + 63) &^ 63
		t := bd.host
		if t == nil {
			t = &tensor.Tensor{Name: bd.v.Name, DType: bd.b.dt.tensor(), Shape: slices.Clone(bd.b.shape)}
			bd.host = t
		}
		if t.DType == tensor.Float32 {
			if n > 0 {
				t.F32 = unsafe.Slice((*float32)(unsafe.Pointer(&bd.raw[0])), n/4)
			} else {
				t.F32 = []float32{}
			}
		} else {
			t.Raw = bd.raw
		}
	}
	return nil
}

// capture records the steps as one CUDA graph.
func (p *Program) capture() error {
	s := p.e.s
	if err := s.Synchronize(); err != nil {
		return err
	}
	if err := s.BeginCapture(); err != nil {
		return fmt.Errorf("gpu: graph capture: %w", err)
	}
	if err := p.runSteps(s); err != nil {
		if g, err2 := s.EndCapture(); err2 == nil {
			g.Close()
		}
		return fmt.Errorf("gpu: graph capture: %w", err)
	}
	g, err := s.EndCapture()
	if err != nil {
		return fmt.Errorf("gpu: graph capture: %w", err)
	}
	p.exec = g
	return nil
}

func (p *Program) runSteps(s *cuda.Stream) error {
	for _, st := range p.steps {
		if err := st.run(s); err != nil {
			return fmt.Errorf("gpu: step %s: %w", st.name, err)
		}
	}
	return nil
}

// Input returns the host tensor to fill for a graph input before Run
// (float32 for float inputs, whatever the precision). It lies in pinned
// memory, valid until the Program is closed.
func (p *Program) Input(name string) (*tensor.Tensor, bool) { return find(p.ins, name) }

// Output returns the host tensor that holds a graph output after Run.
func (p *Program) Output(name string) (*tensor.Tensor, bool) { return find(p.outs, name) }

func find(bs []*binding, name string) (*tensor.Tensor, bool) {
	for _, b := range bs {
		if b.v.Name == name {
			return b.host, true
		}
	}
	return nil, false
}

// InputDevice returns the device address of a graph input's buffer
// (row-major, float32 for float inputs): a producer on the GPU (nvinfer's
// preprocessing) writes there, ordered before RunDevice on Stream.
func (p *Program) InputDevice(name string) (cuda.DevicePtr, bool) { return findDev(p.ins, name) }

// OutputDevice returns the device address of a graph output's buffer,
// valid after RunDevice's work is done.
func (p *Program) OutputDevice(name string) (cuda.DevicePtr, bool) { return findDev(p.outs, name) }

func findDev(bs []*binding, name string) (cuda.DevicePtr, bool) {
	for _, b := range bs {
		if b.v.Name == name && b.b != nil {
			return b.b.dev(), true
		}
	}
	return 0, false
}

// Captured reports whether Run replays a CUDA graph, and if not, why
// (nil when Options.NoGraph asked for steps).
func (p *Program) Captured() (bool, error) { return p.exec != nil, p.captureErr }

// Graph returns the bound, optimised graph the program runs.
func (p *Program) Graph() *graph.Graph { return p.g }

// Engine returns the program's engine.
func (p *Program) Engine() *Engine { return p.e }

// Run copies the host inputs to the device, runs the inference, copies
// the outputs back and waits for them. It allocates nothing.
func (p *Program) Run() error {
	s := p.e.s
	for _, in := range p.ins {
		if err := cuda.CopyToDevice(s, in.b.dev(), in.raw); err != nil {
			return err
		}
	}
	return p.RunToHost()
}

// RunToHost runs the inference from the device inputs (InputDevice,
// written on the engine's stream, e.g. by GPU preprocessing), copies the
// outputs back to their host tensors and waits for them. It allocates
// nothing.
func (p *Program) RunToHost() error {
	s := p.e.s
	if err := p.RunDevice(); err != nil {
		return err
	}
	for _, o := range p.outs {
		if o.b != nil {
			if err := cuda.CopyToHost(s, o.raw, o.b.dev()); err != nil {
				return err
			}
		}
	}
	for _, o := range p.hidden {
		if err := cuda.CopyToHost(s, o.raw, o.b.dev()); err != nil {
			return err
		}
	}
	if err := s.Synchronize(); err != nil {
		return err
	}
	for _, t := range p.tails {
		if err := t(); err != nil {
			return err
		}
	}
	return nil
}

// RunDevice queues the inference on the engine's stream from the device
// inputs (InputDevice) to the device outputs (OutputDevice), without
// copies or waiting. Outputs computed on the host (NonMaxSuppression)
// need Run.
func (p *Program) RunDevice() error {
	if p.exec != nil {
		return p.exec.Launch(p.e.s)
	}
	return p.runSteps(p.e.s)
}

// writeSteps prints the steps and the memory plan (DSGO_DEBUG=3).
func (p *Program) writeSteps(w io.Writer) {
	fmt.Fprintf(w, "dsgo: gpu program %q (%s): %d steps, arena %.1f MiB, workspace %.1f MiB\n", p.g.Name, p.e.opts.Precision,
		len(p.steps), float64(p.arena.Size())/(1<<20), float64(p.wsSize)/(1<<20))
	for i, s := range p.steps {
		fmt.Fprintf(w, "  %3d %s", i, s.name)
		if s.detail != "" {
			fmt.Fprintf(w, " [%s]", s.detail)
		}
		fmt.Fprintln(w)
	}
}

// timeLaunches queues launch warm times, then runs times between the
// events ev on s, and returns the mean GPU time of a run in milliseconds.
func timeLaunches(s *cuda.Stream, ev [2]*cuda.Event, warm, runs int, launch func() error) (float64, error) {
	for range warm {
		if err := launch(); err != nil {
			return 0, err
		}
	}
	if err := ev[0].Record(s); err != nil {
		return 0, err
	}
	for range runs {
		if err := launch(); err != nil {
			return 0, err
		}
	}
	if err := ev[1].Record(s); err != nil {
		return 0, err
	}
	if err := s.Synchronize(); err != nil {
		return 0, err
	}
	d, err := cuda.Elapsed(ev[0], ev[1])
	return d.Seconds() * 1e3 / float64(runs), err
}

// timeCaptured returns the mean GPU time of launch in milliseconds as a
// CUDA graph runs it: after one plain warm-up launch, launch is captured
// per times into one graph, which is replayed once more to warm up and
// then reps times between the events ev on s. Timing plain launches
// instead measures the host whenever a launch costs the host more than
// the GPU, as cuDNN's calls do (tens of microseconds each, against a few
// for a kernel of ours): a layer that takes cuDNN 20 µs on the GPU timed
// at 90–130 µs, and the tuner then chose slower kernels of ours over it.
// Work that cannot be captured is timed as launched.
func timeCaptured(s *cuda.Stream, ev [2]*cuda.Event, per, reps int, launch func() error) (float64, error) {
	if err := launch(); err != nil {
		return 0, err
	}
	if err := s.BeginCapture(); err != nil {
		return timeLaunches(s, ev, 0, per*reps, launch)
	}
	var lerr error
	for range per {
		if lerr = launch(); lerr != nil {
			break
		}
	}
	g, err := s.EndCapture()
	if lerr != nil || err != nil { // not capturable: timed as launched (which reports a real error)
		if g != nil {
			g.Close()
		}
		return timeLaunches(s, ev, 0, per*reps, launch)
	}
	defer g.Close()
	ms, err := timeLaunches(s, ev, 1, reps, func() error { return g.Launch(s) })
	return ms / float64(per), err
}

// Profile writes the time each step takes on the GPU, slowest first,
// and the whole CUDA graph's, averaged over runs: each step is captured
// into a graph of its own and replayed runs times between two events,
// so that the host's launch overhead (cuDNN's especially) does not count
// as GPU time; steps that cannot be captured are timed as launched.
func (p *Program) Profile(w io.Writer, runs int) error {
	s := p.e.s
	var ev [2]*cuda.Event
	for i := range ev {
		var err error
		if ev[i], err = p.e.ctx.NewEvent(); err != nil {
			return err
		}
		defer ev[i].Close()
	}
	times := make([]float64, len(p.steps))
	for i, st := range p.steps {
		t, err := timeCaptured(s, ev, 1, runs, func() error { return st.run(s) })
		if err != nil {
			return fmt.Errorf("gpu: profiling %s: %w", st.name, err)
		}
		times[i] = t
	}
	var graphMs float64
	if p.exec != nil {
		var err error
		if graphMs, err = timeLaunches(s, ev, 1, runs, func() error { return p.exec.Launch(s) }); err != nil {
			return err
		}
	}
	idx := make([]int, len(times))
	total := 0.0
	for i := range idx {
		idx[i] = i
		total += times[i]
	}
	sort.SliceStable(idx, func(a, b int) bool { return times[idx[a]] > times[idx[b]] })
	fmt.Fprintf(w, "dsgo: profile of %q (%s), %d runs: steps %.3f ms in all, CUDA graph %.3f ms\n", p.g.Name,
		p.e.opts.Precision, runs, total, graphMs)
	for _, i := range idx {
		fmt.Fprintf(w, "  %8.3f ms %5.1f%%  %s", times[i], 100*times[i]/max(total, 1e-9), p.steps[i].name)
		if d := p.steps[i].detail; d != "" {
			fmt.Fprintf(w, " [%s]", d)
		}
		fmt.Fprintln(w)
	}
	return nil
}

// free releases the program's device and host memory.
func (p *Program) free() error {
	var errs []error
	if p.exec != nil {
		errs = append(errs, p.exec.Close())
		p.exec = nil
	}
	for _, c := range p.convs {
		errs = append(errs, c.Close())
	}
	p.convs = nil
	for _, m := range p.owned {
		errs = append(errs, m.Free())
	}
	p.owned = nil
	for _, m := range []**cuda.DeviceMemory{&p.arena, &p.ws} {
		if *m != nil {
			errs = append(errs, (*m).Free())
			*m = nil
		}
	}
	if p.pinned != nil {
		errs = append(errs, p.pinned.Free())
		p.pinned = nil
	}
	if p.cpu != nil {
		p.cpu.Close()
		p.cpu = nil
	}
	return errors.Join(errs...)
}

// Close frees the program (and its engine when Compile made both).
func (p *Program) Close() error {
	if p == nil || p.e == nil {
		return errors.New("gpu: program already closed")
	}
	e := p.e
	p.e = nil
	if p.owns {
		return e.Close()
	}
	if err := e.s.Synchronize(); err != nil {
		return err
	}
	e.progs = slices.DeleteFunc(e.progs, func(q *Program) bool { return q == p })
	return p.free()
}
