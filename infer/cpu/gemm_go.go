package cpu

// The pure-Go GEMM: C is cut into gemmMC x gemmNC tiles that the workers
// share; each tile is computed gemmKC deep at a time from packed panels
// of A (4 rows, alpha folded in) and B (4 columns) by a 4x4 register-
// blocked micro-kernel. Vector-matrix products (m == 1) take a
// row-streaming path instead, since a 4-row panel would be 3/4 padding.
const (
	gemmMC = 64
	gemmNC = 128
	gemmKC = 256
)

// gemmPackLen is the per-worker packing buffer of the pure-Go GEMM.
const gemmPackLen = gemmMC*gemmKC + gemmKC*gemmNC

type gemmTask struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	tilesN         int
	pack           [][]float32
}

func (r *Runner) goSgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	t := &r.gemm
	*t = gemmTask{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta,
		a: a, b: b, c: c, lda: lda, ldb: ldb, ldc: ldc, pack: r.pack}
	if m == 1 {
		r.pool.run(n, 64, (*gemvTask)(t))
		*t = gemmTask{}
		return
	}
	for i := range r.pack {
		if len(r.pack[i]) < gemmPackLen {
			r.pack[i] = make([]float32, gemmPackLen)
		}
	}
	t.pack = r.pack
	t.tilesN = (n + gemmNC - 1) / gemmNC
	tiles := (m + gemmMC - 1) / gemmMC * t.tilesN
	r.pool.run(tiles, 1, t)
	*t = gemmTask{}
}

func (t *gemmTask) run(w, lo, hi int) {
	buf := t.pack[w]
	ap, bp := buf[:gemmMC*gemmKC], buf[gemmMC*gemmKC:]
	for tile := lo; tile < hi; tile++ {
		i0 := tile / t.tilesN * gemmMC
		j0 := tile % t.tilesN * gemmNC
		mc, nc := min(gemmMC, t.m-i0), min(gemmNC, t.n-j0)
		t.scaleC(i0, j0, mc, nc)
		for p0 := 0; p0 < t.k; p0 += gemmKC {
			kc := min(gemmKC, t.k-p0)
			t.packA(ap, i0, p0, mc, kc)
			t.packB(bp, p0, j0, kc, nc)
			t.macro(ap, bp, i0, j0, mc, nc, kc)
		}
	}
}

// scaleC applies beta to a tile of C before the products are added.
func (t *gemmTask) scaleC(i0, j0, mc, nc int) {
	for i := i0; i < i0+mc; i++ {
		row := t.c[i*t.ldc+j0 : i*t.ldc+j0+nc]
		if t.beta == 0 {
			clear(row)
		} else if t.beta != 1 {
			for j := range row {
				row[j] *= t.beta
			}
		}
	}
}

// packA copies alpha*op(A)[i0:i0+mc, p0:p0+kc] as panels of 4 rows,
// p-major within a panel, zero-padding the last panel.
func (t *gemmTask) packA(ap []float32, i0, p0, mc, kc int) {
	for ir := 0; ir < mc; ir += 4 {
		panel := ap[ir*kc : ir*kc+4*kc]
		for r := 0; r < 4; r++ {
			i := i0 + ir + r
			if ir+r >= mc {
				for p := 0; p < kc; p++ {
					panel[p*4+r] = 0
				}
				continue
			}
			if t.transA {
				for p := 0; p < kc; p++ {
					panel[p*4+r] = t.alpha * t.a[(p0+p)*t.lda+i]
				}
			} else {
				row := t.a[i*t.lda+p0 : i*t.lda+p0+kc]
				for p, v := range row {
					panel[p*4+r] = t.alpha * v
				}
			}
		}
	}
}

// packB copies op(B)[p0:p0+kc, j0:j0+nc] as panels of 4 columns.
func (t *gemmTask) packB(bp []float32, p0, j0, kc, nc int) {
	for jr := 0; jr < nc; jr += 4 {
		panel := bp[jr*kc : jr*kc+4*kc]
		w := min(4, nc-jr)
		if t.transB {
			for c := 0; c < 4; c++ {
				if c >= w {
					for p := 0; p < kc; p++ {
						panel[p*4+c] = 0
					}
					continue
				}
				row := t.b[(j0+jr+c)*t.ldb+p0 : (j0+jr+c)*t.ldb+p0+kc]
				for p, v := range row {
					panel[p*4+c] = v
				}
			}
			continue
		}
		for p := 0; p < kc; p++ {
			src := t.b[(p0+p)*t.ldb+j0+jr:]
			dst := panel[p*4 : p*4+4]
			if w == 4 {
				dst[0], dst[1], dst[2], dst[3] = src[0], src[1], src[2], src[3]
				continue
			}
			for c := range dst {
				dst[c] = 0
				if c < w {
					dst[c] = src[c]
				}
			}
		}
	}
}

func (t *gemmTask) macro(ap, bp []float32, i0, j0, mc, nc, kc int) {
	var acc [16]float32
	for ir := 0; ir < mc; ir += 4 {
		a := ap[ir*kc : ir*kc+4*kc]
		for jr := 0; jr < nc; jr += 4 {
			micro4x4(kc, a, bp[jr*kc:jr*kc+4*kc], &acc)
			rows, cols := min(4, mc-ir), min(4, nc-jr)
			for r := 0; r < rows; r++ {
				c := t.c[(i0+ir+r)*t.ldc+j0+jr:]
				for q := 0; q < cols; q++ {
					c[q] += acc[r*4+q]
				}
			}
		}
	}
}

// micro4x4 computes the 4x4 product of a 4-row panel and a 4-column
// panel, kc deep.
func micro4x4(kc int, a, b []float32, acc *[16]float32) {
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	a = a[:4*kc]
	b = b[:4*kc]
	for p := 0; p+3 < len(a); p += 4 {
		a0, a1, a2, a3 := a[p], a[p+1], a[p+2], a[p+3]
		b0, b1, b2, b3 := b[p], b[p+1], b[p+2], b[p+3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	*acc = [16]float32{c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33}
}

// gemvTask is the m == 1 case: items are columns of C.
type gemvTask gemmTask

func (t *gemvTask) run(_, lo, hi int) {
	c := t.c[lo:hi]
	if t.beta == 0 {
		clear(c)
	} else if t.beta != 1 {
		for j := range c {
			c[j] *= t.beta
		}
	}
	if t.transB {
		// B is n x k: C[j] += alpha * dot(A, B[j]).
		for j := lo; j < hi; j++ {
			row := t.b[j*t.ldb : j*t.ldb+t.k]
			var s float32
			for p, v := range row {
				s += t.aAt(p) * v
			}
			t.c[j] += t.alpha * s
		}
		return
	}
	for p := 0; p < t.k; p++ {
		av := t.alpha * t.aAt(p)
		if av == 0 {
			continue
		}
		axpy(c, t.b[p*t.ldb+lo:p*t.ldb+hi], av)
	}
}

func (t *gemvTask) aAt(p int) float32 {
	if t.transA {
		return t.a[p*t.lda]
	}
	return t.a[p]
}

// axpy computes y += a*x.
func axpy(y, x []float32, a float32) {
	x = x[:len(y)]
	i := 0
	for ; i+3 < len(y); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(y); i++ {
		y[i] += a * x[i]
	}
}
