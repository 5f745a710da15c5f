package app

import (
	"testing"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

const labelCfg = "[source0]\nenable=1\ntype=2\nuri=file://a.mp4\n" + mux +
	"[osd]\nenable=1\nborder-width=5\ntext-size=14\nfont=Mono\ntext-color=0;1;0;1\ntext-bg-color=0.5;0.5;0.5;1\n" +
	"[primary-gie]\nenable=1\nconfig-file=p.txt\ngie-unique-id=1\nbbox-border-color=0;0;1;1\nbbox-border-color0=1;0;0;1\nbbox-bg-color2=0;1;0;0.3\n" +
	"[sink0]\nenable=1\ntype=1\n"

// object adds an object of a GIE and class to frame f.
func object(t *testing.T, f *meta.FrameMeta, gie, class int, label string) *meta.ObjectMeta {
	t.Helper()
	o := f.Batch().AcquireObjectMeta()
	o.UniqueComponentID, o.ClassID, o.ObjLabel = gie, class, label
	o.RectParams = meta.RectParams{Left: 100, Top: 20, Width: 50, Height: 40, BorderWidth: 3, BorderColor: meta.Color{R: 0.2, A: 1}}
	o.TextParams.DisplayText = "from nvinfer"
	mustOK(t, f.AddObject(o))
	return o
}

// classify attaches a classifier result of a GIE to o.
func classify(t *testing.T, o *meta.ObjectMeta, gie int, label string) {
	t.Helper()
	b := o.Batch()
	c := b.AcquireClassifierMeta()
	c.UniqueComponentID = gie
	l := b.AcquireLabelInfo()
	l.ResultLabel = label
	mustOK(t, c.AddLabel(l))
	mustOK(t, o.AddClassifier(c))
}

// The pass gives objects the colours of their GIE group, as
// deepstream-app's process_meta does, and builds their labels.
func TestLabelerColoursAndText(t *testing.T) {
	cfg := parse(t, labelCfg)
	b, _ := meta.NewBatchMeta(1)
	f := b.AcquireFrameMeta()
	mustOK(t, b.AddFrame(f))
	car := object(t, f, 1, 0, "Car")
	bike := object(t, f, 1, 1, "Bicycle")
	person := object(t, f, 1, 2, "Person")
	other := object(t, f, 9, 0, "Thing")
	classify(t, car, 6, "sedan")
	classify(t, car, 5, "red")
	buf := pipeline.NewBuffer()
	buf.AddMeta(b)
	info := &pipeline.ProbeInfo{Buffer: buf}
	NewLabeler(cfg, true).Probe(nil, info)

	red, blue := meta.Color{R: 1, A: 1}, meta.Color{B: 1, A: 1}
	if car.RectParams.BorderColor != red || bike.RectParams.BorderColor != blue || person.RectParams.BorderColor != blue {
		t.Errorf("border colours %v %v %v, want red, blue, blue", car.RectParams.BorderColor, bike.RectParams.BorderColor, person.RectParams.BorderColor)
	}
	if car.RectParams.BorderWidth != 5 || car.RectParams.HasBgColor {
		t.Errorf("car: width %d, bg %v", car.RectParams.BorderWidth, car.RectParams.HasBgColor)
	}
	if !person.RectParams.HasBgColor || person.RectParams.BgColor != (meta.Color{G: 1, A: 0.3}) {
		t.Errorf("person background %v %v", person.RectParams.HasBgColor, person.RectParams.BgColor)
	}
	if other.RectParams.BorderColor != (meta.Color{R: 0.2, A: 1}) || other.RectParams.BorderWidth != 3 {
		t.Errorf("an object of an unknown GIE was restyled: %+v", other.RectParams)
	}
	if got := car.TextParams.DisplayText; got != "Car red sedan" {
		t.Errorf("car text %q, want classifier labels in gie-unique-id order", got)
	}
	if bike.TextParams.DisplayText != "Bicycle" || other.TextParams.DisplayText != "Thing" {
		t.Errorf("texts %q %q", bike.TextParams.DisplayText, other.TextParams.DisplayText)
	}
	tp := car.TextParams
	if tp.XOffset != 100 || tp.YOffset != 0 || tp.FontParams != (meta.FontParams{FontName: "Mono", FontSize: 14, FontColor: meta.Color{G: 1, A: 1}}) ||
		!tp.SetBgColor || tp.TextBgColor != (meta.Color{R: 0.5, G: 0.5, B: 0.5, A: 1}) {
		t.Errorf("text params %+v", tp)
	}
}

// A tiled multi-source display without -t draws no labels.
func TestLabelerHidesText(t *testing.T) {
	b, _ := meta.NewBatchMeta(1)
	f := b.AcquireFrameMeta()
	mustOK(t, b.AddFrame(f))
	o := object(t, f, 1, 0, "Car")
	NewLabeler(parse(t, labelCfg), false).Apply(b)
	if o.TextParams.DisplayText != "" {
		t.Fatalf("text %q, want none", o.TextParams.DisplayText)
	}
}

// A shared buffer is copied before its metadata changes, so other holders
// keep what they saw.
func TestLabelerCopiesSharedBuffers(t *testing.T) {
	b, _ := meta.NewBatchMeta(1)
	f := b.AcquireFrameMeta()
	mustOK(t, b.AddFrame(f))
	o := object(t, f, 1, 1, "Bicycle")
	buf := pipeline.NewBuffer()
	buf.AddMeta(b)
	other := buf.Ref()
	info := &pipeline.ProbeInfo{Buffer: buf}
	NewLabeler(parse(t, labelCfg), true).Probe(nil, info)
	if info.Buffer == other {
		t.Fatal("the probe changed a shared buffer in place")
	}
	if o.RectParams.BorderColor != (meta.Color{R: 0.2, A: 1}) {
		t.Fatal("the other holder's metadata changed")
	}
	got := meta.GetBatchMeta(info.Buffer).Frames[0].Objects[0]
	if got.RectParams.BorderColor != (meta.Color{B: 1, A: 1}) {
		t.Fatalf("copy not styled: %v", got.RectParams.BorderColor)
	}
}
