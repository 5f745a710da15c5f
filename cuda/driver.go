package cuda

/*
#cgo LDFLAGS: -ldl
#include <stdlib.h>
#include "dsgo_cuda.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

// ErrUnavailable is wrapped by every error that comes from CUDA not being
// usable on this machine: no driver library, a driver without a symbol
// dsgo needs, no device, or a failed cuInit. Callers test for it with
// errors.Is and fall back to the CPU.
var ErrUnavailable = errors.New("cuda: not available")

// Error is a failed CUDA driver or NVRTC call.
type Error struct {
	Op   string // the API function, e.g. "cuMemAlloc"
	Code int    // CUresult or nvrtcResult
	Name string // e.g. "CUDA_ERROR_OUT_OF_MEMORY"
	Msg  string // the library's description
}

func (e *Error) Error() string {
	return fmt.Sprintf("cuda: %s: %s (%d): %s", e.Op, e.Name, e.Code, e.Msg)
}

// check turns a CUresult into an *Error (nil for CUDA_SUCCESS).
func check(op string, r C.CUresult) error {
	if r == C.DSGO_CUDA_SUCCESS {
		return nil
	}
	e := &Error{Op: op, Code: int(r), Name: "CUDA_ERROR_UNKNOWN", Msg: "unknown error"}
	if s := C.dsgo_cuErrorName(r); s != nil {
		e.Name = C.GoString(s)
	}
	if s := C.dsgo_cuErrorString(r); s != nil {
		e.Msg = C.GoString(s)
	}
	return e
}

// driverLibs are the names tried, in order, for the driver library.
var driverLibs = []string{"libcuda.so.1", "libcuda.so", "/usr/local/nvidia/lib64/libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1"}

// The driver is loaded and initialised once per process (dlopen and
// cuInit are process-wide by nature); the result never changes after.
var driverOnce = sync.OnceValue(loadDriver)

// openLib tries each path with open and returns the first that loads, or
// an error listing why each failed.
func openLib(what string, paths []string, open func(path *C.char, err *C.char, n C.size_t) C.int) error {
	var why []string
	buf := (*C.char)(C.malloc(512))
	defer C.free(unsafe.Pointer(buf))
	for _, p := range paths {
		cp := C.CString(p)
		rc := open(cp, buf, 512)
		C.free(unsafe.Pointer(cp))
		if rc == 0 {
			return nil
		}
		why = append(why, C.GoString(buf))
	}
	return fmt.Errorf("%w: cannot load %s (%s)", ErrUnavailable, what, strings.Join(why, "; "))
}

func loadDriver() error {
	err := openLib("the CUDA driver library", driverLibs, func(p, e *C.char, n C.size_t) C.int {
		return C.dsgo_cuda_open(p, e, n)
	})
	if err != nil {
		return err
	}
	if err := check("cuInit", C.dsgo_cuInit()); err != nil {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return nil
}

// Init loads the CUDA driver (libcuda.so.1, found by the dynamic loader)
// and initialises it. Every entry point calls it, so callers need not;
// its error says why CUDA cannot be used and wraps ErrUnavailable.
func Init() error { return driverOnce() }

// Available reports whether the CUDA driver loads and sees at least one
// device. It is false on machines without an NVIDIA driver or GPU, where
// callers use their CPU paths.
func Available() bool {
	n, err := DeviceCount()
	return err == nil && n > 0
}

// DriverVersion returns the driver's CUDA version as 1000*major +
// 10*minor (13000 for CUDA 13.0).
func DriverVersion() (int, error) {
	if err := Init(); err != nil {
		return 0, err
	}
	var v C.int
	if err := check("cuDriverGetVersion", C.dsgo_cuDriverGetVersion(&v)); err != nil {
		return 0, err
	}
	return int(v), nil
}

// DeviceCount returns the number of CUDA devices.
func DeviceCount() (int, error) {
	if err := Init(); err != nil {
		return 0, err
	}
	var n C.int
	if err := check("cuDeviceGetCount", C.dsgo_cuDeviceGetCount(&n)); err != nil {
		return 0, err
	}
	return int(n), nil
}

// Device is one CUDA device. The zero Device is invalid: every method
// returns an error.
type Device struct {
	ordinal int
	h       C.CUdevice
	ok      bool
}

// GetDevice returns device ordinal (0 is the first).
func GetDevice(ordinal int) (Device, error) {
	n, err := DeviceCount()
	if err != nil {
		return Device{}, err
	}
	if ordinal < 0 || ordinal >= n {
		return Device{}, fmt.Errorf("%w: device %d: the driver sees %d device(s)", ErrUnavailable, ordinal, n)
	}
	var d C.CUdevice
	if err := check("cuDeviceGet", C.dsgo_cuDeviceGet(&d, C.int(ordinal))); err != nil {
		return Device{}, err
	}
	return Device{ordinal: ordinal, h: d, ok: true}, nil
}

var errNoDevice = errors.New("cuda: invalid Device (use GetDevice)")

func (d Device) valid() error {
	if !d.ok {
		return errNoDevice
	}
	return nil
}

// Ordinal returns the device's index.
func (d Device) Ordinal() int { return d.ordinal }

// Name returns the device's marketing name, e.g. "NVIDIA H100 80GB HBM3".
func (d Device) Name() (string, error) {
	if err := d.valid(); err != nil {
		return "", err
	}
	var buf [256]C.char
	if err := check("cuDeviceGetName", C.dsgo_cuDeviceGetName(&buf[0], C.int(len(buf)), d.h)); err != nil {
		return "", err
	}
	return C.GoString(&buf[0]), nil
}

// DeviceAttribute is a CUdevice_attribute value.
type DeviceAttribute int

// Device attributes, with cuda.h's values.
const (
	AttrMaxThreadsPerBlock     DeviceAttribute = 1
	AttrMultiprocessorCount    DeviceAttribute = 16
	AttrComputeCapabilityMajor DeviceAttribute = 75
	AttrComputeCapabilityMinor DeviceAttribute = 76
	AttrMemoryPoolsSupported   DeviceAttribute = 115
)

// Attribute returns one device attribute.
func (d Device) Attribute(a DeviceAttribute) (int, error) {
	if err := d.valid(); err != nil {
		return 0, err
	}
	var v C.int
	if err := check("cuDeviceGetAttribute", C.dsgo_cuDeviceGetAttribute(&v, C.int(a), d.h)); err != nil {
		return 0, err
	}
	return int(v), nil
}

// ComputeCapability returns the device's compute capability (9, 0 for
// an H100).
func (d Device) ComputeCapability() (major, minor int, err error) {
	if major, err = d.Attribute(AttrComputeCapabilityMajor); err != nil {
		return 0, 0, err
	}
	if minor, err = d.Attribute(AttrComputeCapabilityMinor); err != nil {
		return 0, 0, err
	}
	return major, minor, nil
}

// Arch returns the NVRTC architecture name of the device, e.g. "sm_90".
func (d Device) Arch() (string, error) {
	major, minor, err := d.ComputeCapability()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("sm_%d%d", major, minor), nil
}

// SMCount returns the number of streaming multiprocessors.
func (d Device) SMCount() (int, error) { return d.Attribute(AttrMultiprocessorCount) }

// TotalMem returns the device's memory in bytes.
func (d Device) TotalMem() (uint64, error) {
	if err := d.valid(); err != nil {
		return 0, err
	}
	var n C.size_t
	if err := check("cuDeviceTotalMem", C.dsgo_cuDeviceTotalMem(&n, d.h)); err != nil {
		return 0, err
	}
	return uint64(n), nil
}
