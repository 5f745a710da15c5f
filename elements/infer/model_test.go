package infer

import (
	"os"
	"path/filepath"
	"testing"
)

// ownEngine keeps dsgo's engine beside a file that is not one (a
// TensorRT engine a DeepStream config names) and uses the path itself
// otherwise.
func TestOwnEngineNeverTakesAForeignFile(t *testing.T) {
	dir := t.TempDir()
	trt := filepath.Join(dir, "model.onnx_b4_gpu0_fp16.engine")
	ours := filepath.Join(dir, "ours.engine")
	missing := filepath.Join(dir, "missing.engine")
	os.WriteFile(trt, []byte("TensorRT plan"), 0o644)
	os.WriteFile(ours, []byte("DSGOENG\x00\x01\x00\x00\x00"), 0o644)
	for path, want := range map[string]string{
		"":      "",
		missing: missing,
		ours:    ours,
		trt:     filepath.Join(dir, "model.onnx_b4_gpu0_fp16.dsgo.engine"),
	} {
		if got := ownEngine(path); got != want {
			t.Errorf("ownEngine(%q) = %q, want %q", path, got, want)
		}
	}
}
