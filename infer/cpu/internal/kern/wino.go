package kern

import "unsafe"

// Winograd F(2x2, 3x3) transforms, eight tiles at a time. A tile is 2x2
// output pixels; it reads a 4x4 patch of input whose columns start at
// twice the tile's column. The 16 transformed values of a tile (index
// 4*i+k) go to 16 planes; a 3x3 convolution then becomes 16 products of
// the transformed weights and inputs (the micro-kernel's 1x1 case) and
// the output transform, 2.25 times fewer multiplications than direct.

// WinoIn transforms n8 groups of 8 tiles: tile j of group g reads the
// input rows p, p+ps, p+2ps, p+3ps (ps in bytes) at columns 2*(8g+j) ..
// 2*(8g+j)+3, and its value xi goes to v + xi*vs (bytes) + 4*(8g+j).
// It reads up to 2*8*n8+2 floats of each row.
func WinoIn(v unsafe.Pointer, vs int, p unsafe.Pointer, ps int, n8 int) {
	if useAsm {
		winoInAVX2(v, vs, p, ps, n8)
		return
	}
	WinoInGo(v, vs, p, ps, n8)
}

// WinoInRow is WinoIn for one row i (0-3) of the 16 values: value 4*i+k
// of tile 8g+j goes to v + k*vs + 4*(8g+j), the same float WinoIn
// stores at v + (4*i+k)*vs. Row i of B^T combines two input rows (d0-d2,
// d1+d2, d2-d1, d1-d3), so a row costs half of WinoIn's loads and a
// quarter of its stores: workers splitting a small layer's transform by
// value rows each write only their values' planes.
func WinoInRow(v unsafe.Pointer, vs int, p unsafe.Pointer, ps int, n8, i int) {
	a, b, sign := winoRowPair(i)
	if useAsm {
		winoInRowAVX2(v, vs, unsafe.Add(p, a*ps), unsafe.Add(p, b*ps), n8, sign)
		return
	}
	WinoInRowGo(v, vs, p, ps, n8, i)
}

// winoRowPair returns the input rows value row i combines and the sign
// of the second: row i is row a + sign * row b.
func winoRowPair(i int) (a, b int, sign float32) {
	switch i {
	case 0:
		return 0, 2, -1
	case 1:
		return 1, 2, 1
	case 2:
		return 2, 1, -1
	}
	return 1, 3, -1
}

// WinoInRowGo is the portable WinoInRow, the same sums as WinoInGo.
func WinoInRowGo(v unsafe.Pointer, vs int, p unsafe.Pointer, ps int, n8, i int) {
	a, b, sign := winoRowPair(i)
	for t := range 8 * n8 {
		var tr [2][4]float32
		for r, row := range [2]int{a, b} {
			var d [4]float32
			for c := range 4 {
				d[c] = *f32At(p, row*ps+4*(2*t+c))
			}
			tr[r] = [4]float32{d[0] - d[2], d[1] + d[2], d[2] - d[1], d[1] - d[3]}
		}
		for k := range 4 {
			if sign > 0 {
				*f32At(v, k*vs+4*t) = tr[0][k] + tr[1][k]
			} else {
				*f32At(v, k*vs+4*t) = tr[0][k] - tr[1][k]
			}
		}
	}
}

// WinoOut applies the output transform to n8 groups of 8 tiles: value xi
// of tile t is at m + xi*ms (bytes) + 4*t; the tile's 2x2 outputs go to
// y[2t], y[2t+1] (row 0) and y + ys (bytes) at the same columns (row 1).
// With res (not nil) the residual at the same places from res (rows ys
// apart) is added to them; with relu the outputs are then clamped at 0.
// (Adding the residual here, with the outputs in registers, made residual
// Winograd layers of 32 and 64 channels 3-5% faster than a pass over the
// rows afterwards.)
func WinoOut(y unsafe.Pointer, ys int, m unsafe.Pointer, ms int, n8 int, res unsafe.Pointer, relu bool) {
	if useAsm {
		winoOutAVX2(y, ys, m, ms, n8, flag(relu), res)
		return
	}
	WinoOutGo(y, ys, m, ms, n8, res, relu)
}

func f32At(p unsafe.Pointer, off int) *float32 { return (*float32)(unsafe.Add(p, off)) }

// flag is b as the 0 or 1 the assembly kernels take.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// WinoInGo is the portable WinoIn, the same sums in the same order.
func WinoInGo(v unsafe.Pointer, vs int, p unsafe.Pointer, ps int, n8 int) {
	for t := range 8 * n8 {
		var d, tr [4][4]float32
		for r := range 4 {
			for c := range 4 {
				d[r][c] = *f32At(p, r*ps+4*(2*t+c))
			}
			tr[r] = [4]float32{d[r][0] - d[r][2], d[r][1] + d[r][2], d[r][2] - d[r][1], d[r][1] - d[r][3]}
		}
		for k := range 4 {
			*f32At(v, (0+k)*vs+4*t) = tr[0][k] - tr[2][k]
			*f32At(v, (4+k)*vs+4*t) = tr[1][k] + tr[2][k]
			*f32At(v, (8+k)*vs+4*t) = tr[2][k] - tr[1][k]
			*f32At(v, (12+k)*vs+4*t) = tr[1][k] - tr[3][k]
		}
	}
}

// WinoOutGo is the portable WinoOut.
func WinoOutGo(y unsafe.Pointer, ys int, m unsafe.Pointer, ms int, n8 int, res unsafe.Pointer, relu bool) {
	for t := range 8 * n8 {
		var s [4][2]float32
		for i := range 4 {
			m0, m1 := *f32At(m, (4*i)*ms+4*t), *f32At(m, (4*i+1)*ms+4*t)
			m2, m3 := *f32At(m, (4*i+2)*ms+4*t), *f32At(m, (4*i+3)*ms+4*t)
			s[i] = [2]float32{m0 + m1 + m2, m1 - m2 - m3}
		}
		for k := range 2 {
			y0 := s[0][k] + s[1][k] + s[2][k]
			y1 := s[1][k] - s[2][k] - s[3][k]
			if res != nil {
				y0 += *f32At(res, 4*(2*t+k))
				y1 += *f32At(res, ys+4*(2*t+k))
			}
			if relu {
				y0, y1 = max(y0, 0), max(y1, 0)
			}
			*f32At(y, 4*(2*t+k)) = y0
			*f32At(y, ys+4*(2*t+k)) = y1
		}
	}
}

// WinoWeights transforms a 3x3 filter g (row-major) into its 16 values
// G g G^T.
func WinoWeights(g []float32) [16]float32 {
	var t [4][3]float32 // G g
	for c := range 3 {
		g0, g1, g2 := g[c], g[3+c], g[6+c]
		t[0][c], t[1][c], t[2][c], t[3][c] = g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2
	}
	var u [16]float32
	for i := range 4 {
		a, b, c := t[i][0], t[i][1], t[i][2]
		u[4*i], u[4*i+1], u[4*i+2], u[4*i+3] = a, (a+b+c)/2, (a-b+c)/2, c
	}
	return u
}
