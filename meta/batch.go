package meta

import "github.com/dsgo/dsgo/pipeline"

// BatchMeta is the metadata of one batch buffer, DeepStream's NvDsBatchMeta:
// the frames streammux put in the batch and everything elements found in
// them. It also owns the free lists from which all its pieces are acquired
// and to which they return when removed or when the batch is released.
//
// A BatchMeta implements pipeline.Meta: streammux attaches it with
// Buffer.AddMeta, the buffer releases it when freed, and Buffer.Copy deep
// copies it. It is not safe for concurrent use; see the package doc for who
// may change it.
type BatchMeta struct {
	// MaxFramesInBatch is the most frames the batch may hold (streammux's
	// batch-size).
	MaxFramesInBatch int
	// Frames holds one FrameMeta per frame in the batch. Read it freely;
	// change it only with AddFrame and RemoveFrame.
	Frames []*FrameMeta
	// DisplayMetas are drawn on every frame of the batch. Change it only
	// with AddDisplayMeta and RemoveDisplayMeta.
	DisplayMetas []*DisplayMeta
	// UserMetas are batch-level user metadata. Change it only with
	// AddUserMeta and RemoveUserMeta.
	UserMetas []*UserMeta
	// MiscBatchInfo is free for elements' own use.
	MiscBatchInfo [MaxUserFields]int64

	pool     *Pool // nil for a batch made by NewBatchMeta
	released bool  // in pool's free list
	free     freeLists
}

var _ pipeline.Meta = (*BatchMeta)(nil)

// NewBatchMeta returns an empty batch for at most maxFrames frames, with its
// own free lists and no Pool. Releasing it empties it and keeps it usable,
// so an owner that creates batches one at a time can reuse one. Elements in
// a running pipeline should share a Pool instead.
func NewBatchMeta(maxFrames int) (*BatchMeta, error) {
	if maxFrames < 1 {
		return nil, ErrMaxFrames
	}
	return &BatchMeta{MaxFramesInBatch: maxFrames}, nil
}

// GetBatchMeta returns the BatchMeta attached to buf, or nil when buf is nil
// or carries none.
func GetBatchMeta(buf *pipeline.Buffer) *BatchMeta {
	if buf == nil {
		return nil
	}
	for _, m := range buf.Metas() {
		if b, ok := m.(*BatchMeta); ok && b != nil {
			return b
		}
	}
	return nil
}

// usable reports whether pieces may be acquired from b.
func (b *BatchMeta) usable() bool { return b != nil && !b.released }

func (b *BatchMeta) check() error {
	if b == nil {
		return ErrNilMeta
	}
	if b.released {
		return ErrReleased
	}
	return nil
}

// NumFramesInBatch returns the number of frames in the batch.
func (b *BatchMeta) NumFramesInBatch() int {
	if b == nil {
		return 0
	}
	return len(b.Frames)
}

// AcquireFrameMeta returns a reset frame from the batch's free list, to be
// filled and added with AddFrame. It returns nil when b is nil or released.
func (b *BatchMeta) AcquireFrameMeta() *FrameMeta {
	if !b.usable() {
		return nil
	}
	f := pop(&b.free.frames)
	if f == nil {
		f = &FrameMeta{link: link{batch: b}}
	}
	f.state = stateAcquired
	return f
}

// AcquireObjectMeta returns a reset object (ObjectID UntrackedObjectID, all
// else zero), to be added to a frame of b with FrameMeta.AddObject. It
// returns nil when b is nil or released.
func (b *BatchMeta) AcquireObjectMeta() *ObjectMeta {
	if !b.usable() {
		return nil
	}
	o := pop(&b.free.objects)
	if o == nil {
		o = &ObjectMeta{link: link{batch: b}}
		o.reset()
	}
	o.state = stateAcquired
	return o
}

// AcquireClassifierMeta returns a reset classifier meta, to be added to an
// object or frame of b. It returns nil when b is nil or released.
func (b *BatchMeta) AcquireClassifierMeta() *ClassifierMeta {
	if !b.usable() {
		return nil
	}
	c := pop(&b.free.classifiers)
	if c == nil {
		c = &ClassifierMeta{link: link{batch: b}}
	}
	c.state = stateAcquired
	return c
}

// AcquireLabelInfo returns a reset label, to be added to a classifier meta
// of b. It returns nil when b is nil or released.
func (b *BatchMeta) AcquireLabelInfo() *LabelInfo {
	if !b.usable() {
		return nil
	}
	l := pop(&b.free.labels)
	if l == nil {
		l = &LabelInfo{link: link{batch: b}}
	}
	l.state = stateAcquired
	return l
}

// AcquireDisplayMeta returns an empty display meta, to be added to b or to
// one of its frames. It returns nil when b is nil or released.
func (b *BatchMeta) AcquireDisplayMeta() *DisplayMeta {
	if !b.usable() {
		return nil
	}
	d := pop(&b.free.displays)
	if d == nil {
		d = &DisplayMeta{link: link{batch: b}}
	}
	d.state = stateAcquired
	return d
}

// AcquireUserMeta returns a reset user meta, to be given a Type and Data and
// added to b or to one of its frames or objects. It returns nil when b is
// nil or released.
func (b *BatchMeta) AcquireUserMeta() *UserMeta {
	if !b.usable() {
		return nil
	}
	u := pop(&b.free.users)
	if u == nil {
		u = &UserMeta{link: link{batch: b}}
	}
	u.state = stateAcquired
	return u
}

// AddFrame appends a frame acquired from b. It fails when the batch already
// holds MaxFramesInBatch frames.
func (b *BatchMeta) AddFrame(f *FrameMeta) error {
	if err := b.check(); err != nil {
		return err
	}
	if f != nil && f.batch == b && f.state == stateAcquired && len(b.Frames) >= b.MaxFramesInBatch {
		return ErrBatchFull
	}
	return attach(b, &b.Frames, f)
}

// RemoveFrame detaches f and returns it, with everything attached to it, to
// the free lists. The other frames keep their order and BatchID.
func (b *BatchMeta) RemoveFrame(f *FrameMeta) error {
	if err := b.check(); err != nil {
		return err
	}
	if err := detach(&b.Frames, f); err != nil {
		return err
	}
	b.releaseFrame(f)
	return nil
}

// AddDisplayMeta attaches a display meta acquired from b to the whole batch.
func (b *BatchMeta) AddDisplayMeta(d *DisplayMeta) error {
	if err := b.check(); err != nil {
		return err
	}
	return attach(b, &b.DisplayMetas, d)
}

// RemoveDisplayMeta detaches d from the batch and returns it to the free
// list.
func (b *BatchMeta) RemoveDisplayMeta(d *DisplayMeta) error {
	if err := b.check(); err != nil {
		return err
	}
	if err := detach(&b.DisplayMetas, d); err != nil {
		return err
	}
	b.releaseDisplay(d)
	return nil
}

// AddUserMeta attaches a user meta acquired from b to the batch.
func (b *BatchMeta) AddUserMeta(u *UserMeta) error {
	if err := b.check(); err != nil {
		return err
	}
	return attach(b, &b.UserMetas, u)
}

// RemoveUserMeta detaches u from the batch, calls its ReleaseFunc and
// returns it to the free list.
func (b *BatchMeta) RemoveUserMeta(u *UserMeta) error {
	if err := b.check(); err != nil {
		return err
	}
	if err := detach(&b.UserMetas, u); err != nil {
		return err
	}
	b.releaseUser(u)
	return nil
}

// Copy returns a deep copy of b: new frames, objects, classifiers, labels,
// display and user metas, with Parent links pointing into the copy. The
// copy comes from b's Pool, if it has one. User metas are copied as
// UserMeta describes. Copy returns nil when b is nil or released.
func (b *BatchMeta) Copy() *BatchMeta {
	if !b.usable() {
		return nil
	}
	var c *BatchMeta
	if b.pool != nil {
		c = b.pool.get(b.MaxFramesInBatch)
	} else {
		c = &BatchMeta{MaxFramesInBatch: b.MaxFramesInBatch}
	}
	c.MiscBatchInfo = b.MiscBatchInfo
	for _, f := range b.Frames {
		cf := c.AcquireFrameMeta()
		cf.copyFrom(f)
		cf.state = stateAttached
		c.Frames = append(c.Frames, cf)
	}
	c.DisplayMetas = c.copyDisplays(c.DisplayMetas, b.DisplayMetas)
	c.UserMetas = c.copyUsers(c.UserMetas, b.UserMetas)
	return c
}

// CopyFrame returns a new batch, from b's pool, holding a deep copy of one
// of b's frames and b's batch-level display and user metas: what a demuxer
// attaches to each per-source buffer. It returns nil when b is nil or
// released or f is not one of b's frames.
func (b *BatchMeta) CopyFrame(f *FrameMeta) *BatchMeta {
	if !b.usable() || f == nil || f.batch != b {
		return nil
	}
	var c *BatchMeta
	if b.pool != nil {
		c = b.pool.get(1)
	} else {
		c = &BatchMeta{MaxFramesInBatch: 1}
	}
	c.MiscBatchInfo = b.MiscBatchInfo
	cf := c.AcquireFrameMeta()
	cf.copyFrom(f)
	cf.state = stateAttached
	c.Frames = append(c.Frames, cf)
	c.DisplayMetas = c.copyDisplays(c.DisplayMetas, b.DisplayMetas)
	c.UserMetas = c.copyUsers(c.UserMetas, b.UserMetas)
	return c
}

// CopyMeta implements pipeline.Meta with Copy, so that a copied buffer
// carries metadata it may change without touching the original's.
func (b *BatchMeta) CopyMeta() pipeline.Meta {
	c := b.Copy()
	if c == nil {
		return nil
	}
	return c
}

// ReleaseMeta implements pipeline.Meta: it resets every piece of the batch
// into its free lists (calling each user meta's ReleaseFunc once) and
// returns the batch to its Pool. The batch must not be used afterwards,
// unless it was made by NewBatchMeta: then it is simply empty again.
// Releasing a pooled batch twice does nothing the second time.
func (b *BatchMeta) ReleaseMeta() {
	if !b.usable() {
		return
	}
	for _, f := range b.Frames {
		b.releaseFrame(f)
	}
	for _, d := range b.DisplayMetas {
		b.releaseDisplay(d)
	}
	for _, u := range b.UserMetas {
		b.releaseUser(u)
	}
	b.Frames = clearList(b.Frames)
	b.DisplayMetas = clearList(b.DisplayMetas)
	b.UserMetas = clearList(b.UserMetas)
	b.MiscBatchInfo = [MaxUserFields]int64{}
	if b.pool != nil {
		b.released = true
		b.pool.put(b)
	}
}

// The release methods reset a piece and everything below it and push them
// on the free lists. The caller has already detached the piece.

func (b *BatchMeta) releaseFrame(f *FrameMeta) {
	for _, o := range f.Objects {
		b.releaseObject(o)
	}
	for _, c := range f.ClassifierMetas {
		b.releaseClassifier(c)
	}
	for _, d := range f.DisplayMetas {
		b.releaseDisplay(d)
	}
	for _, u := range f.UserMetas {
		b.releaseUser(u)
	}
	f.reset()
	f.state = stateFree
	b.free.frames = append(b.free.frames, f)
}

func (b *BatchMeta) releaseObject(o *ObjectMeta) {
	for _, c := range o.ClassifierMetas {
		b.releaseClassifier(c)
	}
	for _, u := range o.UserMetas {
		b.releaseUser(u)
	}
	o.reset()
	o.state = stateFree
	b.free.objects = append(b.free.objects, o)
}

func (b *BatchMeta) releaseClassifier(c *ClassifierMeta) {
	for _, l := range c.Labels {
		b.releaseLabel(l)
	}
	c.reset()
	c.state = stateFree
	b.free.classifiers = append(b.free.classifiers, c)
}

func (b *BatchMeta) releaseLabel(l *LabelInfo) {
	*l = LabelInfo{link: link{batch: b}}
	b.free.labels = append(b.free.labels, l)
}

func (b *BatchMeta) releaseDisplay(d *DisplayMeta) {
	*d = DisplayMeta{link: link{batch: b}}
	b.free.displays = append(b.free.displays, d)
}

func (b *BatchMeta) releaseUser(u *UserMeta) {
	if release := u.ReleaseFunc; release != nil {
		u.ReleaseFunc = nil // never twice, even if release re-enters
		release(u.Data)
	}
	*u = UserMeta{link: link{batch: b}}
	b.free.users = append(b.free.users, u)
}

// The copy methods append to dst copies, acquired from b, of the pieces in
// src, and return dst.

func (b *BatchMeta) copyDisplays(dst, src []*DisplayMeta) []*DisplayMeta {
	for _, d := range src {
		n := b.AcquireDisplayMeta()
		n.copyFrom(d)
		n.state = stateAttached
		dst = append(dst, n)
	}
	return dst
}

func (b *BatchMeta) copyClassifiers(dst, src []*ClassifierMeta) []*ClassifierMeta {
	for _, s := range src {
		n := b.AcquireClassifierMeta()
		n.copyFrom(s)
		n.state = stateAttached
		dst = append(dst, n)
	}
	return dst
}

func (b *BatchMeta) copyUsers(dst, src []*UserMeta) []*UserMeta {
	for _, s := range src {
		n := b.AcquireUserMeta()
		if !n.copyFrom(s) {
			b.releaseUser(n)
			continue
		}
		n.state = stateAttached
		dst = append(dst, n)
	}
	return dst
}
