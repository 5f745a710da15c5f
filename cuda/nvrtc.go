package cuda

/*
#include <stdlib.h>
#include "dsgo_cuda.h"
*/
import "C"

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"
)

// nvrtcLibs returns the names tried, in order, for NVRTC: the CUDA 13
// and 12 sonames through the dynamic loader, then the toolkit's usual
// directories.
func nvrtcLibs() []string {
	names := []string{"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"}
	libs := append([]string(nil), names...)
	var dirs []string
	for _, env := range []string{"CUDA_HOME", "CUDA_PATH"} {
		if d := os.Getenv(env); d != "" {
			dirs = append(dirs, filepath.Join(d, "lib64"))
		}
	}
	dirs = append(dirs, "/usr/local/cuda/lib64")
	for _, d := range dirs {
		for _, n := range names {
			libs = append(libs, filepath.Join(d, n))
		}
	}
	return libs
}

var nvrtcOnce = sync.OnceValue(func() error {
	return openLib("NVRTC (libnvrtc)", nvrtcLibs(), func(p, e *C.char, n C.size_t) C.int {
		return C.dsgo_nvrtc_open(p, e, n)
	})
})

func checkNVRTC(op string, r C.nvrtcResult) error {
	if r == 0 {
		return nil
	}
	msg := "unknown error"
	if s := C.dsgo_nvrtcErrorString(r); s != nil {
		msg = C.GoString(s)
	}
	return &Error{Op: op, Code: int(r), Name: msg, Msg: "runtime compilation failed"}
}

// NVRTCVersion returns the version of the NVRTC library found.
func NVRTCVersion() (major, minor int, err error) {
	if err := nvrtcOnce(); err != nil {
		return 0, 0, err
	}
	var a, b C.int
	if err := checkNVRTC("nvrtcVersion", C.dsgo_nvrtcVersion(&a, &b)); err != nil {
		return 0, 0, err
	}
	return int(a), int(b), nil
}

// Program is CUDA C++ source compiled at run time with NVRTC. Its
// kernels must be extern "C" so that they keep their names.
type Program struct {
	Name    string   // file name for messages, e.g. "preprocess.cu"
	Source  string   // the source, self-contained (no #include)
	Options []string // NVRTC options besides --gpu-architecture
}

//go:embed kernels/*.cu kernels/*.h
var kernelFiles embed.FS

// Kernel returns the Program of one of dsgo's kernel files in
// cuda/kernels (embedded in the binary), e.g. "preprocess.cu", or of
// half.h, the half-precision conversions of the kernels' host builds.
func Kernel(name string) (Program, error) {
	b, err := kernelFiles.ReadFile("kernels/" + name)
	if err != nil {
		return Program{}, fmt.Errorf("cuda: kernel source %q: %w", name, err)
	}
	return Program{Name: name, Source: string(b)}, nil
}

// Compile compiles p with NVRTC for arch (e.g. "sm_90") and returns the
// cubin. A compile error carries NVRTC's log.
func Compile(p Program, arch string) ([]byte, error) {
	if err := nvrtcOnce(); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(arch, "sm_") {
		return nil, fmt.Errorf("cuda: compile %s: architecture %q is not sm_XX", p.Name, arch)
	}
	src, name := C.CString(p.Source), C.CString(p.Name)
	defer C.free(unsafe.Pointer(src))
	defer C.free(unsafe.Pointer(name))
	var prog C.nvrtcProgram
	if err := checkNVRTC("nvrtcCreateProgram", C.dsgo_nvrtcCreateProgram(&prog, src, name)); err != nil {
		return nil, fmt.Errorf("%w: %s", err, p.Name)
	}
	defer C.dsgo_nvrtcDestroyProgram(&prog)

	opts := append([]string{"--gpu-architecture=" + arch}, p.Options...)
	copts := (*[1 << 16]*C.char)(C.malloc(C.size_t(len(opts)) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))[:len(opts):len(opts)]
	for i, o := range opts {
		copts[i] = C.CString(o)
	}
	defer func() {
		for _, o := range copts {
			C.free(unsafe.Pointer(o))
		}
		C.free(unsafe.Pointer(&copts[0]))
	}()
	if err := checkNVRTC("nvrtcCompileProgram", C.dsgo_nvrtcCompileProgram(prog, C.int(len(opts)), &copts[0])); err != nil {
		return nil, fmt.Errorf("%w: %s for %s:\n%s", err, p.Name, arch, programLog(prog))
	}
	var n C.size_t
	if err := checkNVRTC("nvrtcGetCUBINSize", C.dsgo_nvrtcGetCUBINSize(prog, &n)); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("cuda: compile %s for %s: NVRTC returned no cubin", p.Name, arch)
	}
	cubin := make([]byte, int(n))
	if err := checkNVRTC("nvrtcGetCUBIN", C.dsgo_nvrtcGetCUBIN(prog, (*C.char)(unsafe.Pointer(&cubin[0])))); err != nil {
		return nil, err
	}
	return cubin, nil
}

func programLog(prog C.nvrtcProgram) string {
	var n C.size_t
	if C.dsgo_nvrtcGetProgramLogSize(prog, &n) != 0 || n <= 1 {
		return "(no log)"
	}
	buf := make([]byte, int(n))
	if C.dsgo_nvrtcGetProgramLog(prog, (*C.char)(unsafe.Pointer(&buf[0]))) != 0 {
		return "(no log)"
	}
	return strings.TrimRight(string(buf), "\x00\n")
}

// DefaultCacheDir returns where compiled kernels are cached:
// os.UserCacheDir()/dsgo/cuda.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("cuda: kernel cache: %w", err)
	}
	return filepath.Join(d, "dsgo", "cuda"), nil
}

// cacheFile names p's cubin for arch and driver: the sha256 of the
// source and options, so any change compiles afresh.
func cacheFile(dir string, p Program, arch string, driver int) string {
	h := sha256.New()
	h.Write([]byte(p.Source))
	for _, o := range p.Options {
		h.Write([]byte{0})
		h.Write([]byte(o))
	}
	base := strings.TrimSuffix(filepath.Base(p.Name), filepath.Ext(p.Name))
	if base == "" || base == "." || base == string(filepath.Separator) {
		base = "program"
	}
	return filepath.Join(dir, fmt.Sprintf("%s-%s-%s-cuda%d.cubin", base, hex.EncodeToString(h.Sum(nil))[:32], arch, driver))
}

// BuildModule compiles p for the context's device and loads it. The
// cubin is cached in cacheDir ("" for DefaultCacheDir), keyed by the
// source, options, architecture and driver version, so later processes
// load it without NVRTC; Module.FromCache tells which happened. A cache
// that cannot be read or written only costs a compile.
func (c *Context) BuildModule(p Program, cacheDir string) (*Module, error) {
	if _, err := c.handle(); err != nil {
		return nil, err
	}
	arch, err := c.dev.Arch()
	if err != nil {
		return nil, err
	}
	drv, err := DriverVersion()
	if err != nil {
		return nil, err
	}
	if cacheDir == "" {
		cacheDir, _ = DefaultCacheDir() // no cache directory: compile every time
	}
	var file string
	if cacheDir != "" {
		file = cacheFile(cacheDir, p, arch, drv)
		if cubin, err := os.ReadFile(file); err == nil {
			if m, err := c.LoadModule(cubin); err == nil {
				m.FromCache = true
				return m, nil
			}
			// A damaged or foreign file: compile and replace it.
		}
	}
	cubin, err := Compile(p, arch)
	if err != nil {
		return nil, err
	}
	m, err := c.LoadModule(cubin)
	if err != nil {
		return nil, fmt.Errorf("%w: cubin of %s for %s", err, p.Name, arch)
	}
	if file != "" {
		_ = writeFileAtomic(file, cubin) // best effort: the module is loaded either way
	}
	return m, nil
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it, so concurrent processes never read half a cubin.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*.cubin")
	if err != nil {
		return err
	}
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}
