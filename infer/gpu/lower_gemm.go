package gpu

import (
	"fmt"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/graph"
)

// Matrix products run on cuBLAS. dsgo's tensors are row-major and
// cuBLAS's matrices column-major: a row-major X is the column-major X^T,
// so Y = A*B is computed as Y^T = B^T * A^T, with the operands swapped
// and nothing transposed in memory.

func (p *Program) gemmType() cuda.DataType {
	if p.e.act == dF16 {
		return cuda.Float16
	}
	return cuda.Float32
}

func lowerGemm(p *Program, n *graph.Node) error {
	a, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	b, err := p.val(n.In(1))
	if err != nil {
		return err
	}
	if a, err = p.canon(a); err != nil {
		return err
	}
	if b, err = p.canon(b); err != nil {
		return err
	}
	if len(a.shape) != 2 || len(b.shape) != 2 {
		return fmt.Errorf("operands %v and %v must be matrices", a.shape, b.shape)
	}
	transA, transB := n.AttrInt("transA", 0) == 1, n.AttrInt("transB", 0) == 1
	alpha, beta := n.AttrFloat("alpha", 1), n.AttrFloat("beta", 1)
	m, k := a.shape[0], a.shape[1]
	if transA {
		m, k = k, m
	}
	k2, nn := b.shape[0], b.shape[1]
	if transB {
		k2, nn = nn, k2
	}
	if k != k2 {
		return fmt.Errorf("inner dimensions %d and %d differ", k, k2)
	}
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	if y.elems() != m*nn {
		return fmt.Errorf("output %v for a %dx%d product", y.shape, m, nn)
	}
	g := &cuda.Gemm{TransA: transB, TransB: transA, M: nn, N: m, K: k, Alpha: alpha, LDA: nn, LDB: k, LDC: nn,
		Batch: 1, Type: p.gemmType()}
	if transB {
		g.LDA = k
	}
	if transA {
		g.LDB = m
	}
	if cv := n.In(2); cv != nil && beta != 0 {
		c, err := p.val(cv)
		if err != nil {
			return err
		}
		// Y = beta*C first (broadcast), then the product accumulates.
		if err := p.ew(n.Name+" C", y, []*buf{c}, ewSpec{op: opAxpby, ka: beta}); err != nil {
			return err
		}
		g.Beta = 1
	}
	p.step(n.Name, []*buf{a, b, y}, []*buf{y}, func(s *cuda.Stream) error {
		g.A, g.B, g.C = b.dev(), a.dev(), y.dev()
		return p.e.blas.Gemm(s, g)
	})
	return nil
}

// broadcastIndex maps batch index i of out (row-major) to the index in a
// batch shape broadcast to it.
func broadcastIndex(i int, out, in []int) int {
	idx := 0
	mul := 1
	for d := len(out) - 1; d >= 0; d-- {
		x := i % out[d]
		i /= out[d]
		if k := d - (len(out) - len(in)); k >= 0 {
			if in[k] != 1 {
				idx += x * mul
			}
			mul *= in[k]
		}
	}
	return idx
}

func lowerMatMul(p *Program, n *graph.Node) error {
	a, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	b, err := p.val(n.In(1))
	if err != nil {
		return err
	}
	if a, err = p.canon(a); err != nil {
		return err
	}
	if b, err = p.canon(b); err != nil {
		return err
	}
	as, bs := a.shape, b.shape
	if len(as) == 0 || len(bs) == 0 {
		return fmt.Errorf("scalar operands %v, %v", as, bs)
	}
	if len(as) == 1 {
		as = []int{1, as[0]}
	}
	if len(bs) == 1 {
		bs = []int{bs[0], 1}
	}
	m, k, k2, nn := as[len(as)-2], as[len(as)-1], bs[len(bs)-2], bs[len(bs)-1]
	if k != k2 {
		return fmt.Errorf("inner dimensions %d and %d differ", k, k2)
	}
	ba, bb := as[:len(as)-2], bs[:len(bs)-2]
	rank := max(len(ba), len(bb))
	out := make([]int, rank)
	for i := range out {
		da, db := 1, 1
		if j := i - (rank - len(ba)); j >= 0 {
			da = ba[j]
		}
		if j := i - (rank - len(bb)); j >= 0 {
			db = bb[j]
		}
		if da != db && da != 1 && db != 1 {
			return fmt.Errorf("batch shapes %v and %v do not broadcast", ba, bb)
		}
		out[i] = max(da, db)
	}
	y, err := p.define(n.Outputs[0], false)
	if err != nil {
		return err
	}
	nb := elems(out)
	if y.elems() != nb*m*nn {
		return fmt.Errorf("output %v for %d products of %dx%d", y.shape, nb, m, nn)
	}
	if y.elems() == 0 {
		return nil
	}
	aoff, boff := make([]int, nb), make([]int, nb)
	for i := range nb {
		aoff[i], boff[i] = broadcastIndex(i, out, ba), broadcastIndex(i, out, bb)
	}
	base := cuda.Gemm{M: nn, N: m, K: k, Alpha: 1, LDA: nn, LDB: k, LDC: nn, Batch: 1, Type: p.gemmType()}
	esz := int64(y.dt.size())
	var calls []cuda.Gemm // with byte offsets in A, B, C
	switch {
	case allZero(boff) && isIota(aoff):
		// B shared by every item and A's items contiguous: one product of
		// nb*m rows.
		g := base
		g.N = nb * m
		calls = []cuda.Gemm{g}
	case progression(aoff) && progression(boff):
		g := base
		g.Batch = nb
		g.StrideB, g.StrideA, g.StrideC = int64(stride(aoff)*m*k), int64(stride(boff)*k*nn), int64(m*nn)
		calls = []cuda.Gemm{g}
	default:
		for i := range nb {
			g := base
			g.A, g.B, g.C = cuda.DevicePtr(int64(boff[i]*k*nn)*esz), cuda.DevicePtr(int64(aoff[i]*m*k)*esz),
				cuda.DevicePtr(int64(i*m*nn)*esz)
			calls = append(calls, g)
		}
	}
	offs := make([][3]cuda.DevicePtr, len(calls))
	for i := range calls {
		offs[i] = [3]cuda.DevicePtr{calls[i].A, calls[i].B, calls[i].C}
	}
	p.step(n.Name, []*buf{a, b}, []*buf{y}, func(s *cuda.Stream) error {
		for i := range calls {
			g := &calls[i]
			g.A, g.B, g.C = b.dev()+offs[i][0], a.dev()+offs[i][1], y.dev()+offs[i][2]
			if err := p.e.blas.Gemm(s, g); err != nil {
				return err
			}
		}
		return nil
	})
	return nil
}

func allZero(v []int) bool {
	for _, x := range v {
		if x != 0 {
			return false
		}
	}
	return true
}

func isIota(v []int) bool {
	for i, x := range v {
		if x != i {
			return false
		}
	}
	return true
}

// progression reports whether v[i] = i*v[1] (a stride, 0 included).
func progression(v []int) bool {
	for i, x := range v {
		if x != i*stride(v) {
			return false
		}
	}
	return true
}

func stride(v []int) int {
	if len(v) < 2 {
		return 0
	}
	return v[1]
}
