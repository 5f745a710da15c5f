package meta

import (
	"slices"
	"testing"
)

// visit lists source*10+class of the objects ForEachObject visits, removing
// those rm picks.
func visit(b *BatchMeta, rm func(*ObjectMeta) bool) []int {
	var got []int
	ForEachObject(b, func(f *FrameMeta, o *ObjectMeta) bool {
		got = append(got, f.SourceID*10+o.ClassID)
		if rm != nil && rm(o) {
			if err := f.RemoveObject(o); err != nil {
				panic(err)
			}
		}
		return true
	})
	return got
}

func batchWithClasses(t *testing.T, frames, objs int) *BatchMeta {
	t.Helper()
	b, err := NewBatchMeta(frames)
	mustOK(t, err)
	for i := range frames {
		f := b.AcquireFrameMeta()
		f.SourceID = i
		mustOK(t, b.AddFrame(f))
		for j := range objs {
			o := b.AcquireObjectMeta()
			o.ClassID = j
			mustOK(t, f.AddObject(o))
		}
	}
	return b
}

func TestForEachObjectVisitsAllInOrder(t *testing.T) {
	b := batchWithClasses(t, 2, 3)
	want := []int{0, 1, 2, 10, 11, 12}
	if got := visit(b, nil); !slices.Equal(got, want) {
		t.Errorf("visited %v, want %v", got, want)
	}
	var fromRange []int
	for f, o := range Objects(b) {
		fromRange = append(fromRange, f.SourceID*10+o.ClassID)
	}
	if !slices.Equal(fromRange, want) {
		t.Errorf("Objects range visited %v, want %v", fromRange, want)
	}
}

func TestForEachObjectSurvivesRemovingCurrent(t *testing.T) {
	b := batchWithClasses(t, 2, 4)
	got := visit(b, func(o *ObjectMeta) bool { return o.ClassID%2 == 0 })
	if want := []int{0, 1, 2, 3, 10, 11, 12, 13}; !slices.Equal(got, want) {
		t.Errorf("visited %v, want %v", got, want)
	}
	if left := visit(b, nil); !slices.Equal(left, []int{1, 3, 11, 13}) {
		t.Errorf("left after removal %v, want [1 3 11 13]", left)
	}
}

func TestForEachObjectSurvivesRemovingFrame(t *testing.T) {
	b := batchWithClasses(t, 3, 2)
	var got []int
	ForEachObject(b, func(f *FrameMeta, o *ObjectMeta) bool {
		got = append(got, f.SourceID*10+o.ClassID)
		if f.SourceID == 1 {
			mustOK(t, b.RemoveFrame(f))
		}
		return true
	})
	if want := []int{0, 1, 10, 20, 21}; !slices.Equal(got, want) {
		t.Errorf("visited %v, want %v", got, want)
	}
}

func TestForEachStopsWhenFnReturnsFalse(t *testing.T) {
	b := batchWithClasses(t, 3, 3)
	n := 0
	ForEachObject(b, func(*FrameMeta, *ObjectMeta) bool { n++; return n < 4 })
	if n != 4 {
		t.Errorf("ForEachObject made %d calls, want 4", n)
	}
	n = 0
	ForEachFrame(b, func(*FrameMeta) bool { n++; return false })
	if n != 1 {
		t.Errorf("ForEachFrame made %d calls, want 1", n)
	}
	n = 0
	for range Frames(b) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("Frames range made %d iterations, want 1", n)
	}
	ForEachFrame(b, nil) // must not panic
	ForEachObject(b, nil)
}

func TestForEachFrameSurvivesRemovingCurrent(t *testing.T) {
	b := batchWithClasses(t, 4, 0)
	var got []int
	ForEachFrame(b, func(f *FrameMeta) bool {
		got = append(got, f.SourceID)
		if f.SourceID < 2 {
			mustOK(t, b.RemoveFrame(f))
		}
		return true
	})
	if !slices.Equal(got, []int{0, 1, 2, 3}) || b.NumFramesInBatch() != 2 {
		t.Errorf("visited %v with %d frames left, want [0 1 2 3] and 2", got, b.NumFramesInBatch())
	}
}
