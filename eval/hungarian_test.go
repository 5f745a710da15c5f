package eval

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteForce returns the least total cost over all assignments of
// min(rows, cols) pairs, by trying every injection of the smaller side.
func bruteForce(cost []float64, rows, cols int) float64 {
	best := math.Inf(1)
	n, m := rows, cols
	at := func(i, j int) float64 { return cost[i*cols+j] }
	if rows > cols {
		n, m = cols, rows
		at = func(i, j int) float64 { return cost[j*cols+i] }
	}
	used := make([]bool, m)
	var rec func(i int, sum float64)
	rec = func(i int, sum float64) {
		if i == n {
			best = math.Min(best, sum)
			return
		}
		for j := range m {
			if !used[j] {
				used[j] = true
				rec(i+1, sum+at(i, j))
				used[j] = false
			}
		}
	}
	rec(0, 0)
	return best
}

// checkAssignment verifies that rowToCol is a valid assignment of
// min(rows, cols) pairs and returns its cost.
func checkAssignment(t *testing.T, rowToCol []int, rows, cols int, cost []float64) float64 {
	t.Helper()
	seen := map[int]bool{}
	var sum float64
	n := 0
	for r, c := range rowToCol[:rows] {
		if c < 0 {
			continue
		}
		if c >= cols || seen[c] {
			t.Fatalf("row %d → column %d: invalid or repeated", r, c)
		}
		seen[c] = true
		sum += cost[r*cols+c]
		n++
	}
	if n != min(rows, cols) {
		t.Fatalf("%d pairs for a %dx%d matrix", n, rows, cols)
	}
	return sum
}

func TestHungarianMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var a assigner
	for trial := range 3000 {
		rows, cols := 1+rng.IntN(7), 1+rng.IntN(7)
		cost := make([]float64, rows*cols)
		for i := range cost {
			if trial%3 == 0 {
				cost[i] = float64(rng.IntN(4)) // many ties
			} else {
				cost[i] = rng.Float64()*20 - 5
			}
		}
		rowToCol := make([]int, rows)
		if err := a.solve(append([]float64(nil), cost...), rows, cols, rowToCol); err != nil {
			t.Fatal(err)
		}
		got := checkAssignment(t, rowToCol, rows, cols, cost)
		if want := bruteForce(cost, rows, cols); math.Abs(got-want) > 1e-9 {
			t.Fatalf("trial %d (%dx%d): cost %v, brute force %v", trial, rows, cols, got, want)
		}
	}
}

func TestHungarianRejectsNonFinite(t *testing.T) {
	var a assigner
	if err := a.solve([]float64{1, math.NaN()}, 1, 2, make([]int, 1)); err == nil {
		t.Fatal("NaN accepted")
	}
}

// bruteForceValid returns the most pairs on valid (non-NaN) entries and,
// among assignments with that many, the least cost.
func bruteForceValid(dist []float64, rows, cols int) (int, float64) {
	bestN, bestC := -1, math.Inf(1)
	used := make([]bool, cols)
	var rec func(r, n int, sum float64)
	rec = func(r, n int, sum float64) {
		if r == rows {
			if n > bestN || n == bestN && sum < bestC {
				bestN, bestC = n, sum
			}
			return
		}
		rec(r+1, n, sum) // row r unmatched
		for c := range cols {
			if d := dist[r*cols+c]; !used[c] && !math.IsNaN(d) {
				used[c] = true
				rec(r+1, n+1, sum+d)
				used[c] = false
			}
		}
	}
	rec(0, 0, 0)
	return bestN, bestC
}

func TestSolveValidMaximisesPairsThenMinimisesCost(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var a assigner
	for trial := range 3000 {
		rows, cols := 1+rng.IntN(6), 1+rng.IntN(6)
		dist := make([]float64, rows*cols)
		for i := range dist {
			if rng.IntN(3) == 0 {
				dist[i] = math.NaN()
			} else {
				dist[i] = rng.Float64() * 0.5
			}
		}
		rowToCol := make([]int, rows)
		if err := a.solveValid(append([]float64(nil), dist...), rows, cols, rowToCol); err != nil {
			t.Fatal(err)
		}
		n, sum := 0, 0.0
		seen := map[int]bool{}
		for r, c := range rowToCol {
			if c < 0 {
				continue
			}
			if seen[c] || math.IsNaN(dist[r*cols+c]) {
				t.Fatalf("trial %d: row %d → %d invalid or repeated", trial, r, c)
			}
			seen[c] = true
			n++
			sum += dist[r*cols+c]
		}
		wantN, wantC := bruteForceValid(dist, rows, cols)
		if n != wantN || math.Abs(sum-wantC) > 1e-9 {
			t.Fatalf("trial %d: %d pairs cost %v, want %d pairs cost %v", trial, n, sum, wantN, wantC)
		}
	}
}

func TestSolveReusesBuffers(t *testing.T) {
	var a assigner
	cost := []float64{4, 1, 3, 2, 0, 5, 3, 2, 2}
	out := make([]int, 3)
	if err := a.solve(append([]float64(nil), cost...), 3, 3, out); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		c := cost // solve does not modify cost
		if err := a.solve(c, 3, 3, out); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per solve", allocs)
	}
	if got := checkAssignment(t, out, 3, 3, cost); got != 5 {
		t.Fatalf("cost %v, want 5", got)
	}
}
