package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrPoolFlushing is returned by Acquire while the pool is flushing (its
// element is stopping).
var ErrPoolFlushing = errors.New("buffer pool is flushing")

// BufferPool recycles buffers of one size so that streaming allocates
// nothing once warm. It keeps at least min buffers and at most max (0 for
// no limit); Acquire waits when max buffers are out, which bounds the
// memory a fast source can use ahead of a slow sink.
type BufferPool struct {
	size, min, max int

	mu        sync.Mutex
	free      []*Buffer
	allocated int
	flushing  bool
	waiters   int
	wake      chan struct{} // closed and replaced to wake all waiters
}

// NewBufferPool returns a pool of buffers with one host memory block of
// size bytes (size 0: buffers without memory).
func NewBufferPool(size, min, max int) (*BufferPool, error) {
	if size < 0 || min < 0 || max < 0 || (max > 0 && min > max) {
		return nil, fmt.Errorf("buffer pool: invalid size=%d min=%d max=%d (need size, min >= 0 and min <= max, or max 0 for unlimited)", size, min, max)
	}
	p := &BufferPool{size: size, min: min, max: max, wake: make(chan struct{})}
	for i := 0; i < min; i++ {
		p.free = append(p.free, p.alloc())
	}
	return p, nil
}

func (p *BufferPool) alloc() *Buffer {
	b := &Buffer{pool: p}
	if p.size > 0 {
		b.poolData = make([]byte, p.size)
	}
	b.reset()
	p.allocated++
	return b
}

// Size returns the size of the pool's buffers in bytes.
func (p *BufferPool) Size() int { return p.size }

// Allocated returns how many buffers the pool has made.
func (p *BufferPool) Allocated() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.allocated
}

// Acquire returns a buffer with one reference, waiting while max buffers
// are in use, until ctx ends or the pool flushes.
func (p *BufferPool) Acquire(ctx context.Context) (*Buffer, error) {
	for {
		p.mu.Lock()
		if p.flushing {
			p.mu.Unlock()
			return nil, ErrPoolFlushing
		}
		var b *Buffer
		if n := len(p.free); n > 0 {
			b = p.free[n-1]
			p.free[n-1] = nil
			p.free = p.free[:n-1]
		} else if p.max == 0 || p.allocated < p.max {
			b = p.alloc()
		}
		if b == nil {
			p.waiters++
			ch := p.wake
			p.mu.Unlock()
			var err error
			select {
			case <-ch:
			case <-ctx.Done():
				err = ctx.Err()
			}
			p.mu.Lock()
			p.waiters--
			p.mu.Unlock()
			if err != nil {
				return nil, err
			}
			continue
		}
		p.mu.Unlock()
		{
			if b.poolData != nil {
				b.mems = append(b.mems, Memory{Type: MemoryHost, Data: b.poolData, Size: len(b.poolData)})
			}
			b.refs.Store(1)
			return b, nil
		}
	}
}

// wakeLocked wakes every goroutine waiting in Acquire.
func (p *BufferPool) wakeLocked() {
	if p.waiters > 0 {
		close(p.wake)
		p.wake = make(chan struct{})
	}
}

func (p *BufferPool) put(b *Buffer) {
	p.mu.Lock()
	p.free = append(p.free, b)
	p.wakeLocked()
	p.mu.Unlock()
}

// SetFlushing makes Acquire fail (on) or work again (off); waiting
// Acquires return ErrPoolFlushing.
func (p *BufferPool) SetFlushing(on bool) {
	p.mu.Lock()
	p.flushing = on
	p.wakeLocked()
	p.mu.Unlock()
}
