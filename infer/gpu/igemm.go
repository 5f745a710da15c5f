package gpu

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

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

// ownConvConfigs reads the kernel instantiations of conv.cu, its IGEMM,
// HCONV and HCONVB lines, so that the list the engine times is the one
// NVRTC compiles, written once.
func ownConvConfigs() ([]igemmConfig, error) {
	src, err := cuda.Kernel("conv.cu")
	if err != nil {
		return nil, fmt.Errorf("gpu: %w", err)
	}
	var cfgs []igemmConfig
	for _, line := range strings.Split(src.Source, "\n") {
		macro, rest, ok := strings.Cut(line, "(")
		if !ok || macro != "IGEMM" && macro != "HCONV" && macro != "HCONVB" {
			continue
		}
		args := strings.Split(strings.TrimSuffix(strings.TrimSpace(rest), ")"), ",")
		v := make([]int, len(args)-1)
		for i, a := range args[1:] {
			if v[i], err = strconv.Atoi(strings.TrimSpace(a)); err != nil || v[i] <= 0 {
				return nil, fmt.Errorf("gpu: conv.cu: %q: argument %d", line, i+2)
			}
		}
		cfg := igemmConfig{name: strings.TrimSpace(args[0])}
		switch {
		case macro == "IGEMM" && len(v) == 6: // BM, BN, BK, WM, WN, ST
			cfg.bm, cfg.bn, cfg.threads = v[0], v[1], v[0]/v[3]*(v[1]/v[4])*32
		case macro == "HCONV" && len(v) == 8, macro == "HCONVB" && len(v) == 10:
			// C, KR, S, TH, TW, BN, WM, WN[, NB, MINB]
			h := &haloShape{c: v[0], k: v[1], s: v[2], th: v[3], tw: v[4], nb: 2}
			if macro == "HCONVB" {
				h.nb = v[8]
			}
			cfg.bm, cfg.bn, cfg.threads, cfg.halo = v[3]*v[4], v[5], v[3]*v[4]/v[6]*(v[5]/v[7])*32, h
		default:
			return nil, fmt.Errorf("gpu: conv.cu: %q: %d arguments", line, len(args))
		}
		cfgs = append(cfgs, cfg)
	}
	if len(cfgs) == 0 {
		return nil, errors.New("gpu: conv.cu declares no convolution kernels")
	}
	return cfgs, nil
}

// loadOwnConv looks up conv.cu's kernels in sh's module (absent before
// sm_80 and in the emulator: cuDNN then runs every convolution) and
// prepares the halo kernels: their shared memory is allowed and their
// persistent grid computed. A halo kernel that does not fit this GPU is
// left out.
func (sh *shared) loadOwnConv(dev cuda.Device) error {
	cfgs, err := ownConvConfigs()
	if err != nil {
		return err
	}
	if fn, err := sh.mod.Function("dsgo_conv_small"); err == nil {
		sh.kern["dsgo_conv_small"] = fn
	}
	sms := 0
	for _, cfg := range cfgs {
		fn, err := sh.mod.Function(cfg.name)
		if err != nil {
			continue
		}
		if cfg.halo != nil {
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
			sh.grid[cfg.name] = per * sms
		}
		sh.kern[cfg.name] = fn
		sh.convCfgs = append(sh.convCfgs, cfg)
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
	for _, cfg := range p.e.sh.convCfgs {
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
