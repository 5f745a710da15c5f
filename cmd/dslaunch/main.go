// Command dslaunch runs a pipeline written in launch syntax, like
// gst-launch-1.0, and prints the bus messages:
//
//	dslaunch fakesrc num-buffers=100 ! queue ! identity ! fakesink
//
// Ctrl-C (SIGINT) or SIGTERM sends EOS and waits for the pipeline to drain,
// so files are finalised; a second Ctrl-C stops at once.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	_ "github.com/dsgo/dsgo/elements/all"
	"github.com/dsgo/dsgo/pipeline"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dslaunch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("m", false, "print every bus message (state changes, stream status)")
	drain := fs.Duration("drain", 10*time.Second, "how long to wait for EOS to drain after Ctrl-C")
	timeout := fs.Duration("timeout", 0, "send EOS after this long (0: run until EOS)")
	stats := fs.Bool("stats", false, "print every element's read-only properties (counters) at the end")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: dslaunch [-m] [-timeout d] [-drain d] PIPELINE-DESCRIPTION")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	desc := strings.Join(fs.Args(), " ")
	if strings.TrimSpace(desc) == "" {
		fs.Usage()
		return 2
	}
	p, err := pipeline.Launch(desc)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: pipeline could not be constructed: %v\n", err)
		return 1
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ERROR: cpuprofile: %v\n", err)
			return 1
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
		case <-finished:
			return
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			fmt.Fprintln(stdout, "Interrupt: sending EOS and waiting for the pipeline to drain ...")
		} else {
			fmt.Fprintln(stdout, "Timeout: sending EOS and waiting for the pipeline to drain ...")
		}
		stop() // a second signal kills the process
	}()
	fmt.Fprintln(stdout, "Setting pipeline to PLAYING ...")
	start := time.Now()
	err = p.Run(ctx, *drain, func(m *pipeline.Message) {
		switch m.Type {
		case pipeline.MessageEOS:
			fmt.Fprintln(stdout, "Got EOS from "+m.SourceName())
		case pipeline.MessageError:
		case pipeline.MessageWarning, pipeline.MessageInfo, pipeline.MessageElement:
			fmt.Fprintln(stdout, m.String())
		default:
			if *verbose {
				fmt.Fprintln(stdout, m.String())
			}
		}
	})
	fmt.Fprintf(stdout, "Execution ended after %v\n", time.Since(start).Round(time.Microsecond))
	if *stats {
		printStats(stdout, p)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, "Freeing pipeline ...")
	return 0
}

// printStats prints the read-only properties (counters, levels) of every
// element: what each sink rendered, what each leaky queue dropped.
func printStats(w io.Writer, p *pipeline.Pipeline) {
	for _, e := range p.AllElements() {
		b := pipeline.Base(e)
		var parts []string
		for _, prop := range b.Properties() {
			if !prop.ReadOnly() {
				continue
			}
			if v, err := b.Get(prop.Name); err == nil {
				parts = append(parts, fmt.Sprintf("%s=%v", prop.Name, v))
			}
		}
		if len(parts) > 0 {
			fmt.Fprintf(w, "  %s: %s\n", b.Name(), strings.Join(parts, " "))
		}
	}
}
