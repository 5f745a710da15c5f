package gpu

import (
	"fmt"
	"slices"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// igemmConfig is one instantiation of the implicit-GEMM convolution
// kernel of cuda/kernels/conv.cu: a block of threads computes bm output
// pixels by bn output channels.
type igemmConfig struct {
	name            string
	bm, bn, threads int
}

// igemmConfigs are conv.cu's IGEMM instantiations, timed against cuDNN
// for each eligible convolution.
var igemmConfigs = []igemmConfig{
	{"dsgo_igemm_128x64x32", 128, 64, 128},
	{"dsgo_igemm_128x32x32", 128, 32, 128},
	{"dsgo_igemm_64x64x32", 64, 64, 128},
	{"dsgo_igemm_256x32x32", 256, 32, 128},
	{"dsgo_igemm_128x32x16", 128, 32, 128},
	{"dsgo_igemm_64x32x16", 64, 32, 128},
	{"dsgo_igemm_128x16x16", 128, 16, 128},
	{"dsgo_igemm_64x16x16", 64, 16, 128},
	{"dsgo_igemm_64x32x32", 64, 32, 128},
	{"dsgo_igemm_128x64x32w8", 128, 64, 256},
	{"dsgo_igemm_128x32x32w8", 128, 32, 256},
	{"dsgo_igemm_256x32x16w8", 256, 32, 256},
}

// ownConvKernels are the kernels of conv.cu, which exist on sm_80 and
// later GPUs only.
func ownConvKernels() []string {
	names := []string{"dsgo_conv_small"}
	for _, c := range igemmConfigs {
		names = append(names, c.name)
	}
	return names
}

type igemmParams struct {
	X, W, B, R, Y                  int64
	M, C, H, W_, K, KR, KS, OH, OW int32
	SH, SW, PH, PW, DH, DW         int32
	Ldy, Ldr, Act                  int32
	Alpha, Beta, Lo, Hi            float32
}

// igemm is a convolution planned on dsgo's own kernels: their parameters
// and, once tuned, the configuration chosen (-1: cuDNN runs it).
type igemm struct {
	prm  igemmParams
	bias *buf // float32, or nil
	fns  []*cuda.Function
	cfgs []igemmConfig
	use  int
}

// planIgemm prepares dsgo's own kernels for c when they can run it: a
// float16 channels-last convolution without groups, input and output
// channels multiples of 8, a constant bias and a channels-last residual.
// It returns nil otherwise (or on GPUs without the kernels).
func (p *Program) planIgemm(c *convStep, n *graph.Node, spec cuda.ConvSpec, sp ewSpec) (*igemm, error) {
	if p.e.act != dF16 || spec.Layout != cuda.LayoutNHWC || spec.Groups != 1 || spec.C%8 != 0 || spec.K%8 != 0 ||
		!c.x.nhwc() || !c.y.nhwc() || c.res != nil && (!c.res.nhwc() || c.res.dt != dF16 || !slices.Equal(c.res.shape, c.y.shape)) {
		return nil, nil
	}
	// The kernels compute offsets in 32 bits.
	for _, b := range []*buf{c.x, c.w, c.y, c.res} {
		if b != nil && b.root().elems() >= 1<<31 {
			return nil, nil
		}
	}
	g := &igemm{use: -1}
	for _, cfg := range igemmConfigs {
		if fn := p.e.kern[cfg.name]; fn != nil {
			g.fns, g.cfgs = append(g.fns, fn), append(g.cfgs, cfg)
		}
	}
	if len(g.fns) == 0 {
		return nil, nil
	}
	if bv := n.In(2); bv != nil {
		if bv.Const == nil || bv.Const.DType != tensor.Float32 || bv.Const.Len() != spec.K {
			return nil, nil
		}
		b, err := p.biasF32(bv.Const, spec.K)
		if err != nil {
			return nil, err
		}
		g.bias = b
	}
	y := c.y
	g.prm = igemmParams{M: int32(spec.N * y.shape[2] * y.shape[3]), C: int32(spec.C), H: int32(spec.H), W_: int32(spec.W),
		K: int32(spec.K), KR: int32(spec.R), KS: int32(spec.S), OH: int32(y.shape[2]), OW: int32(y.shape[3]),
		SH: int32(spec.StrideH), SW: int32(spec.StrideW), PH: int32(spec.PadH), PW: int32(spec.PadW),
		DH: int32(spec.DilationH), DW: int32(spec.DilationW), Ldy: int32(y.stride[2] / y.shape[3]),
		Act: sp.act, Alpha: sp.alpha, Beta: sp.beta, Lo: sp.lo, Hi: sp.hi}
	if c.res != nil {
		g.prm.Ldr = int32(c.res.stride[2] / c.res.shape[3])
	}
	return g, nil
}

// run queues configuration i of the kernel for c.
func (g *igemm) run(c *convStep, s *cuda.Stream, i int) error {
	g.prm.X, g.prm.W, g.prm.Y, g.prm.B, g.prm.R = addr(c.x), addr(c.w), addr(c.y), addr(g.bias), addr(c.res)
	cfg := g.cfgs[i]
	grid := cuda.Dim3{X: (int(g.prm.M) + cfg.bm - 1) / cfg.bm, Y: (int(g.prm.K) + cfg.bn - 1) / cfg.bn}
	if grid.X > 1<<31-1 || grid.Y > 65535 {
		return fmt.Errorf("gpu: %s: grid %v", cfg.name, grid)
	}
	return c.p.e.launchGrid(s, g.fns[i], raw(&g.prm), grid, cuda.Dim3{X: cfg.threads})
}

// find returns the index of the configuration named name, or -1.
func (g *igemm) find(name string) int {
	return slices.IndexFunc(g.cfgs, func(c igemmConfig) bool { return c.name == name })
}
