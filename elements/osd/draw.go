package osd

import (
	"time"

	"github.com/dsgo/dsgo/meta"
)

// settings are the properties that decide what is drawn, read once per
// buffer.
type settings struct {
	text, bbox, mask, clock bool
	clockSize               int
	clockX, clockY          int
	clockColor              uint32
}

// drawer draws metadata on frames; one per element, used by its
// streaming goroutine.
type drawer struct {
	cv    canvas
	fonts fonts
}

// drawFrame draws everything for one frame, in DeepStream's order:
// masks, boxes, the display metas' shapes, then the texts on top.
func (d *drawer) drawFrame(fm *meta.FrameMeta, batch *meta.BatchMeta, s *settings) error {
	c := &d.cv
	for _, o := range fm.Objects {
		if s.mask && o.MaskParams.Data != nil {
			c.drawMask(&o.RectParams, &o.MaskParams)
		}
		if s.bbox {
			c.drawRect(&o.RectParams)
		}
	}
	for _, dm := range batch.DisplayMetas {
		d.drawShapes(dm)
	}
	for _, dm := range fm.DisplayMetas {
		d.drawShapes(dm)
	}
	if s.text {
		for _, o := range fm.Objects {
			if err := c.drawLabel(&d.fonts, &o.TextParams); err != nil {
				return err
			}
		}
		for _, dm := range batch.DisplayMetas {
			if err := d.drawLabels(dm); err != nil {
				return err
			}
		}
		for _, dm := range fm.DisplayMetas {
			if err := d.drawLabels(dm); err != nil {
				return err
			}
		}
	}
	if s.clock {
		return d.drawClock(s, time.Now())
	}
	return nil
}

// drawShapes draws a display meta's rectangles, lines, arrows and circles.
func (d *drawer) drawShapes(dm *meta.DisplayMeta) {
	c := &d.cv
	rects, lines, arrows, circles := dm.Rects(), dm.Lines(), dm.Arrows(), dm.Circles()
	for i := range rects {
		c.drawRect(&rects[i])
	}
	for i := range lines {
		c.drawLine(&lines[i])
	}
	for i := range arrows {
		c.drawArrow(&arrows[i])
	}
	for i := range circles {
		c.drawCircle(&circles[i])
	}
}

// drawLabels draws a display meta's texts.
func (d *drawer) drawLabels(dm *meta.DisplayMeta) error {
	labels := dm.Labels()
	for i := range labels {
		if err := d.cv.drawLabel(&d.fonts, &labels[i]); err != nil {
			return err
		}
	}
	return nil
}

// twoDigits holds "00" to "59", so that drawing the clock allocates
// nothing.
var twoDigits = func() (t [60]string) {
	for i := range t {
		t[i] = string([]byte{'0' + byte(i/10), '0' + byte(i%10)})
	}
	return t
}()

// drawClock draws the local time as HH:MM:SS.
func (d *drawer) drawClock(s *settings, now time.Time) error {
	fc, err := d.fonts.face("", s.clockSize)
	if err != nil {
		return err
	}
	if !fc.digits { // render them all now, not as the seconds tick
		fc.measure("0123456789:")
		fc.digits = true
	}
	p := paintRGBA(s.clockColor)
	h, m, sec := now.Clock()
	x, y := s.clockX, s.clockY
	for _, part := range [5]string{twoDigits[h], ":", twoDigits[m], ":", twoDigits[sec%60]} {
		x = d.cv.drawText(fc, part, x, y, &p)
	}
	return nil
}
