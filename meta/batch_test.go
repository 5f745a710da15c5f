package meta

import (
	"errors"
	"reflect"
	"testing"

	"github.com/dsgo/dsgo/pipeline"
)

func TestNewBatchMetaRejectsBadMaxFrames(t *testing.T) {
	for _, n := range []int{0, -1} {
		if _, err := NewBatchMeta(n); !errors.Is(err, ErrMaxFrames) {
			t.Errorf("NewBatchMeta(%d) error = %v, want ErrMaxFrames", n, err)
		}
		if _, err := NewPool().AcquireBatch(n); !errors.Is(err, ErrMaxFrames) {
			t.Errorf("AcquireBatch(%d) error = %v, want ErrMaxFrames", n, err)
		}
	}
	var p *Pool
	if _, err := p.AcquireBatch(1); !errors.Is(err, ErrNilMeta) {
		t.Errorf("nil Pool AcquireBatch error = %v, want ErrNilMeta", err)
	}
}

func TestPoolReusesReleasedBatch(t *testing.T) {
	p := NewPool()
	b, err := p.AcquireBatch(2)
	mustOK(t, err)
	fillBatch(t, b, 2, 3)
	b.ReleaseMeta()
	b2, err := p.AcquireBatch(4)
	mustOK(t, err)
	if b2 != b {
		t.Fatal("AcquireBatch after release returned a new batch, want the released one")
	}
	if b2.MaxFramesInBatch != 4 || b2.NumFramesInBatch() != 0 || len(b2.UserMetas) != 0 || len(b2.DisplayMetas) != 0 {
		t.Errorf("reused batch not reset: max=%d frames=%d users=%d displays=%d",
			b2.MaxFramesInBatch, b2.NumFramesInBatch(), len(b2.UserMetas), len(b2.DisplayMetas))
	}
}

func TestReleaseReturnsEveryPieceToFreeLists(t *testing.T) {
	b, err := NewBatchMeta(3)
	mustOK(t, err)
	fillBatch(t, b, 3, 4)
	b.ReleaseMeta()
	want := map[string][2]int{
		"frames":      {len(b.free.frames), 3},
		"objects":     {len(b.free.objects), 12},
		"classifiers": {len(b.free.classifiers), 12},
		"labels":      {len(b.free.labels), 12},
		"displays":    {len(b.free.displays), 4},
		"users":       {len(b.free.users), 12 + 3 + 1},
	}
	for name, got := range want {
		if got[0] != got[1] {
			t.Errorf("free %s = %d, want %d", name, got[0], got[1])
		}
	}
	if b.NumFramesInBatch() != 0 {
		t.Errorf("NumFramesInBatch after release = %d, want 0", b.NumFramesInBatch())
	}
}

func TestAcquireAfterReleaseReturnsSamePointers(t *testing.T) {
	b, err := NewBatchMeta(1)
	mustOK(t, err)
	f := b.AcquireFrameMeta()
	mustOK(t, b.AddFrame(f))
	o := b.AcquireObjectMeta()
	mustOK(t, f.AddObject(o))
	b.ReleaseMeta()
	if got := b.AcquireFrameMeta(); got != f {
		t.Error("AcquireFrameMeta did not reuse the released frame")
	}
	if got := b.AcquireObjectMeta(); got != o {
		t.Error("AcquireObjectMeta did not reuse the released object")
	}
}

func TestReleasedFrameComesBackZeroed(t *testing.T) {
	b, err := NewBatchMeta(2)
	mustOK(t, err)
	fillBatch(t, b, 1, 3)
	f := b.Frames[0]
	f.MiscFrameInfo[2] = 7
	f.NTPTimestamp, f.BufPTS = 99, 42
	b.ReleaseMeta()
	got := b.AcquireFrameMeta()
	if got != f {
		t.Fatal("frame not reused")
	}
	want := FrameMeta{link: link{batch: b, state: stateAcquired}}
	g := *got
	if len(g.Objects)+len(g.ClassifierMetas)+len(g.DisplayMetas)+len(g.UserMetas) != 0 {
		t.Fatalf("reused frame has children: %+v", g)
	}
	g.Objects, g.ClassifierMetas, g.DisplayMetas, g.UserMetas = nil, nil, nil, nil
	if !reflect.DeepEqual(g, want) {
		t.Errorf("reused frame = %+v, want zero fields", g)
	}
}

func TestAddFrameErrors(t *testing.T) {
	b, err := NewBatchMeta(1)
	mustOK(t, err)
	other, err := NewBatchMeta(1)
	mustOK(t, err)
	f := b.AcquireFrameMeta()
	mustOK(t, b.AddFrame(f))
	tests := []struct {
		name  string
		frame *FrameMeta
		want  error
	}{
		{"nil", nil, ErrNilMeta},
		{"again", f, ErrNotAcquired},
		{"from other batch", other.AcquireFrameMeta(), ErrOtherBatch},
		{"made by hand", &FrameMeta{}, ErrOtherBatch},
		{"past max frames", b.AcquireFrameMeta(), ErrBatchFull},
	}
	for _, tt := range tests {
		if err := b.AddFrame(tt.frame); !errors.Is(err, tt.want) {
			t.Errorf("AddFrame(%s) = %v, want %v", tt.name, err, tt.want)
		}
	}
	if b.NumFramesInBatch() != 1 {
		t.Errorf("NumFramesInBatch = %d after failed adds, want 1", b.NumFramesInBatch())
	}
}

func TestRemoveFrameReleasesItsContent(t *testing.T) {
	b, err := NewBatchMeta(2)
	mustOK(t, err)
	fillBatch(t, b, 2, 2)
	f0, f1 := b.Frames[0], b.Frames[1]
	mustOK(t, b.RemoveFrame(f0))
	if len(b.Frames) != 1 || b.Frames[0] != f1 {
		t.Fatalf("Frames after remove = %v, want [f1]", b.Frames)
	}
	if len(b.free.frames) != 1 || len(b.free.objects) != 2 || len(b.free.labels) != 2 {
		t.Errorf("free lists frames=%d objects=%d labels=%d, want 1, 2, 2",
			len(b.free.frames), len(b.free.objects), len(b.free.labels))
	}
	if err := b.RemoveFrame(f0); !errors.Is(err, ErrNotAttached) {
		t.Errorf("second RemoveFrame = %v, want ErrNotAttached", err)
	}
	if err := f0.AddObject(b.AcquireObjectMeta()); !errors.Is(err, ErrReleased) {
		t.Errorf("AddObject on removed frame = %v, want ErrReleased", err)
	}
}

func TestReleasedPooledBatchRefusesUse(t *testing.T) {
	p := NewPool()
	b, err := p.AcquireBatch(1)
	mustOK(t, err)
	b.ReleaseMeta()
	b.ReleaseMeta() // second release must not put it in the pool twice
	if n := len(p.free); n != 1 {
		t.Fatalf("pool holds %d batches after double release, want 1", n)
	}
	if b.AcquireFrameMeta() != nil || b.AcquireObjectMeta() != nil || b.AcquireUserMeta() != nil {
		t.Error("acquire from released batch returned a piece, want nil")
	}
	if err := b.AddFrame(nil); !errors.Is(err, ErrReleased) {
		t.Errorf("AddFrame on released batch = %v, want ErrReleased", err)
	}
	if b.Copy() != nil {
		t.Error("Copy of released batch is not nil")
	}
}

func TestNilBatchIsHarmless(t *testing.T) {
	var b *BatchMeta
	if b.AcquireFrameMeta() != nil || b.AcquireObjectMeta() != nil || b.AcquireClassifierMeta() != nil ||
		b.AcquireLabelInfo() != nil || b.AcquireDisplayMeta() != nil || b.AcquireUserMeta() != nil {
		t.Error("acquire from nil batch returned a piece")
	}
	if err := b.AddFrame(nil); !errors.Is(err, ErrNilMeta) {
		t.Errorf("nil AddFrame = %v", err)
	}
	if b.NumFramesInBatch() != 0 || b.Copy() != nil || b.CopyMeta() != nil {
		t.Error("nil batch reports content")
	}
	b.ReleaseMeta()
	ForEachFrame(b, func(*FrameMeta) bool { t.Error("visited a frame of nil batch"); return true })
	ForEachObject(b, func(*FrameMeta, *ObjectMeta) bool { t.Error("visited an object of nil batch"); return true })
}

func TestGetBatchMetaFindsAttachedBatch(t *testing.T) {
	if GetBatchMeta(nil) != nil {
		t.Error("GetBatchMeta(nil) != nil")
	}
	buf := pipeline.NewBuffer()
	if GetBatchMeta(buf) != nil {
		t.Error("GetBatchMeta of bare buffer != nil")
	}
	p := NewPool()
	b, err := p.AcquireBatch(1)
	mustOK(t, err)
	buf.AddMeta(b)
	if GetBatchMeta(buf) != b {
		t.Error("GetBatchMeta did not return the attached batch")
	}
	buf.Unref()
	if len(p.free) != 1 || p.free[0] != b {
		t.Error("freeing the buffer did not return the batch to its pool")
	}
}

func TestBufferCopyDeepCopiesBatch(t *testing.T) {
	p := NewPool()
	b, err := p.AcquireBatch(1)
	mustOK(t, err)
	fillBatch(t, b, 1, 1)
	buf := pipeline.NewBuffer()
	buf.AddMeta(b)
	buf.Ref()
	w := buf.MakeWritable() // shared, so this copies
	if w == buf {
		t.Fatal("MakeWritable did not copy a shared buffer")
	}
	wb := GetBatchMeta(w)
	if wb == nil || wb == b {
		t.Fatalf("copied buffer batch = %p, want a new batch (original %p)", wb, b)
	}
	wb.Frames[0].Objects[0].ClassID = 77
	if b.Frames[0].Objects[0].ClassID == 77 {
		t.Error("changing the writable copy changed the original")
	}
	w.Unref()
	buf.Unref()
	if len(p.free) != 2 {
		t.Errorf("pool holds %d batches after both buffers freed, want 2", len(p.free))
	}
}
