package cuda

/*
#include "dsgo_cuda.h"
*/
import "C"

import (
	"fmt"
	"time"
	"unsafe"
)

// Stream is a CUDA stream (non-blocking with respect to the legacy
// default stream). Work queued on one stream runs in order. A Stream may
// be used from any goroutine; calls that queue work are ordered as the
// calls are.
type Stream struct {
	ctx *Context
	h   C.CUstream
}

// NewStream creates a stream.
func (c *Context) NewStream() (*Stream, error) {
	h, err := c.handle()
	if err != nil {
		return nil, err
	}
	var s C.CUstream
	if err := check("cuStreamCreate", C.dsgo_cuStreamCreate(h, &s)); err != nil {
		return nil, err
	}
	return &Stream{ctx: c, h: s}, nil
}

func (s *Stream) handles() (C.CUcontext, C.CUstream, error) {
	if s == nil || s.h == nil {
		return nil, nil, errClosed
	}
	h, err := s.ctx.handle()
	return h, s.h, err
}

// Context returns the stream's context.
func (s *Stream) Context() *Context {
	if s == nil {
		return nil
	}
	return s.ctx
}

// Synchronize waits until all work queued on the stream is done.
func (s *Stream) Synchronize() error {
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	return check("cuStreamSynchronize", C.dsgo_cuStreamSynchronize(c, h))
}

// WaitEvent makes later work on the stream wait for e's last record.
func (s *Stream) WaitEvent(e *Event) error {
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	if e == nil || e.h == nil {
		return errClosed
	}
	return check("cuStreamWaitEvent", C.dsgo_cuStreamWaitEvent(c, h, e.h))
}

// Close destroys the stream once its queued work is done.
func (s *Stream) Close() error {
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	s.h = nil
	return check("cuStreamDestroy", C.dsgo_cuStreamDestroy(c, h))
}

// AllocAsync allocates size bytes of device memory in stream order, from
// the device's memory pool (cached: steady allocation reuses freed
// memory), or with cuMemAlloc where pools are not supported. The memory
// may be used by work queued on s after this call.
func (s *Stream) AllocAsync(size int) (*DeviceMemory, error) {
	c, h, err := s.handles()
	if err != nil {
		return nil, err
	}
	if !s.ctx.pool {
		return s.ctx.Alloc(size)
	}
	if err := checkSize(size); err != nil {
		return nil, err
	}
	var p C.CUdeviceptr
	if err := check("cuMemAllocAsync", C.dsgo_cuMemAllocAsync(c, &p, C.size_t(size), h)); err != nil {
		return nil, fmt.Errorf("%w (%d bytes)", err, size)
	}
	return &DeviceMemory{ctx: s.ctx, ptr: DevicePtr(p), size: size, pooled: true}, nil
}

// FreeAsync frees m in stream order: after the work queued on s before
// it. Memory from cuMemAlloc is freed at once (cuMemFree waits for the
// device).
func (m *DeviceMemory) FreeAsync(s *Stream) error {
	if _, err := m.live(); err != nil {
		return err
	}
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	if !m.pooled {
		return m.Free()
	}
	m.freed = true
	return check("cuMemFreeAsync", C.dsgo_cuMemFreeAsync(c, C.CUdeviceptr(m.ptr), h))
}

// Elem is the element types copies take: plain numbers, no pointers.
type Elem interface {
	~uint8 | ~int8 | ~uint16 | ~int16 | ~uint32 | ~int32 | ~uint64 | ~int64 | ~float32 | ~float64
}

func sliceBytes[T Elem](s []T) (unsafe.Pointer, int) {
	if len(s) == 0 {
		return nil, 0
	}
	return unsafe.Pointer(unsafe.SliceData(s)), len(s) * int(unsafe.Sizeof(s[0]))
}

// CopyToDevice queues a copy of src to dst on s. When src lies in pinned
// HostMemory the copy is asynchronous and src must stay unchanged until
// it is done; for other (pageable) memory the driver stages src before
// returning, so src may be reused at once.
func CopyToDevice[T Elem](s *Stream, dst DevicePtr, src []T) error {
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	p, n := sliceBytes(src)
	if n == 0 {
		return nil
	}
	return check("cuMemcpyHtoDAsync", C.dsgo_cuMemcpyHtoDAsync(c, C.CUdeviceptr(dst), p, C.size_t(n), h))
}

// CopyToHost queues a copy of len(dst) elements from src to dst on s.
// Into pinned HostMemory it is asynchronous (synchronize before reading
// dst); into pageable memory it returns when the copy is done.
func CopyToHost[T Elem](s *Stream, dst []T, src DevicePtr) error {
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	p, n := sliceBytes(dst)
	if n == 0 {
		return nil
	}
	return check("cuMemcpyDtoHAsync", C.dsgo_cuMemcpyDtoHAsync(c, p, C.CUdeviceptr(src), C.size_t(n), h))
}

// CopyDevice queues a copy of n bytes from src to dst, both in device
// memory.
func (s *Stream) CopyDevice(dst, src DevicePtr, n int) error {
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("cuda: copy of %d bytes", n)
	}
	return check("cuMemcpyDtoDAsync", C.dsgo_cuMemcpyDtoDAsync(c, C.CUdeviceptr(dst), C.CUdeviceptr(src), C.size_t(n), h))
}

// Memset queues setting n bytes at dst to v.
func (s *Stream) Memset(dst DevicePtr, v byte, n int) error {
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("cuda: memset of %d bytes", n)
	}
	return check("cuMemsetD8Async", C.dsgo_cuMemsetD8Async(c, C.CUdeviceptr(dst), C.uchar(v), C.size_t(n), h))
}

// Plane is one side of a 2D copy: rows of bytes Pitch apart, either in
// host memory (Host, which must hold every row the copy touches) or, when
// Host is nil, in device memory at Device.
type Plane struct {
	Host   []byte
	Device DevicePtr
	Pitch  int
}

func (p Plane) check(side string, width, height int) error {
	if p.Pitch < width {
		return fmt.Errorf("cuda: 2D copy: %s pitch %d is less than the width %d", side, p.Pitch, width)
	}
	if p.Host != nil && len(p.Host) < (height-1)*p.Pitch+width {
		return fmt.Errorf("cuda: 2D copy: %s host buffer of %d bytes holds fewer than %d rows of %d bytes (pitch %d)",
			side, len(p.Host), height, width, p.Pitch)
	}
	return nil
}

func (p Plane) mem() (kind C.int, host unsafe.Pointer) {
	if p.Host != nil {
		return C.DSGO_CU_MEMORYTYPE_HOST, unsafe.Pointer(unsafe.SliceData(p.Host))
	}
	return C.DSGO_CU_MEMORYTYPE_DEVICE, nil
}

// Copy2D queues a copy of height rows of width bytes from src to dst
// (pitched frames: decoder surfaces, batch buffers). Host sides follow
// CopyToDevice's rules on pinned and pageable memory.
func (s *Stream) Copy2D(dst, src Plane, width, height int) error {
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	if width <= 0 || height <= 0 {
		return fmt.Errorf("cuda: 2D copy of %dx%d bytes", width, height)
	}
	if err := src.check("source", width, height); err != nil {
		return err
	}
	if err := dst.check("destination", width, height); err != nil {
		return err
	}
	dk, dh := dst.mem()
	sk, sh := src.mem()
	return check("cuMemcpy2DAsync", C.dsgo_cuMemcpy2DAsync(c, dk, dh, C.CUdeviceptr(dst.Device), C.size_t(dst.Pitch),
		sk, sh, C.CUdeviceptr(src.Device), C.size_t(src.Pitch), C.size_t(width), C.size_t(height), h))
}

// Event marks a point in a stream, for ordering streams and for timing.
type Event struct {
	ctx *Context
	h   C.CUevent
}

// NewEvent creates an event that records time.
func (c *Context) NewEvent() (*Event, error) {
	h, err := c.handle()
	if err != nil {
		return nil, err
	}
	var e C.CUevent
	if err := check("cuEventCreate", C.dsgo_cuEventCreate(h, &e)); err != nil {
		return nil, err
	}
	return &Event{ctx: c, h: e}, nil
}

func (e *Event) handles() (C.CUcontext, C.CUevent, error) {
	if e == nil || e.h == nil {
		return nil, nil, errClosed
	}
	h, err := e.ctx.handle()
	return h, e.h, err
}

// Record marks the point after the work queued on s so far.
func (e *Event) Record(s *Stream) error {
	c, h, err := e.handles()
	if err != nil {
		return err
	}
	_, sh, err := s.handles()
	if err != nil {
		return err
	}
	return check("cuEventRecord", C.dsgo_cuEventRecord(c, h, sh))
}

// Synchronize waits until the work before the last Record is done.
func (e *Event) Synchronize() error {
	c, h, err := e.handles()
	if err != nil {
		return err
	}
	return check("cuEventSynchronize", C.dsgo_cuEventSynchronize(c, h))
}

// Close destroys the event.
func (e *Event) Close() error {
	c, h, err := e.handles()
	if err != nil {
		return err
	}
	e.h = nil
	return check("cuEventDestroy", C.dsgo_cuEventDestroy(c, h))
}

// Elapsed returns the GPU time between two recorded events (resolution
// about half a microsecond); both must have completed.
func Elapsed(start, end *Event) (time.Duration, error) {
	c, s, err := start.handles()
	if err != nil {
		return 0, err
	}
	_, e, err := end.handles()
	if err != nil {
		return 0, err
	}
	var ms C.float
	if err := check("cuEventElapsedTime", C.dsgo_cuEventElapsedTime(c, &ms, s, e)); err != nil {
		return 0, err
	}
	return time.Duration(float64(ms) * float64(time.Millisecond)), nil
}

// BeginCapture starts recording the work queued on s into a graph
// instead of running it (relaxed mode: goroutines move between threads,
// so thread-scoped capture rules cannot be kept). End it with EndCapture.
func (s *Stream) BeginCapture() error {
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	return check("cuStreamBeginCapture", C.dsgo_cuStreamBeginCapture(c, h))
}

// Graph is an instantiated CUDA graph: recorded work that runs again with
// one launch, without per-kernel launch costs.
type Graph struct {
	ctx  *Context
	g    C.CUgraph
	exec C.CUgraphExec
}

// EndCapture ends a capture begun with BeginCapture and instantiates
// the recorded work.
func (s *Stream) EndCapture() (*Graph, error) {
	c, h, err := s.handles()
	if err != nil {
		return nil, err
	}
	var g C.CUgraph
	if err := check("cuStreamEndCapture", C.dsgo_cuStreamEndCapture(c, h, &g)); err != nil {
		return nil, err
	}
	var x C.CUgraphExec
	if err := check("cuGraphInstantiate", C.dsgo_cuGraphInstantiate(c, &x, g)); err != nil {
		C.dsgo_cuGraphDestroy(c, g)
		return nil, err
	}
	return &Graph{ctx: s.ctx, g: g, exec: x}, nil
}

// Launch queues the graph's work on s.
func (g *Graph) Launch(s *Stream) error {
	if g == nil || g.exec == nil {
		return errClosed
	}
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	return check("cuGraphLaunch", C.dsgo_cuGraphLaunch(c, g.exec, h))
}

// Close destroys the graph.
func (g *Graph) Close() error {
	if g == nil || g.exec == nil {
		return errClosed
	}
	c, err := g.ctx.handle()
	if err != nil {
		return err
	}
	x, gr := g.exec, g.g
	g.exec, g.g = nil, nil
	err1 := check("cuGraphExecDestroy", C.dsgo_cuGraphExecDestroy(c, x))
	err2 := check("cuGraphDestroy", C.dsgo_cuGraphDestroy(c, gr))
	if err1 != nil {
		return err1
	}
	return err2
}
