package meta

import "strconv"

// Color is an RGBA colour with components in [0, 1], DeepStream's
// NvOSD_ColorParams.
type Color struct {
	R, G, B, A float64 // red, green, blue, alpha (opacity)
}

// BBoxCoords is a box in pixels: left and top edges, width and height,
// DeepStream's NvBbox_Coords (and NvDsRect).
type BBoxCoords struct {
	Left, Top, Width, Height float32 // pixels
}

// BBoxInfo keeps the box one component output, DeepStream's
// NvDsComp_BboxInfo, so that later components may move RectParams without
// losing it.
type BBoxInfo struct {
	// OrgBBoxCoords is the box in pipeline coordinates.
	OrgBBoxCoords BBoxCoords
}

// RectParams is a rectangle and how to draw it, DeepStream's
// NvOSD_RectParams.
type RectParams struct {
	// Left, Top, Width and Height place the rectangle, in pixels of the
	// pipeline resolution.
	Left, Top, Width, Height float32
	// BorderWidth is the border's width in pixels; 0 draws no border.
	BorderWidth int
	// BorderColor is the border's colour.
	BorderColor Color
	// HasBgColor fills the rectangle with BgColor.
	HasBgColor bool
	// BgColor is the fill colour when HasBgColor is set.
	BgColor Color
}

// FontParams chooses the font of a text, DeepStream's NvOSD_FontParams.
type FontParams struct {
	// FontName is a font family name, e.g. "Serif".
	FontName string
	// FontSize is the size in points.
	FontSize int
	// FontColor is the text's colour.
	FontColor Color
}

// TextParams is a text and where and how to draw it, DeepStream's
// NvOSD_TextParams.
type TextParams struct {
	// DisplayText is the text to draw.
	DisplayText string
	// XOffset and YOffset place the text's top-left corner, in pixels.
	XOffset, YOffset int
	// FontParams chooses the font.
	FontParams FontParams
	// SetBgColor draws TextBgColor behind the text.
	SetBgColor bool
	// TextBgColor is the background colour when SetBgColor is set.
	TextBgColor Color
}

// MaskParams is an instance mask, DeepStream's NvOSD_MaskParams: Width×Height
// probabilities, row-major, covering the object's box; a pixel belongs to
// the object where its value exceeds Threshold.
type MaskParams struct {
	// Data holds Width*Height values, row-major.
	Data []float32
	// Width and Height are the mask's size in values.
	Width, Height int
	// Threshold is the value above which a pixel is inside the object.
	Threshold float32
}

// LineParams is a line segment and how to draw it, DeepStream's
// NvOSD_LineParams.
type LineParams struct {
	// X1, Y1, X2 and Y2 are the end points in pixels.
	X1, Y1, X2, Y2 int
	// Width is the line width in pixels.
	Width int
	// Color is the line's colour.
	Color Color
}

// ArrowHead says at which end(s) of an arrow the head is drawn,
// DeepStream's NvOSD_Arrow_Head_Direction.
type ArrowHead int

const (
	// ArrowHeadStart draws the head at (X1, Y1).
	ArrowHeadStart ArrowHead = iota
	// ArrowHeadEnd draws the head at (X2, Y2).
	ArrowHeadEnd
	// ArrowHeadBoth draws heads at both ends.
	ArrowHeadBoth
)

// String returns the direction's name.
func (h ArrowHead) String() string {
	switch h {
	case ArrowHeadStart:
		return "start"
	case ArrowHeadEnd:
		return "end"
	case ArrowHeadBoth:
		return "both"
	}
	return "ArrowHead(" + strconv.Itoa(int(h)) + ")"
}

// ArrowParams is an arrow and how to draw it, DeepStream's
// NvOSD_ArrowParams.
type ArrowParams struct {
	// X1, Y1, X2 and Y2 are the end points in pixels.
	X1, Y1, X2, Y2 int
	// Width is the line width in pixels.
	Width int
	// Head says which end(s) get a head.
	Head ArrowHead
	// Color is the arrow's colour.
	Color Color
}

// CircleParams is a circle and how to draw it, DeepStream's
// NvOSD_CircleParams.
type CircleParams struct {
	// XC and YC are the centre in pixels.
	XC, YC int
	// Radius is the radius in pixels.
	Radius int
	// Color is the outline's colour.
	Color Color
	// HasBgColor fills the circle with BgColor.
	HasBgColor bool
	// BgColor is the fill colour when HasBgColor is set.
	BgColor Color
}
