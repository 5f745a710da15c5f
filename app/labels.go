package app

import (
	"slices"
	"strconv"
	"sync"

	"github.com/dsgo/dsgo/configs"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// Labeler is deepstream-app's process_meta, run on every batch once all
// inference is done: each object of a GIE the config names (by its
// gie-unique-id) gets that GIE's bbox-border-color (per class, or the
// GIE's default), bbox-bg-color per class, and [osd] border-width; and,
// when labels are shown, a text of the object's label, its track id (with
// [tracker] display-tracking-id) and its classifiers' labels in order of
// their gie-unique-id, placed 30 pixels above the box in [osd]'s font.
type Labeler struct {
	gies      map[int]*gieStyle // by gie-unique-id
	showText  bool
	showTrack bool
	border    int
	font      meta.FontParams
	textBg    *meta.Color

	mu      sync.Mutex
	text    []byte
	classes []*meta.ClassifierMeta
}

// gieStyle is one GIE group's colours.
type gieStyle struct {
	border   meta.Color
	borders  map[int]meta.Color
	bg       *meta.Color
	bgs      map[int]meta.Color
	hasStyle bool
}

func metaColor(c configs.Color) meta.Color { return meta.Color{R: c.R, G: c.G, B: c.B, A: c.A} }

// NewLabeler returns the pass for a config; showText is Plan.ShowText.
func NewLabeler(cfg *configs.App, showText bool) *Labeler {
	l := &Labeler{gies: map[int]*gieStyle{}, showText: showText, showTrack: cfg.Tracker.DisplayTrackingID,
		border: cfg.OSD.BorderWidth,
		font:   meta.FontParams{FontName: cfg.OSD.Font, FontSize: cfg.OSD.TextSize, FontColor: metaColor(cfg.OSD.TextColor)}}
	if c := cfg.OSD.TextBgColor; c != nil {
		bg := metaColor(*c)
		l.textBg = &bg
	}
	add := func(g *configs.GIE) {
		// deepstream-app matches objects to a group by the gie-unique-id
		// the group sets; a group without one matches no object.
		if g == nil || !g.Enable || !g.Has("gie-unique-id") {
			return
		}
		s := &gieStyle{border: metaColor(g.BBoxBorderColor), borders: map[int]meta.Color{}, bgs: map[int]meta.Color{}}
		for k, c := range g.BBoxBorderColors {
			s.borders[k] = metaColor(c)
		}
		for k, c := range g.BBoxBgColors {
			s.bgs[k] = metaColor(c)
		}
		if g.BBoxBgColor != nil {
			bg := metaColor(*g.BBoxBgColor)
			s.bg = &bg
		}
		if _, dup := l.gies[g.GIEUniqueID]; !dup {
			l.gies[g.GIEUniqueID] = s
		}
	}
	add(cfg.PrimaryGIE)
	for i := range cfg.SecondaryGIEs {
		add(&cfg.SecondaryGIEs[i])
	}
	return l
}

// Probe is a buffer probe that applies the pass to each batch, making the
// buffer writable first (its metadata then belongs to this holder only).
func (l *Labeler) Probe(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
	if meta.GetBatchMeta(info.Buffer) == nil {
		return pipeline.ProbeOK
	}
	info.Buffer = info.Buffer.MakeWritable()
	l.Apply(meta.GetBatchMeta(info.Buffer))
	return pipeline.ProbeOK
}

// Apply styles and labels every object of a batch.
func (l *Labeler) Apply(batch *meta.BatchMeta) {
	if batch == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range batch.Frames {
		for _, o := range f.Objects {
			l.style(o)
			l.label(o)
		}
	}
}

func (l *Labeler) style(o *meta.ObjectMeta) {
	g := l.gies[o.UniqueComponentID]
	if g == nil {
		return
	}
	r := &o.RectParams
	if c, ok := g.borders[o.ClassID]; ok {
		r.BorderColor = c
	} else {
		r.BorderColor = g.border
	}
	r.BorderWidth = l.border
	switch c, ok := g.bgs[o.ClassID]; {
	case ok:
		r.HasBgColor, r.BgColor = true, c
	case g.bg != nil:
		r.HasBgColor, r.BgColor = true, *g.bg
	default:
		r.HasBgColor = false
	}
}

func (l *Labeler) label(o *meta.ObjectMeta) {
	t := &o.TextParams
	if !l.showText {
		t.DisplayText = ""
		return
	}
	t.XOffset = int(o.RectParams.Left)
	t.YOffset = max(int(o.RectParams.Top)-30, 0)
	t.FontParams = l.font
	if l.textBg != nil {
		t.SetBgColor, t.TextBgColor = true, *l.textBg
	}
	track := l.showTrack && o.IsTracked()
	if !track && len(o.ClassifierMetas) == 0 {
		t.DisplayText = o.ObjLabel // no new string
		return
	}
	b := append(l.text[:0], o.ObjLabel...)
	if track {
		b = append(b, ' ')
		b = strconv.AppendUint(b, o.ObjectID&0xffffffff, 10) // deepstream-app shows the low 32 bits
	}
	l.classes = append(l.classes[:0], o.ClassifierMetas...)
	slices.SortStableFunc(l.classes, func(a, b *meta.ClassifierMeta) int { return a.UniqueComponentID - b.UniqueComponentID })
	for _, c := range l.classes {
		for _, lab := range c.Labels {
			if lab.ResultLabel != "" {
				b = append(b, ' ')
				b = append(b, lab.ResultLabel...)
			}
		}
	}
	l.text = b
	if t.DisplayText != string(b) {
		t.DisplayText = string(b)
	}
}
