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

// helpers is the set of long-lived goroutines that run jobs, started on
// first use so that converting never starts a goroutine (which would
// allocate).
var helpers struct {
	once sync.Once
	jobs chan job
}

func startHelpers() {
	helpers.jobs = make(chan job, maxWorkers)
	for i := 0; i < maxWorkers-1; i++ {
		go func() {
			for j := range helpers.jobs {
				j.p.runUnits(j.w, j.u0, j.u1)
				j.p.wg.Done()
			}
		}()
	}
}

// workersFor returns how many goroutines convert the out rectangle.
func workersFor(requested int, out Rect) int {
	n := requested
	if n == 0 {
		if out.W*out.H < parallelMinPixels {
			return 1
		}
		n = runtime.GOMAXPROCS(0)
	}
	return max(1, min(n, maxWorkers))
}

// run converts every unit of p with up to n goroutines (the caller's
// among them), each taking a contiguous share.
func (p *plan) run(n int) {
	units := p.units()
	n = min(n, units)
	if n <= 1 {
		p.runUnits(0, 0, units)
		return
	}
	helpers.once.Do(startHelpers)
	p.wg.Add(n - 1)
	for i := 1; i < n; i++ {
		helpers.jobs <- job{p, i, i * units / n, (i + 1) * units / n}
	}
	p.runUnits(0, 0, units/n)
	p.wg.Wait()
}
