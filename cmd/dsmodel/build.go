package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/dsgo/dsgo/infer/gpu"
	"github.com/dsgo/dsgo/infer/graph"
)

// build is `dsmodel build --onnx m.onnx --batch N --fp16`, trtexec's
// --saveEngine: it prepares the model on GPU 0 (--gpu-id), compiles and
// tunes a program for every batch size up to N (or --batches), and
// writes the engine file nvinfer's model-engine-file reads.
func build(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dsmodel build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("onnx", "", "ONNX model")
	batch := fs.Int("batch", 1, "largest batch size (nvinfer's batch-size)")
	list := fs.String("batches", "", "batch sizes to tune, comma-separated (default: 1 to --batch)")
	save := fs.String("save-engine", "", "engine file to write (default: <onnx>_b<N>_gpu<G>_<precision>.engine, as DeepStream names it)")
	device := fs.Int("gpu-id", 0, "CUDA device")
	var dev deviceFlags
	dev.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *model == "" || *batch < 1 {
		fmt.Fprintln(stderr, "dsmodel build: --onnx and a --batch of at least 1 are required")
		return 2
	}
	batches, err := parseBatches(*list, *batch)
	if err != nil {
		return fail(stderr, err)
	}
	g, err := graph.LoadFile(*model)
	if err != nil {
		return fail(stderr, err)
	}
	src, err := gpu.SourceOf(*model)
	if err != nil {
		return fail(stderr, err)
	}
	o := dev.options()
	o.Device = *device
	e, _, f, err := gpu.Build(g, o, gpu.BuildRequest{Batches: batches, Source: src})
	if err != nil {
		return fail(stderr, err)
	}
	defer e.Close()
	path := *save
	if path == "" {
		path = gpu.EngineFileName(*model, *batch, *device, o.Precision)
	}
	if err := f.WriteFile(path); err != nil {
		return fail(stderr, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "built %s in %.2fs: %s (%s, cuDNN %d), %s, batches %v; %d bytes\n",
		path, f.Header.BuildSeconds, f.Header.GPU, f.Header.Arch, f.Header.CuDNN, f.Header.Precision, batches, st.Size())
	return 0
}

// parseBatches reads --batches, or gives 1 to max.
func parseBatches(list string, maxBatch int) ([]int, error) {
	var out []int
	if list == "" {
		for b := 1; b <= maxBatch; b++ {
			out = append(out, b)
		}
		return out, nil
	}
	for _, f := range strings.Split(list, ",") {
		b, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || b < 1 || b > maxBatch {
			return nil, fmt.Errorf("--batches %q: want sizes from 1 to --batch (%d)", list, maxBatch)
		}
		out = append(out, b)
	}
	return out, nil
}

// engineInfo prints an engine file's header and its graph's interface;
// it needs no GPU.
func engineInfo(w io.Writer, path string) error {
	f, err := gpu.ReadEngineFile(path)
	if err != nil {
		return err
	}
	h := f.Header
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "engine:\t%s (format %d, engine version %d)\n", path, h.Format, h.Version)
	fmt.Fprintf(tw, "built:\t%s in %.2fs from %s\n", h.Built.Format("2006-01-02 15:04:05 MST"), h.BuildSeconds, h.Source)
	fmt.Fprintf(tw, "for:\t%s (%s), cuDNN %d\n", h.GPU, h.Arch, h.CuDNN)
	fmt.Fprintf(tw, "options:\t%s, layout %s, autotune %v, fused conv %v, workspace limit %d\n",
		h.Precision, h.Layout, h.Autotune, h.FusedConv, h.WorkspaceLimit)
	fmt.Fprintf(tw, "programs:\tmax batch %d\n", h.MaxBatch)
	for _, p := range h.Programs {
		var shapes []string
		for name, s := range p.Shapes {
			shapes = append(shapes, fmt.Sprintf("%s%v", name, s))
		}
		own := 0
		for _, t := range p.Tactics {
			if t.Kernel != "" {
				own++
			}
		}
		fmt.Fprintf(tw, "  %s\t%d tuned convolutions, %d on dsgo's kernels\n", strings.Join(shapes, " "), len(p.Tactics), own)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	info(w, path, f.Graph)
	return nil
}
