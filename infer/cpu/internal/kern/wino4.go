package kern

import "unsafe"

// Winograd F(4x4, 3x3) transforms, eight tiles at a time. A tile is 4x4
// output pixels; it reads a 6x6 patch of input whose columns start at
// four times the tile's column. The 36 transformed values of a tile
// (index 6*i+k) go to 36 planes: 36 products per channel pair for 16
// outputs where F(2x2, 3x3) needs 64 (1.78 times fewer), and the
// transforms' loads and stores of V and M shrink in the same ratio
// (2.25 floats an output instead of 4). The matrices are Lavin and
// Gray's (interpolation points 0, 1, -1, 2, -2):
//
//	B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//	G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//	A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
//
// Column 1 of A^T is all ones: value 7 (row 1, column 1) adds to every
// output of its tile with weight 1, so a bias added to it is the bias.

// Wino4BiasValue is the value whose products carry the bias.
const Wino4BiasValue = 7

// Wino4In transforms n8 groups of 8 tiles: tile j of group g reads the
// input rows p, p+ps, ..., p+5ps (ps in bytes) at columns 4*(8g+j) ..
// 4*(8g+j)+5, and its value xi goes to v + xi*vs (bytes) + 4*(8g+j).
// It reads up to 4*8*n8+4 floats of each row.
func Wino4In(v unsafe.Pointer, vs int, p unsafe.Pointer, ps int, n8 int) {
	if useAsm {
		wino4InAVX2(v, vs, p, ps, n8)
		return
	}
	Wino4InGo(v, vs, p, ps, n8)
}

// Wino4Out applies the output transform to n8 groups of 8 tiles: value
// xi of tile t is at m + xi*ms (bytes) + 4*t; the tile's 4x4 outputs go
// to y + r*ys (bytes) + 4*(4t+c) for row r and column c. With res (not
// nil) the residual at the same places from res (rows ys apart) is added
// to them; with relu the outputs are then clamped at 0.
func Wino4Out(y unsafe.Pointer, ys int, m unsafe.Pointer, ms int, n8 int, res unsafe.Pointer, relu bool) {
	if useAsm {
		wino4OutAVX2(y, ys, m, ms, n8, flag(relu), res)
		return
	}
	Wino4OutGo(y, ys, m, ms, n8, res, relu)
}

// wino4BT applies B^T to the 6 floats d (a row or a column of a patch).
func wino4BT(d [6]float32) [6]float32 {
	t1, t2 := d[4]-4*d[2], d[3]-4*d[1]
	t3, t4 := d[4]-d[2], d[3]-d[1]
	return [6]float32{
		d[4] - 5*d[2] + 4*d[0],
		t1 + t2,
		t1 - t2,
		t3 + 2*t4,
		t3 - 2*t4,
		d[5] + 4*d[1] - 5*d[3],
	}
}

// wino4AT applies A^T to the 6 floats m.
func wino4AT(m [6]float32) [4]float32 {
	a, b := m[1]+m[2], m[1]-m[2]
	c, d := m[3]+m[4], m[3]-m[4]
	return [4]float32{m[0] + a + c, b + 2*d, a + 4*c, b + m[5] + 8*d}
}

// Wino4InGo is the portable Wino4In.
func Wino4InGo(v unsafe.Pointer, vs int, p unsafe.Pointer, ps int, n8 int) {
	for t := range 8 * n8 {
		var rows [6][6]float32 // B^T along each input row
		for r := range 6 {
			var d [6]float32
			for c := range 6 {
				d[c] = *f32At(p, r*ps+4*(4*t+c))
			}
			rows[r] = wino4BT(d)
		}
		for k := range 6 {
			var col [6]float32
			for r := range 6 {
				col[r] = rows[r][k]
			}
			for i, x := range wino4BT(col) {
				*f32At(v, (6*i+k)*vs+4*t) = x
			}
		}
	}
}

// Wino4OutGo is the portable Wino4Out.
func Wino4OutGo(y unsafe.Pointer, ys int, m unsafe.Pointer, ms int, n8 int, res unsafe.Pointer, relu bool) {
	for t := range 8 * n8 {
		var cols [6][4]float32 // A^T down each column of values
		for k := range 6 {
			var col [6]float32
			for i := range 6 {
				col[i] = *f32At(m, (6*i+k)*ms+4*t)
			}
			cols[k] = wino4AT(col)
		}
		for r := range 4 {
			var row [6]float32
			for k := range 6 {
				row[k] = cols[k][r]
			}
			for c, x := range wino4AT(row) {
				off := r*ys + 4*(4*t+c)
				if res != nil {
					x += *f32At(res, off)
				}
				if relu {
					x = max(x, 0)
				}
				*f32At(y, off) = x
			}
		}
	}
}

// Wino4Weights transforms a 3x3 filter g (row-major) into its 36 values
// G g G^T.
func Wino4Weights(g []float32) [36]float32 {
	gt := func(a, b, c float32) [6]float32 { // G applied to 3 floats
		return [6]float32{a / 4, -(a + b + c) / 6, -(a - b + c) / 6, a/24 + b/12 + c/6, a/24 - b/12 + c/6, c}
	}
	var t [6][3]float32 // G g
	for c := range 3 {
		col := gt(g[c], g[3+c], g[6+c])
		for i := range 6 {
			t[i][c] = col[i]
		}
	}
	var u [36]float32
	for i := range 6 {
		row := gt(t[i][0], t[i][1], t[i][2])
		copy(u[6*i:], row[:])
	}
	return u
}
