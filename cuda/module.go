package cuda

/*
#include <stdlib.h>
#include "dsgo_cuda.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"unsafe"
)

// Module is loaded GPU code (a cubin) with its kernels.
type Module struct {
	ctx *Context
	h   C.CUmodule
	// FromCache is set when the module's cubin came from the on-disk
	// cache rather than from NVRTC (see Context.BuildModule).
	FromCache bool
}

// LoadModule loads a cubin (or PTX, NUL-terminated) image.
func (c *Context) LoadModule(image []byte) (*Module, error) {
	h, err := c.handle()
	if err != nil {
		return nil, err
	}
	if len(image) == 0 {
		return nil, errors.New("cuda: load module: empty image")
	}
	// The driver reads the image during the call only.
	var m C.CUmodule
	if err := check("cuModuleLoadData", C.dsgo_cuModuleLoadData(h, &m, unsafe.Pointer(unsafe.SliceData(image)))); err != nil {
		return nil, err
	}
	return &Module{ctx: c, h: m}, nil
}

func (m *Module) handles() (C.CUcontext, C.CUmodule, error) {
	if m == nil || m.h == nil {
		return nil, nil, errClosed
	}
	h, err := m.ctx.handle()
	return h, m.h, err
}

// Function returns the kernel named name (an extern "C" name).
func (m *Module) Function(name string) (*Function, error) {
	c, h, err := m.handles()
	if err != nil {
		return nil, err
	}
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	var f C.CUfunction
	if err := check("cuModuleGetFunction", C.dsgo_cuModuleGetFunction(c, &f, h, cn)); err != nil {
		return nil, fmt.Errorf("%w: kernel %q", err, name)
	}
	return &Function{mod: m, h: f, name: name}, nil
}

// Close unloads the module; its Functions become unusable.
func (m *Module) Close() error {
	c, h, err := m.handles()
	if err != nil {
		return err
	}
	m.h = nil
	return check("cuModuleUnload", C.dsgo_cuModuleUnload(c, h))
}

// Function is a kernel of a loaded module.
type Function struct {
	mod  *Module
	h    C.CUfunction
	name string
}

// Name returns the kernel's name.
func (f *Function) Name() string {
	if f == nil {
		return ""
	}
	return f.name
}

// SetMaxDynamicSharedMemory lets f be launched with up to bytes of
// dynamic shared memory; beyond 48 KiB a kernel must ask for it first.
func (f *Function) SetMaxDynamicSharedMemory(bytes int) error {
	if f == nil || f.h == nil {
		return errClosed
	}
	c, _, err := f.mod.handles()
	if err != nil {
		return err
	}
	if err := check("cuFuncSetAttribute", C.dsgo_cuFuncSetMaxDynamicShared(c, f.h, C.int(bytes))); err != nil {
		return fmt.Errorf("%w: kernel %s, %d bytes of shared memory", err, f.name, bytes)
	}
	return nil
}

// BlocksPerSM returns how many blocks of threads threads, with
// sharedMem bytes of dynamic shared memory each, fit on one
// multiprocessor at once: the grid of a kernel whose blocks loop over
// the work (persistent blocks) is this times the SM count.
func (f *Function) BlocksPerSM(threads, sharedMem int) (int, error) {
	if f == nil || f.h == nil {
		return 0, errClosed
	}
	c, _, err := f.mod.handles()
	if err != nil {
		return 0, err
	}
	var n C.int
	if err := check("cuOccupancyMaxActiveBlocksPerMultiprocessor",
		C.dsgo_cuOccupancy(c, &n, f.h, C.int(threads), C.size_t(sharedMem))); err != nil {
		return 0, fmt.Errorf("%w: kernel %s", err, f.name)
	}
	return int(n), nil
}

// Dim3 is a grid or block size; zero components count as 1.
type Dim3 struct{ X, Y, Z int }

func (d Dim3) c() (x, y, z C.uint, err error) {
	if d.X < 0 || d.Y < 0 || d.Z < 0 || d.X > math.MaxInt32 || d.Y > math.MaxInt32 || d.Z > math.MaxInt32 {
		return 0, 0, 0, fmt.Errorf("cuda: launch dimensions %+v", d)
	}
	return C.uint(max(d.X, 1)), C.uint(max(d.Y, 1)), C.uint(max(d.Z, 1)), nil
}

// Launch queues f on s with the given grid and block sizes, dynamic
// shared memory and arguments (nil for none). The driver copies the
// arguments during the call, so args may be refilled at once.
func (f *Function) Launch(s *Stream, grid, block Dim3, sharedMem int, args *Args) error {
	if f == nil || f.h == nil {
		return errClosed
	}
	if _, _, err := f.mod.handles(); err != nil {
		return err
	}
	c, h, err := s.handles()
	if err != nil {
		return err
	}
	gx, gy, gz, err := grid.c()
	if err != nil {
		return err
	}
	bx, by, bz, err := block.c()
	if err != nil {
		return err
	}
	if sharedMem < 0 {
		return fmt.Errorf("cuda: launch %s: %d bytes of shared memory", f.name, sharedMem)
	}
	var a *C.dsgo_args
	n := 0
	if args != nil {
		if args.err != nil {
			return fmt.Errorf("cuda: launch %s: %w", f.name, args.err)
		}
		a, n = args.c, args.n
	}
	err = check("cuLaunchKernel", C.dsgo_cuLaunchKernel(c, f.h, gx, gy, gz, bx, by, bz, C.uint(sharedMem), h, a, C.int(n)))
	runtime.KeepAlive(args)
	if err != nil {
		return fmt.Errorf("%w: kernel %s", err, f.name)
	}
	return nil
}

// Args packs kernel arguments, in the kernel's parameter order, into a
// block of C memory that Launch hands to the driver. Refilling it (Reset
// and the typed adders) allocates nothing, so a hot launch path keeps one
// Args and reuses it. An Args is not safe for concurrent use; its C
// memory is freed when it becomes unreachable.
type Args struct {
	c   *C.dsgo_args
	n   int
	off int
	err error
}

// NewArgs returns an empty argument block.
func NewArgs() *Args {
	c := (*C.dsgo_args)(C.calloc(1, C.size_t(unsafe.Sizeof(C.dsgo_args{}))))
	a := &Args{c: c}
	if c == nil {
		a.err = errors.New("cuda: out of host memory for kernel arguments")
		return a
	}
	runtime.AddCleanup(a, func(p *C.dsgo_args) { C.free(unsafe.Pointer(p)) }, c)
	return a
}

// Reset empties the block for the next launch.
func (a *Args) Reset() *Args {
	a.n, a.off = 0, 0
	if a.c != nil {
		a.err = nil
	}
	return a
}

// slot reserves size bytes aligned to align for the next argument and
// returns them; nil (with a.err set) when the block is full.
func (a *Args) slot(size, align int) []byte {
	if a.err != nil {
		return nil
	}
	if a.c == nil {
		a.err = errors.New("arguments not made with NewArgs")
		return nil
	}
	off := (a.off + align - 1) &^ (align - 1)
	if a.n >= C.DSGO_MAX_ARGS || off+size > C.DSGO_ARG_BYTES {
		a.err = fmt.Errorf("more than %d arguments or %d bytes of arguments", C.DSGO_MAX_ARGS, C.DSGO_ARG_BYTES)
		return nil
	}
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&a.c.buf[0])), C.DSGO_ARG_BYTES)
	a.c.ptrs[a.n] = unsafe.Pointer(&a.c.buf[off])
	a.n++
	a.off = off + size
	return buf[off : off+size : off+size]
}

func put32(a *Args, v uint32) *Args {
	if b := a.slot(4, 4); b != nil {
		*(*uint32)(unsafe.Pointer(&b[0])) = v
	}
	return a
}

func put64(a *Args, v uint64) *Args {
	if b := a.slot(8, 8); b != nil {
		*(*uint64)(unsafe.Pointer(&b[0])) = v
	}
	return a
}

// Ptr adds a device pointer argument (a T* parameter).
func (a *Args) Ptr(p DevicePtr) *Args { return put64(a, uint64(p)) }

// Int32 adds an int argument.
func (a *Args) Int32(v int32) *Args { return put32(a, uint32(v)) }

// Uint32 adds an unsigned int argument.
func (a *Args) Uint32(v uint32) *Args { return put32(a, v) }

// Float32 adds a float argument.
func (a *Args) Float32(v float32) *Args { return put32(a, math.Float32bits(v)) }

// Int64 adds a long long argument.
func (a *Args) Int64(v int64) *Args { return put64(a, uint64(v)) }

// Uint64 adds an unsigned long long (or size_t) argument.
func (a *Args) Uint64(v uint64) *Args { return put64(a, v) }

// Bytes adds a by-value struct argument: the struct's bytes, laid out as
// the kernel declares it, with its alignment.
func (a *Args) Bytes(b []byte, align int) *Args {
	if align <= 0 || align&(align-1) != 0 {
		if a.err == nil {
			a.err = fmt.Errorf("struct argument alignment %d is not a power of two", align)
		}
		return a
	}
	if s := a.slot(len(b), align); s != nil {
		copy(s, b)
	}
	return a
}
