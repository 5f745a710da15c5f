package meta

import (
	"errors"
	"testing"
)

func TestDisplayMetaCapacity(t *testing.T) {
	tests := []struct {
		name  string
		add   func(*DisplayMeta) error
		count func(*DisplayMeta) int
	}{
		{"rects", func(d *DisplayMeta) error { return d.AddRect(RectParams{Width: 1}) }, (*DisplayMeta).NumRects},
		{"labels", func(d *DisplayMeta) error { return d.AddLabel(TextParams{DisplayText: "a"}) }, (*DisplayMeta).NumLabels},
		{"lines", func(d *DisplayMeta) error { return d.AddLine(LineParams{X2: 1}) }, (*DisplayMeta).NumLines},
		{"arrows", func(d *DisplayMeta) error { return d.AddArrow(ArrowParams{Head: ArrowHeadBoth}) }, (*DisplayMeta).NumArrows},
		{"circles", func(d *DisplayMeta) error { return d.AddCircle(CircleParams{Radius: 3}) }, (*DisplayMeta).NumCircles},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := NewBatchMeta(1)
			mustOK(t, err)
			d := b.AcquireDisplayMeta()
			for i := range MaxElementsInDisplayMeta {
				if err := tt.add(d); err != nil {
					t.Fatalf("add #%d: %v", i, err)
				}
			}
			if err := tt.add(d); !errors.Is(err, ErrDisplayMetaFull) {
				t.Errorf("add past capacity = %v, want ErrDisplayMetaFull", err)
			}
			if n := tt.count(d); n != MaxElementsInDisplayMeta {
				t.Errorf("count = %d, want %d", n, MaxElementsInDisplayMeta)
			}
			if err := tt.add(nil); !errors.Is(err, ErrNilMeta) {
				t.Errorf("add to nil = %v, want ErrNilMeta", err)
			}
			if n := tt.count(nil); n != 0 {
				t.Errorf("nil count = %d", n)
			}
		})
	}
}

func TestDisplayMetaElementsKeepOrderAndAreEditable(t *testing.T) {
	b, err := NewBatchMeta(1)
	mustOK(t, err)
	d := b.AcquireDisplayMeta()
	for i := range 3 {
		mustOK(t, d.AddCircle(CircleParams{XC: i}))
	}
	d.Circles()[1].Radius = 9
	got := d.Circles()
	if len(got) != 3 || got[0].XC != 0 || got[2].XC != 2 || got[1].Radius != 9 {
		t.Errorf("Circles = %+v", got)
	}
}

func TestReleasedDisplayMetaIsEmptyAndRefusesAdds(t *testing.T) {
	b, err := NewBatchMeta(1)
	mustOK(t, err)
	f := b.AcquireFrameMeta()
	mustOK(t, b.AddFrame(f))
	d := b.AcquireDisplayMeta()
	mustOK(t, d.AddRect(RectParams{Width: 4}))
	mustOK(t, d.AddLabel(TextParams{DisplayText: "hi"}))
	d.MiscOSDData[0] = 1
	mustOK(t, f.AddDisplayMeta(d))
	mustOK(t, f.RemoveDisplayMeta(d))
	if err := d.AddRect(RectParams{}); !errors.Is(err, ErrReleased) {
		t.Errorf("AddRect on released meta = %v, want ErrReleased", err)
	}
	if err := f.RemoveDisplayMeta(d); !errors.Is(err, ErrNotAttached) {
		t.Errorf("second RemoveDisplayMeta = %v, want ErrNotAttached", err)
	}
	got := b.AcquireDisplayMeta()
	if got != d {
		t.Fatal("display meta not reused")
	}
	if got.NumRects() != 0 || got.NumLabels() != 0 || got.MiscOSDData != [MaxUserFields]int64{} || got.rects[0] != (RectParams{}) {
		t.Error("reused display meta is not empty")
	}
}

func TestBatchLevelDisplayMeta(t *testing.T) {
	b, err := NewBatchMeta(1)
	mustOK(t, err)
	d := b.AcquireDisplayMeta()
	mustOK(t, b.AddDisplayMeta(d))
	if err := b.AddDisplayMeta(d); !errors.Is(err, ErrNotAcquired) {
		t.Errorf("second AddDisplayMeta = %v, want ErrNotAcquired", err)
	}
	mustOK(t, b.RemoveDisplayMeta(d))
	if len(b.DisplayMetas) != 0 || b.AcquireDisplayMeta() != d {
		t.Error("RemoveDisplayMeta did not detach and recycle")
	}
}
