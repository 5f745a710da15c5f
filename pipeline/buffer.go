package pipeline

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ClockTime is a time in nanoseconds on a stream's timeline. NoTime marks an
// unset PTS, DTS or duration, as GST_CLOCK_TIME_NONE does.
type ClockTime = time.Duration

// NoTime is the value of an unset timestamp or duration.
const NoTime ClockTime = -1

// BufferFlags describe properties of a buffer's content.
type BufferFlags uint32

// Buffer flags, following GstBufferFlags.
const (
	// BufferFlagDiscont marks the first buffer after a gap or a flush.
	BufferFlagDiscont BufferFlags = 1 << iota
	// BufferFlagDeltaUnit marks a frame that cannot be decoded on its own.
	BufferFlagDeltaUnit
	// BufferFlagGap marks a buffer that carries no real data, only time.
	BufferFlagGap
	// BufferFlagDroppable marks a buffer that may be dropped under load.
	BufferFlagDroppable
	// BufferFlagLive marks a buffer produced by a live source.
	BufferFlagLive
)

// MemoryType says where a memory block lives.
type MemoryType uint8

const (
	// MemoryHost is ordinary system memory, readable through Memory.Data.
	MemoryHost MemoryType = iota
	// MemoryCUDA is device memory, addressed through Memory.DevPtr.
	MemoryCUDA
	// MemoryCUDAPinned is page-locked host memory visible to the GPU.
	MemoryCUDAPinned
)

// String returns the caps feature name of the memory type.
func (t MemoryType) String() string {
	switch t {
	case MemoryHost:
		return "memory:SystemMemory"
	case MemoryCUDA:
		return CapsFeatureCUDA
	case MemoryCUDAPinned:
		return "memory:CUDAPinned"
	}
	return fmt.Sprintf("memory:unknown(%d)", uint8(t))
}

// MemoryReleaser gives memory back to whoever allocated it (a CUDA pool, a
// GStreamer sample, a mapped file) when the buffer holding it is freed.
type MemoryReleaser interface {
	ReleaseMemory(m *Memory)
}

// Memory is one block of a buffer's payload. Host memory is a byte slice;
// device memory is an opaque pointer that only GPU code dereferences.
type Memory struct {
	Type   MemoryType
	Data   []byte  // host bytes; nil for MemoryCUDA
	DevPtr uintptr // device address for MemoryCUDA
	Size   int     // bytes in use
	// Releaser, if set, is called when the buffer is freed or the memory
	// is removed. Memory without a releaser is left to the garbage collector.
	Releaser MemoryReleaser
}

// Meta is metadata attached to a buffer: a batch's BatchMeta, a tensor, a
// user's own value. The engine knows nothing of its content; it only copies
// and releases it with the buffer.
type Meta interface {
	// CopyMeta returns an independent copy to attach to a copy of the
	// buffer, or nil if the metadata must not travel with copies.
	CopyMeta() Meta
	// ReleaseMeta is called exactly once, when the buffer carrying the
	// metadata is freed or the metadata is removed from it. Pooled metadata
	// returns itself to its pool here.
	ReleaseMeta()
}

// Buffer is the unit of data that flows between elements: timestamps, flags,
// zero or more memory blocks and attached metadata. Buffers are reference
// counted: whoever holds a buffer owns one reference and gives it away by
// pushing it or drops it with Unref. A buffer whose count reaches zero goes
// back to its pool, so steady-state streaming allocates nothing.
type Buffer struct {
	refs atomic.Int32

	PTS      ClockTime
	DTS      ClockTime
	Duration ClockTime
	// Offset is a media-specific position, e.g. a frame number.
	Offset uint64
	Flags  BufferFlags

	mems     []Memory
	metas    []Meta
	pool     *BufferPool
	poolData []byte // a pooled buffer's own memory, re-attached on Acquire
}

// NewBuffer returns a buffer with one reference, no memory and no pool.
func NewBuffer() *Buffer {
	b := &Buffer{}
	b.reset()
	b.refs.Store(1)
	return b
}

// NewBufferData returns a buffer wrapping data as one host memory block.
func NewBufferData(data []byte) *Buffer {
	b := NewBuffer()
	b.AppendMemory(Memory{Type: MemoryHost, Data: data, Size: len(data)})
	return b
}

func (b *Buffer) reset() {
	b.PTS, b.DTS, b.Duration = NoTime, NoTime, NoTime
	b.Offset = 0
	b.Flags = 0
}

// Ref adds a reference and returns b, for handing the same buffer to several
// consumers (as a tee does).
func (b *Buffer) Ref() *Buffer {
	b.refs.Add(1)
	return b
}

// RefCount returns the current number of references.
func (b *Buffer) RefCount() int { return int(b.refs.Load()) }

// Unref drops a reference. The last one releases memory and metadata and
// returns the buffer to its pool.
func (b *Buffer) Unref() {
	n := b.refs.Add(-1)
	if n > 0 {
		return
	}
	if n < 0 {
		panic("pipeline: Buffer.Unref on a freed buffer")
	}
	b.free()
}

func (b *Buffer) free() {
	for i := range b.metas {
		b.metas[i].ReleaseMeta()
		b.metas[i] = nil
	}
	b.metas = b.metas[:0]
	for i := range b.mems {
		if r := b.mems[i].Releaser; r != nil {
			r.ReleaseMemory(&b.mems[i])
		}
		b.mems[i] = Memory{}
	}
	b.mems = b.mems[:0]
	b.reset()
	if b.pool != nil {
		b.pool.put(b)
	}
}

// IsWritable reports whether the caller holds the only reference, so that
// it may change the buffer in place.
func (b *Buffer) IsWritable() bool { return b.refs.Load() == 1 }

// MakeWritable returns a buffer the caller may change: b itself when the
// caller holds the only reference, otherwise a copy (and b is unreffed).
func (b *Buffer) MakeWritable() *Buffer {
	if b.IsWritable() {
		return b
	}
	c := b.Copy()
	b.Unref()
	return c
}

// Copy returns a new buffer with the same timestamps and flags, copies of
// the host memory, the same device memory blocks (device memory is never
// copied implicitly; they gain no releaser) and copies of the metadata.
func (b *Buffer) Copy() *Buffer {
	c := NewBuffer()
	c.PTS, c.DTS, c.Duration, c.Offset, c.Flags = b.PTS, b.DTS, b.Duration, b.Offset, b.Flags
	for _, m := range b.mems {
		n := Memory{Type: m.Type, DevPtr: m.DevPtr, Size: m.Size}
		if m.Data != nil {
			n.Data = append([]byte(nil), m.Data...)
		}
		c.mems = append(c.mems, n)
	}
	for _, m := range b.metas {
		if cm := m.CopyMeta(); cm != nil {
			c.metas = append(c.metas, cm)
		}
	}
	return c
}

// NumMemory returns the number of memory blocks.
func (b *Buffer) NumMemory() int { return len(b.mems) }

// Memory returns the i'th memory block; changes through the pointer are
// visible to every holder of the buffer, so only a writable buffer's memory
// may be changed.
func (b *Buffer) Memory(i int) *Memory { return &b.mems[i] }

// ShareMemory returns memory block i of b for another buffer to view
// without copying: the returned Memory holds a reference to b, dropped when
// that buffer releases it (a demuxer's per-source views of a batch, a
// batcher that takes frames as they are).
func (b *Buffer) ShareMemory(i int) Memory {
	r := shareRefs.Get().(*shareRef)
	r.parent = b.Ref()
	m := b.mems[i]
	m.Releaser = r
	return m
}

// shareRef is the releaser of shared memory; recycled so sharing
// allocates nothing in steady state.
type shareRef struct{ parent *Buffer }

var shareRefs = sync.Pool{New: func() any { return new(shareRef) }}

// ReleaseMemory drops the reference to the buffer that owns the memory.
func (r *shareRef) ReleaseMemory(*Memory) {
	p := r.parent
	r.parent = nil
	shareRefs.Put(r)
	p.Unref()
}

// AppendMemory adds a memory block at the end.
func (b *Buffer) AppendMemory(m Memory) { b.mems = append(b.mems, m) }

// RemoveAllMemory releases every memory block.
func (b *Buffer) RemoveAllMemory() {
	for i := range b.mems {
		if r := b.mems[i].Releaser; r != nil {
			r.ReleaseMemory(&b.mems[i])
		}
		b.mems[i] = Memory{}
	}
	b.mems = b.mems[:0]
}

// Size returns the total size of all memory blocks in bytes.
func (b *Buffer) Size() int {
	n := 0
	for i := range b.mems {
		n += b.mems[i].Size
	}
	return n
}

// Bytes returns the host bytes of the first memory block, or nil when the
// buffer has none or it lives on the GPU.
func (b *Buffer) Bytes() []byte {
	if len(b.mems) == 0 {
		return nil
	}
	return b.mems[0].Data
}

// AddMeta attaches m; the buffer releases it when freed.
func (b *Buffer) AddMeta(m Meta) { b.metas = append(b.metas, m) }

// Metas returns the attached metadata. The slice belongs to the buffer and
// is valid until the buffer is changed or unreffed.
func (b *Buffer) Metas() []Meta { return b.metas }

// MoveMetas moves all metadata from b to dst without copying or releasing
// it, for elements that replace a buffer by a new one (a tiler's composite).
func (b *Buffer) MoveMetas(dst *Buffer) {
	dst.metas = append(dst.metas, b.metas...)
	for i := range b.metas {
		b.metas[i] = nil
	}
	b.metas = b.metas[:0]
}

// RemoveMeta detaches and releases m; it reports whether m was attached.
func (b *Buffer) RemoveMeta(m Meta) bool {
	for i, x := range b.metas {
		if x == m {
			copy(b.metas[i:], b.metas[i+1:])
			b.metas[len(b.metas)-1] = nil
			b.metas = b.metas[:len(b.metas)-1]
			m.ReleaseMeta()
			return true
		}
	}
	return false
}

// String describes the buffer for logs.
func (b *Buffer) String() string {
	return fmt.Sprintf("buffer(pts=%v dur=%v size=%d mems=%d metas=%d refs=%d)",
		b.PTS, b.Duration, b.Size(), len(b.mems), len(b.metas), b.RefCount())
}
