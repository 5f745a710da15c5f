package npy

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
)

func TestRoundTrip(t *testing.T) {
	x, _ := tensor.FromF32([]float32{1, -2.5, 3, 4, 5, 6}, 2, 3)
	var b bytes.Buffer
	if err := Write(&b, x); err != nil {
		t.Fatal(err)
	}
	if (b.Len()-6*4)%64 != 0 {
		t.Errorf("header of %d bytes is not padded to 64 as NumPy does", b.Len()-6*4)
	}
	y, err := Read(&b)
	if err != nil {
		t.Fatal(err)
	}
	if !y.Shape.Equal(x.Shape) || y.F32[1] != -2.5 || y.F32[5] != 6 {
		t.Fatalf("got %v %v", y.Shape, y.F32)
	}
}

// The reference data made by NumPy on the GPU machine reads back.
func TestReadsNumPyFiles(t *testing.T) {
	x, err := ReadFile(filepath.Join("..", "testdata", "models", "yolo", "output_0.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if x.Shape.String() != "[2x8x2100]" || len(x.F32) != 2*8*2100 {
		t.Fatalf("got %v", x)
	}
	i, err := ReadFile(filepath.Join("..", "testdata", "ops", "argmax", "output_0.npy"))
	if err != nil || i.DType != tensor.Int64 || len(i.Raw) != 3*8 {
		t.Fatalf("got %v %v", i, err)
	}
}

func TestMalformedFilesAreErrors(t *testing.T) {
	good := func(h string) string {
		return "\x93NUMPY\x01\x00" + string([]byte{byte(len(h)), 0}) + h
	}
	for name, in := range map[string]string{
		"empty":     "",
		"magic":     "\x93NUMPX\x01\x00\x00\x00",
		"version":   "\x93NUMPY\x09\x00\x00\x00",
		"short":     good("{'descr'"),
		"dtype":     good("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }") + strings.Repeat("x", 32),
		"fortran":   good("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }"),
		"dim":       good("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }"),
		"huge":      good("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }"),
		"truncdata": good("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }") + "abc",
		"nonsense":  good("hello"),
	} {
		if _, err := Read(strings.NewReader(in)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzRead(f *testing.F) {
	var b bytes.Buffer
	x, _ := tensor.FromF32([]float32{1, 2, 3}, 3)
	Write(&b, x)
	f.Add(b.Bytes())
	f.Add([]byte("\x93NUMPY\x01\x00\x10\x00{'shape': (1,)}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		Read(bytes.NewReader(data))
	})
}
