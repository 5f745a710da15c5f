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
	terminal := isTerminal(os.Stdin)
	restore := func() {}
	if terminal {
		restore = keyMode(os.Stdin)
	}
	code := app.Main(context.Background(), os.Args[1:], app.Env{
		Stdin:      os.Stdin,
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Interrupts: interrupts,
		Terminal:   terminal,
	})
	restore()
	os.Exit(code)
}

// isTerminal reports whether f is a terminal (/dev/null is a character
// device too, so a mode check is not enough).
func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

// keyMode switches the terminal to non-canonical input without echo, so
// that q, p and r act on the key press (Ctrl-C still signals), and
// returns the function that restores the previous mode.
func keyMode(f *os.File) (restore func()) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return func() {}
	}
	t := *old
	t.Lflag &^= unix.ICANON | unix.ECHO
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if unix.IoctlSetTermios(fd, unix.TCSETS, &t) != nil {
		return func() {}
	}
	return func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }
}
