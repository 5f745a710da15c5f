package gpu

import (
	"fmt"
	"slices"
	"unsafe"

	"github.com/dsgo/dsgo/cuda"
)

// The parameter structs of the kernels in cuda/kernels/infer.cu, field
// for field (8-byte fields first, then 4-byte ones, so that Go and C lay
// them out alike).

const maxRank = 6

type operand struct {
	Ptr    int64
	Stride [maxRank]int64
	Dtype  int32
	_      int32
}

type ewParams struct {
	N                           int64
	Dims                        [maxRank]int64
	Out                         operand
	In                          [3]operand
	Rank, Op, Act, Nin          int32
	Ka, Kb, Alpha, Beta, Lo, Hi float32
	Pre                         int32 // activations on In[0] first (preChain.code)
	_                           int32
}

type epiParams struct {
	N2, Y, B, R         int64
	C, Bchan, Op, Act   int32
	Alpha, Beta, Lo, Hi float32
}

type nhwcParams struct {
	X, Y, Pixels int64
	C, HW        int32
}

type planesParams struct {
	X, Y, Pixels, Yn, Yc int64
	C, HW                int32
}

type copy2dParams struct {
	Src, Dst, Rows, Sp, Dp int64
	Units, Vec             int32
}

type resizeVecParams struct {
	X, Y, TabY, TabX, Xn, Xp, Yn, Yp int64
	N, H, W, OH, OW, Units, Vec, _   int32
}

// convDirectKB and convDirectPX are CD_KB and CD_PX: the output channels
// and pixels one thread of dsgo_conv_direct computes.
const (
	convDirectKB = 16
	convDirectPX = 2
)

type convDirectParams struct {
	X, W, B, R, Y                  int64
	Xs, Ys, Rs                     [4]int64
	N, C, H, W_, K, KR, KS, OH, OW int32
	KP, SH, SW, PH, PW, DH, DW     int32
	Xdt, Ydt, Rdt, Act             int32
	Alpha, Beta, Lo, Hi            float32
}

type mapParams struct {
	N, Src, Dst, Map int64
	Fill             uint64
	Esize, _         int32
}

type poolParams struct {
	X, Y                                   int64
	Xs, Ys                                 [4]int64
	N, C, H, W, OH, OW                     int32
	KH, KW, SH, SW, DH, DW, PT, PL, PB, PR int32
	IsMax, IncludePad, Dtype, Order        int32
}

type resizeParams struct {
	X, Y, TabY, TabX         int64
	Xs, Ys                   [4]int64
	N, C, H, W, OH, OW       int32
	Nearest, Dtype, Order, _ int32
}

type rowParams struct {
	X, Y, Y2             int64
	Outer, Len, Inner, K int32
	Dtype, Largest, _, _ int32
}

type reduceParams struct {
	X, Y                     int64
	KDims, KStr, RDims, RStr [maxRank]int64
	NOut, NRed               int64
	KRank, RRank, Op, Dtype  int32
}

type roiParams struct {
	X, Rois, Bidx, Y                           int64
	N, C, H, W, R, OH, OW, Sampling            int32
	Scale                                      float32
	HalfPixel, Dtype, RoiDtype, BidxDtype, Pad int32
}

type gatherParams struct {
	X, Idx, Y, Err, N, Inner, NIdx int64
	D, Esize, IdxDtype, _          int32
}

type nmsParams struct {
	Boxes, Scores, Cnt, Cand, CandScore, Order, Corners, Mask, Keep, Kcnt, Offs, Res int64
	Batches, Classes, N, Mcap                                                        int32
	Words, MaxOut, BoxDtype, ScoreDtype                                              int32
	Center, _                                                                        int32
	IOUThr, ScoreThr                                                                 float32
}

// Element-wise ops and activations (OP_* and ACT_* in infer.cu).
const (
	opCopy int32 = iota
	opAdd
	opSub
	opMul
	opDiv
	opPow
	opMin
	opMax
	opAdd3
	opMulAdd
	opWhere
	opEqual
	opAxpby
)

const (
	actNone int32 = iota
	actRelu
	actLeaky
	actClip
	actSigmoid
	actSiLU
	actHardSwish
	actHardSigmoid
	actTanh
	actExp
	actSqrt
	actNeg
	actMish
	actErf
	actFloor
	actCeil
)

// kernelNames are the kernels a program uses, loaded once per engine.
var kernelNames = []string{"dsgo_ew_f", "dsgo_ew_d", "dsgo_map", "dsgo_pool", "dsgo_gap", "dsgo_resize",
	"dsgo_softmax", "dsgo_argmax", "dsgo_topk", "dsgo_reduce", "dsgo_roialign", "dsgo_gather",
	"dsgo_nms_select", "dsgo_nms_sort", "dsgo_nms_mask", "dsgo_nms_reduce", "dsgo_nms_offsets", "dsgo_nms_write",
	"dsgo_epi_h2", "dsgo_to_nhwc_h", "dsgo_copy2d", "dsgo_resize_vec", "dsgo_conv_direct", "dsgo_to_planes_h",
	"dsgo_ew_group_f",
	"dsgo_maxpool_h8"}

// raw returns the bytes of a parameter struct.
func raw[T any](p *T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), unsafe.Sizeof(*p))
}

const blockSize = 256

// launch queues kernel fn over n threads with the parameter struct prm.
// It allocates nothing: the engine's one Args block is refilled (steps
// run one at a time).
func (e *Engine) launch(s *cuda.Stream, fn *cuda.Function, prm []byte, n int64) error {
	if n <= 0 {
		return nil
	}
	grid := (n + blockSize - 1) / blockSize
	if grid > 1<<31-1 {
		return fmt.Errorf("gpu: kernel %s over %d elements", fn.Name(), n)
	}
	return e.launchGrid(s, fn, prm, cuda.Dim3{X: int(grid)}, cuda.Dim3{X: blockSize}, 0)
}

// launchGrid queues kernel fn with the given grid, block and dynamic
// shared memory and the parameter struct prm, through the engine's one
// Args block as launch.
func (e *Engine) launchGrid(s *cuda.Stream, fn *cuda.Function, prm []byte, grid, block cuda.Dim3, smem int) error {
	e.args.Reset().Bytes(prm, 8)
	return fn.Launch(s, grid, block, smem, e.args)
}

// arg is an operand of an element-wise step: a buf read (or written)
// through strides over the output's dimensions, from an element offset.
type arg struct {
	b      *buf
	off    int   // elements
	stride []int // over the iteration dimensions; nil: broadcast b's own strides
}

// ewSpec is an element-wise step: out = act(op(in...)) over dims.
type ewSpec struct {
	op, act                     int32
	ka, kb, alpha, beta, lo, hi float32
	pre                         int32 // activations on the first input first (preChain.code)
}

// broadcastStrides returns b's strides over dims (right-aligned NumPy
// broadcasting: size-1 dimensions and missing leading ones get 0).
func broadcastStrides(b *buf, dims []int) ([]int, error) {
	st := make([]int, len(dims))
	pad := len(dims) - len(b.shape)
	if pad < 0 {
		return nil, fmt.Errorf("cannot broadcast %v to %v", b.shape, dims)
	}
	for i, d := range b.shape {
		switch {
		case d == dims[pad+i]:
			st[pad+i] = b.stride[i]
		case d == 1:
		default:
			return nil, fmt.Errorf("cannot broadcast %v to %v", b.shape, dims)
		}
	}
	return st, nil
}

// ewKernel is a planned element-wise launch.
type ewKernel struct {
	prm  ewParams
	args [4]arg // out, in...
	fn   *cuda.Function
}

// newEW plans an element-wise launch over dims writing out through its
// strides (or outStride when given) and reading ins with broadcasting.
// Dimensions are walked in the output's memory order and merged where
// every operand allows, so that most launches index one or two
// dimensions.
func (p *Program) newEW(dims []int, out arg, ins []arg, sp ewSpec) (*ewKernel, error) {
	ops := append([]arg{out}, ins...)
	strides := make([][]int, len(ops))
	anyInt := false
	for i, a := range ops {
		st := a.stride
		if st == nil {
			var err error
			if st, err = broadcastStrides(a.b, dims); err != nil {
				return nil, err
			}
		}
		strides[i] = st
		if !a.b.dt.float() {
			anyInt = true
		}
	}
	// Walk in the output's memory order: sort by its strides, outermost
	// first, stable so that broadcast (0) dimensions keep their place.
	order := make([]int, len(dims))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return abs(strides[0][b]) - abs(strides[0][a]) })
	var d []int
	st := make([][]int, len(ops))
	for _, o := range order {
		if dims[o] == 1 {
			continue
		}
		if k := len(d) - 1; k >= 0 && mergeable(st, strides, k, o, dims[o]) {
			d[k] *= dims[o]
			for i := range st {
				st[i][k] = strides[i][o]
			}
			continue
		}
		d = append(d, dims[o])
		for i := range st {
			st[i] = append(st[i], strides[i][o])
		}
	}
	if len(d) > maxRank {
		return nil, fmt.Errorf("element-wise over %v: more than %d dimensions after merging", dims, maxRank)
	}
	k := &ewKernel{fn: p.e.kern["dsgo_ew_f"]}
	if anyInt {
		k.fn = p.e.kern["dsgo_ew_d"]
	}
	pr := &k.prm
	pr.N = int64(elems(dims))
	pr.Rank, pr.Op, pr.Act, pr.Nin = int32(len(d)), sp.op, sp.act, int32(len(ins))
	pr.Ka, pr.Kb, pr.Alpha, pr.Beta, pr.Lo, pr.Hi, pr.Pre = sp.ka, sp.kb, sp.alpha, sp.beta, sp.lo, sp.hi, sp.pre
	for i := range d {
		pr.Dims[i] = int64(d[i])
	}
	for i, a := range ops {
		o := &pr.Out
		if i > 0 {
			o = &pr.In[i-1]
		}
		o.Dtype = int32(a.b.dt)
		for j := range d {
			o.Stride[j] = int64(st[i][j])
		}
		k.args[i] = a
	}
	return k, nil
}

// mergeable reports whether dimension o (inner) can fold into the last
// kept dimension k (outer) for every operand.
func mergeable(st, strides [][]int, k, o, size int) bool {
	for i := range st {
		if st[i][k] != strides[i][o]*size {
			return false
		}
	}
	return true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// run fills in the operands' addresses and queues the launch.
func (k *ewKernel) run(e *Engine, s *cuda.Stream) error {
	k.fill()
	return e.launch(s, k.fn, raw(&k.prm), k.prm.N)
}

// fill sets the operands' addresses in k.prm.
func (k *ewKernel) fill() {
	pr := &k.prm
	for i := 0; i <= int(pr.Nin); i++ {
		a := &k.args[i]
		o := &pr.Out
		if i > 0 {
			o = &pr.In[i-1]
		}
		o.Ptr = int64(a.b.dev()) + int64(a.off)*int64(a.b.dt.size())
	}
}

// ew adds an element-wise step writing out (through its own strides)
// from ins broadcast to out's shape. A float step computing part of a
// Concat's output in place joins the step before when that one does too
// (ewGroup).
func (p *Program) ew(name string, out *buf, ins []*buf, sp ewSpec) error {
	args := make([]arg, len(ins))
	for i, b := range ins {
		args[i] = arg{b: b}
	}
	k, err := p.newEW(out.shape, arg{b: out, stride: out.stride}, args, sp)
	if err != nil {
		return err
	}
	if k.prm.N == 0 {
		return nil
	}
	root := out.root()
	if k.fn != p.e.kern["dsgo_ew_f"] || out.base == nil || !p.slotRoots[root] || p.e.kern["dsgo_ew_group_f"] == nil ||
		slices.ContainsFunc(ins, func(b *buf) bool { return b.root() == root }) {
		p.step(name, ins, []*buf{out}, func(s *cuda.Stream) error { return k.run(p.e, s) })
		return nil
	}
	g := p.group
	if g != nil && g.root == root && len(p.steps) > 0 && p.steps[len(p.steps)-1] == g.st && len(g.ks) < len(g.prm.Part) {
		// Independent of the steps in the group: each writes only its own
		// part of root and reads nothing of root.
		last := len(p.steps) - 1
		for _, b := range ins {
			r := b.root()
			r.last = max(r.last, last)
		}
		g.ks = append(g.ks, k)
		g.st.name += " + " + name
		return nil
	}
	g = &ewGroup{root: root, ks: []*ewKernel{k}, fn: p.e.kern["dsgo_ew_group_f"]}
	g.st = p.step(name, ins, []*buf{out}, func(s *cuda.Stream) error { return g.run(p.e, s) })
	p.group = g
	return nil
}

// ewGroup is a step of up to three independent float element-wise
// launches into one Concat's output (root), run as one launch of
// dsgo_ew_group_f: the YOLO decode's three parts of its output.
type ewGroup struct {
	st   *step
	root *buf
	ks   []*ewKernel
	fn   *cuda.Function
	prm  ewGroupParams
}

type ewGroupParams struct {
	Part     [3]ewParams
	First    [4]int32
	Parts, _ int32
}

// run fills in the parts' addresses and queues the launch.
func (g *ewGroup) run(e *Engine, s *cuda.Stream) error {
	if len(g.ks) == 1 {
		return g.ks[0].run(e, s)
	}
	blocks := int64(0)
	for j, k := range g.ks {
		k.fill()
		g.prm.Part[j], g.prm.First[j] = k.prm, int32(blocks)
		blocks += (k.prm.N + blockSize - 1) / blockSize
	}
	if blocks > 1<<31-1 {
		return fmt.Errorf("gpu: %s: %d blocks", g.st.name, blocks)
	}
	g.prm.First[len(g.ks)], g.prm.Parts = int32(blocks), int32(len(g.ks))
	return e.launchGrid(s, g.fn, raw(&g.prm), cuda.Dim3{X: int(blocks)}, cuda.Dim3{X: blockSize}, 0)
}
