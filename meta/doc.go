// Package meta is dsgo's metadata model: what the pipeline knows about the
// frames it carries, modelled on DeepStream's NvDsBatchMeta and friends.
//
// Streammux attaches one [BatchMeta] to every batch buffer. The batch holds
// one [FrameMeta] per frame; detectors add an [ObjectMeta] per box;
// classifiers add a [ClassifierMeta] (with one [LabelInfo] per attribute)
// to an object or a frame; the OSD draws each [DisplayMeta]; and anything
// else travels as a [UserMeta]: a [MetaType] from a [Registry] plus a Go
// value such as a [TensorOutputMeta], a [SegmentationMeta] or an
// [EventMsgMeta].
//
//	BatchMeta
//	├── Frames []*FrameMeta
//	│   ├── Objects []*ObjectMeta
//	│   │   ├── ClassifierMetas []*ClassifierMeta ── Labels []*LabelInfo
//	│   │   └── UserMetas []*UserMeta
//	│   ├── ClassifierMetas, DisplayMetas, UserMetas
//	├── DisplayMetas []*DisplayMeta
//	└── UserMetas []*UserMeta
//
// # Pooling
//
// Every piece is recycled, so a pipeline in steady state allocates no
// metadata. A [Pool] (one per pipeline, safe for concurrent use) recycles
// whole batches; each batch keeps free lists of the frames, objects,
// classifiers, labels, display and user metas it has handed out. Acquire a
// piece from the batch it will live in (batch.AcquireObjectMeta), fill it,
// then attach it (frame.AddObject). Removing a piece, or releasing the
// batch (which the buffer does when it is freed), resets every piece below
// it and returns it to the batch's free lists; the batch itself goes back
// to its Pool. Pieces of one batch cannot be attached to another, so no
// piece is ever owned twice.
//
// # Ownership
//
// A BatchMeta belongs to the buffer that carries it. Whoever may write the
// buffer (see pipeline.Buffer.MakeWritable) may change its metadata; holders
// of a shared buffer only read it. A batch is therefore not locked: it is
// never changed by two goroutines at once. [BatchMeta.CopyMeta] makes a deep
// copy, so copy-on-write buffers never share a piece of metadata.
//
// # Probes
//
// A probe reads the batch with [GetBatchMeta], walks it with
// [ForEachFrame] and [ForEachObject] (or range over [Frames] and
// [Objects]) and reads typed payloads with [UserMetaData] and
// [FindUserMeta], never a hand-written type assertion.
//
// Methods never panic on bad input: a nil argument, a piece from another
// batch, a piece attached twice or a full display meta returns an error
// (see the Err variables), and acquire methods on a nil batch return nil.
package meta
