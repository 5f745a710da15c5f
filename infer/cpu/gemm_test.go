package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func refGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				s += float64(av) * float64(bv)
			}
			v := float64(alpha) * s
			if beta != 0 {
				v += float64(beta) * float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(v)
		}
	}
}

func TestSgemmMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	type tc struct {
		m, n, k     int
		ta, tb      bool
		alpha, beta float32
		padA, padB  int
	}
	var cases []tc
	for _, s := range [][3]int{{1, 1, 1}, {1, 1000, 512}, {3, 5, 7}, {64, 500, 300}, {67, 130, 300}, {5, 1, 9}, {4, 4, 0}} {
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			cases = append(cases, tc{s[0], s[1], s[2], tr[0], tr[1], 1, 0, 0, 0})
		}
	}
	cases = append(cases, tc{9, 17, 33, false, true, 0.5, 2, 3, 1}, tc{1, 40, 33, true, false, -1, 1, 2, 5})
	for name, r := range runners(t) {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s/%v", name, c), func(t *testing.T) {
				ar, ac := c.m, c.k
				if c.ta {
					ar, ac = c.k, c.m
				}
				br, bc := c.k, c.n
				if c.tb {
					br, bc = c.n, c.k
				}
				lda, ldb := ac+c.padA, bc+c.padB
				a := randT(rng, ar*lda+1).F32
				b := randT(rng, br*ldb+1).F32
				got := randT(rng, c.m*c.n).F32
				want := append([]float32(nil), got...)
				if err := r.Sgemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, got, c.n); err != nil {
					t.Fatal(err)
				}
				refGemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, a, lda, b, ldb, c.beta, want, c.n)
				assertClose(t, "C", got, want, 1e-4)
			})
		}
	}
}

func TestSgemmRejectsShortOperands(t *testing.T) {
	r := NewRunner(Options{Workers: 1})
	defer r.Close()
	a, b, c := make([]float32, 6), make([]float32, 6), make([]float32, 4)
	if err := r.Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 2); err != nil {
		t.Errorf("exact operands rejected: %v", err)
	}
	if err := r.Sgemm(false, false, 2, 2, 3, 1, a, 3, b[:5], 2, 0, c, 2); err == nil {
		t.Error("short B accepted")
	}
	if err := r.Sgemm(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2); err == nil {
		t.Error("lda < k accepted")
	}
}
