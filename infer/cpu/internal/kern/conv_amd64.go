//go:build amd64 && !purego

package kern

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// useAsm reports whether the AVX2+FMA kernel can run; fixed at start-up.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// useAVX512 reports whether the 512-bit kernels can run (AVX-512 F and
// VL: some use 256-bit registers 16-31; the OS saving the registers).
var useAVX512 = useAsm && cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL

//go:noescape
func conv4x48AVX512(t *Tile)

//go:noescape
func convS12AVX512(t *S4Tile)

//go:noescape
func convS4x3AVX512(t *S4Tile)

//go:noescape
func convS4x2AVX512(t *S4Tile)

//go:noescape
func convS4x4AVX512(t *S4Tile)

//go:noescape
func convS4x4oneAVX512(t *S4Tile)

//go:noescape
func convS4x8oneAVX512(t *S4Tile)

//go:noescape
func convS4x6oneAVX512(t *S4Tile)

//go:noescape
func convS4x6pairAVX512(t *S4Tile)

//go:noescape
func convD4x8oneAVX512(t *S4Tile)

//go:noescape
func convD4x6oneAVX512(t *S4Tile)

//go:noescape
func convS6x8AVX512(t *S4Tile)

//go:noescape
func conv4x24AVX2(t *Tile)

//go:noescape
func winoInAVX2(v unsafe.Pointer, vs int, p unsafe.Pointer, ps int, n8 int)

//go:noescape
func winoInRowAVX2(v unsafe.Pointer, vs int, pa, pb unsafe.Pointer, n8 int, sign float32)

//go:noescape
func winoOutAVX2(y unsafe.Pointer, ys int, m unsafe.Pointer, ms int, n8 int, relu int, res unsafe.Pointer)

//go:noescape
func wino4InAVX2(v unsafe.Pointer, vs int, p unsafe.Pointer, ps int, n8 int)

//go:noescape
func wino4OutAVX2(y unsafe.Pointer, ys int, m unsafe.Pointer, ms int, n8 int, relu int, res unsafe.Pointer)

//go:noescape
func convS4AVX2(t *S4Tile)

//go:noescape
func prefetchAsm(p unsafe.Pointer, n, rows, stride int)

//go:noescape
func convS6AVX2(t *S4Tile)
