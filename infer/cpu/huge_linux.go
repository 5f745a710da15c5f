package cpu

import (
	"syscall"
	"unsafe"
)

// hugeFloats returns n zeroed float32s. Large ones start on a 2 MiB
// boundary and the kernel is asked to back them with huge pages
// (transparent huge pages are often in madvise mode): convolutions read
// their input a few rows of many channel planes at a time, which with
// 4 KiB pages misses the TLB on every plane (the stride-2 kernel on a
// 24-channel 184x320 input: 40 against 55 GFLOP/s). The memory is
// ordinary Go memory; where the advice is not taken it is only advice.
func hugeFloats(n int) []float32 {
	const page = 2 << 20
	if 4*n < 2*page {
		return make([]float32, n)
	}
	s := make([]float32, n+page/4)
	start := uintptr(unsafe.Pointer(&s[0]))
	off := int(((start+page-1)&^(page-1))-start) / 4
	s = s[off : off+n : off+n]
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*n), syscall.MADV_HUGEPAGE)
	return s
}
