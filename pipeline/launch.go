package pipeline

import (
	"fmt"
)

// Launch builds a pipeline from a gst-launch-1.0 style description using
// the default registry:
//
//	fakesrc num-buffers=10 ! queue ! identity ! fakesink
//	src ! tee name=t  t. ! queue ! fakesink  t. ! queue ! fakesink
//	a ! m.sink_0  b ! m.sink_1  funnel name=m ! fakesink
//	fakesrc ! video/x-raw,width=640 ! fakesink
//
// Factories the registry lacks are looked up in its foreign framework
// (GStreamer, when package elements/gst is linked in): each run of them
// linked by plain `!`, with caps filters between them, becomes one element,
// so `filesrc location=a.mp4 ! qtdemux ! h264parse ! avdec_h264 ! queue !
// fakesink` runs GStreamer's four elements in one bridged bin. References
// into the middle of such a run are not supported.
//
// Errors point at the column of the offending element, property or link.
func Launch(desc string) (*Pipeline, error) { return defaultRegistry.Launch(desc) }

// Launch builds a pipeline from a description with this registry's elements.
func (r *Registry) Launch(desc string) (*Pipeline, error) {
	pl, err := ParseLaunch(desc)
	if err != nil {
		return nil, err
	}
	p := NewPipeline("pipeline0")
	runOf, runs, err := r.foreignRuns(desc, pl)
	if err != nil {
		return nil, err
	}
	elems := make([]Element, len(pl.Elements))
	for i, pe := range pl.Elements {
		if k := runOf[i]; k >= 0 {
			if run := runs[k]; run.members[0] == i {
				e, err := r.makeForeign(pl, run)
				if err == nil {
					err = p.Add(e)
				}
				if err != nil {
					return nil, &LaunchError{Desc: desc, Col: pe.Col, Msg: err.Error()}
				}
				for _, j := range run.members {
					elems[j] = e
				}
			}
			continue
		}
		e, err := r.Make(pe.Factory, pe.Name)
		if err != nil {
			return nil, &LaunchError{Desc: desc, Col: pe.Col, Msg: err.Error()}
		}
		for _, pp := range pe.Props {
			if err := e.base().Set(pp.Key, pp.Value); err != nil {
				return nil, &LaunchError{Desc: desc, Col: pp.Col, Msg: err.Error()}
			}
		}
		if err := p.Add(e); err != nil {
			return nil, &LaunchError{Desc: desc, Col: pe.Col, Msg: err.Error()}
		}
		elems[i] = e
	}
	resolve := func(end LinkEnd) (Element, error) {
		if end.Elem >= 0 {
			return elems[end.Elem], nil
		}
		if e := p.ByName(end.Ref); e != nil {
			return e, nil
		}
		return nil, &LaunchError{Desc: desc, Col: end.Col, Msg: fmt.Sprintf("no element named %q", end.Ref)}
	}
	for _, l := range pl.Links {
		if l.Src.Elem >= 0 && l.Sink.Elem >= 0 && runOf[l.Src.Elem] >= 0 && runOf[l.Src.Elem] == runOf[l.Sink.Elem] {
			continue // inside a foreign run
		}
		src, err := resolve(l.Src)
		if err != nil {
			return nil, err
		}
		sink, err := resolve(l.Sink)
		if err != nil {
			return nil, err
		}
		if err := LinkPads(src, l.Src.Pad, sink, l.Sink.Pad); err != nil {
			return nil, &LaunchError{Desc: desc, Col: l.Col, Msg: err.Error()}
		}
	}
	return p, nil
}

// LinkElements links a's first free src pad to b's first free compatible
// sink pad, requesting pads where the elements have request templates.
func LinkElements(a, b Element) error { return LinkPads(a, "", b, "") }

// LinkMany links the elements in a chain: a ! b ! c ...
func LinkMany(elems ...Element) error {
	for i := 0; i+1 < len(elems); i++ {
		if err := LinkElements(elems[i], elems[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// LinkPads links a pad of src to a pad of sink. Empty pad names pick a
// free pad (or request one). When src has no suitable pad yet but has a
// sometimes-pad template (a demuxer or decoder), the link is made as soon
// as such a pad appears.
func LinkPads(src Element, srcPad string, sink Element, sinkPad string) error {
	sb, kb := src.base(), sink.base()
	sp, err := pickPad(sb, srcPad, PadSrc, nil)
	if err != nil {
		return err
	}
	if sp == nil {
		if !hasSometimes(sb, srcPad) {
			return fmt.Errorf("%s has no free src pad to link to %s", sb.Name(), kb.Name())
		}
		sb.OnPadAdded(func(_ Element, p *Pad) {
			if p.dir != PadSrc || p.IsLinked() || (srcPad != "" && p.name != srcPad) {
				return
			}
			dp, err := pickPad(kb, sinkPad, PadSink, p)
			if err == nil && dp == nil {
				err = fmt.Errorf("%s has no free sink pad", kb.Name())
			}
			if err == nil {
				err = p.Link(dp)
			}
			if err != nil {
				sb.PostError(fmt.Errorf("delayed link %s -> %s: %w", p.FullName(), kb.Name(), err), "")
			}
		})
		return nil
	}
	dp, err := pickPad(kb, sinkPad, PadSink, sp)
	if err != nil {
		return err
	}
	if dp == nil {
		for _, p := range kb.Pads() {
			if p.dir == PadSink && !p.IsLinked() {
				return sp.Link(p) // fails with a LinkError naming both pads and caps
			}
		}
		return fmt.Errorf("%s has no free sink pad compatible with %s (%s)", kb.Name(), sp.FullName(), sp.tmpl.Caps)
	}
	return sp.Link(dp)
}

func hasSometimes(e *ElementBase, name string) bool {
	for _, t := range e.class.Templates {
		if t.Direction == PadSrc && t.Presence == PadSometimes && (name == "" || t.Matches(name)) {
			return true
		}
	}
	return false
}

// pickPad finds or requests a pad of e in direction dir: the named one, or
// the first unlinked one whose caps fit other's.
func pickPad(e *ElementBase, name string, dir PadDirection, other *Pad) (*Pad, error) {
	fits := func(p *Pad) bool {
		return p.dir == dir && !p.IsLinked() && (other == nil || p.tmpl.Caps.CanIntersect(other.tmpl.Caps))
	}
	if name != "" {
		if p := e.StaticPad(name); p != nil {
			if p.dir != dir {
				return nil, fmt.Errorf("%s.%s is a %s pad", e.Name(), name, p.dir)
			}
			return p, nil
		}
		for _, t := range e.class.Templates {
			if t.Direction == dir && t.Presence == PadRequest && t.Matches(name) {
				return e.RequestPad(name)
			}
		}
		if hasSometimes(e, name) && dir == PadSrc {
			return nil, nil
		}
		return nil, fmt.Errorf("%s has no pad %q", e.Name(), name)
	}
	for _, p := range e.Pads() {
		if fits(p) {
			return p, nil
		}
	}
	for _, t := range e.class.Templates {
		if t.Direction == dir && t.Presence == PadRequest && (other == nil || t.Caps.CanIntersect(other.tmpl.Caps)) {
			return e.RequestPad(t.Name)
		}
	}
	return nil, nil
}
