package pipeline

import (
	"context"
	"errors"
	"testing"
)

func TestNewBufferPoolValidatesBounds(t *testing.T) {
	tests := []struct {
		size, min, max int
		ok             bool
	}{
		{0, 0, 0, true},
		{16, 2, 4, true},
		{16, 4, 4, true},
		{0, 5, 0, true}, // max 0: unlimited
		{-1, 0, 0, false},
		{0, -1, 0, false},
		{0, 0, -1, false},
		{0, 5, 4, false},
	}
	for _, tt := range tests {
		p, err := NewBufferPool(tt.size, tt.min, tt.max)
		if (err == nil) != tt.ok {
			t.Errorf("NewBufferPool(%d, %d, %d) error = %v; want ok=%v", tt.size, tt.min, tt.max, err, tt.ok)
			continue
		}
		if err == nil && (p.Allocated() != tt.min || p.Size() != tt.size) {
			t.Errorf("NewBufferPool(%d, %d, %d): %d allocated, size %d; want min buffers made", tt.size, tt.min, tt.max, p.Allocated(), p.Size())
		}
	}
}

func TestBufferPoolRecyclesSameBuffer(t *testing.T) {
	pool, err := NewBufferPool(64, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.RefCount() != 1 || b.Size() != 64 || b.NumMemory() != 1 || len(b.Bytes()) != 64 {
		t.Fatalf("acquired %v; want 1 ref, one 64-byte memory", b)
	}
	b.PTS, b.DTS, b.Duration, b.Offset, b.Flags = 1, 2, 3, 9, BufferFlagDiscont
	meta := &countingMeta{}
	b.AddMeta(meta)
	b.Unref()
	if meta.releases != 1 {
		t.Errorf("meta released %d times when the buffer went back to its pool; want 1", meta.releases)
	}
	again, _ := pool.Acquire(ctx)
	if again != b {
		t.Fatalf("Acquire after Unref returned %p; want the returned buffer %p", again, b)
	}
	if again.PTS != NoTime || again.DTS != NoTime || again.Duration != NoTime || again.Offset != 0 || again.Flags != 0 ||
		len(again.Metas()) != 0 || again.NumMemory() != 1 || again.RefCount() != 1 {
		t.Errorf("recycled buffer not reset: %v offset=%d flags=%d", again, again.Offset, again.Flags)
	}
	again.Ref() // someone else still holds it: it must not go back yet
	again.Unref()
	other, _ := pool.Acquire(ctx)
	if other == again || pool.Allocated() != 2 {
		t.Errorf("a buffer still referenced was handed out again (allocated %d)", pool.Allocated())
	}
}

func TestBufferPoolAcquireWaitsAtMax(t *testing.T) {
	pool, _ := NewBufferPool(0, 0, 2)
	ctx := context.Background()
	first, _ := pool.Acquire(ctx)
	if _, err := pool.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	got := make(chan *Buffer, 1)
	go func() {
		b, err := pool.Acquire(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- b
	}()
	waitUntil(t, "the third Acquire waits", func() bool {
		pool.mu.Lock()
		defer pool.mu.Unlock()
		return pool.waiters == 1
	})
	select {
	case <-got:
		t.Fatal("Acquire returned a third buffer from a pool with max 2")
	default:
	}
	first.Unref()
	if b := receive(t, got, "Acquire to return the released buffer"); b != first {
		t.Errorf("blocked Acquire got %p; want the released %p", b, first)
	}
	if pool.Allocated() != 2 {
		t.Errorf("pool made %d buffers; max is 2", pool.Allocated())
	}
}

func TestBufferPoolBlockedAcquireEnds(t *testing.T) {
	tests := []struct {
		name string
		end  func(*BufferPool, context.CancelFunc)
		want error
	}{
		{"SetFlushing", func(p *BufferPool, _ context.CancelFunc) { p.SetFlushing(true) }, ErrPoolFlushing},
		{"context cancel", func(_ *BufferPool, cancel context.CancelFunc) { cancel() }, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool, _ := NewBufferPool(0, 0, 1)
			held, _ := pool.Acquire(context.Background())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			errc := make(chan error, 1)
			go func() {
				_, err := pool.Acquire(ctx)
				errc <- err
			}()
			waitUntil(t, "Acquire waits", func() bool {
				pool.mu.Lock()
				defer pool.mu.Unlock()
				return pool.waiters == 1
			})
			tt.end(pool, cancel)
			if err := receive(t, errc, "the blocked Acquire to end"); !errors.Is(err, tt.want) {
				t.Errorf("blocked Acquire = %v; want %v", err, tt.want)
			}
			held.Unref()
		})
	}
}

func TestBufferPoolFlushingRefusesUntilCleared(t *testing.T) {
	pool, _ := NewBufferPool(0, 1, 0)
	pool.SetFlushing(true)
	if _, err := pool.Acquire(context.Background()); !errors.Is(err, ErrPoolFlushing) {
		t.Errorf("Acquire while flushing = %v; want ErrPoolFlushing", err)
	}
	pool.SetFlushing(false)
	if _, err := pool.Acquire(context.Background()); err != nil {
		t.Errorf("Acquire after flushing ended: %v", err)
	}
}

// countingMeta counts the calls the buffer makes; a copy is made only
// when travels is set, and counts on its own.
type countingMeta struct {
	copies, releases int
	travels          bool
	copied           *countingMeta
}

func (m *countingMeta) CopyMeta() Meta {
	m.copies++
	if !m.travels {
		return nil
	}
	m.copied = &countingMeta{travels: true}
	return m.copied
}

func (m *countingMeta) ReleaseMeta() { m.releases++ }

type countingReleaser struct{ n int }

func (r *countingReleaser) ReleaseMemory(*Memory) { r.n++ }

func TestBufferUnrefReleasesOnce(t *testing.T) {
	b := NewBufferData([]byte("abc"))
	rel := &countingReleaser{}
	b.AppendMemory(Memory{Type: MemoryCUDA, DevPtr: 0x1000, Size: 10, Releaser: rel})
	meta := &countingMeta{}
	b.AddMeta(meta)
	if b.Ref() != b || b.RefCount() != 2 || b.IsWritable() {
		t.Fatalf("after Ref: %v, writable %v", b, b.IsWritable())
	}
	b.Unref()
	if meta.releases != 0 || rel.n != 0 || !b.IsWritable() {
		t.Fatalf("dropping one of two references released: meta %d, memory %d", meta.releases, rel.n)
	}
	if b.Size() != 13 {
		t.Errorf("Size = %d; want 3 + 10", b.Size())
	}
	b.Unref()
	if meta.releases != 1 || rel.n != 1 {
		t.Errorf("last Unref released meta %d and memory %d times; want 1 and 1", meta.releases, rel.n)
	}
	defer func() {
		if recover() == nil {
			t.Error("Unref of a freed buffer did not panic")
		}
	}()
	b.Unref()
}

func TestBufferMakeWritable(t *testing.T) {
	sole := NewBufferData([]byte{1})
	m := &countingMeta{travels: true}
	sole.AddMeta(m)
	if sole.MakeWritable() != sole || m.copies != 0 {
		t.Errorf("MakeWritable of the only reference copied it")
	}

	shared := sole.Ref()
	w := shared.MakeWritable()
	if w == sole || sole.RefCount() != 1 || w.RefCount() != 1 {
		t.Fatalf("MakeWritable of a shared buffer: same=%v, refs %d/%d; want a copy and the original down to 1 ref",
			w == sole, sole.RefCount(), w.RefCount())
	}
	w.Bytes()[0] = 9
	if sole.Bytes()[0] != 1 {
		t.Error("writing the copy changed the original's memory")
	}
	if m.copies != 1 || m.copied == nil {
		t.Fatalf("meta copied %d times; want 1", m.copies)
	}
	w.Unref()
	sole.Unref()
	if m.releases != 1 || m.copied.releases != 1 {
		t.Errorf("releases: original meta %d, copy %d; want 1 each", m.releases, m.copied.releases)
	}
}

func TestBufferCopy(t *testing.T) {
	b := NewBufferData([]byte("host"))
	dev := &countingReleaser{}
	b.AppendMemory(Memory{Type: MemoryCUDA, DevPtr: 0xbeef, Size: 64, Releaser: dev})
	b.PTS, b.DTS, b.Duration, b.Offset, b.Flags = 10, 9, 5, 42, BufferFlagDeltaUnit|BufferFlagLive
	travels, stays := &countingMeta{travels: true}, &countingMeta{}
	b.AddMeta(travels)
	b.AddMeta(stays)

	c := b.Copy()
	if c.PTS != 10 || c.DTS != 9 || c.Duration != 5 || c.Offset != 42 || c.Flags != b.Flags || c.RefCount() != 1 {
		t.Errorf("copy %v offset=%d flags=%d does not match %v", c, c.Offset, c.Flags, b)
	}
	c.Bytes()[0] = 'H'
	if string(b.Bytes()) != "host" {
		t.Error("host memory was shared, not copied")
	}
	if m := c.Memory(1); m.DevPtr != 0xbeef || m.Size != 64 || m.Releaser != nil || m.Type != MemoryCUDA {
		t.Errorf("copied device memory %+v; want the same pointer and no releaser", *m)
	}
	if len(c.Metas()) != 1 || c.Metas()[0] != travels.copied || travels.copies != 1 || stays.copies != 1 {
		t.Errorf("copy has metas %v; want only the copy of the travelling meta", c.Metas())
	}
	c.Unref()
	if dev.n != 0 || travels.releases != 0 || stays.releases != 0 || travels.copied.releases != 1 {
		t.Error("freeing the copy released the original's memory or metadata")
	}
	if !b.RemoveMeta(stays) || b.RemoveMeta(stays) || stays.releases != 1 {
		t.Errorf("RemoveMeta: releases %d; want true once, then false, and one release", stays.releases)
	}
	b.RemoveAllMemory()
	if dev.n != 1 || b.NumMemory() != 0 || b.Bytes() != nil {
		t.Errorf("RemoveAllMemory: releaser called %d times, %d blocks left", dev.n, b.NumMemory())
	}
	b.Unref()
	if travels.releases != 1 || stays.releases != 1 || dev.n != 1 {
		t.Errorf("after free: metas released %d/%d times, memory %d; want exactly once each", travels.releases, stays.releases, dev.n)
	}
}
