package gpu

import (
	"fmt"
	"slices"
	"strings"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// convAct reads a Conv's fused activation as an epilogue activation.
func convAct(n *graph.Node) (ewSpec, error) {
	a, err := cpu.ActivationOf(n)
	if err != nil {
		return ewSpec{}, err
	}
	sp := ewSpec{alpha: a.Alpha, lo: a.Min, hi: a.Max}
	switch a.Kind {
	case cpu.ActRelu:
		sp.act = actRelu
	case cpu.ActLeakyRelu:
		sp.act = actLeaky
	case cpu.ActClip:
		sp.act = actClip
	case cpu.ActSigmoid:
		sp.act = actSigmoid
	case cpu.ActSiLU:
		sp.act = actSiLU
	case cpu.ActHardSwish:
		sp.act = actHardSwish
	}
	return sp, nil
}

// convWeights uploads a filter [K, C/g, R, S] in the program's type and
// layout (KRSC for channels-last convolutions).
func (p *Program) convWeights(v *graph.Value, nhwc bool) (*buf, error) {
	t := v.Const
	if t == nil || t.DType != tensor.Float32 || len(t.Shape) != 4 {
		return nil, fmt.Errorf("weights %s must be a 4-D float constant", v.Name)
	}
	data := t.F32[:t.Len()]
	key := t.Name
	if nhwc {
		k, c, r, s := t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]
		krsc := make([]float32, len(data))
		for ki := range k {
			for ci := range c {
				for ri := range r {
					for si := range s {
						krsc[((ki*r+ri)*s+si)*c+ci] = data[((ki*c+ci)*r+ri)*s+si]
					}
				}
			}
		}
		data, key = krsc, key+".krsc"
	}
	return p.e.upload(key+"/"+p.e.act.String(), p.e.act, t.Shape, nil, encodeFloats(data, p.e.act))
}

// convStep is a planned convolution: cuDNN descriptors, the algorithm
// chosen at tuning time, and the epilogue for what cuDNN's fused call
// does not do.
type convStep struct {
	p       *Program
	cv      *cuda.Conv
	x, w, y *buf
	res     *buf
	bias    *buf // in the program's type, for cuDNN's fused call
	algo    int
	ws      int
	fused   bool // cuDNN's bias+ReLU(+residual) call
	epi     interface {
		run(*Engine, *cuda.Stream) error
	}
	bwd bool // ConvTranspose: backward data
	st  *step
	own *igemm // dsgo's own kernels, when they can run it
}

func (c *convStep) run(s *cuda.Stream) error { return c.exec(s, c.p.workspace()) }

// exec queues the convolution (and its epilogue) with the workspace at ws.
func (c *convStep) exec(s *cuda.Stream, ws cuda.DevicePtr) error {
	if c.own != nil && c.own.use >= 0 {
		return c.own.run(c, s, c.own.use)
	}
	switch {
	case c.bwd:
		if err := c.cv.BackwardData(s, c.algo, c.w.dev(), c.x.dev(), c.y.dev(), ws, c.ws); err != nil {
			return err
		}
	case c.fused:
		var z cuda.DevicePtr
		if c.res != nil {
			z = c.res.dev()
		}
		return c.cv.ForwardBiasReLU(s, c.algo, c.x.dev(), c.w.dev(), z, c.bias.dev(), c.y.dev(), ws, c.ws)
	default:
		if err := c.cv.Forward(s, c.algo, c.x.dev(), c.w.dev(), c.y.dev(), ws, c.ws); err != nil {
			return err
		}
	}
	if c.epi != nil {
		return c.epi.run(c.p.e, s)
	}
	return nil
}

// candidates returns the algorithms to choose from, best guess first:
// cuDNN's heuristic ranking, or its Find timings (Options.Find).
func (c *convStep) candidates(ws cuda.DevicePtr, limit int) ([]cuda.ConvAlgo, error) {
	p := c.p
	find := p.e.opts.Find
	for range 2 {
		var algos []cuda.ConvAlgo
		var err error
		switch {
		case c.bwd && find:
			algos, err = c.cv.FindBackwardData(p.e.s, c.w.dev(), c.x.dev(), c.y.dev(), ws, limit)
		case c.bwd:
			algos, err = c.cv.HeuristicBackwardData(limit)
		case find:
			algos, err = c.cv.FindForward(p.e.s, c.x.dev(), c.w.dev(), c.y.dev(), ws, limit)
		default:
			algos, err = c.cv.HeuristicForward(limit)
		}
		if err == nil && len(algos) > 0 {
			var uniq []cuda.ConvAlgo
			for _, a := range algos {
				if !slices.ContainsFunc(uniq, func(u cuda.ConvAlgo) bool { return u.Algo == a.Algo }) {
					uniq = append(uniq, a)
				}
			}
			return uniq, nil
		}
		if find { // fall back to the other way
			return nil, fmt.Errorf("gpu: %s: no convolution algorithm (%d bytes of workspace): %v", c.st.name, limit, err)
		}
		find = true
	}
	return nil, fmt.Errorf("gpu: %s: no convolution algorithm", c.st.name)
}

// use selects algo and its workspace size.
func (c *convStep) use(algo int) (err error) {
	c.algo = algo
	if c.bwd {
		c.ws, err = c.cv.BackwardDataWorkspace(algo)
	} else {
		c.ws, err = c.cv.ForwardWorkspace(algo)
	}
	return err
}

// timeAlgo measures the step with algo (timeRuns), in milliseconds.
func (c *convStep) timeAlgo(algo int, ws cuda.DevicePtr, limit int, ev [2]*cuda.Event) (float64, error) {
	if err := c.use(algo); err != nil {
		return 0, err
	}
	if c.ws > limit {
		return 0, fmt.Errorf("needs %d bytes of workspace", c.ws)
	}
	return c.timeRuns(ws, ev)
}

// timeRuns measures the step as it is set up, as the program's CUDA
// graph runs it: the mean of 20 runs in milliseconds (timeCaptured).
func (c *convStep) timeRuns(ws cuda.DevicePtr, ev [2]*cuda.Event) (float64, error) {
	return timeCaptured(c.p.e.s, ev, 10, 2, func() error { return c.exec(c.p.e.s, ws) })
}

// tune picks the algorithm (cuDNN's heuristic choice, or the fastest
// candidate timed here with Options.Autotune) and checks that cuDNN's
// fused call runs with it.
func (c *convStep) tune(ws cuda.DevicePtr, limit int) (int, error) {
	p := c.p
	if t, ok := c.preset(limit); ok {
		return c.adopt(t, ws)
	}
	algos, err := c.candidates(ws, limit)
	if err != nil {
		return 0, err
	}
	var ev [2]*cuda.Event
	for i := range ev {
		if ev[i], err = p.e.ctx.NewEvent(); err != nil {
			return 0, err
		}
		defer ev[i].Close()
	}
	best, bestMs := algos[0].Algo, -1.0
	if p.e.opts.Autotune && len(algos) > 1 {
		for _, a := range algos[:min(len(algos), 5)] {
			ms, err := c.timeAlgo(a.Algo, ws, limit, ev)
			if err == nil && (bestMs < 0 || ms < bestMs) {
				best, bestMs = a.Algo, ms
			}
		}
	}
	if err := c.use(best); err != nil {
		return 0, err
	}
	if c.fused {
		// Some algorithm and type combinations lack the fused path: try it
		// once, and fall back to the plain convolution and epilogue.
		if err := c.exec(p.e.s, ws); err != nil {
			c.fused = false
			c.st.detail = "fused call failed: " + err.Error() + "; "
		}
	}
	kernel, ownMs, err := c.tuneOwn(ws, ev, &bestMs)
	if err != nil {
		return 0, err
	}
	if kernel != "" {
		c.st.detail = fmt.Sprintf("%s (%.3f ms; cuDNN %.3f ms with algo %d)", kernel, ownMs, bestMs, c.algo)
		p.tactics = append(p.tactics, Tactic{Step: c.st.name, Spec: c.spec(), Algo: c.algo, Fused: c.fused, Kernel: kernel, Millis: ownMs})
		return 0, nil
	}
	c.st.detail += fmt.Sprintf("algo %d", c.algo)
	if bestMs >= 0 {
		c.st.detail += fmt.Sprintf(" (%.3f ms)", bestMs)
	}
	c.st.detail += fmt.Sprintf(", workspace %d; candidates", c.ws)
	for _, a := range algos {
		c.st.detail += fmt.Sprintf(" %d", a.Algo)
		if a.Millis >= 0 {
			c.st.detail += fmt.Sprintf(":%.3f", a.Millis)
		}
	}
	if c.fused {
		c.st.detail += ", cudnn bias+relu"
	}
	p.tactics = append(p.tactics, Tactic{Step: c.st.name, Spec: c.spec(), Algo: c.algo, Fused: c.fused, Millis: bestMs})
	return c.ws, nil
}

// tuneOwn times dsgo's own kernels (when they can run c) against cuDNN's
// choice, timed here unless *cudnnMs already holds its time, and keeps
// the fastest. It returns the kernel chosen and its time, or "" when
// cuDNN stays.
func (c *convStep) tuneOwn(ws cuda.DevicePtr, ev [2]*cuda.Event, cudnnMs *float64) (string, float64, error) {
	if c.own == nil {
		return "", 0, nil
	}
	if name := c.p.e.opts.ConvKernel; name != "" {
		if c.own.use = c.own.find(name); c.own.use < 0 {
			return "", 0, fmt.Errorf("gpu: no convolution kernel %q", name)
		}
		ms, err := c.timeRuns(ws, ev)
		return name, ms, err
	}
	if *cudnnMs < 0 {
		ms, err := c.timeRuns(ws, ev)
		if err != nil {
			return "", 0, err
		}
		*cudnnMs = ms
	}
	best, bestMs := -1, *cudnnMs
	times := ""
	for i := range c.own.cfgs {
		c.own.use = i
		ms, err := c.timeRuns(ws, ev)
		if err != nil {
			c.own.use = -1
			return "", 0, fmt.Errorf("gpu: %s: %s: %w", c.st.name, c.own.cfgs[i].name, err)
		}
		times += fmt.Sprintf(" %s:%.3f", strings.TrimPrefix(c.own.cfgs[i].name, "dsgo_igemm_"), ms)
		if ms < bestMs {
			best, bestMs = i, ms
		}
	}
	c.own.use = best
	if best < 0 {
		c.st.detail = "own" + times + "; "
		return "", 0, nil
	}
	return c.own.cfgs[best].name, bestMs, nil
}

// spec describes the convolution for matching a stored tactic to it.
func (c *convStep) spec() string {
	s := c.cv.Spec()
	kind := "fwd"
	if c.bwd {
		kind = "bwd"
	}
	return fmt.Sprintf("%s n%d c%d h%d w%d k%d r%d s%d g%d p%d,%d s%d,%d d%d,%d t%d l%d",
		kind, s.N, s.C, s.H, s.W, s.K, s.R, s.S, s.Groups, s.PadH, s.PadW,
		s.StrideH, s.StrideW, s.DilationH, s.DilationW, s.Type, s.Layout)
}

// preset returns the stored tactic for this convolution (the next one of
// the program's preset list) when there is one for the same node and
// convolution whose algorithm cuDNN still offers within limit.
func (c *convStep) preset(limit int) (Tactic, bool) {
	p := c.p
	i := len(p.tactics)
	if i >= len(p.preset) {
		return Tactic{}, false
	}
	t := p.preset[i]
	if t.Step != c.st.name || t.Spec != c.spec() {
		p.retuned++
		return Tactic{}, false
	}
	if t.Kernel != "" {
		if c.own == nil || c.own.find(t.Kernel) < 0 {
			p.retuned++
			return Tactic{}, false
		}
		c.own.use = c.own.find(t.Kernel)
		return t, true
	}
	if err := c.use(t.Algo); err != nil || c.ws > limit {
		p.retuned++
		return Tactic{}, false
	}
	return t, true
}

// adopt runs the convolution once with a stored tactic (the fused call
// may still fail on this GPU, as in tune) and records it.
func (c *convStep) adopt(t Tactic, ws cuda.DevicePtr) (int, error) {
	if t.Kernel != "" {
		c.st.detail = t.Kernel + " (from the engine file)"
		c.p.tactics = append(c.p.tactics, t)
		return 0, nil
	}
	c.fused = c.fused && t.Fused
	if c.fused {
		if err := c.exec(c.p.e.s, ws); err != nil {
			c.fused = false
		}
	}
	c.st.detail = fmt.Sprintf("algo %d (from the engine file), workspace %d", c.algo, c.ws)
	if c.fused {
		c.st.detail += ", cudnn bias+relu"
	}
	t.Fused = c.fused
	c.p.tactics = append(c.p.tactics, t)
	return c.ws, nil
}

func lowerConv(p *Program, n *graph.Node) error {
	if ap := n.AttrString("auto_pad", "NOTSET"); ap != "NOTSET" && ap != "VALID" {
		return fmt.Errorf("auto_pad=%s is not supported (export with explicit pads)", ap)
	}
	if n.In(1) == nil || len(n.In(1).Shape) != 4 {
		return fmt.Errorf("only 2-D convolutions run on the GPU (weights %v)", n.In(1))
	}
	sp, err := convAct(n)
	if err != nil {
		return err
	}
	var res *buf // the residual graph.FuseResiduals folded in
	if rv := n.In(3); rv != nil {
		if res, err = p.val(rv); err != nil {
			return err
		}
	}
	pads := n.AttrInts("pads")
	if len(pads) < 4 {
		pads = []int{0, 0, 0, 0}
	}
	if ok, err := p.directConv(n, sp, res, pads); ok || err != nil {
		return err
	}
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	if len(x.shape) != 4 {
		return fmt.Errorf("only 2-D convolutions run on the GPU (input %v)", x.shape)
	}
	nhwc := p.wantNHWC()
	out := n.Outputs[0]
	if pads[0] != pads[2] || pads[1] != pads[3] {
		// cuDNN pads symmetrically: pad explicitly first.
		if x, err = p.padInput(n, x, pads); err != nil {
			return err
		}
		pads = []int{0, 0, 0, 0}
	}
	if x, err = p.layoutFor(x, nhwc); err != nil {
		return err
	}
	w, err := p.convWeights(n.In(1), nhwc)
	if err != nil {
		return err
	}
	strides, dil := pair(n.AttrInts("strides"), 1), pair(n.AttrInts("dilations"), 1)
	spec := cuda.ConvSpec{N: x.shape[0], C: x.shape[1], H: x.shape[2], W: x.shape[3], K: w.shape[0], R: w.shape[2],
		S: w.shape[3], Groups: n.AttrInt("group", 1), PadH: pads[0], PadW: pads[1], StrideH: strides[0],
		StrideW: strides[1], DilationH: dil[0], DilationW: dil[1], Type: cuda.Float32, TensorOps: p.e.act == dF16}
	if p.e.act == dF16 {
		spec.Type = cuda.Float16
	}
	if nhwc {
		spec.Layout = cuda.LayoutNHWC
	}
	y, err := p.define(out, nhwc)
	if err != nil {
		return err
	}
	if res != nil {
		if res, err = p.layoutFor(res, nhwc); err != nil {
			return err
		}
	}
	c := &convStep{p: p, x: x, w: w, y: y, res: res}
	if err := p.newConv(c, spec, y.shape); err != nil {
		return err
	}
	var bias *buf
	if bv := n.In(2); bv != nil {
		if bias, err = p.val(bv); err != nil {
			return err
		}
		if bias.elems() != spec.K {
			return fmt.Errorf("bias of %d for %d channels", bias.elems(), spec.K)
		}
	}
	c.fused = sp.act == actRelu && !p.e.opts.NoFusedConv && cuda.HasBiasReLU()
	if c.fused {
		if bias != nil {
			c.bias = bias
		} else if c.bias, err = p.floatConst(n.Name+".zero_bias", p.e.act, []int{spec.K}, make([]float32, spec.K)); err != nil {
			return err
		}
		if c.bias.dt != p.e.act { // cuDNN wants the bias in the data's type
			return fmt.Errorf("bias of type %v", c.bias.dt)
		}
	}
	if err := c.epilogue(sp, bias); err != nil {
		return err
	}
	if c.own, err = p.planIgemm(c, n, spec, sp); err != nil {
		return err
	}
	reads := []*buf{x, w}
	if res != nil {
		reads = append(reads, res)
	}
	if bias != nil {
		reads = append(reads, bias)
	}
	if c.own != nil && c.own.bias != nil {
		reads = append(reads, c.own.bias)
	}
	c.st = p.step(n.Name, reads, []*buf{y}, c.run)
	p.tuners = append(p.tuners, c.tune)
	return nil
}

// newConv creates the cuDNN descriptors and checks cuDNN's output shape
// against the graph's.
func (p *Program) newConv(c *convStep, spec cuda.ConvSpec, want []int) error {
	cv, err := p.e.dnn.NewConv(spec)
	if err != nil {
		return err
	}
	p.convs = append(p.convs, cv)
	c.cv = cv
	o := cv.OutputDims()
	got := o[:]
	if c.bwd {
		got = []int{spec.N, spec.C, spec.H, spec.W}
	}
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("cuDNN's output %v differs from the graph's %v", got, want)
		}
	}
	return nil
}

// epilogue plans y = act(y + bias + res) for when cuDNN's fused call
// does not run: always planned, used if the fused call is off or fails.
func (c *convStep) epilogue(sp ewSpec, bias *buf) error {
	ins := []*buf{c.y}
	if bias != nil {
		// The bias as [K, 1, 1] broadcasts over N, H, W.
		bv := &buf{name: bias.name, dt: bias.dt, shape: []int{bias.elems(), 1, 1}, stride: []int{1, 1, 1}, base: bias}
		ins = append(ins, bv)
	}
	if c.res != nil {
		ins = append(ins, c.res)
	}
	if len(ins) == 1 && sp.act == actNone {
		return nil
	}
	sp.op = [...]int32{opCopy, opAdd, opAdd3}[len(ins)-1]
	if k := c.p.fastEpilogue(c.y, bias, c.res, sp); k != nil {
		c.epi = k
		return nil
	}
	args := make([]arg, len(ins))
	for i, b := range ins {
		args[i] = arg{b: b}
	}
	k, err := c.p.newEW(c.y.shape, arg{b: c.y, stride: c.y.stride}, args, sp)
	if err != nil {
		return err
	}
	c.epi = k
	return nil
}

// padInput pads a convolution's input explicitly (asymmetric pads).
func (p *Program) padInput(n *graph.Node, x *buf, pads []int) (*buf, error) {
	x, err := p.canon(x)
	if err != nil {
		return nil, err
	}
	shape := []int{x.shape[0], x.shape[1], x.shape[2] + pads[0] + pads[2], x.shape[3] + pads[1] + pads[3]}
	y := p.newBuf(n.Name+".padded", x.dt, shape, nil)
	idx, err := indexTensor(x.shape)
	if err != nil {
		return nil, err
	}
	dst := tensor.New(shape...)
	if err := cpu.Pad(dst, idx, []int{0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]}, cpu.PadConstant, -1); err != nil {
		return nil, err
	}
	return y, p.gatherStep(n.Name+" pad", x, y, mapOf(dst), 0)
}

func lowerConvTranspose(p *Program, n *graph.Node) error {
	if ap := n.AttrString("auto_pad", "NOTSET"); ap != "NOTSET" && ap != "VALID" {
		return fmt.Errorf("auto_pad=%s is not supported (export with explicit pads)", ap)
	}
	if n.HasAttr("output_shape") {
		return fmt.Errorf("output_shape is not supported (export with pads)")
	}
	x, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	if len(x.shape) != 4 || n.In(1) == nil || len(n.In(1).Shape) != 4 {
		return fmt.Errorf("only 2-D transposed convolutions run on the GPU (input %v)", x.shape)
	}
	pads := n.AttrInts("pads")
	if len(pads) < 4 {
		pads = []int{0, 0, 0, 0}
	}
	if pads[0] != pads[2] || pads[1] != pads[3] {
		return fmt.Errorf("asymmetric pads %v are not supported on the GPU", pads)
	}
	// Transposed convolutions are rare and small: NCHW, which every
	// cuDNN backward-data algorithm takes.
	nhwc := false
	if x, err = p.layoutFor(x, nhwc); err != nil {
		return err
	}
	// The filter [Cin, Cout/g, R, S] is the forward convolution's (from
	// the output, Cout channels, to the input, Cin channels).
	w, err := p.convWeights(n.In(1), nhwc)
	if err != nil {
		return err
	}
	y, err := p.define(n.Outputs[0], nhwc)
	if err != nil {
		return err
	}
	g := n.AttrInt("group", 1)
	strides, dil := pair(n.AttrInts("strides"), 1), pair(n.AttrInts("dilations"), 1)
	spec := cuda.ConvSpec{N: y.shape[0], C: y.shape[1], H: y.shape[2], W: y.shape[3], K: w.shape[0], R: w.shape[2],
		S: w.shape[3], Groups: g, PadH: pads[0], PadW: pads[1], StrideH: strides[0], StrideW: strides[1],
		DilationH: dil[0], DilationW: dil[1], Type: cuda.Float32, TensorOps: p.e.act == dF16}
	if p.e.act == dF16 {
		spec.Type = cuda.Float16
	}
	if nhwc {
		spec.Layout = cuda.LayoutNHWC
	}
	if w.shape[0] != x.shape[1] || w.shape[1]*g != y.shape[1] {
		return fmt.Errorf("weights %v for input %v and output %v", w.shape, x.shape, y.shape)
	}
	c := &convStep{p: p, x: x, w: w, y: y, bwd: true}
	if err := p.newConv(c, spec, y.shape); err != nil {
		return err
	}
	o := c.cv.OutputDims()
	if o[0] != x.shape[0] || o[1] != x.shape[1] || o[2] != x.shape[2] || o[3] != x.shape[3] {
		return fmt.Errorf("cuDNN's transposed shapes %v do not match the input %v", o, x.shape)
	}
	var bias *buf
	if bv := n.In(2); bv != nil {
		if bias, err = p.val(bv); err != nil {
			return err
		}
	}
	if err := c.epilogue(ewSpec{}, bias); err != nil {
		return err
	}
	reads := []*buf{x, w}
	if bias != nil {
		reads = append(reads, bias)
	}
	c.st = p.step(n.Name, reads, []*buf{y}, c.run)
	p.tuners = append(p.tuners, c.tune)
	return nil
}

// epiKernel is a convolution epilogue on dsgo_epi_h2.
type epiKernel struct {
	prm     epiParams
	y, b, r *buf
	fn      *cuda.Function
}

// fastEpilogue plans the epilogue y = act(op(y, bias, res)) on
// dsgo_epi_h2 when every operand is float16, y and res are contiguous
// channels-last with an even channel count and the bias is a contiguous
// vector; it returns nil for other cases (dsgo_ew does them).
func (p *Program) fastEpilogue(y, bias, res *buf, sp ewSpec) *epiKernel {
	if y.dt != dF16 || len(y.shape) != 4 || !slices.Equal(y.stride, nhwcStrides(y.shape)) || y.shape[1]%2 != 0 {
		return nil
	}
	if bias != nil && (bias.dt != dF16 || bias.elems() != y.shape[1] || !slices.Equal(bias.stride, contiguous(bias.shape))) {
		return nil
	}
	if res != nil && (res.dt != dF16 || !slices.Equal(res.shape, y.shape) || !slices.Equal(res.stride, y.stride)) {
		return nil
	}
	k := &epiKernel{y: y, fn: p.e.kern["dsgo_epi_h2"], prm: epiParams{N2: int64(y.elems() / 2), C: int32(y.shape[1]),
		Op: sp.op, Act: sp.act, Alpha: sp.alpha, Beta: sp.beta, Lo: sp.lo, Hi: sp.hi}}
	// The operands in dsgo_ew's order: y, then the bias, then the residual.
	switch {
	case bias != nil:
		k.b, k.r, k.prm.Bchan = bias, res, 1
	case res != nil:
		k.b = res
	}
	return k
}

func (k *epiKernel) run(e *Engine, s *cuda.Stream) error {
	k.prm.Y = int64(k.y.dev())
	k.prm.B, k.prm.R = 0, 0
	if k.b != nil {
		k.prm.B = int64(k.b.dev())
	}
	if k.r != nil {
		k.prm.R = int64(k.r.dev())
	}
	return e.launch(s, k.fn, raw(&k.prm), k.prm.N2)
}

// biasF32 uploads a float32 bias as the own convolution kernels read it:
// float32, zero-padded to n channels.
func (p *Program) biasF32(t *tensor.Tensor, n int) (*buf, error) {
	b := make([]float32, n)
	copy(b, t.F32[:t.Len()])
	return p.e.upload(t.Name+".f32", dF32, []int{n}, nil, encodeFloats(b, dF32))
}

// addr returns b's device address as kernels take it, 0 for no buf.
func addr(b *buf) int64 {
	if b == nil {
		return 0
	}
	return int64(b.dev())
}

// Limits of the direct convolution: the input channels and output
// channels of the layers it takes (an image network's first layer).
const (
	directMaxC = 4
	directMaxK = 64
)

// directConv lowers a convolution with few input channels (an image
// network's first layer) to a kernel that reads its input as it is, in
// particular the float32 NCHW input binding, so that the program needs
// no conversion pass before its first layer: dsgo_conv_small on tensor
// cores in half precision, dsgo_conv_direct on CUDA cores in float32.
// Bias, residual and activation are fused. It reports false for
// convolutions it does not take, which cuDNN then runs.
func (p *Program) directConv(n *graph.Node, sp ewSpec, res *buf, pads []int) (bool, error) {
	wv, bv := n.In(1), n.In(2)
	if n.AttrInt("group", 1) != 1 || wv.Const == nil || wv.Const.DType != tensor.Float32 || len(wv.Const.Shape) != 4 ||
		wv.Const.Shape[1] > directMaxC || wv.Const.Shape[0] > directMaxK ||
		bv != nil && (bv.Const == nil || bv.Const.DType != tensor.Float32 || bv.Const.Len() != wv.Const.Shape[0]) {
		return false, nil
	}
	x, err := p.source(n.In(0))
	if err != nil {
		return false, err
	}
	wt := wv.Const
	k, c, r, ss := wt.Shape[0], wt.Shape[1], wt.Shape[2], wt.Shape[3]
	if len(x.shape) != 4 || x.shape[1] != c {
		return false, nil
	}
	ydt, err := deviceType(n.Outputs[0].DType, p.e.act)
	if err != nil {
		return false, err
	}
	fn := p.e.kern["dsgo_conv_small"]
	small := fn != nil && ydt == dF16 && p.wantNHWC() && c*r*ss <= 32 && k%8 == 0 &&
		(res == nil || res.nhwc() && res.dt == dF16) && n.Outputs[0].Shape.NumElements() < 1<<31
	if !small && ydt == dF16 {
		// In half precision cuDNN's tensor cores on the converted input
		// beat the CUDA-core kernel: 0.20 against 0.67 ms for a 3×3 layer
		// of 64 channels on 32 images of 368×640 on an H100.
		return false, nil
	}
	y, err := p.define(n.Outputs[0], p.wantNHWC())
	if err != nil {
		return false, err
	}
	if res != nil && !slices.Equal(res.shape, y.shape) {
		return false, fmt.Errorf("residual %v for output %v", res.shape, y.shape)
	}
	if small {
		return true, p.convSmall(n, fn, x, y, res, sp, pads)
	}
	kp := (k + convDirectKB - 1) / convDirectKB * convDirectKB
	wd := make([]float32, c*r*ss*kp) // [C][R][S][Kp]
	for ki := range k {
		for i := range c * r * ss {
			wd[i*kp+ki] = wt.F32[ki*c*r*ss+i]
		}
	}
	w, err := p.e.upload(wt.Name+".direct", dF32, []int{c, r, ss, kp}, nil, encodeFloats(wd, dF32))
	if err != nil {
		return false, err
	}
	reads := []*buf{x, w}
	var b *buf
	if bv != nil {
		if b, err = p.biasF32(bv.Const, kp); err != nil {
			return false, err
		}
		reads = append(reads, b)
	}
	strides, dil := pair(n.AttrInts("strides"), 1), pair(n.AttrInts("dilations"), 1)
	prm := &convDirectParams{Xs: dims4(x), Ys: dims4(y), N: int32(x.shape[0]), C: int32(c), H: int32(x.shape[2]),
		W_: int32(x.shape[3]), K: int32(k), KR: int32(r), KS: int32(ss), OH: int32(y.shape[2]), OW: int32(y.shape[3]),
		KP: int32(kp), SH: int32(strides[0]), SW: int32(strides[1]), PH: int32(pads[0]), PW: int32(pads[1]),
		DH: int32(dil[0]), DW: int32(dil[1]), Xdt: int32(x.dt), Ydt: int32(y.dt), Act: sp.act, Alpha: sp.alpha,
		Beta: sp.beta, Lo: sp.lo, Hi: sp.hi}
	if res != nil {
		prm.Rs, prm.Rdt = dims4(res), int32(res.dt)
		reads = append(reads, res)
	}
	rows := y.shape[0] * y.shape[2] * ((y.shape[3] + convDirectPX - 1) / convDirectPX)
	fn, cnt := p.e.kern["dsgo_conv_direct"], int64(rows*kp/convDirectKB)
	p.step(n.Name, reads, []*buf{y}, func(s *cuda.Stream) error {
		prm.X, prm.W, prm.Y, prm.B, prm.R = addr(x), addr(w), addr(y), addr(b), addr(res)
		return p.e.launch(s, fn, raw(prm), cnt)
	}).detail = "direct"
	return true, nil
}

// smallS2 reports whether dsgo_conv_small's two-pixel gather
// (conv_small_s2) takes the layer of prm over x: a 3x3 filter of stride 2,
// padding 1 and dilation 1 over a float32 NCHW image of 3 channels whose
// rows are a multiple of 4 wide and twice the output's, stored
// contiguously along W and 16-byte aligned.
func smallS2(x *buf, prm *convSmallParams) bool {
	xs := prm.Xs
	return prm.C == 3 && prm.KR == 3 && prm.KS == 3 && x.dt == dF32 && prm.SH == 2 && prm.SW == 2 &&
		prm.PH == 1 && prm.PW == 1 && prm.DH == 1 && prm.DW == 1 && prm.W_%4 == 0 && prm.OW*2 == prm.W_ &&
		xs[3] == 1 && xs[0]%4 == 0 && xs[1]%4 == 0 && xs[2]%4 == 0 && x.byteOffset()%16 == 0
}

type convSmallParams struct {
	X, W, B, R, Y                  int64
	Xs                             [4]int64
	M, C, H, W_, K, KR, KS, OH, OW int32
	SH, SW, PH, PW, DH, DW         int32
	Ldy, Ldr, Act, Xdt, Off32      int32
	Px2                            int32
	Alpha, Beta, Lo, Hi            float32
}

// convSmall lowers a convolution whose reduction (C*R*S) fits 32 to
// dsgo_conv_small (cuda/kernels/conv.cu): one tensor-core step per
// output pixel, its taps gathered straight from x in any layout and type.
func (p *Program) convSmall(n *graph.Node, fn *cuda.Function, x, y, res *buf, sp ewSpec, pads []int) error {
	wt := n.In(1).Const
	k, crs := wt.Shape[0], wt.Shape[1]*wt.Shape[2]*wt.Shape[3]
	kp := (k + 15) / 16 * 16
	wd := make([]float32, kp*32) // [Kp][32]
	for ki := range k {
		copy(wd[ki*32:ki*32+crs], wt.F32[ki*crs:(ki+1)*crs])
	}
	w, err := p.e.upload(wt.Name+".small", dF16, []int{kp, 32}, nil, encodeFloats(wd, dF16))
	if err != nil {
		return err
	}
	reads := []*buf{x, w}
	var b *buf
	if bv := n.In(2); bv != nil {
		if b, err = p.biasF32(bv.Const, kp); err != nil {
			return err
		}
		reads = append(reads, b)
	}
	strides, dil := pair(n.AttrInts("strides"), 1), pair(n.AttrInts("dilations"), 1)
	prm := &convSmallParams{Xs: dims4(x), M: int32(y.shape[0] * y.shape[2] * y.shape[3]), C: int32(wt.Shape[1]),
		H: int32(x.shape[2]), W_: int32(x.shape[3]), K: int32(k), KR: int32(wt.Shape[2]), KS: int32(wt.Shape[3]),
		OH: int32(y.shape[2]), OW: int32(y.shape[3]), SH: int32(strides[0]), SW: int32(strides[1]),
		PH: int32(pads[0]), PW: int32(pads[1]), DH: int32(dil[0]), DW: int32(dil[1]), Ldy: int32(y.shape[1]),
		Act: sp.act, Xdt: int32(x.dt), Alpha: sp.alpha, Beta: sp.beta, Lo: sp.lo, Hi: sp.hi}
	if x.root().elems() < 1<<31 {
		prm.Off32 = 1
	}
	if res != nil { // its shape is y's (directConv checked)
		prm.Ldr = int32(res.shape[1])
		reads = append(reads, res)
	}
	bm := 128 // pixels a block; it computes every output channel (directMaxK)
	if prm.Off32 == 1 && smallS2(x, prm) {
		prm.Px2, bm = 1, 256
	}
	grid := cuda.Dim3{X: (int(prm.M) + bm - 1) / bm}
	p.step(n.Name, reads, []*buf{y}, func(s *cuda.Stream) error {
		prm.X, prm.W, prm.Y, prm.B, prm.R = addr(x), addr(w), addr(y), addr(b), addr(res)
		return p.e.launchGrid(s, fn, raw(prm), grid, cuda.Dim3{X: 128}, 0)
	}).detail = "dsgo_conv_small"
	return nil
}
