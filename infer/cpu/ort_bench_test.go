package cpu

import (
	"os"
	"slices"
	"testing"
	"time"

	ort "github.com/yalue/onnxruntime_go"

	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// BenchmarkModelsVsOnnxruntime runs the reference models and the sample
// detectors on dsgo's CPU backend and on onnxruntime side by side, same
// model, batch and threads (1 and 2: dsgo's workers, onnxruntime's
// intra-op threads). onnxruntime is loaded from ONNXRUNTIME_LIB (make
// bench sets it from the npm package onnxruntime-node); without it only
// dsgo is measured. The two run in turns, a timed block of runs (at
// least benchBlock, at least one run) each per pair (which goes first
// alternates), each after untimed runs: on a shared VM the machine's
// speed drifts by tens of percent within a minute, which a pair mostly
// escapes and separate rounds of runs do not. Each
// (model, batch, threads) ends with a log line (shown with -v): the
// median times and the median of the pairs' speed ratios with its
// quartiles.
//
//	ONNXRUNTIME_LIB=... go test -v -run '^$' -bench ModelsVsOnnxruntime -benchtime 20x ./infer/cpu/
func BenchmarkModelsVsOnnxruntime(b *testing.B) {
	lib := os.Getenv("ONNXRUNTIME_LIB")
	if lib != "" {
		ort.SetSharedLibraryPath(lib)
		if err := ort.InitializeEnvironment(); err != nil {
			b.Fatalf("onnxruntime: %v", err)
		}
		defer ort.DestroyEnvironment()
	}
	for _, m := range wholeModels {
		for _, batch := range []int{1, 8} {
			name, path := m.name, m.path
			g, err := graph.LoadFile(path)
			if err != nil {
				b.Fatal(err)
			}
			in := g.Inputs[0]
			shape := tensor.Shape{batch, in.Shape[1], in.Shape[2], in.Shape[3]}
			for _, threads := range []int{1, 2} {
				prefix := name + "/batch" + itoa(batch) + "/threads" + itoa(threads)
				b.Run(prefix, func(b *testing.B) {
					r := NewRunner(Options{Workers: threads})
					defer r.Close()
					prog, err := Compile(g, map[string]tensor.Shape{in.Name: shape}, r)
					if err != nil {
						b.Fatal(err)
					}
					engines := []func() error{prog.Run}
					if lib != "" {
						s, done := ortSession(b, path, g, shape, threads)
						defer done()
						engines = append(engines, s.Run)
					}
					// One untimed run before each timed one (the steady
					// state is measured, not a first run's page faults
					// and buffers); with 2 threads untimed runs for 200
					// ms: the other engine's idle threads spin for a
					// while after its runs (dsgo's 200 us, onnxruntime's
					// longer: after 20 ms dsgo still ran at half its
					// speed) and would take the cores from the timed run.
					warm := time.Duration(0)
					if threads > 1 {
						warm = 200 * time.Millisecond
					}
					times, ratios := pairedRuns(b, engines, warm, benchBlock)
					d := median(times[0])
					b.ReportMetric(float64(batch)/d.Seconds(), "img/s")
					if len(ratios) == 0 || b.N < 2 {
						return
					}
					slices.Sort(ratios)
					o := median(times[1])
					b.Logf("%s: dsgo %.3f ms, onnxruntime %.3f ms per batch (medians of %d blocks of runs each, in turns): %.2fx onnxruntime's speed (median of the pairs' ratios; quartiles %.2f-%.2f)",
						prefix, d.Seconds()*1e3, o.Seconds()*1e3, b.N, ratios[len(ratios)/2], ratios[len(ratios)/4], ratios[3*len(ratios)/4])
				})
			}
		}
	}
}

// pairedRuns times b.N rounds of the engines taking turns (which goes
// first alternates). In a turn the engine runs untimed for warm (at
// least once), then timed, back to back, until block has passed (at
// least once): its time for the round is the block's per run, a
// throughput figure less at the mercy of one run's interrupt or
// neighbour than a single run of a few milliseconds. It returns each
// engine's times and, with two engines, each round's ratio of the
// second's time to the first's (the first's speed relative to the
// second's).
func pairedRuns(b *testing.B, engines []func() error, warm, block time.Duration) (times [][]time.Duration, ratios []float64) {
	times = make([][]time.Duration, len(engines))
	pair := make([]time.Duration, len(engines))
	run := func(e int, d time.Duration) (time.Duration, int) {
		t0 := time.Now()
		for n := 1; ; n++ {
			if err := engines[e](); err != nil {
				b.Fatal(err)
			}
			if t := time.Since(t0); t >= d {
				return t, n
			}
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := range engines {
			e := (k + i) % len(engines)
			run(e, warm)
			t, n := run(e, block)
			pair[e] = t / time.Duration(n)
			times[e] = append(times[e], pair[e])
		}
		if len(engines) == 2 {
			ratios = append(ratios, pair[1].Seconds()/pair[0].Seconds())
		}
	}
	return times, ratios
}

// benchBlock is how long a timed turn of pairedRuns runs an engine in
// the paired benchmarks: a single run of the small models (0.1-3 ms) was
// at the mercy of an interrupt or a neighbour on a shared machine (on
// the GPU machine's Xeon the quartiles of YOLO-style's pairs at batch 1
// on two threads spanned 0.68-1.04).
const benchBlock = 20 * time.Millisecond

// median returns the middle of ts (which it sorts).
func median(ts []time.Duration) time.Duration {
	slices.Sort(ts)
	return ts[len(ts)/2]
}

// ortSession opens an onnxruntime session of the model at path for an
// input of shape on threads intra-op threads, its input and outputs
// bound; done releases them.
func ortSession(b *testing.B, path string, g *graph.Graph, shape tensor.Shape, threads int) (s *ort.AdvancedSession, done func()) {
	opts, err := ort.NewSessionOptions()
	if err != nil {
		b.Fatal(err)
	}
	defer opts.Destroy()
	opts.SetIntraOpNumThreads(threads)
	opts.SetInterOpNumThreads(1)
	x, err := ort.NewTensor(ort.NewShape(int64(shape[0]), int64(shape[1]), int64(shape[2]), int64(shape[3])), make([]float32, shape.NumElements()))
	if err != nil {
		b.Fatal(err)
	}
	var outs []ort.Value
	var names []string
	bound, err := g.Bind(map[string]tensor.Shape{g.Inputs[0].Name: shape})
	if err != nil {
		b.Fatal(err)
	}
	for _, o := range bound.Outputs {
		dims := make([]int64, len(o.Shape))
		for i, d := range o.Shape {
			dims[i] = int64(d)
		}
		t, err := ort.NewEmptyTensor[float32](ort.NewShape(dims...))
		if err != nil {
			b.Fatal(err)
		}
		outs = append(outs, t)
		names = append(names, o.Name)
	}
	s, err = ort.NewAdvancedSession(path, []string{g.Inputs[0].Name}, names, []ort.Value{x}, outs, opts)
	if err != nil {
		b.Fatal(err)
	}
	return s, func() {
		s.Destroy()
		for _, t := range outs {
			t.Destroy()
		}
		x.Destroy()
	}
}
