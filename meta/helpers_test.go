package meta

import "testing"

// mustOK fails the test at once on an unexpected error.
func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// released counts calls of a user meta's ReleaseFunc per payload.
type released map[any]int

func (r released) fn(data any) { r[data]++ }

// fillBatch puts frames frames of objs objects each in b, with every kind
// of metadata attached: a classifier with a label and a user meta per
// object, the second object a child of the first, a display meta and a
// user meta per frame, and a display and a user meta on the batch.
func fillBatch(t testing.TB, b *BatchMeta, frames, objs int) {
	t.Helper()
	for i := range frames {
		f := b.AcquireFrameMeta()
		f.SourceID, f.BatchID, f.FrameNum = i, i, 100+i
		f.PipelineWidth, f.PipelineHeight = 1280, 720
		f.InferDone = true
		mustOK(t, b.AddFrame(f))
		for j := range objs {
			o := b.AcquireObjectMeta()
			o.ClassID, o.ObjectID, o.Confidence = j%4, uint64(i*1000+j), 0.5
			o.ObjLabel = "car"
			o.RectParams = RectParams{Left: float32(j), Top: 2, Width: 30, Height: 40, BorderWidth: 2}
			o.TextParams.DisplayText = "car"
			if j == 1 {
				o.Parent = f.Objects[0]
			}
			mustOK(t, f.AddObject(o))
			c := b.AcquireClassifierMeta()
			c.UniqueComponentID, c.ClassifierType = 2, "color"
			l := b.AcquireLabelInfo()
			l.ResultLabel, l.ResultClassID, l.ResultProb, l.NumClasses = "red", 3, 0.9, 12
			mustOK(t, c.AddLabel(l))
			mustOK(t, o.AddClassifier(c))
			u := b.AcquireUserMeta()
			u.Type = FirstUserMetaType
			u.Data = &[]int{j}
			mustOK(t, o.AddUserMeta(u))
		}
		d := b.AcquireDisplayMeta()
		mustOK(t, d.AddRect(RectParams{Left: 1, Width: 2, Height: 3}))
		mustOK(t, d.AddLabel(TextParams{DisplayText: "frame"}))
		mustOK(t, f.AddDisplayMeta(d))
		u := b.AcquireUserMeta()
		u.Type, u.Data = MetaTypeSegmentation, &SegmentationMeta{Classes: 2, Width: 2, Height: 1, ClassMap: []int32{0, 1}}
		mustOK(t, f.AddUserMeta(u))
	}
	d := b.AcquireDisplayMeta()
	mustOK(t, d.AddLine(LineParams{X2: 10, Y2: 10, Width: 1}))
	mustOK(t, b.AddDisplayMeta(d))
	u := b.AcquireUserMeta()
	u.Type, u.Data = MetaTypeTensorOutput, &TensorOutputMeta{UniqueID: 1}
	mustOK(t, b.AddUserMeta(u))
}
