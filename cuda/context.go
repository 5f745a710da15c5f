package cuda

/*
#include <stdint.h>
#include "dsgo_cuda.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"
)

// Context is a device's primary context (the one the runtime API and
// other libraries share). Its methods, and those of everything made from
// it, make it current on the calling OS thread inside the same C call
// that does the work, so any goroutine may use it at any time without
// runtime.LockOSThread; the cost is one thread-local read in the driver.
// A Context is safe for concurrent use. Close it after all its objects.
type Context struct {
	dev    Device
	h      C.CUcontext
	pool   bool // stream-ordered allocation from the device's default pool
	closed atomic.Bool
}

// errClosed is returned by methods of closed or zero objects.
var errClosed = errors.New("cuda: use of a closed or invalid object")

// RetainPrimaryContext retains the device's primary context. Stream-ordered
// allocations come from the device's default memory pool, set to keep
// freed memory cached (release threshold: unlimited), so steady
// allocation and free cost no driver round trip.
func (d Device) RetainPrimaryContext() (*Context, error) {
	if err := d.valid(); err != nil {
		return nil, err
	}
	var h C.CUcontext
	if err := check("cuDevicePrimaryCtxRetain", C.dsgo_cuDevicePrimaryCtxRetain(&h, d.h)); err != nil {
		return nil, err
	}
	c := &Context{dev: d, h: h}
	if n, err := d.Attribute(AttrMemoryPoolsSupported); err == nil && n != 0 && C.dsgo_has_mempool() != 0 {
		var pool C.CUmemoryPool
		if check("cuDeviceGetDefaultMemPool", C.dsgo_cuDeviceGetDefaultMemPool(&pool, d.h)) == nil &&
			check("cuMemPoolSetAttribute", C.dsgo_cuMemPoolSetReleaseThreshold(pool, math.MaxUint64)) == nil {
			c.pool = true
		}
	}
	return c, nil
}

// handle returns the context handle, or an error when c is nil or closed.
func (c *Context) handle() (C.CUcontext, error) {
	if c == nil || c.h == nil || c.closed.Load() {
		return nil, errClosed
	}
	return c.h, nil
}

// Device returns the context's device.
func (c *Context) Device() Device {
	if c == nil {
		return Device{}
	}
	return c.dev
}

// MemoryPools reports whether stream-ordered allocation uses the
// device's memory pool (else it falls back to cuMemAlloc).
func (c *Context) MemoryPools() bool { return c != nil && c.pool }

// Close releases the primary context. Objects made from it must be
// closed first.
func (c *Context) Close() error {
	if _, err := c.handle(); err != nil {
		return err
	}
	if c.closed.Swap(true) {
		return errClosed
	}
	return check("cuDevicePrimaryCtxRelease", C.dsgo_cuDevicePrimaryCtxRelease(c.dev.h))
}

// Synchronize waits for all work in the context.
func (c *Context) Synchronize() error {
	h, err := c.handle()
	if err != nil {
		return err
	}
	return check("cuCtxSynchronize", C.dsgo_cuCtxSynchronize(h))
}

// MemInfo returns the device's free and total memory in bytes.
func (c *Context) MemInfo() (free, total uint64, err error) {
	h, err := c.handle()
	if err != nil {
		return 0, 0, err
	}
	var f, t C.size_t
	if err := check("cuMemGetInfo", C.dsgo_cuMemGetInfo(h, &f, &t)); err != nil {
		return 0, 0, err
	}
	return uint64(f), uint64(t), nil
}

// DevicePtr is a device address (CUdeviceptr).
type DevicePtr uint64

// Add returns p advanced by off bytes.
func (p DevicePtr) Add(off int) DevicePtr { return p + DevicePtr(off) }

// DeviceMemory is an allocation in device memory. Free it once, with
// Free or FreeAsync; it is not safe to free from two goroutines at once.
type DeviceMemory struct {
	ctx    *Context
	ptr    DevicePtr
	size   int
	pooled bool
	freed  bool
}

// Ptr returns the allocation's address.
func (m *DeviceMemory) Ptr() DevicePtr {
	if m == nil {
		return 0
	}
	return m.ptr
}

// Size returns the allocation's size in bytes.
func (m *DeviceMemory) Size() int {
	if m == nil {
		return 0
	}
	return m.size
}

func checkSize(size int) error {
	if size <= 0 {
		return fmt.Errorf("cuda: allocation of %d bytes", size)
	}
	return nil
}

// Alloc allocates size bytes of device memory with cuMemAlloc.
func (c *Context) Alloc(size int) (*DeviceMemory, error) {
	h, err := c.handle()
	if err != nil {
		return nil, err
	}
	if err := checkSize(size); err != nil {
		return nil, err
	}
	var p C.CUdeviceptr
	if err := check("cuMemAlloc", C.dsgo_cuMemAlloc(h, &p, C.size_t(size))); err != nil {
		return nil, fmt.Errorf("%w (%d bytes)", err, size)
	}
	return &DeviceMemory{ctx: c, ptr: DevicePtr(p), size: size}, nil
}

func (m *DeviceMemory) live() (C.CUcontext, error) {
	if m == nil || m.freed {
		return nil, errClosed
	}
	return m.ctx.handle()
}

// Free frees the memory, waiting for work that uses it when it came from
// the pool.
func (m *DeviceMemory) Free() error {
	h, err := m.live()
	if err != nil {
		return err
	}
	m.freed = true
	return check("cuMemFree", C.dsgo_cuMemFree(h, C.CUdeviceptr(m.ptr)))
}

// HostMemory is page-locked (pinned) host memory: copies between it and
// the device run asynchronously at full bus speed.
type HostMemory struct {
	ctx   *Context
	p     unsafe.Pointer
	size  int
	freed bool
}

// AllocHost allocates size bytes of pinned host memory, usable from every
// context (CU_MEMHOSTALLOC_PORTABLE).
func (c *Context) AllocHost(size int) (*HostMemory, error) {
	h, err := c.handle()
	if err != nil {
		return nil, err
	}
	if err := checkSize(size); err != nil {
		return nil, err
	}
	var p unsafe.Pointer
	if err := check("cuMemHostAlloc", C.dsgo_cuMemHostAlloc(h, &p, C.size_t(size))); err != nil {
		return nil, fmt.Errorf("%w (%d bytes)", err, size)
	}
	return &HostMemory{ctx: c, p: p, size: size}, nil
}

// Bytes returns the memory as a slice; it is valid until Free.
func (m *HostMemory) Bytes() []byte {
	if m == nil || m.freed {
		return nil
	}
	return unsafe.Slice((*byte)(m.p), m.size)
}

// Size returns the allocation's size in bytes.
func (m *HostMemory) Size() int {
	if m == nil {
		return 0
	}
	return m.size
}

// Free frees the memory; slices from Bytes must not be used after.
func (m *HostMemory) Free() error {
	if m == nil || m.freed {
		return errClosed
	}
	h, err := m.ctx.handle()
	if err != nil {
		return err
	}
	m.freed = true
	return check("cuMemFreeHost", C.dsgo_cuMemFreeHost(h, m.p))
}
