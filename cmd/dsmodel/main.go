// Command dsmodel inspects ONNX models as dsgo's inference runtime sees
// them.
//
//	dsmodel info model.onnx   # inputs, outputs, op histogram, parameter count
//	dsmodel run --onnx m.onnx --input images=in.npy --out dir/   # one <output>.npy per output
//	dsmodel bench --onnx m.onnx --batch 8                       # latency and throughput
//	dsmodel bench --onnx m.onnx --batch 8 --gpu --fp16          # on the CUDA backend (run takes --gpu too)
//	dsmodel build --onnx m.onnx --batch 8 --fp16                # engine file m.onnx_b8_gpu0_fp16.engine
//	dsmodel bench --engine m.onnx_b8_gpu0_fp16.engine --batch 8 # run (or bench) a built engine
//	dsmodel info m.onnx_b8_gpu0_fp16.engine                     # what an engine was built from and for
//
// The info subcommand loads the model into the graph IR, so it also reports
// what dsgo cannot run: an unsupported op, a malformed file. Set
// DSGO_DEBUG=1 (or 2) to print the graph after the optimisation passes too.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"

	"github.com/dsgo/dsgo/infer/gpu"
	"github.com/dsgo/dsgo/infer/graph"
)

const usage = `usage: dsmodel info model.onnx
       dsmodel run --onnx model.onnx --input name=file.npy ... [--out dir]
       dsmodel bench --onnx model.onnx [--batch N] [--iterations N] [--threads N]
       dsmodel build --onnx model.onnx --batch N [--batches 1,4,N] [--fp16] [--autotune] [--gpu-id G] [--save-engine file]
       dsmodel info file.engine
       (run and bench: --gpu [--fp16] for the CUDA backend, or --engine file; bench: --json, --profile)`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "run" {
		return runModel(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "bench" {
		return bench(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "build" {
		return build(args[1:], stdout, stderr)
	}
	if len(args) != 2 || args[0] != "info" {
		fmt.Fprintln(stderr, usage)
		return 2
	}
	if gpu.IsEngineFile(args[1]) {
		if err := engineInfo(stdout, args[1]); err != nil {
			fmt.Fprintf(stderr, "dsmodel: %v\n", err)
			return 1
		}
		return 0
	}
	g, err := graph.LoadFile(args[1])
	if err != nil {
		fmt.Fprintf(stderr, "dsmodel: %v\n", err)
		return 1
	}
	info(stdout, args[1], g)
	if d := graph.DebugFromEnv(); d > 0 {
		if _, err := graph.Optimize(g, graph.Options{Debug: d, Log: stdout}); err != nil {
			fmt.Fprintf(stderr, "dsmodel: %v\n", err)
			return 1
		}
	}
	return 0
}

// info prints the model's interface, op histogram and parameter count.
func info(w io.Writer, path string, g *graph.Graph) {
	fmt.Fprintf(w, "model:  %s\ngraph:  %q, opset %d, %d nodes\n", path, g.Name, g.Opset, len(g.Nodes))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, sec := range []struct {
		title  string
		values []*graph.Value
	}{{"inputs", g.Inputs}, {"outputs", g.Outputs}} {
		fmt.Fprintf(tw, "%s:\n", sec.title)
		for _, v := range sec.values {
			shape := "?"
			if v.Shape != nil {
				shape = v.Shape.String()
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.Name, v.DType, shape)
		}
	}
	fmt.Fprintln(tw, "ops:")
	h := g.OpHistogram()
	ops := make([]string, 0, len(h))
	for op := range h {
		ops = append(ops, op)
	}
	sort.Slice(ops, func(i, j int) bool { return h[ops[i]] > h[ops[j]] || h[ops[i]] == h[ops[j]] && ops[i] < ops[j] })
	for _, op := range ops {
		fmt.Fprintf(tw, "  %s\t%d\n", op, h[op])
	}
	tw.Flush()
	fmt.Fprintf(w, "parameters: %d\n", g.Params())
}
