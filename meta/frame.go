package meta

import "github.com/dsgo/dsgo/pipeline"

// FrameMeta is the metadata of one frame in a batch, DeepStream's
// NvDsFrameMeta: where the frame came from, its size before and after
// streammux scaling, and the objects, classifications, drawings and user
// data attached to it. Acquire one with BatchMeta.AcquireFrameMeta.
type FrameMeta struct {
	// SourceID is the index of the streammux sink pad (the source) the
	// frame came from; DeepStream's pad_index and source_id, which
	// streammux sets alike.
	SourceID int
	// BatchID is the frame's index in the batch buffer, i.e. which
	// surface of the batch holds its pixels.
	BatchID int
	// FrameNum counts the frames of this source, from 0.
	FrameNum int
	// BufPTS is the presentation time of the source buffer the frame was
	// taken from.
	BufPTS pipeline.ClockTime
	// NTPTimestamp is the wall-clock capture time in nanoseconds since the
	// Unix epoch (from RTCP sender reports, or the system clock).
	NTPTimestamp uint64
	// SourceFrameWidth and SourceFrameHeight are the frame's size as
	// decoded, before streammux scaled it.
	SourceFrameWidth  int
	SourceFrameHeight int // see SourceFrameWidth
	// PipelineWidth and PipelineHeight are the frame's size in the batch
	// (streammux's width and height); box coordinates refer to them.
	PipelineWidth  int
	PipelineHeight int // see PipelineWidth
	// SurfaceIndex is the surface's index within a multi-surface frame.
	SurfaceIndex int
	// NumSurfacesPerFrame is the number of surfaces the frame spans.
	NumSurfacesPerFrame int
	// InferDone reports that a primary detector ran on this frame (it may
	// skip frames with its interval property); DeepStream's bInferDone.
	InferDone bool
	// Objects are the objects found in the frame. Read them freely; change
	// the list only with AddObject and RemoveObject.
	Objects []*ObjectMeta
	// ClassifierMetas classify the whole frame (e.g. a scene classifier).
	// Change the list only with AddClassifier and RemoveClassifier.
	ClassifierMetas []*ClassifierMeta
	// DisplayMetas are drawn on this frame. Change the list only with
	// AddDisplayMeta and RemoveDisplayMeta.
	DisplayMetas []*DisplayMeta
	// UserMetas are frame-level user metadata, e.g. a full-frame tensor
	// output. Change the list only with AddUserMeta and RemoveUserMeta.
	UserMetas []*UserMeta
	// MiscFrameInfo is free for elements' own use.
	MiscFrameInfo [MaxUserFields]int64

	link
}

func (f *FrameMeta) check() error {
	if f == nil {
		return ErrNilMeta
	}
	if f.state == stateFree {
		return ErrReleased
	}
	return nil
}

// reset zeroes f, keeping the capacity of its lists and its batch.
func (f *FrameMeta) reset() {
	*f = FrameMeta{
		Objects:         clearList(f.Objects),
		ClassifierMetas: clearList(f.ClassifierMetas),
		DisplayMetas:    clearList(f.DisplayMetas),
		UserMetas:       clearList(f.UserMetas),
		link:            f.link,
	}
}

// Batch returns the batch f was acquired from, or nil when f is nil.
func (f *FrameMeta) Batch() *BatchMeta {
	if f == nil {
		return nil
	}
	return f.batch
}

// NumObjMeta returns the number of objects in the frame.
func (f *FrameMeta) NumObjMeta() int {
	if f == nil {
		return 0
	}
	return len(f.Objects)
}

// AddObject appends an object acquired from f's batch.
func (f *FrameMeta) AddObject(o *ObjectMeta) error {
	if err := f.check(); err != nil {
		return err
	}
	if err := attach(f.batch, &f.Objects, o); err != nil {
		return err
	}
	o.frame = f
	return nil
}

// RemoveObject detaches o and returns it, with its classifier and user
// metas, to the free lists. Objects whose Parent was o get a nil Parent.
func (f *FrameMeta) RemoveObject(o *ObjectMeta) error {
	if err := f.check(); err != nil {
		return err
	}
	if err := detach(&f.Objects, o); err != nil {
		return err
	}
	for _, x := range f.Objects {
		if x.Parent == o {
			x.Parent = nil
		}
	}
	f.batch.releaseObject(o)
	return nil
}

// AddClassifier attaches a frame-level classifier meta acquired from f's
// batch.
func (f *FrameMeta) AddClassifier(c *ClassifierMeta) error {
	if err := f.check(); err != nil {
		return err
	}
	return attach(f.batch, &f.ClassifierMetas, c)
}

// RemoveClassifier detaches c and returns it, with its labels, to the free
// lists.
func (f *FrameMeta) RemoveClassifier(c *ClassifierMeta) error {
	if err := f.check(); err != nil {
		return err
	}
	if err := detach(&f.ClassifierMetas, c); err != nil {
		return err
	}
	f.batch.releaseClassifier(c)
	return nil
}

// AddDisplayMeta attaches a display meta acquired from f's batch, to be
// drawn on this frame.
func (f *FrameMeta) AddDisplayMeta(d *DisplayMeta) error {
	if err := f.check(); err != nil {
		return err
	}
	return attach(f.batch, &f.DisplayMetas, d)
}

// RemoveDisplayMeta detaches d and returns it to the free list.
func (f *FrameMeta) RemoveDisplayMeta(d *DisplayMeta) error {
	if err := f.check(); err != nil {
		return err
	}
	if err := detach(&f.DisplayMetas, d); err != nil {
		return err
	}
	f.batch.releaseDisplay(d)
	return nil
}

// AddUserMeta attaches a user meta acquired from f's batch.
func (f *FrameMeta) AddUserMeta(u *UserMeta) error {
	if err := f.check(); err != nil {
		return err
	}
	return attach(f.batch, &f.UserMetas, u)
}

// RemoveUserMeta detaches u, calls its ReleaseFunc and returns it to the
// free list.
func (f *FrameMeta) RemoveUserMeta(u *UserMeta) error {
	if err := f.check(); err != nil {
		return err
	}
	if err := detach(&f.UserMetas, u); err != nil {
		return err
	}
	f.batch.releaseUser(u)
	return nil
}

// copyFrom makes f, acquired from the copy's batch, a deep copy of src.
func (f *FrameMeta) copyFrom(src *FrameMeta) {
	b := f.batch
	objs, cls, disp, users := f.Objects, f.ClassifierMetas, f.DisplayMetas, f.UserMetas
	l := f.link
	*f = *src
	f.link = l
	f.Objects = objs[:0]
	for _, so := range src.Objects {
		o := b.AcquireObjectMeta()
		o.copyFrom(so)
		o.state = stateAttached
		o.frame = f
		f.Objects = append(f.Objects, o)
	}
	// Parent links point into the copy: find each parent's index in src.
	for i, so := range src.Objects {
		if so.Parent == nil {
			continue
		}
		for j, sp := range src.Objects {
			if sp == so.Parent {
				f.Objects[i].Parent = f.Objects[j]
				break
			}
		}
	}
	f.ClassifierMetas = b.copyClassifiers(cls[:0], src.ClassifierMetas)
	f.DisplayMetas = b.copyDisplays(disp[:0], src.DisplayMetas)
	f.UserMetas = b.copyUsers(users[:0], src.UserMetas)
}
