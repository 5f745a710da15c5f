package pipeline

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Element is a processing block with pads. Every element embeds
// ElementBase (directly or through a base type such as TransformBase),
// which gives it pads, state, properties and a way to post to the bus; the
// unexported method keeps it that way.
type Element interface {
	base() *ElementBase
	// ChangeState performs one state step. Elements override it to open
	// resources, start or stop goroutines, and call their base's
	// ChangeState to activate or deactivate pads.
	ChangeState(t StateChange) (StateChangeReturn, error)
}

// ElementClass describes an element type: its factory name, what it is,
// its pad templates and its properties. It is shared by every instance and
// used by the registry, the launch syntax and dsinspect.
type ElementClass struct {
	Factory     string // factory name used in launch lines, e.g. "queue"
	Klass       string // category, e.g. "Generic", "Source/Video"
	Description string
	Templates   []*PadTemplate
	Props       []Prop
}

// Template returns the class's pad template with the given name pattern.
func (c *ElementClass) Template(name string) *PadTemplate {
	for _, t := range c.Templates {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Prop returns the class's property of that name.
func (c *ElementClass) Prop(name string) (*Prop, bool) {
	for i := range c.Props {
		if c.Props[i].Name == name {
			return &c.Props[i], true
		}
	}
	return nil, false
}

// PadRequester is implemented by elements with request pads (tee, funnel,
// streammux). RequestNewPad makes a pad for the template (name is the
// concrete name, already checked against the template and unused);
// ReleasePad removes it again.
type PadRequester interface {
	RequestNewPad(tmpl *PadTemplate, name string) (*Pad, error)
	ReleasePad(p *Pad)
}

// EventSender is implemented by elements that take events sent to the
// element itself, such as a source asked to end its stream.
type EventSender interface {
	SendEvent(ev *Event) bool
}

// ElementBase is the part every element shares. Embed it (or a base type
// that embeds it) and call Init from the constructor.
type ElementBase struct {
	self  Element
	class *ElementClass

	mu        sync.Mutex // object lock: name, pads, parent, mutable properties
	name      string
	pads      []*Pad
	parent    *Bin
	onPadAdd  []func(Element, *Pad)
	onPadDrop []func(Element, *Pad)

	stateMu  sync.Mutex // serializes state changes
	state    atomic.Uint32
	baseTime atomic.Int64
	clock    atomic.Pointer[Clock]
}

func (e *ElementBase) base() *ElementBase { return e }

// Base returns the ElementBase of any element, for code that holds an
// Element interface value.
func Base(e Element) *ElementBase { return e.base() }

// Init binds the base to the element that embeds it, creates the class's
// always pads and applies property defaults. Constructors call it first.
func (e *ElementBase) Init(self Element, class *ElementClass) {
	e.self = self
	e.class = class
	e.state.Store(uint32(StateNull))
	for _, t := range class.Templates {
		if t.Presence == PadAlways {
			e.addPadLocked(NewPad(t.Name, t))
		}
	}
	for i := range class.Props {
		p := &class.Props[i]
		if p.set != nil && p.Default != "" {
			v, err := p.convert(p.Default)
			if err == nil {
				err = p.set(self, v)
			}
			if err != nil {
				panic(fmt.Sprintf("pipeline: %s: default of %s: %v", class.Factory, p.Name, err))
			}
		}
	}
}

// Self returns the element that embeds this base.
func (e *ElementBase) Self() Element { return e.self }

// Class returns the element's class.
func (e *ElementBase) Class() *ElementClass { return e.class }

// Name returns the element's name; an unnamed element is called by its
// factory name until a bin gives it a unique one.
func (e *ElementBase) Name() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.name == "" {
		return e.class.Factory
	}
	return e.name
}

// SetName names the element; it fails once the element is in a bin.
func (e *ElementBase) SetName(name string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.parent != nil {
		return fmt.Errorf("%s: cannot rename an element inside a bin", e.name)
	}
	if name == "" || strings.ContainsAny(name, ". !") {
		return fmt.Errorf("invalid element name %q", name)
	}
	e.name = name
	return nil
}

// Parent returns the bin holding the element, or nil.
func (e *ElementBase) Parent() *Bin {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.parent
}

// Lock takes the element's object lock, which guards mutable properties.
func (e *ElementBase) Lock() { e.mu.Lock() }

// Unlock releases the object lock.
func (e *ElementBase) Unlock() { e.mu.Unlock() }

// Pads returns a snapshot of the element's pads.
func (e *ElementBase) Pads() []*Pad {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]*Pad(nil), e.pads...)
}

// StaticPad returns the pad with that name, or nil.
func (e *ElementBase) StaticPad(name string) *Pad {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range e.pads {
		if p.name == name {
			return p
		}
	}
	return nil
}

// SrcPad returns the pad named "src", the usual single output.
func (e *ElementBase) SrcPad() *Pad { return e.StaticPad("src") }

// SinkPad returns the pad named "sink", the usual single input.
func (e *ElementBase) SinkPad() *Pad { return e.StaticPad("sink") }

func (e *ElementBase) addPadLocked(p *Pad) {
	p.parent = e.self
	e.pads = append(e.pads, p)
}

// AddPad adds a pad (a sometimes or request pad made while running),
// activates it if the element is running, and tells OnPadAdded callbacks.
func (e *ElementBase) AddPad(p *Pad) error {
	e.mu.Lock()
	for _, q := range e.pads {
		if q.name == p.name {
			e.mu.Unlock()
			return fmt.Errorf("%s: already has a pad named %s", e.name, p.name)
		}
	}
	e.addPadLocked(p)
	cbs := append(([]func(Element, *Pad))(nil), e.onPadAdd...)
	e.mu.Unlock()
	if e.State() >= StatePaused {
		p.SetActive(true)
	}
	for _, cb := range cbs {
		cb(e.self, p)
	}
	return nil
}

// RemovePad deactivates, unlinks and removes a pad.
func (e *ElementBase) RemovePad(p *Pad) error {
	e.mu.Lock()
	idx := -1
	for i, q := range e.pads {
		if q == p {
			idx = i
		}
	}
	if idx < 0 {
		e.mu.Unlock()
		return fmt.Errorf("%s: has no pad %s", e.name, p.name)
	}
	e.pads = append(e.pads[:idx], e.pads[idx+1:]...)
	cbs := append(([]func(Element, *Pad))(nil), e.onPadDrop...)
	e.mu.Unlock()
	p.SetActive(false)
	if peer := p.Peer(); peer != nil {
		if p.dir == PadSrc {
			p.Unlink(peer)
		} else {
			peer.Unlink(p)
		}
	}
	for _, cb := range cbs {
		cb(e.self, p)
	}
	return nil
}

// OnPadAdded registers a callback for pads added after construction (the
// way to link a demuxer's or decoder's sometimes pads).
func (e *ElementBase) OnPadAdded(fn func(Element, *Pad)) {
	e.mu.Lock()
	e.onPadAdd = append(e.onPadAdd, fn)
	e.mu.Unlock()
}

// OnPadRemoved registers a callback for removed pads.
func (e *ElementBase) OnPadRemoved(fn func(Element, *Pad)) {
	e.mu.Lock()
	e.onPadDrop = append(e.onPadDrop, fn)
	e.mu.Unlock()
}

// RequestPad makes a request pad. name is a template name ("sink_%u", the
// next free number is chosen) or a concrete name ("sink_3").
func (e *ElementBase) RequestPad(name string) (*Pad, error) {
	req, ok := e.self.(PadRequester)
	if !ok {
		return nil, fmt.Errorf("%s: has no request pads", e.Name())
	}
	for _, t := range e.class.Templates {
		if t.Presence != PadRequest {
			continue
		}
		concrete := ""
		switch {
		case t.Name == name:
			concrete = e.nextPadName(t)
		case t.Matches(name):
			concrete = name
		default:
			continue
		}
		if e.StaticPad(concrete) != nil {
			return nil, fmt.Errorf("%s: pad %s is already in use", e.Name(), concrete)
		}
		p, err := req.RequestNewPad(t, concrete)
		if err != nil {
			return nil, fmt.Errorf("%s: request pad %s: %w", e.Name(), concrete, err)
		}
		return p, nil
	}
	return nil, fmt.Errorf("%s: no request pad template matches %q", e.Name(), name)
}

// ReleaseRequestPad gives back a pad made by RequestPad.
func (e *ElementBase) ReleaseRequestPad(p *Pad) error {
	req, ok := e.self.(PadRequester)
	if !ok || p.tmpl.Presence != PadRequest || p.parent != e.self {
		return fmt.Errorf("%s: %s is not one of its request pads", e.Name(), p.name)
	}
	req.ReleasePad(p)
	return nil
}

// nextPadName returns the template's name with the lowest unused number.
func (e *ElementBase) nextPadName(t *PadTemplate) string {
	prefix, _, _ := strings.Cut(t.Name, "%")
	for i := 0; ; i++ {
		n := prefix + strconv.Itoa(i)
		if e.StaticPad(n) == nil {
			return n
		}
	}
}

// State returns the current state.
func (e *ElementBase) State() State { return State(e.state.Load()) }

// SetState moves the element step by step to target. It returns the
// result of the last step that was not a plain success (async or
// no-preroll), or the first failure.
func (e *ElementBase) SetState(target State) (StateChangeReturn, error) {
	if target < StateNull || target > StatePlaying {
		return StateChangeFailure, fmt.Errorf("%s: invalid target state %d", e.Name(), target)
	}
	e.stateMu.Lock()
	defer e.stateMu.Unlock()
	ret := StateChangeSuccess
	for cur := e.State(); cur != target; {
		next := nextState(cur, target)
		step := StateChange{cur, next}
		r, err := e.self.ChangeState(step)
		if err == nil && r == StateChangeFailure {
			err = errors.New("state change failed")
		}
		if err != nil {
			if step.IsUpward() {
				return StateChangeFailure, fmt.Errorf("%s: %s: %w", e.Name(), step, err)
			}
			// Going down never stops half way: resources must be released.
			e.PostWarning(fmt.Errorf("%s: %w", step, err), "")
		}
		e.state.Store(uint32(next))
		e.Post(&Message{Type: MessageStateChanged, OldState: cur, NewState: next, PendingState: pendingOf(next, target)})
		if r == StateChangeAsync || r == StateChangeNoPreroll {
			ret = r
		}
		cur = next
	}
	return ret, nil
}

func pendingOf(cur, target State) State {
	if cur == target {
		return StateVoidPending
	}
	return target
}

// SyncStateWithParent brings an element added to a running bin to the
// bin's state, as sources added at run time need.
func (e *ElementBase) SyncStateWithParent() error {
	p := e.Parent()
	if p == nil {
		return fmt.Errorf("%s: has no parent", e.Name())
	}
	if bt := p.baseTime.Load(); bt != 0 {
		e.baseTime.Store(bt)
	}
	e.clock.Store(p.clock.Load())
	_, err := e.SetState(p.State())
	return err
}

// ChangeState is the default state step: activate pads going to PAUSED,
// deactivate them (which unblocks pushes and blocking probes) going down.
func (e *ElementBase) ChangeState(t StateChange) (StateChangeReturn, error) {
	switch t {
	case ReadyToPaused:
		for _, p := range e.Pads() {
			p.SetActive(true)
		}
	case PausedToReady:
		for _, p := range e.Pads() {
			p.SetActive(false)
		}
	}
	return StateChangeSuccess, nil
}

// BaseTime returns the clock time at which the pipeline's running time was 0.
func (e *ElementBase) BaseTime() ClockTime { return ClockTime(e.baseTime.Load()) }

// Clock returns the pipeline's clock, or nil when not in a running pipeline.
func (e *ElementBase) Clock() Clock {
	if c := e.clock.Load(); c != nil {
		return *c
	}
	return nil
}

// Post sends a message towards the pipeline's bus, filling in its source.
// Messages of an element outside any bin are dropped.
func (e *ElementBase) Post(m *Message) {
	if m.Source == nil {
		m.Source = e.self
	}
	if p := e.Parent(); p != nil {
		p.handleMessage(m)
	} else if b, ok := e.self.(messageHandler); ok {
		b.handleMessage(m)
	}
}

type messageHandler interface{ handleMessage(*Message) }

// PostError posts an error message naming this element.
func (e *ElementBase) PostError(err error, debug string) {
	e.Post(&Message{Type: MessageError, Err: err, Debug: debug})
}

// PostWarning posts a warning message naming this element.
func (e *ElementBase) PostWarning(err error, debug string) {
	e.Post(&Message{Type: MessageWarning, Err: err, Debug: debug})
}

// PostInfo posts an informational message naming this element.
func (e *ElementBase) PostInfo(text string) {
	e.Post(&Message{Type: MessageInfo, Err: errors.New(text)})
}

// PostElement posts a custom element message carrying s.
func (e *ElementBase) PostElement(s *Structure) {
	e.Post(&Message{Type: MessageElement, Struct: s})
}

// SendEvent sends an event to the element: upstream events enter through
// its src pads, downstream events through its sink pads. Elements that take
// events themselves (sources asked for EOS) implement EventSender.
func (e *ElementBase) SendEvent(ev *Event) bool {
	if s, ok := e.self.(EventSender); ok {
		return s.SendEvent(ev)
	}
	dir := PadSink
	if ev.Type.IsUpstream() && !ev.Type.IsDownstream() {
		dir = PadSrc
	}
	ok := false
	for _, p := range e.Pads() {
		if p.dir == dir && p.SendEvent(ev) {
			ok = true
		}
	}
	return ok
}

// Properties returns the element's property descriptions.
func (e *ElementBase) Properties() []Prop { return e.class.Props }

// Set sets a property from a Go value or its text form. It fails with a
// message naming the element, property, value and what is allowed.
func (e *ElementBase) Set(name string, value any) error {
	if name == "name" {
		s, ok := value.(string)
		if !ok {
			return fmt.Errorf("%s: name must be a string", e.Name())
		}
		return e.SetName(s)
	}
	p, ok := e.class.Prop(name)
	if !ok {
		return fmt.Errorf("%s: no property %q (see dsinspect %s)", e.Name(), name, e.class.Factory)
	}
	if p.set == nil {
		return fmt.Errorf("%s: property %s is read-only", e.Name(), name)
	}
	if !p.Mutable && e.State() > StateReady {
		return fmt.Errorf("%s: property %s can only be changed in NULL or READY state (now %s)", e.Name(), name, e.State())
	}
	v, err := p.convert(value)
	if err != nil {
		return fmt.Errorf("%s: %s=%v: %w", e.Name(), name, value, err)
	}
	e.mu.Lock()
	err = p.set(e.self, v)
	e.mu.Unlock() // before e.Name(), which takes the lock too
	if err != nil {
		return fmt.Errorf("%s: %s=%v: %w", e.Name(), name, value, err)
	}
	return nil
}

// Get returns a property's current value.
func (e *ElementBase) Get(name string) (any, error) {
	if name == "name" {
		return e.Name(), nil
	}
	p, ok := e.class.Prop(name)
	if !ok {
		return nil, fmt.Errorf("%s: no property %q", e.Name(), name)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return p.get(e.self), nil
}

// String returns the element's name.
func (e *ElementBase) String() string { return e.Name() }
