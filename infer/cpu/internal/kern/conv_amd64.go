//go:build amd64 && !purego

package kern

import "golang.org/x/sys/cpu"

// useAsm reports whether the AVX2+FMA kernel can run; fixed at start-up.
var useAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func conv4x24AVX2(t *Tile)
