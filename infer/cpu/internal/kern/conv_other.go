//go:build !amd64 || purego

package kern

import "unsafe"

const (
	useAsm    = false
	useAVX512 = false
)

func conv4x24AVX2(*Tile) { panic("kern: no vector kernel in this build") }

func winoInAVX2(unsafe.Pointer, int, unsafe.Pointer, int, int) {
	panic("kern: no vector kernel in this build")
}

func winoInRowAVX2(unsafe.Pointer, int, unsafe.Pointer, unsafe.Pointer, int, float32) {
	panic("kern: no vector kernel in this build")
}

func winoOutAVX2(unsafe.Pointer, int, unsafe.Pointer, int, int, int, unsafe.Pointer) {
	panic("kern: no vector kernel in this build")
}

func convS4AVX2(*S4Tile) { panic("kern: no vector kernel in this build") }

func prefetchAsm(unsafe.Pointer, int, int, int) {}

func convS6AVX2(*S4Tile) { panic("kern: no vector kernel in this build") }

func conv4x48AVX512(*Tile) { panic("kern: no vector kernel in this build") }

func convS12AVX512(*S4Tile) { panic("kern: no vector kernel in this build") }

func convS4x3AVX512(*S4Tile) { panic("kern: no vector kernel in this build") }

func convS4x2AVX512(*S4Tile) { panic("kern: no vector kernel in this build") }

func convS4x4AVX512(*S4Tile) { panic("kern: no vector kernel in this build") }

func convS4x4oneAVX512(*S4Tile) { panic("kern: no vector kernel in this build") }

func convS4x8oneAVX512(*S4Tile) { panic("kern: no vector kernel in this build") }

func convS6x8AVX512(*S4Tile) { panic("kern: no vector kernel in this build") }

func convD4x8oneAVX512(*S4Tile) { panic("kern: no vector kernel in this build") }

func convD4x6oneAVX512(*S4Tile) { panic("kern: no vector kernel in this build") }

func convS4x6oneAVX512(*S4Tile) { panic("kern: no vector kernel in this build") }

func convS4x6pairAVX512(*S4Tile) { panic("kern: no vector kernel in this build") }

func wino4InAVX2(unsafe.Pointer, int, unsafe.Pointer, int, int) {
	panic("kern: no vector kernel in this build")
}

func wino4OutAVX2(unsafe.Pointer, int, unsafe.Pointer, int, int, int, unsafe.Pointer) {
	panic("kern: no vector kernel in this build")
}
