package gpu

import (
	"fmt"
	"slices"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// igemmConfig is one instantiation of dsgo's own convolution kernels of
// cuda/kernels/conv.cu: the implicit GEMM, where a block of threads
// computes bm output pixels by bn output channels, or, with halo set,
// the halo kernel for one filter shape.
type igemmConfig struct {
	name            string
	bm, bn, threads int
	halo            *haloShape
}

// haloShape is what a dsgo_hconv kernel was compiled for: up to c input
// channels (a multiple of 16; fewer are padded with zeros), k×k filters
// of stride s, output tiles of th×tw pixels and nb input buffers. Its
// filters stay in shared memory and its blocks are persistent: the grid
// is as many blocks as fit on the GPU at once. With one input buffer
// the next tile's input loads during the epilogue rather than during
// the computation, which halves the input's shared memory: two blocks
// of 64-channel filters then fit an SM.
type haloShape struct{ c, k, s, th, tw, nb int }

// smem returns the kernel's dynamic shared memory in bytes for bn
// filters: the filters and nb input tiles, rows padded by 8 halves.
func (h *haloShape) smem(bn int) int {
	ih, iw := (h.th-1)*h.s+h.k, (h.tw-1)*h.s+h.k
	return 2 * (bn*(h.k*h.k*h.c+8) + h.nb*ih*iw*(h.c+8))
}

// fits reports whether the kernel computes spec.
func (h *haloShape) fits(spec cuda.ConvSpec) bool {
	return spec.R == h.k && spec.S == h.k && spec.StrideH == h.s && spec.StrideW == h.s &&
		spec.DilationH == 1 && spec.DilationW == 1 && spec.C <= h.c && spec.C > h.c-16
}

// igemmConfigs are conv.cu's IGEMM and HCONV instantiations, timed
// against cuDNN for each convolution they can run.
var igemmConfigs = []igemmConfig{
	{"dsgo_igemm_128x64x32", 128, 64, 128, nil},
	{"dsgo_igemm_128x32x32", 128, 32, 128, nil},
	{"dsgo_igemm_64x64x32", 64, 64, 128, nil},
	{"dsgo_igemm_256x32x32", 256, 32, 128, nil},
	{"dsgo_igemm_128x32x16", 128, 32, 128, nil},
	{"dsgo_igemm_64x32x16", 64, 32, 128, nil},
	{"dsgo_igemm_128x16x16", 128, 16, 128, nil},
	{"dsgo_igemm_64x16x16", 64, 16, 128, nil},
	{"dsgo_igemm_64x32x32", 64, 32, 128, nil},
	{"dsgo_igemm_128x64x32w8", 128, 64, 256, nil},
	{"dsgo_igemm_128x32x32w8", 128, 32, 256, nil},
	{"dsgo_igemm_256x32x16w8", 256, 32, 256, nil},
	{"dsgo_hconv_c16k3s2_8x16x32w4", 128, 32, 128, &haloShape{16, 3, 2, 8, 16, 2}},
	{"dsgo_hconv_c32k3s1_8x16x32w4", 128, 32, 128, &haloShape{32, 3, 1, 8, 16, 2}},
	{"dsgo_hconv_c32k3s1_8x16x32w8", 128, 32, 256, &haloShape{32, 3, 1, 8, 16, 2}},
	{"dsgo_hconv_c32k3s2_8x16x32w4", 128, 32, 128, &haloShape{32, 3, 2, 8, 16, 2}},
	{"dsgo_hconv_c32k3s2_8x16x64w8", 128, 64, 256, &haloShape{32, 3, 2, 8, 16, 2}},
	{"dsgo_hconv_c64k3s1_8x16x64w8", 128, 64, 256, &haloShape{64, 3, 1, 8, 16, 2}},
	{"dsgo_hconv_c64k3s1_16x16x64w8", 256, 64, 256, &haloShape{64, 3, 1, 16, 16, 2}},
	{"dsgo_hconv_c64k3s1_8x16x64w4", 128, 64, 128, &haloShape{64, 3, 1, 8, 16, 2}},
	{"dsgo_hconv_c16k3s2_16x16x32w8", 256, 32, 256, &haloShape{16, 3, 2, 16, 16, 2}},
	{"dsgo_hconv_c16k3s2_8x16x32w8", 128, 32, 256, &haloShape{16, 3, 2, 8, 16, 2}},
	{"dsgo_hconv_c32k3s1_16x16x32w8", 256, 32, 256, &haloShape{32, 3, 1, 16, 16, 2}},
	{"dsgo_hconv_c32k3s1_16x16x32w4", 256, 32, 128, &haloShape{32, 3, 1, 16, 16, 2}},
	{"dsgo_hconv_c96k3s1_8x16x32w4", 128, 32, 128, &haloShape{96, 3, 1, 8, 16, 2}},
	{"dsgo_hconv_c112k3s1_8x16x32w4", 128, 32, 128, &haloShape{112, 3, 1, 8, 16, 2}},
	{"dsgo_hconv_c64k3s1_8x16x64w8b1", 128, 64, 256, &haloShape{64, 3, 1, 8, 16, 1}},
	{"dsgo_hconv_c64k3s1_8x16x64w4b1", 128, 64, 128, &haloShape{64, 3, 1, 8, 16, 1}},
	{"dsgo_hconv_c32k3s2_8x16x64w8b1", 128, 64, 256, &haloShape{32, 3, 2, 8, 16, 1}},
	{"dsgo_hconv_c32k3s1_8x16x32w4b1", 128, 32, 128, &haloShape{32, 3, 1, 8, 16, 1}},
	{"dsgo_hconv_c16k3s2_8x16x32w4b1", 128, 32, 128, &haloShape{16, 3, 2, 8, 16, 1}},
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

// loadOwnConv looks up conv.cu's kernels in sh's module (absent before
// sm_80 and in the emulator: cuDNN then runs every convolution) and
// prepares the halo kernels: their shared memory is allowed and their
// persistent grid computed. A halo kernel that does not fit this GPU is
// left out.
func (sh *shared) loadOwnConv(dev cuda.Device) error {
	sms := 0
	for _, name := range ownConvKernels() {
		fn, err := sh.mod.Function(name)
		if err != nil {
			continue
		}
		i := slices.IndexFunc(igemmConfigs, func(c igemmConfig) bool { return c.name == name })
		if i >= 0 && igemmConfigs[i].halo != nil {
			cfg := igemmConfigs[i]
			bytes := cfg.halo.smem(cfg.bn)
			if fn.SetMaxDynamicSharedMemory(bytes) != nil {
				continue
			}
			per, err := fn.BlocksPerSM(cfg.threads, bytes)
			if err != nil || per < 1 {
				continue
			}
			if sms == 0 {
				if sms, err = dev.SMCount(); err != nil {
					return fmt.Errorf("gpu: %w", err)
				}
			}
			sh.grid[name] = per * sms
		}
		sh.kern[name] = fn
	}
	return nil
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
		if fn := p.e.kern[cfg.name]; fn != nil && (cfg.halo == nil || cfg.halo.fits(spec)) {
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
	smem := 0
	if h := cfg.halo; h != nil {
		tiles := int(g.prm.M) / int(g.prm.OH*g.prm.OW) * ((int(g.prm.OH) + h.th - 1) / h.th) * ((int(g.prm.OW) + h.tw - 1) / h.tw)
		grid.X = min(tiles, max(c.p.e.sh.grid[cfg.name]/grid.Y, 1))
		smem = h.smem(cfg.bn)
	}
	if grid.X > 1<<31-1 || grid.Y > 65535 {
		return fmt.Errorf("gpu: %s: grid %v", cfg.name, grid)
	}
	return c.p.e.launchGrid(s, g.fns[i], raw(&g.prm), grid, cuda.Dim3{X: cfg.threads}, smem)
}

// find returns the index of the configuration named name, or -1.
func (g *igemm) find(name string) int {
	return slices.IndexFunc(g.cfgs, func(c igemmConfig) bool { return c.name == name })
}
