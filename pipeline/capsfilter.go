package pipeline

import "context"

// CapsFilter restricts the caps that may pass between two elements: what
// `video/x-raw,width=640` between two `!` means in a launch line.
type CapsFilter struct {
	TransformBase
	caps *Caps
}

var capsFilterClass = &ElementClass{
	Factory:     "capsfilter",
	Klass:       "Generic",
	Description: "Pass data only in formats allowed by the caps property",
	Templates: []*PadTemplate{
		NewPadTemplate("sink", PadSink, PadAlways, "ANY"),
		NewPadTemplate("src", PadSrc, PadAlways, "ANY"),
	},
	Props: []Prop{
		CapsProp("caps", "Allowed caps", func(e *CapsFilter) **Caps { return &e.caps }),
	},
}

func init() { Register(capsFilterClass, func() Element { return NewCapsFilter(nil) }) }

// NewCapsFilter returns a capsfilter allowing c (nil: anything).
func NewCapsFilter(c *Caps) *CapsFilter {
	e := &CapsFilter{}
	e.InitTransform(e, capsFilterClass)
	e.caps = c
	e.sink.SetQueryFunc(e.query)
	e.src.SetQueryFunc(e.query)
	return e
}

func (e *CapsFilter) filter() *Caps {
	if e.caps == nil {
		return NewAnyCaps()
	}
	return e.caps
}

// query narrows caps queries to the filter, on both sides.
func (e *CapsFilter) query(p *Pad, q *Query) bool {
	switch q.Type {
	case QueryCaps:
		f := e.filter()
		if q.Filter != nil {
			f = f.Intersect(q.Filter)
		}
		other := e.src
		if p == e.src {
			other = e.sink
		}
		q.Caps = other.PeerQueryCaps(f).Intersect(f)
		return true
	case QueryAcceptCaps:
		q.Accepted = q.Caps.IsSubset(e.filter()) && (p == e.src || e.src.PeerQueryCaps(q.Caps).CanIntersect(q.Caps))
		return true
	}
	return DefaultQuery(p, q)
}

// Transform passes buffers unchanged.
func (e *CapsFilter) Transform(_ context.Context, buf *Buffer) (*Buffer, error) { return buf, nil }
