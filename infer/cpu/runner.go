package cpu

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a Runner.
type Options struct {
	// Workers is the number of goroutines the parallel kernels use,
	// the caller's included; 0 means runtime.GOMAXPROCS(0).
	Workers int
}

// Runner runs kernels on a fixed set of worker goroutines. It keeps the
// per-kernel task state and the pure-Go GEMM's packing buffers, so it is
// not safe for concurrent use; Close stops its goroutines.
type Runner struct {
	workers int
	pool    pool
	gemm    gemmTask
	dw      depthwiseTask
	pl      poolTask
	pack    [][]float32 // per-worker pure-Go GEMM packing buffers
	cols    [][]float32 // per-worker im2col tiles (BLAS convolutions)
	mosaic  []float32   // a dilated convolution's input and output mosaics
	winoM   []float32   // a split Winograd plan's products (winoPlan.parts)
	conv    convTask
	split   gemmSplit
	resize  resizeTask
	blas    bool
	// noFuse makes Programs compiled for the Runner run every layer as
	// its own step (no s2Fused pairs, no pools in a convolution's step):
	// for paired measurements.
	noFuse bool
	// winoPoolBytes is winoPoolBytes, lower in tests of small layers.
	winoPoolBytes int
}

// NewRunner starts a Runner's worker goroutines.
func NewRunner(o Options) *Runner {
	w := o.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	r := &Runner{workers: w, blas: haveBLAS, winoPoolBytes: winoPoolBytes}
	r.pool.start(w)
	r.pack = make([][]float32, w)
	r.cols = make([][]float32, w)
	// The Runner's workers parallelise around single-threaded OpenBLAS
	// calls (see convTask and gemmSplit).
	setBLASThreads(1)
	return r
}

// Workers returns the number of goroutines the Runner's kernels use.
func (r *Runner) Workers() int { return r.workers }

// UseBLAS chooses between OpenBLAS and the pure-Go GEMM for the Runner's
// matrix products; it reports whether the choice took effect (BLAS is not
// there in a noblas build).
func (r *Runner) UseBLAS(on bool) bool {
	if on && !haveBLAS {
		return false
	}
	r.blas = on
	return true
}

// Close stops the worker goroutines. The Runner must not be used after.
func (r *Runner) Close() { r.pool.stop() }

// ranger is a parallel task: run does items [lo, hi) on worker w.
type ranger interface {
	run(w, lo, hi int)
}

// pool is a fixed set of goroutines that share one task at a time.
// Handing a task over allocates nothing: the task is a pointer to state
// the Runner owns. Between tasks a worker spins for a while (an
// inference's kernels follow each other within microseconds), then
// parks on its own channel; waking a parked goroutine takes tens of
// microseconds, as long as some whole kernels.
type pool struct {
	n      int
	gen    atomic.Uint64 // bumped for each task
	parked []atomic.Bool // per worker: blocked (or about to block) on wake
	wake   []chan struct{}
	quit   chan struct{}
	// pending counts the workers still on the task; the caller spins on
	// it (see run).
	pending atomic.Int64
	task    ranger
	chunk   int
	ranges  []poolRange  // per worker: the items it takes first
	mu      sync.RWMutex // held for reading while a task runs on the workers
	closed  bool
	// quiet is how long spinning goroutines spin before they yield:
	// spinQuiet where there are more Ps than workers, else 0 (with fewer
	// a spinner would keep a worker from running; with as many no other
	// P takes a yielded goroutine away, and the runtime's own goroutines
	// get their turns).
	quiet time.Duration
}

// spinFor is how long an idle worker watches for the next task before
// it parks.
const spinFor = 200 * time.Microsecond

// spinQuiet is how long a spinning goroutine (an idle worker, or run's
// caller waiting for the workers) spins before it starts to yield its P
// now and then (runtime.Gosched): a yield sends it through the global run
// queue, from which another P, on another core with cold L1 and L2
// caches, may take it. An idle worker parks (spinFor) before then. On
// the GPU machine's 16-core Xeon (GOMAXPROCS 16), with 2 workers,
// against yielding every 64 polls from the start (medians of paired runs
// of each test model at batch 1 and 8): -2% to +20% (YOLO-style 19-20%,
// the YOLO-style sample 6-10%, the sample detector at batch 8 9%);
// yielding after 50 us instead was -6% to +10%. The yields after
// spinQuiet keep a long wait (Ps taken by other goroutines, a worker
// readied on the caller's own P) from spinning until the scheduler
// preempts it. With no more Ps than workers spinners yield from the
// start (on this project's 2-core VM, 2 workers: -8% to +5% either
// way, no difference).
const spinQuiet = time.Millisecond

func (p *pool) start(n int) {
	p.n = n
	if runtime.GOMAXPROCS(0) > n {
		p.quiet = spinQuiet
	}
	p.parked = make([]atomic.Bool, n)
	p.ranges = make([]poolRange, n)
	p.wake = make([]chan struct{}, n)
	p.quit = make(chan struct{})
	for w := 1; w < n; w++ {
		p.wake[w] = make(chan struct{}, 1)
		go p.worker(w)
	}
}

// worker runs task after task: it waits for the generation to move,
// drains the task and reports done.
func (p *pool) worker(w int) {
	var seen uint64 // tasks count from 1: the first may be out before this goroutine starts
	for {
		if !p.await(w, seen) {
			return
		}
		seen = p.gen.Load()
		p.drain(w)
		p.pending.Add(-1)
	}
}

// await returns once a task newer than seen is published (true) or the
// pool stops (false): spinning first, then parked on the worker's
// channel.
func (p *pool) await(w int, seen uint64) bool {
	start := time.Now()
	for i := 0; ; i++ {
		if p.gen.Load() != seen {
			return true
		}
		if i%64 == 63 {
			if d := time.Since(start); d > spinFor {
				break
			} else if d > p.quiet {
				runtime.Gosched()
			}
		}
	}
	for {
		p.parked[w].Store(true)
		if p.gen.Load() != seen { // published while we were parking
			if !p.parked[w].CompareAndSwap(true, false) {
				<-p.wake[w] // run took the flag and sent a token: consume it
			}
			return true
		}
		select {
		case <-p.wake[w]:
			// A token is a hint, not a task: run's loop over the workers
			// may reach this one after it ran the task and parked again.
			// Taking that late token for a new task ran the old one twice
			// and sent the WaitGroup negative.
			if p.gen.Load() != seen {
				return true
			}
		case <-p.quit:
			return false
		}
	}
}

// stop ends the workers once the task in flight is done; tasks run after
// it run on the calling goroutine.
func (p *pool) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.closed {
		p.closed = true
		close(p.quit)
	}
}

// run splits [0, n) into chunks of at least grain items and runs t over
// them on up to p.n goroutines, returning when all are done.
func (p *pool) run(n, grain int, t ranger) {
	if grain < 1 {
		grain = 1
	}
	workers := p.n
	if m := (n + grain - 1) / grain; m < workers {
		workers = m
	}
	if workers <= 1 {
		t.run(0, 0, n)
		return
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		t.run(0, 0, n)
		return
	}
	chunk := (n + 4*workers - 1) / (4 * workers)
	if chunk < grain {
		chunk = grain
	}
	p.task, p.chunk = t, chunk
	// The first workers' ranges split the items evenly, at multiples of
	// grain; the rest start empty.
	edge := func(w int) int { return min(n, (w*n/workers+grain-1)/grain*grain) }
	for w := range p.ranges {
		r := &p.ranges[w]
		lo, hi := n, n
		if w < workers {
			lo, hi = edge(w), edge(w+1)
		}
		r.next.Store(int64(lo))
		r.end = hi
	}
	// Every worker takes part (one that finds no chunk left returns at
	// once): they all watch the same generation.
	p.pending.Store(int64(p.n - 1))
	p.gen.Add(1)
	for w := 1; w < p.n; w++ {
		if p.parked[w].CompareAndSwap(true, false) {
			p.wake[w] <- struct{}{}
		}
	}
	p.drain(0)
	// Spin, not park: parking here made the last worker's done ready
	// this goroutine on that worker's P, which then ran it and sent the
	// worker, still spinning for the next task, to wait for a P of its
	// own (tens of microseconds, often longer than a small kernel: the
	// caller ended up running most of the next tasks' chunks itself).
	var start time.Time
	for i := 0; p.pending.Load() != 0; i++ {
		if i%64 != 63 {
			continue
		}
		if start.IsZero() {
			start = time.Now()
		} else if time.Since(start) > p.quiet {
			runtime.Gosched()
		}
	}
	p.task = nil
}

// drain runs chunks of the task on worker w until none is left: those of
// its own range first, in order, then what is left of the others'. Each
// worker owns a fixed range of items (the caller the first), so the
// items a worker computes in one kernel lie where it computed in the
// one before (the same rows of an image, the same images), and their
// input is in its core's caches. On the GPU machine's Xeon, paired
// against all workers taking chunks from one counter (2 and 4 workers,
// each test model at batch 1 and 8): 0-9% faster (the medians of 20
// pairs 1.00-1.09, the YOLO-style model at batch 1 on 2 workers 9.5%);
// on this project's 2-core VM 0-8%.
func (p *pool) drain(w int) {
	for k := range p.n {
		r := &p.ranges[(w+k)%p.n]
		for {
			lo := int(r.next.Add(int64(p.chunk))) - p.chunk
			if lo >= r.end {
				break
			}
			p.task.run(w, lo, min(lo+p.chunk, r.end))
		}
	}
}

// poolRange is the run of a task's items a worker takes first: next is
// the first not yet taken, end the range's end. Ranges are a cache line
// apart, so that workers taking from their own do not share one.
type poolRange struct {
	next atomic.Int64
	end  int
	_    [48]byte
}
