package eval

import (
	"errors"
	"math"
)

// assigner solves linear assignment problems with the Hungarian algorithm
// (Kuhn-Munkres with potentials, O(n²m) for n ≤ m), keeping its buffers
// from one call to the next so that per-frame use allocates nothing once
// the buffers have grown.
type assigner struct {
	u, v, minv []float64
	p, way     []int
	used       []bool
	t          []float64 // transposed costs when rows > cols
	col        []int     // column → row of the transposed solve
}

// grow returns s resized to n, reusing its storage.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// errNotFinite is returned for cost matrices with NaN or infinite entries.
var errNotFinite = errors.New("assignment: costs must be finite")

// solve assigns rows to distinct columns with the least total cost;
// cost is row-major rows×cols. rowToCol[r] receives row r's column, or -1
// when rows > cols leaves it unassigned.
func (a *assigner) solve(cost []float64, rows, cols int, rowToCol []int) error {
	for _, c := range cost[:rows*cols] {
		if math.IsNaN(c) || math.IsInf(c, 0) {
			return errNotFinite
		}
	}
	if rows <= cols {
		a.run(cost, rows, cols, rowToCol)
		return nil
	}
	a.t = grow(a.t, rows*cols)
	for r := range rows {
		for c := range cols {
			a.t[c*rows+r] = cost[r*cols+c]
		}
	}
	a.col = grow(a.col, cols)
	a.run(a.t, cols, rows, a.col)
	for r := range rowToCol[:rows] {
		rowToCol[r] = -1
	}
	for c, r := range a.col {
		rowToCol[r] = c
	}
	return nil
}

// run is the algorithm for n ≤ m (1-based potentials u, v; p[j] is the
// row assigned to column j, 0 for none).
func (a *assigner) run(cost []float64, n, m int, rowToCol []int) {
	a.u = grow(a.u, n+1)
	a.v = grow(a.v, m+1)
	a.minv = grow(a.minv, m+1)
	a.p = grow(a.p, m+1)
	a.way = grow(a.way, m+1)
	a.used = grow(a.used, m+1)
	u, v, minv, p, way, used := a.u, a.v, a.minv, a.p, a.way, a.used
	clear(u)
	clear(v)
	clear(p)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0 := p[j0]
			delta, j1 := math.Inf(1), 0
			row := cost[(i0-1)*m:]
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				cur := row[j-1] - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	for j := 1; j <= m; j++ {
		if p[j] != 0 {
			rowToCol[p[j]-1] = j - 1
		}
	}
}

// solveValid is py-motmetrics' linear_sum_assignment for a distance
// matrix whose NaN entries are pairs that may not match: invalid edges get
// a cost so high (2·r·c+1, c the largest |valid cost| + 1, r = min(rows,
// cols)) that the solution uses as many valid edges as possible and, among
// those, has the least total distance; invalid pairs are then dropped
// (rowToCol[r] = -1). dist is overwritten.
func (a *assigner) solveValid(dist []float64, rows, cols int, rowToCol []int) error {
	for r := range rowToCol[:rows] {
		rowToCol[r] = -1
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	maxAbs, valid, all := 0.0, false, true
	for _, d := range dist[:rows*cols] {
		if math.IsNaN(d) || math.IsInf(d, 0) {
			all = false
			continue
		}
		valid = true
		maxAbs = math.Max(maxAbs, math.Abs(d))
	}
	if !valid {
		return nil
	}
	// Every valid cost is at most maxAbs < l, so after the solve an entry
	// equal to l is an invalid pair.
	l := 2*float64(min(rows, cols))*(maxAbs+1) + 1
	if !all {
		for i, d := range dist[:rows*cols] {
			if math.IsNaN(d) || math.IsInf(d, 0) {
				dist[i] = l
			}
		}
	}
	if err := a.solve(dist, rows, cols, rowToCol); err != nil {
		return err
	}
	if !all {
		for r, c := range rowToCol[:rows] {
			if c >= 0 && dist[r*cols+c] == l {
				rowToCol[r] = -1
			}
		}
	}
	return nil
}
