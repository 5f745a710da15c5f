package meta

// MaxElementsInDisplayMeta is how many elements of each kind (rectangles,
// labels, lines, arrows, circles) one DisplayMeta holds, as DeepStream's
// MAX_ELEMENTS_IN_DISPLAY_META.
const MaxElementsInDisplayMeta = 16

// DisplayMeta is a set of shapes and texts for the OSD to draw on a frame
// (or on every frame of a batch), DeepStream's NvDsDisplayMeta. Acquire one
// with BatchMeta.AcquireDisplayMeta.
//
// Each kind of element is a fixed array of MaxElementsInDisplayMeta, not a
// slice: the meta is one fixed-size value, so the pool reuses it without
// allocating or growing, a copy is one assignment, and one runaway probe
// cannot grow a pooled meta without bound. Adding past the capacity returns
// ErrDisplayMetaFull; acquire another DisplayMeta for more.
type DisplayMeta struct {
	rects      [MaxElementsInDisplayMeta]RectParams
	labels     [MaxElementsInDisplayMeta]TextParams
	lines      [MaxElementsInDisplayMeta]LineParams
	arrows     [MaxElementsInDisplayMeta]ArrowParams
	circles    [MaxElementsInDisplayMeta]CircleParams
	numRects   int
	numLabels  int
	numLines   int
	numArrows  int
	numCircles int

	// MiscOSDData is free for elements' own use.
	MiscOSDData [MaxUserFields]int64

	link
}

// add appends x to the first *n elements of arr.
// d is not nil.
func add[T any](d *DisplayMeta, arr *[MaxElementsInDisplayMeta]T, n *int, x T) error {
	if d.state == stateFree {
		return ErrReleased
	}
	if *n >= MaxElementsInDisplayMeta {
		return ErrDisplayMetaFull
	}
	arr[*n] = x
	*n++
	return nil
}

// AddRect appends a rectangle.
func (d *DisplayMeta) AddRect(r RectParams) error {
	if d == nil {
		return ErrNilMeta
	}
	return add(d, &d.rects, &d.numRects, r)
}

// Rects returns the rectangles; elements may be changed in place.
func (d *DisplayMeta) Rects() []RectParams {
	if d == nil {
		return nil
	}
	return d.rects[:d.numRects]
}

// NumRects returns the number of rectangles.
func (d *DisplayMeta) NumRects() int { return len(d.Rects()) }

// AddLabel appends a text.
func (d *DisplayMeta) AddLabel(t TextParams) error {
	if d == nil {
		return ErrNilMeta
	}
	return add(d, &d.labels, &d.numLabels, t)
}

// Labels returns the texts; elements may be changed in place.
func (d *DisplayMeta) Labels() []TextParams {
	if d == nil {
		return nil
	}
	return d.labels[:d.numLabels]
}

// NumLabels returns the number of texts.
func (d *DisplayMeta) NumLabels() int { return len(d.Labels()) }

// AddLine appends a line.
func (d *DisplayMeta) AddLine(l LineParams) error {
	if d == nil {
		return ErrNilMeta
	}
	return add(d, &d.lines, &d.numLines, l)
}

// Lines returns the lines; elements may be changed in place.
func (d *DisplayMeta) Lines() []LineParams {
	if d == nil {
		return nil
	}
	return d.lines[:d.numLines]
}

// NumLines returns the number of lines.
func (d *DisplayMeta) NumLines() int { return len(d.Lines()) }

// AddArrow appends an arrow.
func (d *DisplayMeta) AddArrow(a ArrowParams) error {
	if d == nil {
		return ErrNilMeta
	}
	return add(d, &d.arrows, &d.numArrows, a)
}

// Arrows returns the arrows; elements may be changed in place.
func (d *DisplayMeta) Arrows() []ArrowParams {
	if d == nil {
		return nil
	}
	return d.arrows[:d.numArrows]
}

// NumArrows returns the number of arrows.
func (d *DisplayMeta) NumArrows() int { return len(d.Arrows()) }

// AddCircle appends a circle.
func (d *DisplayMeta) AddCircle(c CircleParams) error {
	if d == nil {
		return ErrNilMeta
	}
	return add(d, &d.circles, &d.numCircles, c)
}

// Circles returns the circles; elements may be changed in place.
func (d *DisplayMeta) Circles() []CircleParams {
	if d == nil {
		return nil
	}
	return d.circles[:d.numCircles]
}

// NumCircles returns the number of circles.
func (d *DisplayMeta) NumCircles() int { return len(d.Circles()) }

// copyFrom makes d, acquired from the copy's batch, a copy of src. Every
// field is a value (strings are immutable), so assignment copies deeply.
func (d *DisplayMeta) copyFrom(src *DisplayMeta) {
	l := d.link
	*d = *src
	d.link = l
}
