package meta

import "iter"

// ForEachFrame calls fn for each frame of batch, in order, until fn returns
// false. fn may remove the frame it is given (batch.RemoveFrame); the walk
// goes on with the next one. It does nothing when batch or fn is nil.
func ForEachFrame(batch *BatchMeta, fn func(*FrameMeta) bool) {
	if batch == nil || fn == nil {
		return
	}
	for i := 0; i < len(batch.Frames); {
		f := batch.Frames[i]
		if !fn(f) {
			return
		}
		if i < len(batch.Frames) && batch.Frames[i] == f {
			i++
		}
	}
}

// ForEachObject calls fn for each object of each frame of batch, in order,
// until fn returns false. fn may remove the object it is given
// (frame.RemoveObject), or its frame; the walk goes on with the next one.
// Objects fn adds are visited too. It does nothing when batch or fn is nil.
func ForEachObject(batch *BatchMeta, fn func(*FrameMeta, *ObjectMeta) bool) {
	if batch == nil || fn == nil {
		return
	}
	for fi := 0; fi < len(batch.Frames); {
		f := batch.Frames[fi]
		for i := 0; i < len(f.Objects); {
			o := f.Objects[i]
			if !fn(f, o) {
				return
			}
			if i < len(f.Objects) && f.Objects[i] == o {
				i++
			}
		}
		if fi < len(batch.Frames) && batch.Frames[fi] == f {
			fi++
		}
	}
}

// Frames returns an iterator over the frames of batch, for range loops:
//
//	for frame := range meta.Frames(batch) { ... }
//
// It follows ForEachFrame's rules.
func Frames(batch *BatchMeta) iter.Seq[*FrameMeta] {
	return func(yield func(*FrameMeta) bool) { ForEachFrame(batch, yield) }
}

// Objects returns an iterator over the objects of batch with their frames,
// for range loops:
//
//	for frame, obj := range meta.Objects(batch) { ... }
//
// It follows ForEachObject's rules.
func Objects(batch *BatchMeta) iter.Seq2[*FrameMeta, *ObjectMeta] {
	return func(yield func(*FrameMeta, *ObjectMeta) bool) { ForEachObject(batch, yield) }
}
