package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dsgo/dsgo/pipeline"
)

// Command is what the user asks of a running pipeline: from the keyboard
// (q, p, r) or a signal (Quit).
type Command int

// Commands.
const (
	// Quit ends the streams (EOS), lets the pipeline drain and finish its
	// files, then stops; a second Quit stops at once.
	Quit Command = iota
	// Pause pauses the pipeline and the PERF measurement.
	Pause
	// Resume plays a paused pipeline again.
	Resume
)

// ErrForced is Run's result when a second Quit stopped the pipeline
// before it drained.
var ErrForced = errors.New("stopped before the pipeline drained")

// RunOptions say where a Runner's output goes.
type RunOptions struct {
	// Out receives PERF lines and progress messages; Err warnings and
	// errors (deepstream-app's g_print and g_printerr). Nil discards.
	Out, Err io.Writer
	// PerfJSON, when not nil, receives a JSON line per PERF interval (and
	// turns the PERF meter on even when the config does not).
	PerfJSON io.Writer
	// Drain bounds the wait for EOS after Quit (default 30 s).
	Drain time.Duration
}

// Runner is a built pipeline with deepstream-app's probes attached: the
// PERF meter and label pass after the last inference, KITTI output after
// the primary GIE.
type Runner struct {
	Plan     *Plan
	Pipeline *pipeline.Pipeline
	// Perf is nil when perf measurement is off.
	Perf  *PerfMeter
	KITTI *KITTIWriter
	opts  RunOptions
}

// NewRunner launches the plan's pipeline and attaches the probes. It
// creates gie-kitti-output-dir if needed; it opens no media.
func NewRunner(plan *Plan, opts RunOptions) (*Runner, error) {
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	if opts.Err == nil {
		opts.Err = io.Discard
	}
	if opts.Drain <= 0 {
		opts.Drain = 30 * time.Second
	}
	p, err := pipeline.Launch(plan.Description())
	if err != nil {
		if pipeline.DefaultRegistry().Foreign() == nil {
			err = fmt.Errorf("%w\n(this program was built without GStreamer, -tags nogst: uridecodebin, dsencsink and GStreamer elements are missing)", err)
		}
		return nil, err
	}
	r := &Runner{Plan: plan, Pipeline: p, opts: opts}
	done, err := r.srcPad(plan.AnalyticsDone)
	if err != nil {
		return nil, err
	}
	app := &plan.Config.Application
	if app.EnablePerfMeasurement || opts.PerfJSON != nil {
		r.Perf = NewPerfMeter(plan.NumSources, nil)
		done.AddProbe(pipeline.ProbeBuffer, r.Perf.Probe)
	}
	done.AddProbe(pipeline.ProbeBuffer, NewLabeler(plan.Config, plan.ShowText).Probe)
	if dir := app.GIEKittiOutputDir; dir != "" && plan.PrimaryGIE != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("gie-kitti-output-dir: %w", err)
		}
		pad, err := r.srcPad(plan.PrimaryGIE)
		if err != nil {
			return nil, err
		}
		r.KITTI = &KITTIWriter{Dir: dir}
		pad.AddProbe(pipeline.ProbeBuffer, r.KITTI.Probe)
	}
	return r, nil
}

func (r *Runner) srcPad(name string) (*pipeline.Pad, error) {
	e := r.Pipeline.ByName(name)
	if e == nil {
		return nil, fmt.Errorf("the pipeline has no element %q", name)
	}
	pad := pipeline.Base(e).SrcPad()
	if pad == nil {
		return nil, fmt.Errorf("%s has no src pad", name)
	}
	return pad, nil
}

// perfInterval is perf-measurement-interval-sec (deepstream-app's default
// is 5 s).
func (r *Runner) perfInterval() time.Duration {
	if s := r.Plan.Config.Application.PerfMeasurementIntervalSec; s > 0 {
		return time.Duration(s) * time.Second
	}
	return 5 * time.Second
}

// Run plays the pipeline until every source ends (nil), an element posts
// an error (a *pipeline.ErrorMessage, printed as deepstream-app does:
// "ERROR from <element>: <reason>"), or it is told to quit: by ctx or a
// Quit command it sends EOS and waits for the pipeline to drain (nil), a
// second Quit stops it at once (ErrForced). Pause and Resume commands
// pause and resume it. The pipeline is in NULL on return.
func (r *Runner) Run(ctx context.Context, ctl <-chan Command) (err error) {
	p := r.Pipeline
	busCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	forced := false
	defer func() {
		if forced {
			stopWithin(p, 2*time.Second)
			return
		}
		if _, serr := p.SetState(pipeline.StateNull); serr != nil && err == nil {
			err = serr
		}
	}()
	msgs := p.Bus().Messages(busCtx, pipeline.MessageAny)
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		return err
	}
	if r.Perf != nil {
		var text io.Writer
		if r.Plan.Config.Application.EnablePerfMeasurement {
			text = r.opts.Out
		}
		go r.Perf.Report(busCtx, r.perfInterval(), text, r.opts.PerfJSON)
	}
	var drain <-chan time.Time
	quitting := false
	quit := func() {
		quitting = true
		if p.State() == pipeline.StatePaused {
			r.resume()
		}
		p.SendEOS()
		t := time.NewTimer(r.opts.Drain)
		drain = t.C
	}
	done := ctx.Done()
	for {
		select {
		case m, ok := <-msgs:
			if !ok {
				return errors.New("bus closed")
			}
			if end, err := r.handle(m); end {
				return err
			}
		case <-done:
			done = nil
			if !quitting {
				quit()
			}
		case c := <-ctl:
			switch {
			case c == Quit && quitting:
				forced = true
				return ErrForced
			case c == Quit:
				quit()
			case c == Pause && !quitting:
				r.pause()
			case c == Resume && !quitting:
				r.resume()
			}
		case <-drain:
			return fmt.Errorf("%s: did not drain within %v after EOS", p.Name(), r.opts.Drain)
		}
	}
}

func (r *Runner) pause() {
	if r.Perf != nil {
		r.Perf.Pause()
	}
	if _, err := r.Pipeline.SetState(pipeline.StatePaused); err != nil {
		fmt.Fprintf(r.opts.Err, "WARNING: cannot pause: %v\n", err)
	}
}

func (r *Runner) resume() {
	if _, err := r.Pipeline.SetState(pipeline.StatePlaying); err != nil {
		fmt.Fprintf(r.opts.Err, "WARNING: cannot resume: %v\n", err)
	}
	if r.Perf != nil {
		r.Perf.Resume()
	}
}

// stopWithin brings the pipeline to NULL, giving up after d (a forced
// stop must not hang on a stuck element).
func stopWithin(p *pipeline.Pipeline, d time.Duration) {
	done := make(chan struct{})
	go func() {
		p.SetState(pipeline.StateNull)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// handle prints a bus message as deepstream-app's bus_callback does and
// reports whether the run ends (with its error).
func (r *Runner) handle(m *pipeline.Message) (bool, error) {
	detail := func(kind string) {
		fmt.Fprintf(r.opts.Err, "%s from %s: %v\n", kind, m.SourceName(), m.Err)
		if m.Debug != "" {
			fmt.Fprintf(r.opts.Err, "Debug info: %s\n", m.Debug)
		}
	}
	switch m.Type {
	case pipeline.MessageInfo:
		detail("INFO")
	case pipeline.MessageWarning:
		detail("WARNING")
	case pipeline.MessageError:
		detail("ERROR")
		return true, &pipeline.ErrorMessage{Element: m.SourceName(), Err: m.Err, Debug: m.Debug}
	case pipeline.MessageStateChanged:
		if m.Source != pipeline.Element(r.Pipeline) {
			break
		}
		switch {
		case m.NewState == pipeline.StatePlaying:
			fmt.Fprintln(r.opts.Out, "** INFO: Pipeline running")
		case m.NewState == pipeline.StatePaused && m.OldState == pipeline.StatePlaying:
			fmt.Fprintln(r.opts.Out, "** INFO: Pipeline paused")
		case m.NewState == pipeline.StateReady && m.OldState == pipeline.StateNull:
			fmt.Fprintln(r.opts.Out, "** INFO: Pipeline ready")
		}
	case pipeline.MessageEOS:
		if m.Source == pipeline.Element(r.Pipeline) {
			fmt.Fprintln(r.opts.Out, "** INFO: Received EOS. Exiting ...")
			return true, nil
		}
	}
	return false, nil
}
