package video

import (
	"runtime"
	"sync"
)

// parallelMinPixels is the output size from which Convert splits its rows
// over several goroutines when ConvertOptions.Workers is 0. Below it the
// hand-off (a few microseconds) is not worth it; from it, two cores
// convert a frame about 1.7 times as fast as one (BenchmarkConvert runs
// each case with workers=1 and workers=0).
const parallelMinPixels = 320 * 240

// maxWorkers bounds the goroutines one conversion uses.
const maxWorkers = 8

// job is a share of a plan's units for a helper goroutine.
type job struct {
	p         *plan
	w, u0, u1 int
}

// Workers is a set of goroutines that conversions split their rows over
// (ConvertOptions.Pool). An element makes one when it starts streaming and
// closes it when it stops, so no goroutine outlives its owner; without one,
// Convert works in the calling goroutine. A Workers may be shared by
// concurrent conversions, and closed while one runs (a state change on
// another goroutine): Close waits for it, and later conversions work in
// their calling goroutine.
type Workers struct {
	jobs   chan job
	n      int // goroutines a conversion may use, the caller's included
	done   sync.WaitGroup
	mu     sync.RWMutex // held for reading by each parallel conversion
	closed bool
}

// NewWorkers starts n-1 helper goroutines, so that a conversion runs on
// up to n (0: GOMAXPROCS; at most 8).
func NewWorkers(n int) *Workers {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	n = max(1, min(n, maxWorkers))
	w := &Workers{jobs: make(chan job, maxWorkers), n: n}
	w.done.Add(n - 1)
	for i := 0; i < n-1; i++ {
		go func() {
			defer w.done.Done()
			for j := range w.jobs {
				j.p.runUnits(j.w, j.u0, j.u1)
				j.p.wg.Done()
			}
		}()
	}
	return w
}

// Close stops the helper goroutines once the conversions using them are
// done. It is safe to call more than once and on nil; conversions given
// the Workers afterwards run in their calling goroutine.
func (w *Workers) Close() {
	if w == nil {
		return
	}
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.jobs)
	}
	w.mu.Unlock()
	w.done.Wait()
}

// acquire reserves the helpers for one conversion; false once closed.
func (w *Workers) acquire() bool {
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return false
	}
	return true
}

// workersFor returns how many goroutines convert the out rectangle.
func workersFor(pool *Workers, requested int, out Rect) int {
	if pool == nil {
		return 1
	}
	n := requested
	if n == 0 {
		if out.W*out.H < parallelMinPixels {
			return 1
		}
		n = pool.n
	}
	return max(1, min(n, pool.n))
}

// run converts every unit of p with up to n goroutines (the caller's
// among them), each taking a contiguous share.
func (p *plan) run(pool *Workers, n int) {
	units := p.units()
	n = min(n, units)
	if n <= 1 || !pool.acquire() {
		p.runUnits(0, 0, units)
		return
	}
	defer pool.mu.RUnlock()
	p.wg.Add(n - 1)
	for i := 1; i < n; i++ {
		pool.jobs <- job{p, i, i * units / n, (i + 1) * units / n}
	}
	p.runUnits(0, 0, units/n)
	p.wg.Wait()
}
