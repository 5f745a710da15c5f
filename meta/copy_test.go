package meta

import (
	"testing"
)

func TestCopyIsIndependentOfOriginal(t *testing.T) {
	b, err := NewBatchMeta(2)
	mustOK(t, err)
	fillBatch(t, b, 2, 3)
	_, err = b.Frames[0].Objects[0].SetMask(2, 2, 0.5)
	mustOK(t, err)
	b.Frames[0].Objects[0].MaskParams.Data[0] = 0.25

	c := b.Copy()
	if c == nil || c == b {
		t.Fatal("Copy returned nil or the original")
	}
	if c.NumFramesInBatch() != 2 || c.Frames[1].NumObjMeta() != 3 || c.MaxFramesInBatch != 2 {
		t.Fatalf("copy has %d frames, %d objects", c.NumFramesInBatch(), c.Frames[1].NumObjMeta())
	}
	co, o := c.Frames[0].Objects[0], b.Frames[0].Objects[0]
	if co == o || co.ClassifierMetas[0] == o.ClassifierMetas[0] || co.ClassifierMetas[0].Labels[0] == o.ClassifierMetas[0].Labels[0] {
		t.Fatal("copy shares pieces with the original")
	}
	if co.Frame() != c.Frames[0] || co.Batch() != c {
		t.Error("copied object does not belong to the copy")
	}
	if co.MaskParams.Data[0] != 0.25 || co.ObjLabel != "car" || co.ClassifierMetas[0].Labels[0].ResultLabel != "red" {
		t.Error("copy lost values")
	}

	// Change every level of the copy; the original must not move.
	c.Frames[0].FrameNum = -1
	co.ClassID = 99
	co.RectParams.Left = -5
	co.MaskParams.Data[0] = 9
	co.ClassifierMetas[0].Labels[0].ResultLabel = "blue"
	co.ClassifierMetas[0].ClassifierType = "make"
	c.Frames[0].DisplayMetas[0].Rects()[0].Left = 77
	mustOK(t, c.Frames[1].RemoveObject(c.Frames[1].Objects[0]))
	c.MiscBatchInfo[0] = 5

	if b.Frames[0].FrameNum != 100 || o.ClassID != 0 || o.RectParams.Left != 0 || o.MaskParams.Data[0] != 0.25 {
		t.Error("changing the copy's frame or object changed the original")
	}
	if o.ClassifierMetas[0].Labels[0].ResultLabel != "red" || o.ClassifierMetas[0].ClassifierType != "color" {
		t.Error("changing the copy's classifier changed the original")
	}
	if b.Frames[0].DisplayMetas[0].Rects()[0].Left != 1 {
		t.Error("changing the copy's display meta changed the original")
	}
	if b.Frames[1].NumObjMeta() != 3 || b.MiscBatchInfo[0] != 0 {
		t.Error("removing from the copy changed the original")
	}
	c.ReleaseMeta()
	if b.Frames[0].Objects[0].ObjLabel != "car" {
		t.Error("releasing the copy reset the original")
	}
}

func TestCopyRemapsParentIntoCopy(t *testing.T) {
	b, err := NewBatchMeta(1)
	mustOK(t, err)
	fillBatch(t, b, 1, 3) // object 1's parent is object 0
	c := b.Copy()
	if got, want := c.Frames[0].Objects[1].Parent, c.Frames[0].Objects[0]; got != want {
		t.Errorf("copied Parent = %p, want copy's object 0 %p (original %p)", got, want, b.Frames[0].Objects[0])
	}
	if c.Frames[0].Objects[0].Parent != nil {
		t.Error("copied object without parent got one")
	}
}

func TestCopyOfPooledBatchComesFromPool(t *testing.T) {
	p := NewPool()
	b, err := p.AcquireBatch(1)
	mustOK(t, err)
	spare, err := p.AcquireBatch(1)
	mustOK(t, err)
	spare.ReleaseMeta()
	if c := b.Copy(); c != spare {
		t.Error("Copy of a pooled batch did not reuse the pool's free batch")
	}
}

func TestCopyUserMetaRules(t *testing.T) {
	type plain struct{ n int }
	tests := []struct {
		name         string
		meta         func(rel released, copies *int) (data any, copyFn func(any) any, releaseFn func(any))
		wantCopy     bool
		wantShare    bool
		wantReleased int // distinct payloads ReleaseFunc sees
	}{
		{"CopyFunc copies", func(rel released, copies *int) (any, func(any) any, func(any)) {
			return &plain{1}, func(d any) any { *copies++; p := *d.(*plain); return &p }, rel.fn
		}, true, false, 2},
		{"DataCopier copies", func(rel released, _ *int) (any, func(any) any, func(any)) {
			return &SegmentationMeta{ClassMap: []int32{1}}, nil, rel.fn
		}, true, false, 2},
		{"no funcs shares", func(released, *int) (any, func(any) any, func(any)) {
			return &plain{2}, nil, nil
		}, true, true, 0},
		{"ReleaseFunc without copy is dropped", func(rel released, _ *int) (any, func(any) any, func(any)) {
			return &plain{3}, nil, rel.fn
		}, false, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rel, copies := released{}, 0
			b, err := NewBatchMeta(1)
			mustOK(t, err)
			u := b.AcquireUserMeta()
			u.Type = FirstUserMetaType
			u.Data, u.CopyFunc, u.ReleaseFunc = tt.meta(rel, &copies)
			mustOK(t, b.AddUserMeta(u))

			c := b.Copy()
			if got := len(c.UserMetas) == 1; got != tt.wantCopy {
				t.Fatalf("copied = %v, want %v", got, tt.wantCopy)
			}
			if u.CopyFunc != nil && copies != 1 {
				t.Errorf("CopyFunc called %d times, want 1", copies)
			}
			if tt.wantCopy {
				if shared := c.UserMetas[0].Data == u.Data; shared != tt.wantShare {
					t.Errorf("Data shared = %v, want %v", shared, tt.wantShare)
				}
			}
			c.ReleaseMeta()
			b.ReleaseMeta()
			for data, n := range rel {
				if n != 1 {
					t.Errorf("ReleaseFunc called %d times for %v, want 1", n, data)
				}
			}
			if len(rel) != tt.wantReleased {
				t.Errorf("ReleaseFunc saw %d payloads, want %d", len(rel), tt.wantReleased)
			}
		})
	}
}

func TestCopyFrameHoldsOneIndependentFrame(t *testing.T) {
	pool := NewPool()
	b, err := pool.AcquireBatch(2)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		f := b.AcquireFrameMeta()
		f.SourceID = i
		o := b.AcquireObjectMeta()
		o.ObjLabel = "car"
		if err := f.AddObject(o); err != nil {
			t.Fatal(err)
		}
		if err := b.AddFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	c := b.CopyFrame(b.Frames[1])
	if c == nil || len(c.Frames) != 1 || c.Frames[0].SourceID != 1 || len(c.Frames[0].Objects) != 1 {
		t.Fatalf("copy %+v", c)
	}
	c.Frames[0].Objects[0].ObjLabel = "bus"
	if b.Frames[1].Objects[0].ObjLabel != "car" {
		t.Fatal("changing the copy changed the original")
	}
	if b.CopyFrame(c.Frames[0]) != nil {
		t.Fatal("CopyFrame accepted another batch's frame")
	}
	c.ReleaseMeta()
	b.ReleaseMeta()
}
