package app

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/dsgo/dsgo/configs"
	"github.com/dsgo/dsgo/pipeline"
)

// Version is dsapp's version.
const Version = "0.1.0"

// Env is what Main works with besides its arguments: standard streams,
// the interrupts (SIGINT, SIGTERM) the caller receives, and whether stdin
// is a terminal (then q, p and r lines control the pipeline).
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Interrupts delivers one value per SIGINT or SIGTERM; nil for none.
	Interrupts <-chan os.Signal
	// Terminal enables the keyboard commands read from Stdin.
	Terminal bool
}

// Exit codes of Main.
const (
	ExitOK     = 0   // EOS, or drained after Ctrl-C / q
	ExitError  = 1   // a config, build or pipeline error
	ExitUsage  = 2   // bad command line
	ExitForced = 130 // a second Ctrl-C stopped the pipeline before it drained
)

// cliFlags are dsapp's command-line options.
type cliFlags struct {
	cfgFile    string
	inputs     listFlag
	tiledText  bool
	gstDebug   string
	version    bool
	ota        string
	noDisplay  bool
	validate   optFlag
	perfJSON   optFlag
	drainSecs  int
	fs         *flag.FlagSet
	helpWanted bool
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// optFlag is a flag that may be given alone (--validate) or with a value
// (--validate=syntax).
type optFlag struct {
	set   bool
	value string
}

func (o *optFlag) String() string   { return o.value }
func (o *optFlag) IsBoolFlag() bool { return true }
func (o *optFlag) Set(v string) error {
	o.set = true
	if v == "true" {
		v = ""
	}
	if v == "false" {
		o.set = false
	}
	o.value = v
	return nil
}

func parseFlags(args []string, stderr io.Writer) (*cliFlags, error) {
	f := &cliFlags{fs: flag.NewFlagSet("dsapp", flag.ContinueOnError)}
	fs := f.fs
	fs.SetOutput(stderr)
	for _, n := range []string{"c", "cfg-file"} {
		fs.StringVar(&f.cfgFile, n, "", "deepstream-app config file (required)")
	}
	for _, n := range []string{"i", "input-uri"} {
		fs.Var(&f.inputs, n, "URI or file replacing the next enabled source's uri (repeatable)")
	}
	for _, n := range []string{"t", "tiledtext"} {
		fs.BoolVar(&f.tiledText, n, false, "draw object labels in tiled mode")
	}
	fs.StringVar(&f.gstDebug, "gst-debug-level", "", "GStreamer debug level (GST_DEBUG), e.g. 2 or *:3")
	for _, n := range []string{"v", "version"} {
		fs.BoolVar(&f.version, n, false, "print the version and exit")
	}
	for _, n := range []string{"o", "ota-override-file"} {
		fs.StringVar(&f.ota, n, "", "OTA override file (model updates; accepted, not yet wired)")
	}
	fs.BoolVar(&f.noDisplay, "no-display", false, "replace display sinks with fakesinks (headless machines)")
	fs.Var(&f.validate, "validate", "check the config and everything it references, print the pipeline and exit; =syntax checks the config files alone")
	fs.Var(&f.perfJSON, "perf-json", "also print PERF as JSON lines (to stdout, or =FILE)")
	fs.IntVar(&f.drainSecs, "drain-timeout", 30, "seconds to wait for the pipeline to drain after Ctrl-C")
	fs.Usage = func() {} // Main prints the help: to stdout for -h, to stderr for mistakes
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			f.helpWanted = true
			return f, nil
		}
		fmt.Fprint(stderr, usage)
		return nil, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dsapp: unexpected argument %q\n", fs.Arg(0))
		return nil, errors.New("unexpected argument")
	}
	if f.validate.set && f.validate.value != "" && f.validate.value != "syntax" {
		fmt.Fprintf(stderr, "dsapp: --validate=%s: want --validate or --validate=syntax\n", f.validate.value)
		return nil, errors.New("bad --validate")
	}
	return f, nil
}

// usage is dsapp's help text.
const usage = `Usage: dsapp -c <config file> [options]

Runs a deepstream-app configuration file with dsgo.

  -c, --cfg-file FILE          deepstream-app config file (required)
  -i, --input-uri URI          replace the uri of the next enabled source
                               (repeatable; a path becomes a file:// URI)
  -t, --tiledtext              draw object labels in tiled mode
  -o, --ota-override-file FILE OTA override file (accepted; model update
                               is not wired yet)
      --no-display             replace display sinks with fakesinks
      --validate[=syntax]      check the config and every file and model it
                               names (=syntax: the config files alone), print
                               the pipeline, one line per branch; exit 0 or 1
      --perf-json[=FILE]       also print PERF as JSON lines (stdout or FILE)
      --gst-debug-level LEVEL  GStreamer debug level (GST_DEBUG)
      --drain-timeout SECONDS  wait for the pipeline to drain after Ctrl-C
                               (default 30)
  -v, --version                print the version
  -h, --help                   print this help

When stdin is a terminal, type q (quit), p (pause), r (resume) or h (help)
and Enter. Ctrl-C or SIGTERM ends the streams and finishes the output files;
a second Ctrl-C stops at once.
`

// versionText is what -v prints.
func versionText() string {
	s := "dsapp version " + Version + " (deepstream-app 5.0 configs)"
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, kv := range bi.Settings {
			if kv.Key == "vcs.revision" && len(kv.Value) >= 12 {
				s += " revision " + kv.Value[:12]
			}
		}
		s += "\n" + bi.GoVersion
	}
	return s + "\n"
}

// Main is dsapp: it parses args, loads the config, builds the pipeline and
// runs it, and returns the process's exit code.
func Main(ctx context.Context, args []string, env Env) int {
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	f, err := parseFlags(args, env.Stderr)
	if err != nil {
		return ExitUsage
	}
	switch {
	case f.helpWanted:
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	case f.version:
		fmt.Fprint(env.Stdout, versionText())
		return ExitOK
	case f.cfgFile == "":
		fmt.Fprint(env.Stderr, "dsapp: -c <config file> is required\n\n"+usage)
		return ExitUsage
	}
	if f.gstDebug != "" {
		os.Setenv("GST_DEBUG", f.gstDebug) // read when GStreamer starts, at the first GStreamer element
	}
	plan, code := load(f, env)
	if plan == nil {
		return code
	}
	if f.validate.set {
		fmt.Fprint(env.Stdout, plan.String())
		if _, err := NewRunner(plan, RunOptions{}); err != nil {
			fmt.Fprintf(env.Stderr, "%v\n", err)
			return ExitError
		}
		return ExitOK
	}
	return run(ctx, f, plan, env)
}

// load reads, checks and builds the config, printing warnings and errors.
func load(f *cliFlags, env Env) (*Plan, int) {
	cfg, warns, err := configs.LoadApp(f.cfgFile)
	for _, w := range warns {
		fmt.Fprintf(env.Stderr, "WARNING: %s\n", w)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return nil, ExitError
	}
	if f.validate.set && f.validate.value != "syntax" {
		warns, err := cfg.ValidateFiles()
		for _, w := range warns {
			fmt.Fprintf(env.Stderr, "WARNING: %s\n", w)
		}
		if err != nil {
			fmt.Fprintf(env.Stderr, "%v\n", err)
			return nil, ExitError
		}
	}
	if f.validate.set && f.validate.value != "syntax" {
		for _, in := range f.inputs {
			if u := inputURI(in); strings.HasPrefix(u, "file://") {
				if _, err := os.Stat(strings.TrimPrefix(u, "file://")); err != nil {
					fmt.Fprintf(env.Stderr, "-i: %v\n", err)
					return nil, ExitError
				}
			}
		}
	}
	plan, err := Build(cfg, BuildOptions{InputURIs: f.inputs, NoDisplay: f.noDisplay, TiledText: f.tiledText})
	if err != nil {
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return nil, ExitError
	}
	for _, w := range plan.Warnings {
		fmt.Fprintf(env.Stderr, "WARNING: %s\n", w)
	}
	if f.ota != "" {
		if _, err := os.Stat(f.ota); err != nil {
			fmt.Fprintf(env.Stderr, "-o: %v\n", err)
			return nil, ExitError
		}
		fmt.Fprintf(env.Stderr, "WARNING: -o %s: OTA model update is not in dsgo yet; the file is not watched\n", f.ota)
	}
	return plan, ExitOK
}

// run plays the plan until EOS, an error or the user quits.
func run(ctx context.Context, f *cliFlags, plan *Plan, env Env) int {
	opts := RunOptions{Out: env.Stdout, Err: env.Stderr, Drain: secs(f.drainSecs)}
	if f.perfJSON.set {
		if f.perfJSON.value == "" || f.perfJSON.value == "-" {
			opts.PerfJSON = env.Stdout
		} else {
			file, err := os.Create(f.perfJSON.value)
			if err != nil {
				fmt.Fprintf(env.Stderr, "--perf-json: %v\n", err)
				return ExitError
			}
			defer file.Close()
			opts.PerfJSON = file
		}
	}
	r, err := NewRunner(plan, opts)
	if err != nil {
		fmt.Fprintf(env.Stderr, "%v\n", err)
		return ExitError
	}
	ctl := make(chan Command, 4)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go forwardInterrupts(ctx, env, ctl)
	if env.Terminal && env.Stdin != nil {
		fmt.Fprint(env.Stdout, "\nRuntime commands:\n\th: Print this help\n\tq: Quit\n\n\tp: Pause\n\tr: Resume\n\n")
		go readKeys(ctx, env, ctl)
	}
	switch err := r.Run(ctx, ctl); {
	case err == nil:
		fmt.Fprintln(env.Stdout, "App run successful")
		return ExitOK
	case errors.Is(err, ErrForced):
		fmt.Fprintln(env.Stderr, "** ERROR: forced to quit before the pipeline drained; output files may be incomplete")
		return ExitForced
	default:
		var em *pipeline.ErrorMessage
		if !errors.As(err, &em) { // bus errors are printed as they come
			fmt.Fprintf(env.Stderr, "ERROR: %v\n", err)
		}
		fmt.Fprintln(env.Stderr, "App run failed")
		return ExitError
	}
}

func secs(n int) time.Duration { return time.Duration(max(n, 1)) * time.Second }

// forwardInterrupts turns each SIGINT/SIGTERM into a Quit command: the
// first drains, the second forces.
func forwardInterrupts(ctx context.Context, env Env, ctl chan<- Command) {
	if env.Interrupts == nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-env.Interrupts:
			fmt.Fprintln(env.Stderr, "** ERROR: User Interrupted.. ")
			select {
			case ctl <- Quit:
			case <-ctx.Done():
				return
			}
		}
	}
}

// readKeys reads commands from stdin, one key each: q quits, p pauses,
// r resumes, h prints the help; other bytes (newlines, when the terminal
// is in line mode) are ignored. cmd/dsapp puts the terminal in
// non-canonical mode, as deepstream-app does, so a key acts at once.
func readKeys(ctx context.Context, env Env, ctl chan<- Command) {
	r := bufio.NewReader(env.Stdin)
	for {
		b, err := r.ReadByte()
		if err != nil {
			return
		}
		var c Command
		switch b {
		case 'q':
			c = Quit
		case 'p':
			c = Pause
		case 'r':
			c = Resume
		case 'h':
			fmt.Fprint(env.Stdout, "\nRuntime commands:\n\th: Print this help\n\tq: Quit\n\n\tp: Pause\n\tr: Resume\n\n")
			continue
		default:
			continue
		}
		select {
		case ctl <- c:
		case <-ctx.Done():
			return
		}
	}
}
