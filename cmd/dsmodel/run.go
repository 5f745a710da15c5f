package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/npy"
	"github.com/dsgo/dsgo/infer/tensor"
)

// inputFlags collects repeated --input name=file.npy flags.
type inputFlags map[string]string

func (f inputFlags) String() string { return fmt.Sprint(map[string]string(f)) }

func (f inputFlags) Set(s string) error {
	name, path, ok := strings.Cut(s, "=")
	if !ok || name == "" || path == "" {
		return fmt.Errorf("want name=file.npy, got %q", s)
	}
	f[name] = path
	return nil
}

// runModel is `dsmodel run --onnx m.onnx --input name=in.npy --out dir/`:
// one inference on the CPU backend, one <output>.npy per output.
func runModel(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dsmodel run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("onnx", "", "ONNX model")
	out := fs.String("out", ".", "directory for the output .npy files")
	var dev deviceFlags
	dev.register(fs)
	inputs := inputFlags{}
	fs.Var(inputs, "input", "name=file.npy for each model input (repeat)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *model == "" && dev.engine == "" {
		fmt.Fprintln(stderr, "dsmodel run: --onnx or --engine is required")
		return 2
	}
	g, ef, err := dev.load(*model)
	if err != nil {
		return fail(stderr, err)
	}
	data := map[string]*tensor.Tensor{}
	shapes := map[string]tensor.Shape{}
	for _, in := range g.Inputs {
		path, ok := inputs[in.Name]
		if !ok {
			return fail(stderr, fmt.Errorf("no --input for model input %q", in.Name))
		}
		t, err := npy.ReadFile(path)
		if err != nil {
			return fail(stderr, err)
		}
		data[in.Name], shapes[in.Name] = t, t.Shape
	}
	prog, closeProg, err := dev.compile(g, ef, shapes)
	if err != nil {
		return fail(stderr, err)
	}
	defer closeProg()
	for name, t := range data {
		dst, _ := prog.Input(name)
		if dst.DType != t.DType || len(dst.F32) != len(t.F32) || len(dst.Raw) != len(t.Raw) {
			return fail(stderr, fmt.Errorf("input %q: %v %v does not fit the model's %v %v", name, t.DType, t.Shape, dst.DType, dst.Shape))
		}
		copy(dst.F32, t.F32)
		copy(dst.Raw, t.Raw)
	}
	if err := prog.Run(); err != nil {
		return fail(stderr, err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fail(stderr, err)
	}
	for _, v := range prog.Graph().Outputs {
		t, _ := prog.Output(v.Name)
		path := filepath.Join(*out, strings.NewReplacer("/", "_", ":", "_").Replace(v.Name)+".npy")
		f, err := os.Create(path)
		if err != nil {
			return fail(stderr, err)
		}
		err = npy.Write(f, t)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "%s %v %v -> %s\n", v.Name, t.DType, t.Shape, path)
	}
	return 0
}

// bench is `dsmodel bench --onnx m.onnx --batch N`: latency and throughput
// of the CPU backend on random inputs.
func bench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dsmodel bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("onnx", "", "ONNX model")
	batch := fs.Int("batch", 1, "batch size (replaces a dynamic first dimension)")
	iters := fs.Int("iterations", 20, "timed runs (at least; runs go on for a second)")
	threads := fs.Int("threads", 0, "worker goroutines (0: all cores)")
	var dev deviceFlags
	dev.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	g, ef, err := dev.load(*model)
	if err != nil {
		return fail(stderr, err)
	}
	name := *model
	if name == "" {
		name = dev.engine
	}
	shapes := map[string]tensor.Shape{}
	for _, in := range g.Inputs {
		s := append(tensor.Shape(nil), in.Shape...)
		for i := range s {
			if s[i] < 0 {
				if i != 0 {
					return fail(stderr, fmt.Errorf("input %q has a dynamic dimension %d besides the batch", in.Name, i))
				}
				s[i] = *batch
			}
		}
		shapes[in.Name] = s
	}
	if dev.gpu {
		return benchGPU(g, ef, shapes, name, *batch, *iters, dev, stdout, stderr)
	}
	r := cpu.NewRunner(cpu.Options{Workers: *threads})
	defer r.Close()
	prog, err := cpu.Compile(g, shapes, r)
	if err != nil {
		return fail(stderr, err)
	}
	for name := range shapes {
		t, _ := prog.Input(name)
		for i := range t.F32 {
			t.F32[i] = float32(i%255) / 255
		}
	}
	st, err := timeRuns(prog.Run, *iters, benchWarmUp, benchMinTime)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "%s batch %d, %d workers: %v per batch (median of %d runs; mean %v, min %v, p90 %v, p99 %v), %.1f inferences/s\n",
		filepath.Base(name), *batch, r.Workers(), st.median, st.runs, st.mean, st.min, st.p90, st.p99,
		float64(*batch)/st.mean.Seconds())
	if dev.profile {
		if err := prog.Profile(stdout, *iters); err != nil {
			return fail(stderr, err)
		}
	}
	return 0
}

func fail(w io.Writer, err error) int {
	fmt.Fprintf(w, "dsmodel: %v\n", err)
	return 1
}

// benchWarmUp and benchMinTime are how long `dsmodel bench` runs a model
// untimed and then at least timed (trtexec's --warmUp and --duration
// defaults are 200 ms and 3 s): on this project's 2-core build VM the
// first 20 runs after a single warm-up run of DetectNet-style with 2
// workers took 5.8-6.2 ms each against 3.5 ms from then on.
const (
	benchWarmUp  = 200 * time.Millisecond
	benchMinTime = time.Second
)

// runStats are the latencies of a model's timed runs.
type runStats struct {
	runs                        int
	median, mean, min, p90, p99 time.Duration
}

// timeRuns runs run untimed for warmUp (at least once), then times each
// of at least n runs and of as many as take minTime.
func timeRuns(run func() error, n int, warmUp, minTime time.Duration) (runStats, error) {
	for t0 := time.Now(); ; {
		if err := run(); err != nil {
			return runStats{}, err
		}
		if time.Since(t0) >= warmUp {
			break
		}
	}
	var ts []time.Duration
	for start := time.Now(); len(ts) < max(n, 1) || time.Since(start) < minTime; {
		t0 := time.Now()
		if err := run(); err != nil {
			return runStats{}, err
		}
		ts = append(ts, time.Since(t0))
	}
	slices.Sort(ts)
	var sum time.Duration
	for _, t := range ts {
		sum += t
	}
	at := func(q float64) time.Duration {
		return ts[min(len(ts)-1, int(q*float64(len(ts))))].Round(time.Microsecond)
	}
	return runStats{runs: len(ts), median: at(0.5), mean: (sum / time.Duration(len(ts))).Round(time.Microsecond),
		min: ts[0].Round(time.Microsecond), p90: at(0.9), p99: at(0.99)}, nil
}
