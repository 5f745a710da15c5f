package infer

import (
	"github.com/dsgo/dsgo/infer/parsers"
	"github.com/dsgo/dsgo/meta"
)

// classCache keeps a secondary classifier's results per tracked object, so
// that an object seen again is labelled without running the model (nvinfer
// classifies a tracked object once, and again every
// secondary-reinfer-interval frames when that is set). Untracked objects
// are always inferred. Entries of objects not seen for a while are dropped.
type classCache struct {
	entries map[uint64]*cached
}

type cached struct {
	attrs    []parsers.Attribute
	inferred int64 // batch number of the inference
	seen     int64 // batch number it was last seen in
}

// forgetAfter is how many batches an object may be missing before its
// entry goes.
const forgetAfter = 300

// lookup returns the cached result of a tracked object if it is still
// valid at batch now.
func (c *classCache) lookup(obj *meta.ObjectMeta, now int64, reinfer int) (*cached, bool) {
	if obj.ObjectID == meta.UntrackedObjectID || c.entries == nil {
		return nil, false
	}
	e, ok := c.entries[obj.ObjectID]
	if !ok || (reinfer > 0 && now-e.inferred >= int64(reinfer)) {
		return nil, false
	}
	e.seen = now
	return e, true
}

// store records a tracked object's result.
func (c *classCache) store(obj *meta.ObjectMeta, attrs []parsers.Attribute, now int64) {
	if obj.ObjectID == meta.UntrackedObjectID {
		return
	}
	if c.entries == nil {
		c.entries = map[uint64]*cached{}
	}
	e := c.entries[obj.ObjectID]
	if e == nil {
		e = &cached{}
		c.entries[obj.ObjectID] = e
	}
	e.attrs = append(e.attrs[:0], attrs...)
	e.inferred, e.seen = now, now
}

// expire drops the entries of objects gone for forgetAfter batches.
func (c *classCache) expire(now int64) {
	for id, e := range c.entries {
		if now-e.seen > forgetAfter {
			delete(c.entries, id)
		}
	}
}
