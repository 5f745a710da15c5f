package pipeline

import (
	"fmt"
	"sort"
	"sync"
)

// Factory makes elements of one class.
type Factory struct {
	Class *ElementClass
	New   func() Element
}

// Registry maps factory names to element factories, for the launch syntax
// and dsinspect. Elements register themselves into the default registry
// with one line in their file's init; tests may build their own registry.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]*Factory
	foreign   ForeignElements
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{factories: map[string]*Factory{}} }

// Register adds a factory; names must be unique.
func (r *Registry) Register(class *ElementClass, newFn func() Element) error {
	if class == nil || class.Factory == "" || newFn == nil {
		return fmt.Errorf("register: a factory needs a class with a name and a constructor")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.factories[class.Factory]; dup {
		return fmt.Errorf("register: factory %q is already registered", class.Factory)
	}
	r.factories[class.Factory] = &Factory{Class: class, New: newFn}
	return nil
}

// Lookup returns the factory of that name.
func (r *Registry) Lookup(factory string) (*Factory, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	f, ok := r.factories[factory]
	return f, ok
}

// Factories returns every factory sorted by name.
func (r *Registry) Factories() []*Factory {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*Factory, 0, len(r.factories))
	for _, f := range r.factories {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Class.Factory < out[j].Class.Factory })
	return out
}

// Make creates an element of the named factory; name may be empty.
func (r *Registry) Make(factory, name string) (Element, error) {
	f, ok := r.Lookup(factory)
	if !ok {
		return nil, fmt.Errorf("no element %q", factory)
	}
	e := f.New()
	if name != "" {
		if err := e.base().SetName(name); err != nil {
			return nil, err
		}
	}
	return e, nil
}

var defaultRegistry = NewRegistry()

// DefaultRegistry returns the registry that elements register into.
func DefaultRegistry() *Registry { return defaultRegistry }

// Register adds a factory to the default registry. It is called from init
// functions, so a duplicate name is a programming error and panics.
func Register(class *ElementClass, newFn func() Element) {
	if err := defaultRegistry.Register(class, newFn); err != nil {
		panic(err)
	}
}

// Make creates an element from the default registry.
func Make(factory, name string) (Element, error) { return defaultRegistry.Make(factory, name) }

func init() {
	Register(binClass, func() Element { return NewBin("") })
	Register(pipelineClass, func() Element { return NewPipeline("") })
}

// ForeignElements makes elements of another framework usable in launch
// lines: a run of consecutive elements that this registry does not know
// (GStreamer's filesrc ! qtdemux ! h264parse ! avdec_h264) becomes one
// dsgo element. Package elements/gst provides the GStreamer one.
type ForeignElements interface {
	// Has reports whether the foreign framework has the factory.
	Has(factory string) bool
	// MakeBin builds one element from a launch fragment of foreign
	// elements. sink and src say whether it needs a dsgo "sink" pad (data
	// comes from a dsgo element) and a dsgo "src" pad (data goes on to one).
	MakeBin(fragment string, sink, src bool) (Element, error)
}

// SetForeign installs the framework consulted for unknown factories.
func (r *Registry) SetForeign(f ForeignElements) {
	r.mu.Lock()
	r.foreign = f
	r.mu.Unlock()
}

// Foreign returns the installed foreign framework, or nil.
func (r *Registry) Foreign() ForeignElements {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.foreign
}
