package scene

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
)

// light is the lighting at one level between day (0) and night (1).
type light struct {
	amb            [3]float64 // multiplier of albedo
	lamps          float64    // how much lamps and windows glow, 0-1
	skyTop, skyHor [3]float64
}

// lightKeys are the lightings of day, dusk and night.
var lightKeys = [3]light{
	{amb: [3]float64{1, 1, 1}, skyTop: [3]float64{88, 140, 212}, skyHor: [3]float64{182, 208, 232}},
	{amb: [3]float64{0.8, 0.62, 0.52}, lamps: 0.4, skyTop: [3]float64{58, 58, 118}, skyHor: [3]float64{242, 150, 92}},
	{amb: [3]float64{0.17, 0.19, 0.3}, lamps: 1, skyTop: [3]float64{6, 8, 22}, skyHor: [3]float64{28, 32, 58}},
}

// lightLevels is how finely a cycling light is quantised: frames within
// one step share the relit background and the noise table.
const lightLevels = 48

// lightAt interpolates the key lightings at level q/lightLevels.
func lightAt(q int) light {
	x := float64(q) / lightLevels * 2
	i := min(int(x), 1)
	t := x - float64(i)
	a, b := &lightKeys[i], &lightKeys[i+1]
	mix := func(p, q float64) float64 { return p + (q-p)*t }
	var l light
	for c := 0; c < 3; c++ {
		l.amb[c] = mix(a.amb[c], b.amb[c])
		l.skyTop[c] = mix(a.skyTop[c], b.skyTop[c])
		l.skyHor[c] = mix(a.skyHor[c], b.skyHor[c])
	}
	l.lamps = mix(a.lamps, b.lamps)
	return l
}

// level returns the quantised lighting level of frame i.
func (s *Scene) level(i int) int {
	switch s.cfg.Lighting {
	case Dusk:
		return lightLevels / 2
	case Night:
		return lightLevels
	case Cycle:
		x := 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(s.cfg.Frames))
		return int(math.Round(x * lightLevels))
	}
	return 0
}

// lightColor returns palette entry i of p under l as RGBA.
func (l *light) color(p *palette, i int) [4]uint8 {
	c := p.alb[i]
	var o [4]uint8
	for k := 0; k < 3; k++ {
		a := l.amb[k]
		if p.flag[i] == lookReflective {
			a = min(1, a+0.5*l.lamps)
		}
		v := float64(c[k]) * a
		if p.flag[i] == lookEmissive {
			v += (float64(p.emit[i][k]) - v) * l.lamps
		}
		o[k] = uint8(min(255, math.Round(v)))
	}
	o[3] = 255
	return o
}

// relight returns the background lit at level q, computing it once per level.
func (s *Scene) relight(q int) []uint8 {
	bg := &s.bg
	if bg.litKey == q {
		return bg.lit
	}
	l := lightAt(q)
	var lut [3][256]uint8
	for c := 0; c < 3; c++ {
		for v := range 256 {
			lut[c][v] = uint8(min(255, math.Round(float64(v)*l.amb[c])))
		}
	}
	lampC := [3]float64{255, 214, 150}
	warm := [3]float64{255, 208, 130}
	var glow [3][256]uint8 // added light of a lamp-light value
	for c := 0; c < 3; c++ {
		for g := range 256 {
			glow[c][g] = uint8(min(255, math.Round(lampC[c]*float64(g)/255*0.55*l.lamps)))
		}
	}
	for y := 0; y < bg.h; y++ {
		t := min(1, float64(y)/max(1, s.cam.yh))
		var sky [3]uint8
		for c := 0; c < 3; c++ {
			sky[c] = uint8(math.Round(l.skyTop[c] + (l.skyHor[c]-l.skyTop[c])*t))
		}
		for x := 0; x < bg.w; x++ {
			i := y*bg.w + x
			a := bg.alb[i*4 : i*4+4]
			o := bg.lit[i*4 : i*4+4]
			switch bg.kind[i] {
			case pxSky:
				o[0], o[1], o[2] = sky[0], sky[1], sky[2]
			case pxWindow:
				for c := 0; c < 3; c++ {
					v := float64(lut[c][a[c]])
					o[c] = uint8(v + (warm[c]-v)*l.lamps)
				}
			default:
				g := bg.glow[i]
				o[0] = uint8(min(255, int(lut[0][a[0]])+int(glow[0][g])))
				o[1] = uint8(min(255, int(lut[1][a[1]])+int(glow[1][g])))
				o[2] = uint8(min(255, int(lut[2][a[2]])+int(glow[2][g])))
			}
			o[3] = 255
		}
	}
	bg.litKey = q
	return bg.lit
}

// noiseTable holds camera noise for one noise strength, two RGBA pixels
// per entry: the positive and the negative part of each channel's noise as
// packed bytes (alpha bytes are zero), to be applied with saturating
// byte arithmetic eight bytes at a time.
type noiseTable struct {
	key      int
	pos, neg []uint64
}

const noiseSize = 1 << 16

// noise returns the noise table for lighting level q: darker frames get
// more noise, as a sensor's gain rises in the dark.
func (s *Scene) noise(q int) *noiseTable {
	nt := &s.noiseTab
	if nt.key == q {
		return nt
	}
	sigma := s.cfg.Noise * (1 + 1.5*float64(q)/lightLevels)
	if nt.pos == nil {
		nt.pos, nt.neg = make([]uint64, noiseSize), make([]uint64, noiseSize)
	}
	r := rand.New(rand.NewPCG(s.cfg.Seed, 0x401e))
	for i := range nt.pos {
		var p, n uint64
		for b := 0; b < 8; b++ {
			if b&3 == 3 {
				continue // alpha
			}
			// The sum of four uniforms: variance 1/3, close to a Gaussian.
			g := (r.Float64() + r.Float64() + r.Float64() + r.Float64() - 2) * math.Sqrt(3)
			v := int(math.Round(g * sigma))
			if v > 0 {
				p |= uint64(min(v, 255)) << (8 * b)
			} else {
				n |= uint64(min(-v, 255)) << (8 * b)
			}
		}
		nt.pos[i], nt.neg[i] = p, n
	}
	nt.key = q
	return nt
}

const (
	lo7 = 0x7f7f7f7f7f7f7f7f
	hi1 = 0x8080808080808080
)

// addSat adds the bytes of b to those of a, saturating at 255.
func addSat(a, b uint64) uint64 {
	t := ((a & lo7) + (b & lo7)) ^ ((a ^ b) & hi1)
	c := ((a & b) | ((a | b) &^ t)) & hi1
	return t | (c>>7)*0xff
}

// subSat subtracts the bytes of b from those of a, saturating at 0.
func subSat(a, b uint64) uint64 {
	t := ((a | hi1) - (b & lo7)) ^ ((a ^ ^b) & hi1)
	c := ((^a & b) | (^(a ^ b) & t)) & hi1
	return t &^ ((c >> 7) * 0xff)
}

// addNoise adds camera noise to frame i's RGB channels: each row starts at
// a pseudo-random place of the table, chosen from the seed and frame.
func (s *Scene) addNoise(pix []uint8, stride, i, q int) {
	nt := s.noise(q)
	var pcg rand.PCG
	pcg.Seed(s.cfg.Seed^0x6e6f697365, uint64(i))
	w := s.cfg.Width
	for y := 0; y < s.cfg.Height; y++ {
		k := uint32(pcg.Uint64())
		row := pix[y*stride : y*stride+w*4]
		x := 0
		for ; x+8 <= len(row); x += 8 {
			j := k & (noiseSize - 1)
			k++
			v := binary.LittleEndian.Uint64(row[x:])
			binary.LittleEndian.PutUint64(row[x:], subSat(addSat(v, nt.pos[j]), nt.neg[j]))
		}
		if x < len(row) { // an odd width's last pixel
			j := k & (noiseSize - 1)
			p, n := nt.pos[j], nt.neg[j]
			for c := 0; c < 3; c++ {
				v := int(row[x+c]) + int(uint8(p>>(8*c))) - int(uint8(n>>(8*c)))
				row[x+c] = uint8(min(255, max(0, v)))
			}
		}
	}
}

// blur applies a 3x3 binomial filter to the RGB channels.
func (s *Scene) blur(pix []uint8, stride int) {
	w, h := s.cfg.Width, s.cfg.Height
	if len(s.tmp) < w*h*4 {
		s.tmp = make([]uint8, w*h*4)
	}
	for y := 0; y < h; y++ {
		src, dst := pix[y*stride:y*stride+w*4], s.tmp[y*w*4:(y+1)*w*4]
		for x := 0; x < w; x++ {
			l, r := max(x-1, 0)*4, min(x+1, w-1)*4
			for c := 0; c < 3; c++ {
				dst[x*4+c] = uint8((int(src[l+c]) + 2*int(src[x*4+c]) + int(src[r+c]) + 2) >> 2)
			}
		}
	}
	for y := 0; y < h; y++ {
		up, mid, dn := s.tmp[max(y-1, 0)*w*4:], s.tmp[y*w*4:], s.tmp[min(y+1, h-1)*w*4:]
		dst := pix[y*stride : y*stride+w*4]
		for x := 0; x < w*4; x++ {
			if x&3 != 3 {
				dst[x] = uint8((int(up[x]) + 2*int(mid[x]) + int(dn[x]) + 2) >> 2)
			}
		}
	}
}
