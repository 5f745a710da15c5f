package meta

import (
	"errors"
	"sync"
)

// Errors returned when metadata is used the wrong way. They are values so
// that callers can test for them with errors.Is and so that returning one
// never allocates.
var (
	// ErrNilMeta is returned when a method is given (or called on) nil.
	ErrNilMeta = errors.New("meta: nil metadata")
	// ErrOtherBatch is returned when a piece is attached to a batch (or to
	// a frame, object or classifier of a batch) it was not acquired from;
	// each batch recycles only its own pieces.
	ErrOtherBatch = errors.New("meta: metadata was not acquired from this batch")
	// ErrNotAcquired is returned when a piece that is already attached, or
	// was released, is attached again; a piece has at most one owner.
	ErrNotAcquired = errors.New("meta: metadata is already attached or was released")
	// ErrNotAttached is returned when a piece is removed from an owner it
	// is not attached to.
	ErrNotAttached = errors.New("meta: metadata is not attached here")
	// ErrReleased is returned when a piece or batch that was released (and
	// may already belong to someone else) is changed.
	ErrReleased = errors.New("meta: metadata was released")
	// ErrBatchFull is returned when a frame is added to a batch that holds
	// MaxFramesInBatch frames.
	ErrBatchFull = errors.New("meta: batch is full")
	// ErrDisplayMetaFull is returned when an element is added to a display
	// meta that holds MaxElementsInDisplayMeta elements of that kind.
	ErrDisplayMetaFull = errors.New("meta: display meta is full")
	// ErrMaxFrames is returned when a batch is asked for with a maximum of
	// less than one frame.
	ErrMaxFrames = errors.New("meta: max frames in batch must be at least 1")
	// ErrEmptyName is returned when a meta type is registered without a
	// name.
	ErrEmptyName = errors.New("meta: empty meta type name")
)

// MaxUserFields is the number of Misc*Info integers on a batch, frame or
// object, as DeepStream's MAX_USER_FIELDS: scratch space that elements may
// use without registering a user meta.
const MaxUserFields = 4

// Pool recycles batches, and with them all the metadata they hold, so that
// a pipeline in steady state allocates no metadata. Create one per pipeline
// (or per streammux) and share it: it is safe for concurrent use. The zero
// value is an empty pool ready to use.
//
// A pooled batch keeps every piece it has held in its own free lists, so
// memory settles at the peak number of live batches times the peak number
// of pieces per batch, and acquiring a piece never takes a lock.
type Pool struct {
	mu   sync.Mutex
	free []*BatchMeta
}

// NewPool returns an empty pool.
func NewPool() *Pool { return &Pool{} }

// AcquireBatch returns an empty batch for at most maxFrames frames. The
// batch comes from the pool when one is free and goes back to it when it is
// released (pipeline.Buffer releases it when it is freed).
func (p *Pool) AcquireBatch(maxFrames int) (*BatchMeta, error) {
	if p == nil {
		return nil, ErrNilMeta
	}
	if maxFrames < 1 {
		return nil, ErrMaxFrames
	}
	return p.get(maxFrames), nil
}

// get returns a batch without validating maxFrames; copies use it so that a
// batch whose MaxFramesInBatch a caller changed still copies.
func (p *Pool) get(maxFrames int) *BatchMeta {
	p.mu.Lock()
	b := pop(&p.free)
	p.mu.Unlock()
	if b == nil {
		b = &BatchMeta{pool: p}
	}
	b.released = false
	b.MaxFramesInBatch = maxFrames
	return b
}

func (p *Pool) put(b *BatchMeta) {
	p.mu.Lock()
	p.free = append(p.free, b)
	p.mu.Unlock()
}

// metaState says where a pooled piece is in its life.
type metaState uint8

const (
	stateFree     metaState = iota // in its batch's free list
	stateAcquired                  // handed out, not attached yet
	stateAttached                  // attached to a batch, frame, object or classifier
)

// link ties a pooled piece to the batch whose free lists own it. It is
// embedded in every pooled type.
type link struct {
	batch *BatchMeta
	state metaState
}

func (l *link) lnk() *link { return l }

// linked is a pointer to a pooled piece.
type linked interface {
	comparable
	lnk() *link
}

// freeLists hold a batch's released pieces, ready to be acquired again.
type freeLists struct {
	frames      []*FrameMeta
	objects     []*ObjectMeta
	classifiers []*ClassifierMeta
	labels      []*LabelInfo
	displays    []*DisplayMeta
	users       []*UserMeta
}

// pop takes the last element of a free list, or returns nil.
func pop[T any](free *[]*T) *T {
	s := *free
	n := len(s)
	if n == 0 {
		return nil
	}
	x := s[n-1]
	s[n-1] = nil
	*free = s[:n-1]
	return x
}

// attach appends x to list after checking that x came from batch b and is
// not owned yet.
func attach[P linked](b *BatchMeta, list *[]P, x P) error {
	var zero P
	if x == zero {
		return ErrNilMeta
	}
	l := x.lnk()
	if l.batch != b {
		return ErrOtherBatch
	}
	if l.state != stateAcquired {
		return ErrNotAcquired
	}
	l.state = stateAttached
	*list = append(*list, x)
	return nil
}

// detach removes x from list, keeping the order of the others. It fails
// when x is nil or not in the list.
func detach[P linked](list *[]P, x P) error {
	var zero P
	if x == zero {
		return ErrNilMeta
	}
	s := *list
	for i, y := range s {
		if y == x {
			copy(s[i:], s[i+1:])
			s[len(s)-1] = zero
			*list = s[:len(s)-1]
			return nil
		}
	}
	return ErrNotAttached
}

// clearList zeroes a list's elements (so the pieces they point to are not
// kept alive through it) and returns it empty with its capacity kept.
func clearList[P any](s []P) []P {
	clear(s)
	return s[:0]
}
