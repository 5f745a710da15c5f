package cpu

import (
	"fmt"

	"github.com/dsgo/dsgo/infer/tensor"
)

// maxRank is the most dimensions the broadcasting kernels handle.
const maxRank = 8

// BroadcastShape returns the NumPy broadcast of two shapes.
func BroadcastShape(a, b tensor.Shape) (tensor.Shape, error) {
	var out [maxRank]int
	n, err := broadcastInto(&out, a, b)
	if err != nil {
		return nil, err
	}
	return append(tensor.Shape(nil), out[:n]...), nil
}

func broadcastInto(out *[maxRank]int, a, b tensor.Shape) (int, error) {
	n := max(len(a), len(b))
	if n > maxRank {
		return 0, fmt.Errorf("cpu: broadcast: rank %d over %d", n, maxRank)
	}
	for i := 0; i < n; i++ {
		da, db := dimFromEnd(a, n-1-i), dimFromEnd(b, n-1-i)
		switch {
		case da == db, db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return 0, fmt.Errorf("cpu: broadcast: shapes %v and %v do not broadcast", a, b)
		}
	}
	return n, nil
}

// dimFromEnd returns s's dimension k places from the end, 1 past its rank.
func dimFromEnd(s tensor.Shape, k int) int {
	if k >= len(s) {
		return 1
	}
	return s[len(s)-1-k]
}

// bcastIter walks an output shape with one input's broadcast strides,
// after merging dimensions that can be walked as one.
type bcastIter struct {
	rank       int
	dims       [maxRank]int
	sa, sb     [maxRank]int // element strides of the inputs, 0 where broadcast
	inner      int          // length of the innermost (merged) dimension
	innerA     int          // inner strides (0 or 1)
	innerB     int
	outerCount int
}

// newBcastIter plans the walk of out = f(a, b); shapes must broadcast.
func newBcastIter(out, a, b tensor.Shape) bcastIter {
	var it bcastIter
	n := len(out)
	var da, db [maxRank]int
	accA, accB := 1, 1
	for i := n - 1; i >= 0; i-- {
		k := n - 1 - i
		if d := dimFromEnd(a, k); d != 1 || out[i] == 1 {
			da[i], accA = accA, accA*d
		}
		if d := dimFromEnd(b, k); d != 1 || out[i] == 1 {
			db[i], accB = accB, accB*d
		}
	}
	// Merge dimension i into i+1 when both inputs stride contiguously.
	r := 0
	for i := 0; i < n; i++ {
		if out[i] == 1 {
			continue
		}
		if r > 0 && it.sa[r-1] == da[i]*out[i] && it.sb[r-1] == db[i]*out[i] {
			it.dims[r-1] *= out[i]
			it.sa[r-1], it.sb[r-1] = da[i], db[i]
			continue
		}
		it.dims[r], it.sa[r], it.sb[r] = out[i], da[i], db[i]
		r++
	}
	if r == 0 {
		it.dims[0], r = 1, 1
	}
	it.rank = r
	it.inner, it.innerA, it.innerB = it.dims[r-1], it.sa[r-1], it.sb[r-1]
	it.outerCount = 1
	for i := 0; i < r-1; i++ {
		it.outerCount *= it.dims[i]
	}
	return it
}

// offsets returns the input offsets of outer row o.
func (it *bcastIter) offsets(o int) (oa, ob int) {
	for i := it.rank - 2; i >= 0; i-- {
		d := o % it.dims[i]
		o /= it.dims[i]
		oa += d * it.sa[i]
		ob += d * it.sb[i]
	}
	return oa, ob
}
