package meta

import (
	"fmt"
	"math"
)

// UntrackedObjectID is the ObjectID of an object no tracker has given an
// identity yet, DeepStream's UNTRACKED_OBJECT_ID. Acquired objects start
// with it, because 0 is a valid track id.
const UntrackedObjectID uint64 = math.MaxUint64

// ObjectMeta is one object found in a frame, DeepStream's NvDsObjectMeta: a
// detector's box and class, a tracker's identity, a mask, how the OSD
// should draw it, and the classifier and user metadata attached to it.
// Acquire one with BatchMeta.AcquireObjectMeta.
type ObjectMeta struct {
	// UniqueComponentID is the gie-unique-id of the element that made the
	// object, so that secondary classifiers can pick their inputs.
	UniqueComponentID int
	// ClassID is the detector's class index.
	ClassID int
	// ObjectID is the tracker's identity for the object, stable across
	// frames, or UntrackedObjectID.
	ObjectID uint64
	// Confidence is the detector's confidence in [0, 1], or -1 when the
	// detector (or clustering mode) gives none.
	Confidence float32
	// TrackerConfidence is the tracker's confidence in [0, 1].
	TrackerConfidence float32
	// RectParams is the box, in pipeline (streammux) coordinates, and how
	// the OSD draws it. Trackers overwrite it with their estimate.
	RectParams RectParams
	// DetectorBBoxInfo is the box as the detector output it.
	DetectorBBoxInfo BBoxInfo
	// TrackerBBoxInfo is the box as the tracker estimated it.
	TrackerBBoxInfo BBoxInfo
	// TextParams is the label the OSD draws next to the box.
	TextParams TextParams
	// MaskParams is the instance mask, if the detector made one. Fill it
	// with SetMask to reuse pooled memory.
	MaskParams MaskParams
	// ObjLabel is the class name (from the detector's labels file).
	ObjLabel string
	// ClassifierMetas are the results of secondary classifiers on this
	// object. Change the list only with AddClassifier and RemoveClassifier.
	ClassifierMetas []*ClassifierMeta
	// UserMetas are object-level user metadata, e.g. a secondary model's
	// raw tensor output. Change the list only with AddUserMeta and
	// RemoveUserMeta.
	UserMetas []*UserMeta
	// Parent is the object this one was found in (a licence plate's car),
	// an object of the same frame, or nil. Removing the parent from the
	// frame sets it to nil; a copy's Parent points into the copy.
	Parent *ObjectMeta
	// MiscObjInfo is free for elements' own use.
	MiscObjInfo [MaxUserFields]int64

	link
	frame   *FrameMeta // attached to, or nil
	maskBuf []float32  // pooled memory behind MaskParams.Data (see SetMask)
}

func (o *ObjectMeta) check() error {
	if o == nil {
		return ErrNilMeta
	}
	if o.state == stateFree {
		return ErrReleased
	}
	return nil
}

// reset makes o a fresh object, keeping its lists' capacity, its pooled
// mask memory and its batch.
func (o *ObjectMeta) reset() {
	*o = ObjectMeta{
		ObjectID:        UntrackedObjectID,
		ClassifierMetas: clearList(o.ClassifierMetas),
		UserMetas:       clearList(o.UserMetas),
		link:            o.link,
		maskBuf:         o.maskBuf,
	}
}

// Batch returns the batch o was acquired from, or nil when o is nil.
func (o *ObjectMeta) Batch() *BatchMeta {
	if o == nil {
		return nil
	}
	return o.batch
}

// Frame returns the frame o is attached to, or nil.
func (o *ObjectMeta) Frame() *FrameMeta {
	if o == nil {
		return nil
	}
	return o.frame
}

// IsTracked reports whether a tracker has given o an identity.
func (o *ObjectMeta) IsTracked() bool { return o != nil && o.ObjectID != UntrackedObjectID }

// AddClassifier attaches a classifier meta acquired from o's batch.
func (o *ObjectMeta) AddClassifier(c *ClassifierMeta) error {
	if err := o.check(); err != nil {
		return err
	}
	return attach(o.batch, &o.ClassifierMetas, c)
}

// RemoveClassifier detaches c and returns it, with its labels, to the free
// lists.
func (o *ObjectMeta) RemoveClassifier(c *ClassifierMeta) error {
	if err := o.check(); err != nil {
		return err
	}
	if err := detach(&o.ClassifierMetas, c); err != nil {
		return err
	}
	o.batch.releaseClassifier(c)
	return nil
}

// AddUserMeta attaches a user meta acquired from o's batch.
func (o *ObjectMeta) AddUserMeta(u *UserMeta) error {
	if err := o.check(); err != nil {
		return err
	}
	return attach(o.batch, &o.UserMetas, u)
}

// RemoveUserMeta detaches u, calls its ReleaseFunc and returns it to the
// free list.
func (o *ObjectMeta) RemoveUserMeta(u *UserMeta) error {
	if err := o.check(); err != nil {
		return err
	}
	if err := detach(&o.UserMetas, u); err != nil {
		return err
	}
	o.batch.releaseUser(u)
	return nil
}

// SetMask sets MaskParams to a zeroed width×height mask and returns its data
// for the caller to fill. The memory belongs to o and is reused when o is
// acquired again, so instance segmentation allocates nothing in steady
// state; do not keep the slice after o is removed or its batch released.
// (A Data slice set by hand is never reused.)
func (o *ObjectMeta) SetMask(width, height int, threshold float32) ([]float32, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if width < 1 || height < 1 || width > math.MaxInt32/height {
		return nil, fmt.Errorf("meta: mask size %dx%d: must be positive and fit in 2^31 elements", width, height)
	}
	n := width * height
	if cap(o.maskBuf) < n {
		o.maskBuf = make([]float32, n)
	}
	data := o.maskBuf[:n]
	clear(data)
	o.MaskParams = MaskParams{Data: data, Width: width, Height: height, Threshold: threshold}
	return data, nil
}

// copyFrom makes o, acquired from the copy's batch, a deep copy of src.
// Parent is left nil for FrameMeta.copyFrom to set.
func (o *ObjectMeta) copyFrom(src *ObjectMeta) {
	b := o.batch
	cls, users, mask := o.ClassifierMetas, o.UserMetas, o.maskBuf
	l, fr := o.link, o.frame
	*o = *src
	o.link, o.frame, o.maskBuf, o.Parent = l, fr, mask, nil
	if src.MaskParams.Data != nil {
		o.maskBuf = append(mask[:0], src.MaskParams.Data...)
		o.MaskParams.Data = o.maskBuf
	}
	o.ClassifierMetas = b.copyClassifiers(cls[:0], src.ClassifierMetas)
	o.UserMetas = b.copyUsers(users[:0], src.UserMetas)
}
