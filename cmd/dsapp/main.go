// Command dsapp is dsgo's deepstream-app: it runs a deepstream-app
// configuration file unchanged.
//
//	dsapp -c samples/configs/source1_primary_detector.txt
//
// Options follow deepstream-app (-c, -i, -t, --gst-debug-level, -v) and
// deepstream-test5 (-o), plus --no-display for headless machines,
// --validate[=syntax] to check a config without running it and
// --perf-json[=FILE] for machine-readable PERF lines. Ctrl-C (or SIGTERM,
// or q on a terminal) ends the streams and finishes the output files; a
// second Ctrl-C stops at once. The logic lives in package app.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/dsgo/dsgo/app"
	_ "github.com/dsgo/dsgo/elements/all"
)

func main() {
	interrupts := make(chan os.Signal, 2)
	signal.Notify(interrupts, os.Interrupt, syscall.SIGTERM)
	os.Exit(app.Main(context.Background(), os.Args[1:], app.Env{
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Interrupts: interrupts,
		Terminal:   isTerminal(os.Stdin),
	}))
}

// isTerminal reports whether f is a terminal (/dev/null is a character
// device too, so a mode check is not enough).
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
