package kern

import "unsafe"

// Prefetch asks for the cache lines of rows runs of n bytes, stride bytes
// apart, from p to be brought into the caches ahead of their use (n and
// rows > 0). Where a loop moves from one plane of a large tensor to the
// next, the hardware prefetchers start late on each plane, or lose track
// of a stride-2 layer's dozens of output planes, and at batch sizes whose
// activations leave the L2 the loads and stores wait on memory. A hint:
// nothing is read, and the memory need not be valid.
func Prefetch(p unsafe.Pointer, n, rows, stride int) {
	if useAsm && n > 0 && rows > 0 {
		prefetchAsm(p, n, rows, stride)
	}
}
