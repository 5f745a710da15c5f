package osd

import (
	"fmt"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/dsgo/dsgo/meta"
)

// Text is drawn with the Go fonts, embedded in the binary: Go Regular,
// Go Bold when the font name says "bold", Go Mono when it says "mono" or
// "courier". A size in points is that many pixels high (72 dpi).
const (
	defaultFontSize = 12
	maxFontSize     = 256
	dpi             = 72
)

type fontID uint8

const (
	fontRegular fontID = iota
	fontBold
	fontMono
	numFonts
)

var parsed struct {
	once  sync.Once
	fonts [numFonts]*opentype.Font
	err   error
}

func parseFonts() {
	for i, ttf := range [numFonts][]byte{goregular.TTF, gobold.TTF, gomono.TTF} {
		f, err := opentype.Parse(ttf)
		if err != nil {
			parsed.err = fmt.Errorf("osd: parsing the embedded Go font: %w", err)
			return
		}
		parsed.fonts[i] = f
	}
}

// fontFor picks the font for a FontParams font name.
func fontFor(name string) fontID {
	if name == "" {
		return fontRegular
	}
	switch {
	case containsFold(name, "mono") || containsFold(name, "courier"):
		return fontMono
	case containsFold(name, "bold"):
		return fontBold
	}
	return fontRegular
}

// containsFold reports whether s contains the ASCII word sub, ignoring
// case, without allocating.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// glyph is a rendered glyph: an 8-bit coverage mask w x h whose top-left
// pixel is (dx, dy) from the pen on the baseline, and the pen advance in
// 26.6 fixed point.
type glyph struct {
	mask   []byte
	w, h   int
	dx, dy int
	adv    fixed.Int26_6
}

// face is one font at one size, with its rendered glyphs.
type face struct {
	f                      font.Face
	ascent, descent, lineH int
	glyphs                 map[rune]*glyph
	ascii                  [128]*glyph
	digits                 bool // the clock's glyphs are rendered
}

type faceKey struct {
	font fontID
	size int
}

// fonts caches faces and glyphs for one element; it is used by one
// goroutine at a time (the element's streaming thread).
type fonts struct {
	faces map[faceKey]*face
}

// face returns the face of a font name and size in points, making it on
// first use.
func (fs *fonts) face(name string, size int) (*face, error) {
	if size <= 0 {
		size = defaultFontSize
	}
	k := faceKey{fontFor(name), min(size, maxFontSize)}
	if fc, ok := fs.faces[k]; ok {
		return fc, nil
	}
	parsed.once.Do(parseFonts)
	if parsed.err != nil {
		return nil, parsed.err
	}
	f, err := opentype.NewFace(parsed.fonts[k.font], &opentype.FaceOptions{
		Size: float64(k.size), DPI: dpi, Hinting: font.HintingFull,
	})
	if err != nil {
		return nil, fmt.Errorf("osd: font of size %d: %w", k.size, err)
	}
	m := f.Metrics()
	fc := &face{f: f, ascent: m.Ascent.Ceil(), descent: m.Descent.Ceil(), glyphs: map[rune]*glyph{}}
	fc.lineH = max(m.Height.Ceil(), fc.ascent+fc.descent)
	if fs.faces == nil {
		fs.faces = map[faceKey]*face{}
	}
	fs.faces[k] = fc
	return fc, nil
}

// glyph returns the rendered glyph of r, rendering it on first use.
func (fc *face) glyph(r rune) *glyph {
	if r >= 0 && r < 128 && fc.ascii[r] != nil {
		return fc.ascii[r]
	}
	if g, ok := fc.glyphs[r]; ok {
		return g
	}
	g := &glyph{}
	dr, mask, mp, adv, _ := fc.f.Glyph(fixed.Point26_6{}, r)
	g.adv = adv
	if mask != nil && !dr.Empty() {
		g.w, g.h, g.dx, g.dy = dr.Dx(), dr.Dy(), dr.Min.X, dr.Min.Y
		g.mask = make([]byte, g.w*g.h)
		for y := 0; y < g.h; y++ {
			for x := 0; x < g.w; x++ {
				_, _, _, a := mask.At(mp.X+x, mp.Y+y).RGBA()
				g.mask[y*g.w+x] = uint8(a >> 8)
			}
		}
	}
	if r >= 0 && r < 128 {
		fc.ascii[r] = g
	} else {
		fc.glyphs[r] = g
	}
	return g
}

// measure returns the width of the widest line of s and its number of
// lines.
func (fc *face) measure(s string) (w, lines int) {
	var pen fixed.Int26_6
	lines = 1
	for _, r := range s {
		if r == '\n' {
			w, pen = max(w, pen.Ceil()), 0
			lines++
			continue
		}
		pen += fc.glyph(r).adv
	}
	return max(w, pen.Ceil()), lines
}

// drawText draws s with its first line's top-left corner at (x, y) and
// returns the pen position after it, for text drawn in pieces.
func (c *canvas) drawText(fc *face, s string, x, y int, p *paint) int {
	pen := fixed.I(x)
	base := y + fc.ascent
	for _, r := range s {
		if r == '\n' {
			pen, base = fixed.I(x), base+fc.lineH
			continue
		}
		g := fc.glyph(r)
		if g.mask != nil {
			c.blendMask(pen.Round()+g.dx, base+g.dy, g.mask, g.w, g.h, g.w, p)
		}
		pen += g.adv
	}
	return pen.Round()
}

// drawLabel draws a TextParams: its background box, if set, then the
// text.
func (c *canvas) drawLabel(fs *fonts, t *meta.TextParams) error {
	if t.DisplayText == "" {
		return nil
	}
	fc, err := fs.face(t.FontParams.FontName, t.FontParams.FontSize)
	if err != nil {
		return err
	}
	x, y := min(max(t.XOffset, -maxCoord), maxCoord), min(max(t.YOffset, -maxCoord), maxCoord)
	if t.SetBgColor {
		w, lines := fc.measure(t.DisplayText)
		bg := paintOf(t.TextBgColor)
		c.fillRect(x, y, x+w, y+lines*fc.lineH, &bg)
	}
	p := paintOf(t.FontParams.FontColor)
	c.drawText(fc, t.DisplayText, x, y, &p)
	return nil
}
