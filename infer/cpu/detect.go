package cpu

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/dsgo/dsgo/infer/tensor"
)

// TopK computes ONNX TopK along axis: values gets the k largest (or
// smallest) elements and indices (an int64 tensor) their positions; both
// have x's shape with k on axis. Ties go to the lower index, and the
// output is sorted when sorted is set (it is always sorted here).
func TopK(values, indices, x *tensor.Tensor, axis, k int, largest bool) error {
	axis, err := normAxis("topk", axis, len(x.Shape))
	if err != nil {
		return err
	}
	n := x.Shape[axis]
	if k < 0 || k > n {
		return fmt.Errorf("cpu: topk: k=%d for axis of %d", k, n)
	}
	if len(x.Shape) > maxRank {
		return fmt.Errorf("cpu: topk: rank over %d", maxRank)
	}
	var out [maxRank]int
	copy(out[:], x.Shape)
	out[axis] = k
	r := len(x.Shape)
	if err := checkF32("topk: input", x, x.Shape); err != nil {
		return err
	}
	if err := checkF32("topk: values", values, out[:r]); err != nil {
		return err
	}
	if indices == nil || indices.DType != tensor.Int64 || !indices.Shape.Equal(out[:r]) || len(indices.Raw) < 8*values.Len() {
		return fmt.Errorf("cpu: topk: indices must be int64 of values' shape")
	}
	outer, inner := around(x.Shape, axis)
	h := topHeap{largest: largest}
	for o := 0; o < outer; o++ {
		for i := 0; i < inner; i++ {
			h.v, h.n = values.F32, 0
			h.x, h.base, h.inner = x.F32, o*n*inner+i, inner
			h.obase = o*k*inner + i
			h.raw = indices.Raw
			for j := 0; j < n; j++ {
				h.offer(j, k)
			}
			h.sortBestFirst()
		}
	}
	return nil
}

// topHeap keeps the k best of a strided row in the output slots
// themselves, as a heap with the worst kept element on top.
type topHeap struct {
	largest            bool
	v                  []float32
	raw                []byte
	x                  []float32
	base, inner, obase int
	n                  int
}

func (h *topHeap) val(s int) float32 { return h.v[h.obase+s*h.inner] }
func (h *topHeap) idx(s int) int {
	return int(binary.LittleEndian.Uint64(h.raw[8*(h.obase+s*h.inner):]))
}
func (h *topHeap) set(s int, v float32, i int) {
	h.v[h.obase+s*h.inner] = v
	binary.LittleEndian.PutUint64(h.raw[8*(h.obase+s*h.inner):], uint64(i))
}

// better reports whether (va, ia) ranks before (vb, ib).
func (h *topHeap) better(va float32, ia int, vb float32, ib int) bool {
	if va != vb {
		return (va > vb) == h.largest
	}
	return ia < ib
}

func (h *topHeap) offer(j, k int) {
	if k == 0 {
		return
	}
	v := h.x[h.base+j*h.inner]
	if h.n < k {
		h.set(h.n, v, j)
		h.n++
		for c := h.n - 1; c > 0; { // sift up
			p := (c - 1) / 2
			if !h.better(h.val(p), h.idx(p), h.val(c), h.idx(c)) {
				break
			}
			h.swap(p, c)
			c = p
		}
		return
	}
	if !h.better(v, j, h.val(0), h.idx(0)) {
		return
	}
	h.set(0, v, j)
	h.down(0, h.n)
}

func (h *topHeap) swap(a, b int) {
	va, ia, vb, ib := h.val(a), h.idx(a), h.val(b), h.idx(b)
	h.set(a, vb, ib)
	h.set(b, va, ia)
}

func (h *topHeap) down(c, n int) {
	for {
		l := 2*c + 1
		if l >= n {
			return
		}
		w := l
		if r := l + 1; r < n && h.better(h.val(l), h.idx(l), h.val(r), h.idx(r)) {
			w = r
		}
		if !h.better(h.val(c), h.idx(c), h.val(w), h.idx(w)) {
			return
		}
		h.swap(c, w)
		c = w
	}
}

// sortBestFirst pops the worst element to the end until the heap is empty.
func (h *topHeap) sortBestFirst() {
	for n := h.n; n > 1; n-- {
		h.swap(0, n-1)
		h.down(0, n-1)
	}
}

// NMSParams are ONNX NonMaxSuppression's inputs other than the tensors.
type NMSParams struct {
	MaxOutputPerClass int     // 0 selects nothing
	IOUThreshold      float32 // suppress when IoU is greater
	ScoreThreshold    float32 // keep only scores greater; -Inf for all
	CenterPointBox    bool    // boxes are [xc, yc, w, h], else [y1, x1, y2, x2]
}

// NMSWorkspace returns the int32 scratch NonMaxSuppression needs for a
// scores tensor of shape batches x classes x boxes.
func NMSWorkspace(boxes int) int { return 2 * boxes }

// NMSMaxSelected returns the most rows NonMaxSuppression can select.
func NMSMaxSelected(batches, classes, boxes, maxPerClass int) int {
	return batches * classes * min(boxes, max(maxPerClass, 0))
}

// NonMaxSuppression computes ONNX NonMaxSuppression on boxes [B, N, 4] and
// scores [B, C, N]: it writes (batch, class, box) triples into selected
// (3 per row) and returns the number of rows. selected must hold
// NMSMaxSelected rows and scratch NMSWorkspace(N) int32s.
func NonMaxSuppression(selected []int64, boxes, scores *tensor.Tensor, p NMSParams, scratch []int32) (int, error) {
	if len(boxes.Shape) != 3 || boxes.Shape[2] != 4 || len(scores.Shape) != 3 || scores.Shape[0] != boxes.Shape[0] || scores.Shape[2] != boxes.Shape[1] {
		return 0, fmt.Errorf("cpu: nms: boxes %v and scores %v must be [B,N,4] and [B,C,N]", boxes.Shape, scores.Shape)
	}
	if err := checkF32("nms: boxes", boxes, boxes.Shape); err != nil {
		return 0, err
	}
	if err := checkF32("nms: scores", scores, scores.Shape); err != nil {
		return 0, err
	}
	nb, nc, n := scores.Shape[0], scores.Shape[1], scores.Shape[2]
	if need := NMSMaxSelected(nb, nc, n, p.MaxOutputPerClass) * 3; len(selected) < need {
		return 0, fmt.Errorf("cpu: nms: selected holds %d values, needs %d", len(selected), need)
	}
	if len(scratch) < NMSWorkspace(n) {
		return 0, fmt.Errorf("cpu: nms: scratch holds %d, needs %d", len(scratch), NMSWorkspace(n))
	}
	rows := 0
	for b := 0; b < nb; b++ {
		bx := boxes.F32[b*n*4 : (b+1)*n*4]
		for c := 0; c < nc; c++ {
			sc := scores.F32[(b*nc+c)*n : (b*nc+c+1)*n]
			kept := nmsClass(bx, sc, p, scratch[:n], scratch[n:2*n])
			for _, i := range kept {
				selected[rows*3], selected[rows*3+1], selected[rows*3+2] = int64(b), int64(c), int64(i)
				rows++
			}
		}
	}
	return rows, nil
}

// nmsClass runs greedy NMS over one class's scores and returns the kept
// box indices (a prefix of keep), best score first.
func nmsClass(bx, sc []float32, p NMSParams, cand, keep []int32) []int32 {
	if p.MaxOutputPerClass <= 0 {
		return keep[:0]
	}
	cand = cand[:0]
	for i, s := range sc {
		if s > p.ScoreThreshold {
			cand = append(cand, int32(i))
		}
	}
	slices.SortFunc(cand, func(a, b int32) int {
		if sc[a] != sc[b] {
			if sc[a] > sc[b] {
				return -1
			}
			return 1
		}
		return int(a - b)
	})
	keep = keep[:0]
	for _, i := range cand {
		ok := true
		for _, j := range keep {
			if iou(bx[4*i:4*i+4], bx[4*j:4*j+4], p.CenterPointBox) > p.IOUThreshold {
				ok = false
				break
			}
		}
		if ok {
			keep = append(keep, i)
			if len(keep) == p.MaxOutputPerClass {
				break
			}
		}
	}
	return keep
}

// corners returns a box as (ymin, xmin, ymax, xmax).
func corners(b []float32, center bool) (y0, x0, y1, x1 float32) {
	if center {
		return b[1] - b[3]/2, b[0] - b[2]/2, b[1] + b[3]/2, b[0] + b[2]/2
	}
	return min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3])
}

func iou(a, b []float32, center bool) float32 {
	ay0, ax0, ay1, ax1 := corners(a, center)
	by0, bx0, by1, bx1 := corners(b, center)
	areaA, areaB := (ay1-ay0)*(ax1-ax0), (by1-by0)*(bx1-bx0)
	if areaA <= 0 || areaB <= 0 {
		return 0
	}
	ih, iw := min(ay1, by1)-max(ay0, by0), min(ax1, bx1)-max(ax0, bx0)
	if ih <= 0 || iw <= 0 {
		return 0
	}
	inter := ih * iw
	return inter / (areaA + areaB - inter)
}
