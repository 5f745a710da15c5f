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
// dsgo is measured. Each (model, batch, threads) ends with a log line
// (shown with -v) of the medians and the ratio.
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
	// With onnxruntime the two take turns, rounds times: on a shared VM the
	// machine's speed drifts by tens of percent within a minute, more than
	// the difference measured, and -count would run all of one's
	// repetitions before the other's.
	rounds := 1
	if lib != "" {
		rounds = 5
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
				// Per batch, one per round (a sub-benchmark's function runs
				// again for each b.N it tries: the last run's is kept).
				ds, ot := make([]time.Duration, rounds), make([]time.Duration, rounds)
				for round := range rounds {
					b.Run(prefix+"/dsgo", func(b *testing.B) {
						r := NewRunner(Options{Workers: threads})
						defer r.Close()
						prog, err := Compile(g, map[string]tensor.Shape{in.Name: shape}, r)
						if err != nil {
							b.Fatal(err)
						}
						// One run first, for both: the steady state is
						// measured, not the first run's page faults and
						// buffers.
						if err := prog.Run(); err != nil {
							b.Fatal(err)
						}
						b.ReportAllocs()
						b.ResetTimer()
						for i := 0; i < b.N; i++ {
							if err := prog.Run(); err != nil {
								b.Fatal(err)
							}
						}
						b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "img/s")
						ds[round] = b.Elapsed() / time.Duration(b.N)
					})
					if lib == "" {
						continue
					}
					b.Run(prefix+"/onnxruntime", func(b *testing.B) {
						benchORT(b, path, g, shape, batch, threads)
						ot[round] = b.Elapsed() / time.Duration(b.N)
					})
				}
				if d, o := median(ds), median(ot); d > 0 && o > 0 { // both ran (-bench may leave them out)
					b.Logf("%s: dsgo %.3f ms, onnxruntime %.3f ms per batch (medians of %d rounds): %.2fx onnxruntime's speed",
						prefix, d.Seconds()*1e3, o.Seconds()*1e3, rounds, o.Seconds()/d.Seconds())
				}
			}
		}
	}
}

// median returns the middle of ts (which it sorts).
func median(ts []time.Duration) time.Duration {
	slices.Sort(ts)
	return ts[len(ts)/2]
}

func benchORT(b *testing.B, path string, g *graph.Graph, shape tensor.Shape, batch, threads int) {
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
	defer x.Destroy()
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
		defer t.Destroy()
		outs = append(outs, t)
		names = append(names, o.Name)
	}
	s, err := ort.NewAdvancedSession(path, []string{g.Inputs[0].Name}, names, []ort.Value{x}, outs, opts)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Destroy()
	if err := s.Run(); err != nil { // the warm-up run (see the dsgo side)
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "img/s")
}
