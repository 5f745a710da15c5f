//go:build !amd64 || purego

package kern

const useAsm = false

func conv4x24AVX2(*Tile) { panic("kern: no vector kernel in this build") }
