package pipeline

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
)

// testTimeout bounds every wait in the tests; reaching it is a failure
// (a hang), never a way to let something happen.
const testTimeout = 10 * time.Second

// launch builds a pipeline from desc and sets it back to NULL when the test ends.
func launch(t testing.TB, desc string) *Pipeline {
	t.Helper()
	p, err := Launch(desc)
	if err != nil {
		t.Fatalf("Launch(%q): %v", desc, err)
	}
	t.Cleanup(func() { p.SetState(StateNull) })
	return p
}

// byName returns the element of that name in p as a T.
func byName[T Element](t testing.TB, p *Pipeline, name string) T {
	t.Helper()
	e, ok := p.ByName(name).(T)
	if !ok {
		var zero T
		t.Fatalf("%s: no element %q of type %T", p.Name(), name, zero)
	}
	return e
}

// run plays p until EOS or an error, failing the test if it hangs.
func run(t testing.TB, p *Pipeline) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err := p.Run(ctx, testTimeout, nil)
	if ctx.Err() != nil {
		t.Fatalf("%s: Run did not finish within %v", p.Name(), testTimeout)
	}
	return err
}

// setState sets e's state and fails the test on error.
func setState(t testing.TB, e Element, s State) StateChangeReturn {
	t.Helper()
	r, err := e.base().SetState(s)
	if err != nil {
		t.Fatalf("%s: SetState(%s): %v", e.base().Name(), s, err)
	}
	return r
}

// popMessage waits for the next message of the given types on p's bus.
func popMessage(t testing.TB, p *Pipeline, types MessageType) *Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	m, err := p.Bus().Pop(ctx, types)
	if err != nil {
		t.Fatalf("%s: no %v message within %v", p.Name(), types, testTimeout)
	}
	return m
}

// receive waits for a value on ch.
func receive[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testTimeout):
		t.Fatalf("timed out waiting for %s", what)
	}
	panic("unreachable")
}

// waitUntil polls cond until it holds, for states that announce themselves
// by no message or channel (goroutine counts, queue levels).
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitGoroutines waits until no more than base goroutines run.
func waitGoroutines(t testing.TB, base int) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines remain, baseline %d:\n%s", runtime.NumGoroutine(), base, buf)
		}
		time.Sleep(time.Millisecond)
	}
}

// offsetLog records buffer offsets from a streaming goroutine; use its add
// method as a handoff and waitFor to await a number of buffers.
type offsetLog struct {
	mu    sync.Mutex
	offs  []uint64
	waits []logWait
}

type logWait struct {
	n    int
	done chan struct{}
}

func (l *offsetLog) add(b *Buffer) {
	l.mu.Lock()
	l.offs = append(l.offs, b.Offset)
	keep := l.waits[:0]
	for _, w := range l.waits {
		if len(l.offs) >= w.n {
			close(w.done)
		} else {
			keep = append(keep, w)
		}
	}
	l.waits = keep
	l.mu.Unlock()
}

// waitFor waits until n offsets were recorded.
func (l *offsetLog) waitFor(t testing.TB, n int) {
	t.Helper()
	l.mu.Lock()
	if len(l.offs) >= n {
		l.mu.Unlock()
		return
	}
	w := logWait{n, make(chan struct{})}
	l.waits = append(l.waits, w)
	l.mu.Unlock()
	receive(t, w.done, fmt.Sprintf("%d buffers", n))
}

func (l *offsetLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.offs)
}

func (l *offsetLog) get() []uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.offs)
}

// offsets returns the offsets from, from+step, ... below to.
func offsets(from, to, step uint64) []uint64 {
	var out []uint64
	for o := from; o < to; o += step {
		out = append(out, o)
	}
	return out
}

// stubElement is an element with pads and properties but no behaviour of
// its own, for link, property and launch tests.
type stubElement struct {
	ElementBase
	level, fixed int64
	ratio        float64
	mode         int
	label        string
	on           bool
}

func newStub(class *ElementClass) *stubElement {
	e := &stubElement{}
	e.Init(e, class)
	return e
}

// stubClass returns a class with the given pad templates.
func stubClass(factory string, templates ...*PadTemplate) *ElementClass {
	return &ElementClass{Factory: factory, Klass: "Test", Templates: templates}
}

// pushPad is a src pad of no element, linked to sink and active, through
// which a test pushes buffers straight into an element chain.
func pushPad(t testing.TB, sink *Pad) *Pad {
	t.Helper()
	p := NewPad("testsrc", NewPadTemplate("src", PadSrc, PadAlways, "ANY"))
	if err := p.Link(sink); err != nil {
		t.Fatal(err)
	}
	p.SetActive(true)
	return p
}
