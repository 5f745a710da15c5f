//go:build kcheck

package gpu

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/dsgo/dsgo/infer/gpu/emu"
)

// With -tags kcheck the tests run against the emulated CUDA libraries
// (package emu) on machines without a GPU: TestMain builds them and runs
// the test binary again with them on the library path. It checks the
// backend's lowering, memory plan, kernels and graph capture, not the
// real cuDNN and cuBLAS.
func TestMain(m *testing.M) {
	if os.Getenv("DSGO_EMU_DIR") != "" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "dsgo-emu-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	defer os.RemoveAll(dir)
	if err := emu.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	wd, _ := os.Getwd()
	cmd := exec.Command(os.Args[0], os.Args[1:]...)
	cmd.Env = append(os.Environ(), emu.Env(dir)...)
	cmd.Env = append(cmd.Env, "XDG_CACHE_HOME="+dir, "DSGO_INFER_TESTDATA="+wd+"/../testdata")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			os.RemoveAll(dir)
			os.Exit(ee.ExitCode())
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
