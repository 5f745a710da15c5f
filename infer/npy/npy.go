// Package npy reads and writes NumPy .npy files (format versions 1-3,
// C order, little-endian): the format of the reference inputs and outputs
// that dsgo's inference backends are checked against, and of dsmodel run's
// inputs and outputs.
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/dsgo/dsgo/infer/tensor"
)

var magic = []byte("\x93NUMPY")

// maxElements bounds what a header may ask for, so that a corrupt file
// fails instead of allocating without limit.
const maxElements = 1 << 30

var (
	descrRE = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	orderRE = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	shapeRE = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

var dtypes = map[string]tensor.DType{
	"<f4": tensor.Float32, "<f2": tensor.Float16, "<i8": tensor.Int64, "<i4": tensor.Int32,
	"|u1": tensor.Uint8, "|i1": tensor.Int8, "|b1": tensor.Bool,
}

// ReadFile reads a .npy file.
func ReadFile(path string) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := Read(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Read decodes one array. Float32 data comes back in Tensor.F32, other
// types in Tensor.Raw.
func Read(r io.Reader) (*tensor.Tensor, error) {
	head := make([]byte, 8)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, fmt.Errorf("npy: short header: %w", err)
	}
	if !bytes.Equal(head[:6], magic) {
		return nil, errors.New("npy: not a .npy file (bad magic)")
	}
	var hlen int
	switch head[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: short header: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: short header: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("npy: unsupported format version %d", head[6])
	}
	if hlen > 1<<16 {
		return nil, fmt.Errorf("npy: header of %d bytes is too long", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("npy: short header: %w", err)
	}
	t, err := parseHeader(string(hdr))
	if err != nil {
		return nil, err
	}
	n := t.Shape.NumElements()
	data := make([]byte, n*t.DType.Size())
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("npy: %v of %d elements: data ends early: %w", t.Shape, n, err)
	}
	if t.DType == tensor.Float32 {
		t.F32 = make([]float32, n)
		for i := range t.F32 {
			t.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
	} else {
		t.Raw = data
	}
	return t, nil
}

func parseHeader(h string) (*tensor.Tensor, error) {
	d, o, s := descrRE.FindStringSubmatch(h), orderRE.FindStringSubmatch(h), shapeRE.FindStringSubmatch(h)
	if d == nil || o == nil || s == nil {
		return nil, fmt.Errorf("npy: malformed header %q", h)
	}
	dt, ok := dtypes[d[1]]
	if !ok {
		return nil, fmt.Errorf("npy: unsupported dtype %q (want float32, float16, int64, int32, uint8, int8 or bool)", d[1])
	}
	if o[1] == "True" {
		return nil, errors.New("npy: Fortran-order arrays are not supported")
	}
	var shape tensor.Shape
	n := 1
	for _, f := range strings.Split(s[1], ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("npy: bad dimension %q", f)
		}
		if v > 0 && n > maxElements/v {
			return nil, fmt.Errorf("npy: shape (%s) is too large", s[1])
		}
		n *= v
		shape = append(shape, v)
	}
	return &tensor.Tensor{DType: dt, Shape: shape}, nil
}

// Write encodes a tensor as .npy version 1.
func Write(w io.Writer, t *tensor.Tensor) error {
	descr := ""
	for k, v := range dtypes {
		if v == t.DType {
			descr = k
		}
	}
	if descr == "" {
		return fmt.Errorf("npy: cannot write %v", t.DType)
	}
	dims := make([]string, len(t.Shape))
	for i, d := range t.Shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", descr, shape)
	pad := 64 - (10+len(h)+1)%64
	h += strings.Repeat(" ", pad%64) + "\n"
	var b bytes.Buffer
	b.Write(magic)
	b.Write([]byte{1, 0})
	binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	b.WriteString(h)
	if t.DType == tensor.Float32 {
		for _, v := range t.F32 {
			binary.Write(&b, binary.LittleEndian, math.Float32bits(v))
		}
	} else {
		b.Write(t.Raw)
	}
	_, err := w.Write(b.Bytes())
	return err
}
