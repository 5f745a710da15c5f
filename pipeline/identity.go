package pipeline

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Identity passes buffers through unchanged, optionally slowing, dropping
// or failing them: the element for testing pipelines and measuring a hop.
type Identity struct {
	TransformBase
	silent     bool
	sleepTime  int64
	errorAfter int64
	dropProb   float64
	handoff    func(*Buffer)
	count      int64
	rng        *rand.Rand
}

var identityClass = &ElementClass{
	Factory:     "identity",
	Klass:       "Generic",
	Description: "Pass data without modification",
	Templates: []*PadTemplate{
		NewPadTemplate("sink", PadSink, PadAlways, "ANY"),
		NewPadTemplate("src", PadSrc, PadAlways, "ANY"),
	},
	Props: []Prop{
		BoolProp("silent", "Do not post a message for each buffer", true, func(e *Identity) *bool { return &e.silent }),
		IntProp("sleep-time", "Microseconds to sleep for each buffer", 0, 0, 1<<31, func(e *Identity) *int64 { return &e.sleepTime }),
		IntProp("error-after", "Fail with an error after this many buffers (-1 = never)", -1, -1, 1<<62, func(e *Identity) *int64 { return &e.errorAfter }),
		FloatProp("drop-probability", "Probability of dropping each buffer", 0, 0, 1, func(e *Identity) *float64 { return &e.dropProb }),
	},
}

func init() { Register(identityClass, func() Element { return NewIdentity() }) }

// NewIdentity returns an identity with default properties.
func NewIdentity() *Identity {
	e := &Identity{}
	e.InitTransform(e, identityClass)
	return e
}

// SetHandoff sets a function called with every buffer that passes; set it
// before starting.
func (e *Identity) SetHandoff(fn func(*Buffer)) { e.handoff = fn }

// Start resets the buffer count.
func (e *Identity) Start(context.Context) error {
	e.count = 0
	e.rng = rand.New(rand.NewPCG(1, 2))
	return nil
}

// Transform applies the configured sleep, drop and error, then passes buf.
func (e *Identity) Transform(ctx context.Context, buf *Buffer) (*Buffer, error) {
	e.count++
	if e.errorAfter >= 0 && e.count > e.errorAfter {
		buf.Unref()
		return nil, fmt.Errorf("error-after=%d reached", e.errorAfter)
	}
	if e.sleepTime > 0 {
		t := time.NewTimer(time.Duration(e.sleepTime) * time.Microsecond)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
	if e.dropProb > 0 && e.rng.Float64() < e.dropProb {
		buf.Unref()
		return nil, nil
	}
	if e.handoff != nil {
		e.handoff(buf)
	}
	if !e.silent {
		e.PostElement(NewStructure("identity-handoff", "pts", int(buf.PTS), "size", buf.Size()))
	}
	return buf, nil
}
