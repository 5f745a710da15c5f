// Command dsbench measures dsgo against the reference implementation of the
// same job, side by side in one run, and prints the ratio.
//
//	dsbench engine   # fakesrc ! identity x10 ! fakesink, and queue hand-offs,
//	                 # in dsgo and in gst-launch-1.0
//	dsbench media    # 4 x decode -> nvstreammux -> fakesink, vs the same
//	                 # decoding in gst-launch-1.0
//
// Per-hop costs are differences: (time with 10 identities - time with none)
// / (buffers x 10), which cancels source, sink and process start-up cost in
// both engines alike.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/dsgo/dsgo/pipeline"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "media" {
		return runMedia(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "engine" {
		fmt.Fprintln(stderr, "usage: dsbench engine [-buffers N] [-hops N] [-rounds N]\n       dsbench media [-frames N] [-sources N]")
		return 2
	}
	fs := flag.NewFlagSet("dsbench engine", flag.ContinueOnError)
	fs.SetOutput(stderr)
	buffers := fs.Int("buffers", 1000000, "buffers per run")
	hops := fs.Int("hops", 10, "identity elements in the measured line")
	rounds := fs.Int("rounds", 3, "runs per configuration; the fastest counts")
	gst := fs.String("gst-launch", "gst-launch-1.0", "gst-launch-1.0 binary")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	b := &bench{buffers: *buffers, rounds: *rounds, gst: *gst, out: stdout}
	if err := b.engine(*hops); err != nil {
		fmt.Fprintln(stderr, "dsbench:", err)
		return 1
	}
	return 0
}

type bench struct {
	buffers, rounds int
	gst             string
	out             io.Writer
}

func line(n int, elem string) string {
	return strings.TrimSpace(strings.Repeat(elem+" ! ", n))
}

func (b *bench) desc(middle string) string {
	d := fmt.Sprintf("fakesrc num-buffers=%d ! ", b.buffers)
	if middle != "" {
		d += middle + " "
	}
	return d + "fakesink"
}

// dsgo runs a description in-process and returns the fastest wall time
// and the heap allocations per buffer of that run.
func (b *bench) dsgo(desc string) (time.Duration, float64, error) {
	best := time.Duration(1<<63 - 1)
	var allocs float64
	for r := 0; r < b.rounds; r++ {
		p, err := pipeline.Launch(desc)
		if err != nil {
			return 0, 0, err
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		if err := p.Run(context.Background(), time.Minute, nil); err != nil {
			return 0, 0, err
		}
		d := time.Since(start)
		runtime.ReadMemStats(&after)
		if d < best {
			best = d
			allocs = float64(after.Mallocs-before.Mallocs) / float64(b.buffers)
		}
	}
	return best, allocs, nil
}

// gstreamer runs the same description with gst-launch-1.0.
func (b *bench) gstreamer(desc string) (time.Duration, error) {
	best := time.Duration(1<<63 - 1)
	for r := 0; r < b.rounds; r++ {
		cmd := exec.Command(b.gst, append([]string{"-q"}, strings.Fields(desc)...)...)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("%s %s: %v: %s", b.gst, desc, err, out)
		}
		if d := time.Since(start); d < best {
			best = d
		}
	}
	return best, nil
}

// perHop measures (t(middle) - t(none)) / (buffers * n) in both engines.
func (b *bench) perHop(middle string, n int) (ds, gs, allocs float64, err error) {
	base, _, err := b.dsgo(b.desc(""))
	if err != nil {
		return
	}
	full, allocs, err := b.dsgo(b.desc(middle))
	if err != nil {
		return
	}
	gbase, err := b.gstreamer(b.desc(""))
	if err != nil {
		return
	}
	gfull, err := b.gstreamer(b.desc(middle))
	if err != nil {
		return
	}
	den := float64(b.buffers * n)
	return float64(full-base) / den, float64(gfull-gbase) / den, allocs, nil
}

func (b *bench) engine(hops int) error {
	fmt.Fprintf(b.out, "engine benchmark: %d buffers, best of %d, GOMAXPROCS=%d\n", b.buffers, b.rounds, runtime.GOMAXPROCS(0))
	qds, qgs, qallocs, err := b.perHop(line(1, "queue"), 1)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "queue: dsgo %.1f ns/handoff (%.3f allocs/buffer), gstreamer %.1f ns/handoff, speedup %.2f\n",
		qds, qallocs, qgs, qgs/qds)
	ds, gs, allocs, err := b.perHop(line(hops, "identity"), hops)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "allocs: dsgo %.3f heap allocations per buffer through %d identities (whole run, start-up included)\n", allocs, hops)
	fmt.Fprintf(b.out, "engine: dsgo %.1f ns/hop, gstreamer %.1f ns/hop, speedup %.2f\n", ds, gs, gs/ds)
	return nil
}
