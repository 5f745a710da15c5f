package meta

import (
	"errors"
	"reflect"
	"testing"
)

func newFrame(t *testing.T, maxFrames int) (*BatchMeta, *FrameMeta) {
	t.Helper()
	b, err := NewBatchMeta(maxFrames)
	mustOK(t, err)
	f := b.AcquireFrameMeta()
	mustOK(t, b.AddFrame(f))
	return b, f
}

func TestAcquiredObjectIsUntrackedAndZero(t *testing.T) {
	b, _ := newFrame(t, 1)
	o := b.AcquireObjectMeta()
	if o.ObjectID != UntrackedObjectID || o.IsTracked() {
		t.Errorf("fresh ObjectID = %d, want UntrackedObjectID", o.ObjectID)
	}
	if o.Batch() != b || o.Frame() != nil {
		t.Error("fresh object has wrong batch or a frame")
	}
}

func TestReleaseResetsObjectFields(t *testing.T) {
	b, f := newFrame(t, 1)
	o := b.AcquireObjectMeta()
	*o = ObjectMeta{
		UniqueComponentID: 1, ClassID: 2, ObjectID: 3, Confidence: 0.4, TrackerConfidence: 0.5,
		RectParams:       RectParams{Left: 1, Top: 2, Width: 3, Height: 4, BorderWidth: 5, HasBgColor: true},
		DetectorBBoxInfo: BBoxInfo{BBoxCoords{1, 2, 3, 4}},
		TrackerBBoxInfo:  BBoxInfo{BBoxCoords{5, 6, 7, 8}},
		TextParams:       TextParams{DisplayText: "x", XOffset: 3, SetBgColor: true},
		ObjLabel:         "person",
		MiscObjInfo:      [MaxUserFields]int64{1, 2, 3, 4},
		link:             o.link,
	}
	_, err := o.SetMask(4, 2, 0.5)
	mustOK(t, err)
	o.Parent = o
	mustOK(t, f.AddObject(o))
	mustOK(t, f.RemoveObject(o))

	got := b.AcquireObjectMeta()
	if got != o {
		t.Fatal("RemoveObject did not return the object to the pool")
	}
	if len(got.ClassifierMetas) != 0 || len(got.UserMetas) != 0 {
		t.Fatalf("reused object has children")
	}
	g := *got
	g.ClassifierMetas, g.UserMetas, g.maskBuf = nil, nil, nil
	want := ObjectMeta{ObjectID: UntrackedObjectID, link: link{batch: b, state: stateAcquired}}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("reused object = %+v\nwant %+v", g, want)
	}
}

func TestRemoveObjectReleasesClassifiersAndUserMetas(t *testing.T) {
	b, f := newFrame(t, 1)
	rel := released{}
	o := b.AcquireObjectMeta()
	mustOK(t, f.AddObject(o))
	c := b.AcquireClassifierMeta()
	l := b.AcquireLabelInfo()
	mustOK(t, c.AddLabel(l))
	mustOK(t, o.AddClassifier(c))
	u := b.AcquireUserMeta()
	payload := new(int)
	u.Data, u.ReleaseFunc = payload, rel.fn
	mustOK(t, o.AddUserMeta(u))

	mustOK(t, f.RemoveObject(o))
	if f.NumObjMeta() != 0 {
		t.Errorf("NumObjMeta = %d after remove, want 0", f.NumObjMeta())
	}
	if rel[payload] != 1 {
		t.Errorf("ReleaseFunc called %d times, want 1", rel[payload])
	}
	if b.AcquireClassifierMeta() != c || b.AcquireLabelInfo() != l || b.AcquireUserMeta() != u {
		t.Error("removed object's classifier, label or user meta not back in the pool")
	}
	b.ReleaseMeta()
	if rel[payload] != 1 {
		t.Errorf("ReleaseFunc called %d times after batch release, want 1", rel[payload])
	}
}

func TestRemoveObjectKeepsOrderAndClearsChildrensParent(t *testing.T) {
	b, f := newFrame(t, 1)
	objs := make([]*ObjectMeta, 4)
	for i := range objs {
		objs[i] = b.AcquireObjectMeta()
		objs[i].ClassID = i
		mustOK(t, f.AddObject(objs[i]))
	}
	objs[2].Parent = objs[1]
	objs[3].Parent = objs[0]
	mustOK(t, f.RemoveObject(objs[1]))
	want := []*ObjectMeta{objs[0], objs[2], objs[3]}
	if !reflect.DeepEqual(f.Objects, want) {
		t.Errorf("Objects after removing #1 = %v, want %v", f.Objects, want)
	}
	if objs[2].Parent != nil {
		t.Error("child of removed object still points at it")
	}
	if objs[3].Parent != objs[0] {
		t.Error("unrelated Parent link was changed")
	}
}

func TestObjectAttachErrors(t *testing.T) {
	b, f := newFrame(t, 1)
	other, f2 := newFrame(t, 1)
	attached := b.AcquireObjectMeta()
	mustOK(t, f.AddObject(attached))
	removed := b.AcquireObjectMeta()
	mustOK(t, f.AddObject(removed))
	mustOK(t, f.RemoveObject(removed))
	// Check the released object before any acquire takes it from the pool.
	addReleased := f.AddObject(removed)
	classifyReleased := removed.AddClassifier(b.AcquireClassifierMeta())
	var nilFrame *FrameMeta

	tests := []struct {
		name string
		err  error
		want error
	}{
		{"add nil", f.AddObject(nil), ErrNilMeta},
		{"add to nil frame", nilFrame.AddObject(b.AcquireObjectMeta()), ErrNilMeta},
		{"add twice", f.AddObject(attached), ErrNotAcquired},
		{"add to other frame", f2.AddObject(attached), ErrOtherBatch},
		{"add from other batch", f.AddObject(other.AcquireObjectMeta()), ErrOtherBatch},
		{"add released", addReleased, ErrNotAcquired},
		{"remove nil", f.RemoveObject(nil), ErrNilMeta},
		{"remove not attached", f.RemoveObject(b.AcquireObjectMeta()), ErrNotAttached},
		{"remove from wrong frame", f2.RemoveObject(attached), ErrNotAttached},
		{"classifier nil", attached.AddClassifier(nil), ErrNilMeta},
		{"classifier other batch", attached.AddClassifier(other.AcquireClassifierMeta()), ErrOtherBatch},
		{"classifier on released object", classifyReleased, ErrReleased},
		{"user meta other batch", attached.AddUserMeta(other.AcquireUserMeta()), ErrOtherBatch},
		{"remove user meta not attached", attached.RemoveUserMeta(b.AcquireUserMeta()), ErrNotAttached},
		{"label nil", b.AcquireClassifierMeta().AddLabel(nil), ErrNilMeta},
		{"label other batch", b.AcquireClassifierMeta().AddLabel(other.AcquireLabelInfo()), ErrOtherBatch},
		{"display meta nil", f.AddDisplayMeta(nil), ErrNilMeta},
		{"frame classifier other batch", f.AddClassifier(other.AcquireClassifierMeta()), ErrOtherBatch},
	}
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: error = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	if f.NumObjMeta() != 1 {
		t.Errorf("NumObjMeta = %d after failed adds, want 1", f.NumObjMeta())
	}
}

func TestClassifierAndLabelRemoval(t *testing.T) {
	b, f := newFrame(t, 1)
	c := b.AcquireClassifierMeta()
	l1, l2 := b.AcquireLabelInfo(), b.AcquireLabelInfo()
	mustOK(t, c.AddLabel(l1))
	mustOK(t, c.AddLabel(l2))
	mustOK(t, f.AddClassifier(c))
	mustOK(t, c.RemoveLabel(l1))
	if c.NumLabels() != 1 || c.Labels[0] != l2 {
		t.Errorf("labels after remove = %v, want [l2]", c.Labels)
	}
	mustOK(t, f.RemoveClassifier(c))
	if len(f.ClassifierMetas) != 0 {
		t.Error("frame still has the classifier")
	}
	if len(b.free.labels) != 2 || len(b.free.classifiers) != 1 {
		t.Errorf("free labels=%d classifiers=%d, want 2, 1", len(b.free.labels), len(b.free.classifiers))
	}
}

func TestSetMaskReusesMemory(t *testing.T) {
	b, f := newFrame(t, 1)
	o := b.AcquireObjectMeta()
	data, err := o.SetMask(8, 4, 0.3)
	mustOK(t, err)
	if len(data) != 32 || o.MaskParams.Width != 8 || o.MaskParams.Height != 4 || o.MaskParams.Threshold != 0.3 {
		t.Fatalf("SetMask gave len %d params %+v", len(data), o.MaskParams)
	}
	data[5] = 1
	mustOK(t, f.AddObject(o))
	mustOK(t, f.RemoveObject(o))
	o = b.AcquireObjectMeta()
	if o.MaskParams.Data != nil {
		t.Error("reused object has mask data before SetMask")
	}
	data2, err := o.SetMask(4, 4, 0.5)
	mustOK(t, err)
	if &data2[0] != &data[0] {
		t.Error("SetMask did not reuse the object's mask memory")
	}
	if data2[5] != 0 {
		t.Error("SetMask did not zero the reused memory")
	}
	for _, size := range [][2]int{{0, 4}, {4, -1}, {1 << 20, 1 << 20}} {
		if _, err := o.SetMask(size[0], size[1], 0); err == nil {
			t.Errorf("SetMask(%d, %d) succeeded, want error", size[0], size[1])
		}
	}
}
