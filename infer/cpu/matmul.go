package cpu

import (
	"fmt"

	"github.com/dsgo/dsgo/infer/tensor"
)

// GemmParams are ONNX Gemm's attributes; the zero value is not ONNX's
// default, so use DefaultGemm and change what differs.
type GemmParams struct {
	TransA, TransB bool
	Alpha, Beta    float32
}

// DefaultGemm returns ONNX Gemm's defaults: no transposes, alpha and beta 1.
func DefaultGemm() GemmParams { return GemmParams{Alpha: 1, Beta: 1} }

// GemmOutputShape returns Gemm's M x N output shape.
func GemmOutputShape(a, b tensor.Shape, p GemmParams) (tensor.Shape, error) {
	m, n, _, err := gemmDims(a, b, p)
	if err != nil {
		return nil, err
	}
	return tensor.Shape{m, n}, nil
}

func gemmDims(a, b tensor.Shape, p GemmParams) (m, n, k int, err error) {
	if len(a) != 2 || len(b) != 2 {
		return 0, 0, 0, fmt.Errorf("cpu: gemm: A %v and B %v must be 2-D", a, b)
	}
	m, k = a[0], a[1]
	if p.TransA {
		m, k = k, m
	}
	kb, n := b[0], b[1]
	if p.TransB {
		kb, n = n, kb
	}
	if k != kb {
		return 0, 0, 0, fmt.Errorf("cpu: gemm: A %v and B %v do not multiply (transA=%v transB=%v)", a, b, p.TransA, p.TransB)
	}
	return m, n, k, nil
}

// Gemm computes ONNX Gemm: dst = alpha*op(A)*op(B) + beta*C, where C (may
// be nil) broadcasts to M x N: a scalar, a row (N or 1xN), a column (Mx1)
// or the full matrix. dst must not alias an input.
func (r *Runner) Gemm(dst, a, b, c *tensor.Tensor, p GemmParams) error {
	m, n, k, err := gemmDims(a.Shape, b.Shape, p)
	if err != nil {
		return err
	}
	if err := checkF32("gemm: A", a, a.Shape); err != nil {
		return err
	}
	if err := checkF32("gemm: B", b, b.Shape); err != nil {
		return err
	}
	if err := checkF32("gemm: output", dst, tensor.Shape{m, n}); err != nil {
		return err
	}
	beta := float32(0)
	if c != nil && p.Beta != 0 {
		if err := fillBroadcast2D(dst.F32, c, m, n, p.Beta); err != nil {
			return err
		}
		beta = 1
	}
	if m*n == 0 {
		return nil
	}
	r.sgemm(p.TransA, p.TransB, m, n, k, p.Alpha, a.F32, a.Shape[1], b.F32, b.Shape[1], beta, dst.F32, n)
	return nil
}

// fillBroadcast2D writes beta*C broadcast to m x n into y.
func fillBroadcast2D(y []float32, c *tensor.Tensor, m, n int, beta float32) error {
	var rows, cols int
	switch s := c.Shape; len(s) {
	case 0:
		rows, cols = 1, 1
	case 1:
		rows, cols = 1, s[0]
	case 2:
		rows, cols = s[0], s[1]
	default:
		return fmt.Errorf("cpu: gemm: C %v must have rank 0 to 2", c.Shape)
	}
	if (rows != 1 && rows != m) || (cols != 1 && cols != n) || len(c.F32) < rows*cols {
		return fmt.Errorf("cpu: gemm: C %v does not broadcast to %dx%d", c.Shape, m, n)
	}
	for i := 0; i < m; i++ {
		row := y[i*n : (i+1)*n]
		src := c.F32[(i%rows)*cols:]
		for j := range row {
			row[j] = beta * src[j%cols]
		}
	}
	return nil
}

// matmulPlan describes a batched, broadcasting MatMul.
type matmulPlan struct {
	m, n, k      int
	batch        int
	out          [maxRank]int
	rank         int
	bdims        [maxRank]int // output batch dims
	sa, sb       [maxRank]int // batch strides of A and B in matrices, 0 if broadcast
	nbatchDims   int
	dropM, dropN bool
}

func planMatMul(a, b tensor.Shape) (matmulPlan, error) {
	var p matmulPlan
	if len(a) == 0 || len(b) == 0 || len(a) > maxRank || len(b) > maxRank {
		return p, fmt.Errorf("cpu: matmul: shapes %v and %v must have rank 1 to %d", a, b, maxRank)
	}
	var as, bs [maxRank]int
	la, lb := copy(as[:], a), copy(bs[:], b)
	if la == 1 {
		as[0], as[1], la, p.dropM = 1, as[0], 2, true
	}
	if lb == 1 {
		bs[1], lb, p.dropN = 1, 2, true
	}
	p.m, p.k, p.n = as[la-2], as[la-1], bs[lb-1]
	if bs[lb-2] != p.k {
		return p, fmt.Errorf("cpu: matmul: %v and %v do not multiply", a, b)
	}
	nb := max(la, lb) - 2
	p.nbatchDims, p.batch = nb, 1
	accA, accB := 1, 1
	for i := nb - 1; i >= 0; i-- {
		k := nb - 1 - i
		da, db := 1, 1
		if k < la-2 {
			da = as[la-3-k]
		}
		if k < lb-2 {
			db = bs[lb-3-k]
		}
		if da != db && da != 1 && db != 1 {
			return p, fmt.Errorf("cpu: matmul: batch dimensions of %v and %v do not broadcast", a, b)
		}
		p.bdims[i] = max(da, db)
		if da != 1 {
			p.sa[i] = accA
		}
		if db != 1 {
			p.sb[i] = accB
		}
		accA, accB, p.batch = accA*da, accB*db, p.batch*p.bdims[i]
	}
	p.rank = copy(p.out[:], p.bdims[:nb])
	if !p.dropM {
		p.out[p.rank], p.rank = p.m, p.rank+1
	}
	if !p.dropN {
		p.out[p.rank], p.rank = p.n, p.rank+1
	}
	return p, nil
}

// MatMulOutputShape returns the shape ONNX MatMul gives a times b.
func MatMulOutputShape(a, b tensor.Shape) (tensor.Shape, error) {
	p, err := planMatMul(a, b)
	if err != nil {
		return nil, err
	}
	return append(tensor.Shape{}, p.out[:p.rank]...), nil
}

// MatMul computes ONNX MatMul (NumPy matmul): batched over leading
// dimensions, which broadcast; a 1-D operand is a vector.
func (r *Runner) MatMul(dst, a, b *tensor.Tensor) error {
	p, err := planMatMul(a.Shape, b.Shape)
	if err != nil {
		return err
	}
	if err := checkF32("matmul: A", a, a.Shape); err != nil {
		return err
	}
	if err := checkF32("matmul: B", b, b.Shape); err != nil {
		return err
	}
	if err := checkF32("matmul: output", dst, p.out[:p.rank]); err != nil {
		return err
	}
	mk, kn, mn := p.m*p.k, p.k*p.n, p.m*p.n
	if mn == 0 {
		return nil
	}
	for i := 0; i < p.batch; i++ {
		oa, ob, rem := 0, 0, i
		for d := p.nbatchDims - 1; d >= 0; d-- {
			x := rem % p.bdims[d]
			rem /= p.bdims[d]
			oa += x * p.sa[d]
			ob += x * p.sb[d]
		}
		r.sgemm(false, false, p.m, p.n, p.k, 1, a.F32[oa*mk:], p.k, b.F32[ob*kn:], p.n, 0, dst.F32[i*mn:], p.n)
	}
	return nil
}
