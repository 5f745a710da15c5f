// Package emu builds emulated CUDA libraries — libcuda.so.1,
// libnvrtc.so.13, libcublas.so.13 and libcudnn.so.9 — from the C sources
// in csrc, so that dsgo's CUDA backend (package cuda and infer/gpu) runs,
// slowly and on the host, on machines without a GPU: device memory is
// host memory, kernels are compiled from the same CUDA source with the
// host C++ compiler and run thread by thread, cuBLAS and cuDNN calls are
// naive loops, and stream capture records the work for graph replay.
//
// It checks the backend's own logic (lowering, memory planning, kernels,
// graph capture) where no GPU is; it proves nothing about the real
// libraries, which only the GPU tests do. Tests use it with
// -tags kcheck (see infer/gpu's emu_test.go).
package emu

import (
	"embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/dsgo/dsgo/cuda"
)

//go:embed csrc/*.c csrc/*.h
var src embed.FS

// libs are the libraries Build makes: output name, source, whether it
// links against the emulated driver.
var libs = []struct {
	name, src string
	driver    bool
}{
	{"libcuda.so.1", "cuda.c", false},
	{"libnvrtc.so.13", "nvrtc.c", false},
	{"libcublas.so.13", "cublas.c", true},
	{"libcudnn.so.9", "cudnn.c", true},
}

// Build writes the sources (and package cuda's half.h) to dir and compiles the libraries there with
// gcc. dir must be absolute.
func Build(dir string) error {
	if !filepath.IsAbs(dir) {
		return fmt.Errorf("emu: %q is not an absolute directory", dir)
	}
	entries, err := src.ReadDir("csrc")
	if err != nil {
		return err
	}
	for _, e := range entries {
		b, err := src.ReadFile("csrc/" + e.Name())
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			return fmt.Errorf("emu: %w", err)
		}
	}
	// The half-precision conversions are the cuda package's, shared with
	// its own host check of the preprocessing kernel.
	half, err := cuda.Kernel("half.h")
	if err != nil {
		return fmt.Errorf("emu: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "half.h"), []byte(half.Source), 0o644); err != nil {
		return fmt.Errorf("emu: %w", err)
	}
	for _, l := range libs {
		args := []string{"-shared", "-fPIC", "-O2", "-o", filepath.Join(dir, l.name), "-Wl,-soname," + l.name,
			filepath.Join(dir, l.src), "-ldl"}
		if l.driver {
			args = append(args, "-L"+dir, "-l:libcuda.so.1", "-Wl,-rpath,"+dir)
		}
		if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("emu: gcc %s: %w\n%s", l.src, err, out)
		}
	}
	return nil
}

// Env returns the environment variables under which a new process loads
// the libraries built in dir instead of any installed ones.
func Env(dir string) []string {
	return []string{"LD_LIBRARY_PATH=" + dir, "DSGO_EMU_DIR=" + dir}
}
