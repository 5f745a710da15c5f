package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/infer/npy"
	"github.com/dsgo/dsgo/infer/tensor"
)

var datasetFiles = []string{"det_images.npy", "det_boxes.npy", "det_masks.npy", "cls_crops.npy", "cls_labels.npy", "meta.json"}

func readNpy(t *testing.T, path string, dt tensor.DType, tail string) *tensor.Tensor {
	t.Helper()
	x, err := npy.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if x.DType != dt || !strings.HasSuffix(x.Shape.String(), tail) {
		t.Fatalf("%s: %v %v, want %v ...%s", path, x.DType, x.Shape, dt, tail)
	}
	return x
}

// The dataset's arrays have the shapes and meaning samples/FORMATS.md gives them,
// and do not depend on the number of workers.
func TestDataset(t *testing.T) {
	dir := t.TempDir()
	o := datasetOptions{seed: 3, scenes: 4, frames: 2, stride: 15, workers: 3, out: filepath.Join(dir, "a")}
	st, err := writeDataset(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	o.workers, o.out = 1, filepath.Join(dir, "b")
	if _, err := writeDataset(t.Context(), o); err != nil {
		t.Fatal(err)
	}
	for _, f := range datasetFiles {
		a, _ := os.ReadFile(filepath.Join(dir, "a", f))
		b, _ := os.ReadFile(filepath.Join(dir, "b", f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between 3 workers and 1 (%d and %d bytes)", f, len(a), len(b))
		}
	}
	d := filepath.Join(dir, "a")
	imgs := readNpy(t, filepath.Join(d, "det_images.npy"), tensor.Uint8, "x368x640x3]")
	boxes := readNpy(t, filepath.Join(d, "det_boxes.npy"), tensor.Float32, "x11]")
	crops := readNpy(t, filepath.Join(d, "cls_crops.npy"), tensor.Uint8, "x64x64x3]")
	labels := readNpy(t, filepath.Join(d, "cls_labels.npy"), tensor.Int64, "x2]")
	if imgs.Shape[0] != 8 || st.Images != 8 || boxes.Shape[0] != st.Boxes || crops.Shape[0] != st.Crops || labels.Shape[0] != st.Crops {
		t.Fatalf("shapes %v %v %v %v, stats %+v", imgs.Shape, boxes.Shape, crops.Shape, labels.Shape, st)
	}
	if st.Boxes < 20 || st.Crops < 2 {
		t.Fatalf("only %d boxes and %d crops in 8 images", st.Boxes, st.Crops)
	}
	masks := readMasks(t, filepath.Join(d, "det_masks.npy"), 8)
	var meta datasetMeta
	mb, _ := os.ReadFile(filepath.Join(d, "meta.json"))
	if err := json.Unmarshal(mb, &meta); err != nil || meta.Images != 8 || meta.Width != 640 || meta.Height != 368 ||
		len(meta.Classes) != 4 || len(meta.Colors) != 8 || len(meta.Types) != 4 || len(meta.SceneConfigs) != 4 {
		t.Fatalf("meta.json %+v: %v", meta, err)
	}
	// Boxes: image order, rows of one image together, masks inside boxes.
	crop := 0
	row := 0
	for img := 0; img < 8; img++ {
		first := row
		for row < boxes.Shape[0] && int(boxes.F32[row*11]) == img {
			row++
		}
		if row == first {
			t.Fatalf("image %d has no boxes", img)
		}
		m := masks[img*368*640 : (img+1)*368*640]
		for j := first; j < row; j++ {
			b := boxes.F32[j*11 : j*11+11]
			cls, x1, y1, x2, y2, vis := int(b[1]), b[2], b[3], b[4], b[5], b[10]
			if cls < 0 || cls > 3 || x1 < 0 || y1 < 0 || x2 > 640 || y2 > 368 || x1 >= x2 || y1 >= y2 || vis <= 0 || vis > 1 {
				t.Fatalf("row %d: %v", j, b)
			}
			if (cls == 0) != (b[8] >= 0 && b[9] >= 0) {
				t.Fatalf("row %d: class %d colour %v type %v", j, cls, b[8], b[9])
			}
			for p, v := range m {
				x, y := float32(p%640), float32(p/640)
				// Nearest scaling maps a pixel centre to a source pixel
				// inside the full-size box: at most half a pixel past x2, y2.
				if int(v) == j-first+1 && (x+0.5 < x1 || x > x2 || y+0.5 < y1 || y > y2) {
					t.Fatalf("image %d: mask pixel %v,%v of row %d outside its box %v", img, x, y, j, b[2:6])
				}
			}
			cfg := sceneConfig(o, img/2)
			fw, fh := (x2-x1)*float32(cfg.Width)/640, (y2-y1)*float32(cfg.Height)/368
			if cls == 0 && vis >= 0.5 && fw >= 31.99 && fh >= 31.99 {
				if l := labels.Raw[crop*16:]; int64(binary.LittleEndian.Uint64(l)) != int64(b[8]) || int64(binary.LittleEndian.Uint64(l[8:])) != int64(b[9]) {
					t.Fatalf("crop %d labels do not match car row %d", crop, j)
				}
				crop++
			}
		}
		for _, v := range m {
			if int(v) > row-first {
				t.Fatalf("image %d: mask value %d but %d boxes", img, v, row-first)
			}
		}
	}
	if row != boxes.Shape[0] || crop != st.Crops {
		t.Fatalf("%d of %d rows in order, %d of %d crops accounted for", row, boxes.Shape[0], crop, st.Crops)
	}
	// Images are pictures, not blank: each has many distinct values.
	for img := 0; img < 8; img++ {
		seen := map[uint8]bool{}
		for _, v := range imgs.Raw[img*368*640*3 : (img+1)*368*640*3] {
			seen[v] = true
		}
		if len(seen) < 100 {
			t.Errorf("image %d has only %d distinct values", img, len(seen))
		}
	}
}

// readMasks reads det_masks.npy (uint16, which infer/npy does not know).
func readMasks(t *testing.T, path string, n int) []uint16 {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	hl := int(binary.LittleEndian.Uint16(b[8:]))
	h := string(b[10 : 10+hl])
	if !strings.HasPrefix(string(b), "\x93NUMPY\x01\x00") || (10+hl)%64 != 0 ||
		!strings.Contains(h, "'descr': '<u2'") || !strings.Contains(h, "'shape': (8, 368, 640)") || !strings.HasSuffix(h, "\n") {
		t.Fatalf("det_masks.npy header %q", h)
	}
	data := b[10+hl:]
	if len(data) != n*368*640*2 {
		t.Fatalf("det_masks.npy has %d data bytes", len(data))
	}
	m := make([]uint16, n*368*640)
	for i := range m {
		m[i] = binary.LittleEndian.Uint16(data[i*2:])
	}
	return m
}

func TestNpyWriterRejectsPartialRows(t *testing.T) {
	w, err := createNpy(filepath.Join(t.TempDir(), "x.npy"), "<f4", 3)
	if err != nil {
		t.Fatal(err)
	}
	defer w.close()
	if err := w.write(make([]byte, 8)); err == nil {
		t.Error("8 bytes written as rows of 12")
	}
	if _, err := createNpy(filepath.Join(t.TempDir(), "y.npy"), "<c16"); err == nil {
		t.Error("complex type accepted")
	}
}
