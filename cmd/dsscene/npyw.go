package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// npyHeaderLen is the fixed size of the headers npyWriter writes: the
// header is rewritten with the final row count on close, so it reserves
// room for any count (NumPy pads headers with spaces to a multiple of 64).
const npyHeaderLen = 128

// npyWriter streams rows of a C-order array into a .npy file (format 1.0)
// whose first dimension is known only at the end. (infer/npy writes whole
// tensors from memory and has no uint16; a dataset is far larger than
// memory should hold.)
type npyWriter struct {
	f     *os.File
	w     *bufio.Writer
	descr string
	tail  []int // shape after the first dimension
	row   int   // bytes per row
	rows  int
}

// createNpy creates path for an array of rows of shape tail with NumPy
// type descr ("|u1", "<u2", "<f4", "<i8").
func createNpy(path, descr string, tail ...int) (*npyWriter, error) {
	size := map[string]int{"|u1": 1, "<u2": 2, "<f4": 4, "<i8": 8}[descr]
	if size == 0 {
		return nil, fmt.Errorf("npy: unsupported type %q", descr)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	n := &npyWriter{f: f, w: bufio.NewWriterSize(f, 1<<20), descr: descr, tail: tail, row: size}
	for _, d := range tail {
		n.row *= d
	}
	if _, err := n.w.Write(n.header()); err != nil {
		f.Close()
		return nil, err
	}
	return n, nil
}

// header returns the header for the rows written so far.
func (n *npyWriter) header() []byte {
	dims := []string{strconv.Itoa(n.rows)}
	for _, d := range n.tail {
		dims = append(dims, strconv.Itoa(d))
	}
	shape := strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (%s), }", n.descr, shape)
	h := make([]byte, 0, npyHeaderLen)
	h = append(h, "\x93NUMPY\x01\x00"...)
	hl := npyHeaderLen - 10
	h = append(h, byte(hl), byte(hl>>8))
	h = append(h, dict...)
	for len(h) < npyHeaderLen-1 {
		h = append(h, ' ')
	}
	return append(h, '\n')
}

// write appends whole rows; len(b) must be a multiple of the row size.
func (n *npyWriter) write(b []byte) error {
	if len(b)%n.row != 0 {
		return fmt.Errorf("npy: %d bytes are not whole rows of %d", len(b), n.row)
	}
	if _, err := n.w.Write(b); err != nil {
		return err
	}
	n.rows += len(b) / n.row
	return nil
}

// close writes the final header and closes the file.
func (n *npyWriter) close() error {
	err := n.w.Flush()
	if err == nil {
		_, err = n.f.WriteAt(n.header(), 0)
	}
	if cerr := n.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", n.f.Name(), err)
	}
	return nil
}
