package osd

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

const osdCaps = "video/x-raw, format={ RGBA, NV12 }, width=[1, 32768], height=[1, 32768]"

// Process modes, as DeepStream's process-mode property numbers them.
const (
	ModeCPU = iota // draw on the CPU
	ModeGPU        // accepted for DeepStream configurations; drawn on the CPU
)

// OSD is the nvdsosd element: it draws each frame's metadata onto the
// frame, in place.
type OSD struct {
	pipeline.TransformBase
	displayText, displayBBox  bool
	displayMask, displayClock bool
	clockFontSize             int
	clockX, clockY            int
	clockColor                uint32
	processMode               int
	gpuID                     int

	info    video.Info
	hasInfo bool
	warned  bool // about process-mode
	draw    drawer
}

var osdClass = &pipeline.ElementClass{
	Factory:     "nvdsosd",
	Klass:       "Filter/Video/Overlay",
	Description: "Draw boxes, labels, masks, lines, arrows, circles and a clock from the metadata onto the frames",
	Templates: []*pipeline.PadTemplate{
		pipeline.NewPadTemplate("sink", pipeline.PadSink, pipeline.PadAlways, osdCaps),
		pipeline.NewPadTemplate("src", pipeline.PadSrc, pipeline.PadAlways, osdCaps),
	},
	Props: []pipeline.Prop{
		pipeline.BoolProp("display-text", "Draw the objects' labels and the display metas' texts", true, func(e *OSD) *bool { return &e.displayText }).Live(),
		pipeline.BoolProp("display-bbox", "Draw the objects' boxes", true, func(e *OSD) *bool { return &e.displayBBox }).Live(),
		pipeline.BoolProp("display-mask", "Draw the objects' instance masks", false, func(e *OSD) *bool { return &e.displayMask }).Live(),
		pipeline.BoolProp("display-clock", "Draw the local time", false, func(e *OSD) *bool { return &e.displayClock }).Live(),
		pipeline.IntProp("clock-font-size", "Font size of the clock, in points", 12, 1, maxFontSize, func(e *OSD) *int { return &e.clockFontSize }).Live(),
		pipeline.IntProp("clock-x-offset", "Left edge of the clock, in pixels", 0, 0, 1<<15, func(e *OSD) *int { return &e.clockX }).Live(),
		pipeline.IntProp("clock-y-offset", "Top edge of the clock, in pixels", 0, 0, 1<<15, func(e *OSD) *int { return &e.clockY }).Live(),
		pipeline.IntProp("clock-color", "Colour of the clock as 0xRRGGBBAA", uint32(0xff0000ff), 0, 0xffffffff, func(e *OSD) *uint32 { return &e.clockColor }).Live(),
		pipeline.EnumProp("process-mode", "Where to draw (GPU_MODE draws on the CPU too)", ModeCPU, []string{"CPU_MODE", "GPU_MODE"}, func(e *OSD) *int { return &e.processMode }),
		pipeline.IntProp("gpu-id", "GPU of the frames (unused: frames are drawn on the CPU)", 0, 0, 64, func(e *OSD) *int { return &e.gpuID }),
	},
}

func init() { pipeline.Register(osdClass, func() pipeline.Element { return New() }) }

// New returns an nvdsosd with default properties.
func New() *OSD {
	e := &OSD{}
	e.InitTransform(e, osdClass)
	return e
}

// Start warns, once per element, that GPU_MODE draws on the CPU.
func (e *OSD) Start(context.Context) error {
	if e.processMode != ModeCPU && !e.warned {
		e.warned = true
		e.PostWarning(errors.New("process-mode=GPU_MODE: this build draws on the CPU"), "")
	}
	return nil
}

// SetCaps reads the frame layout; frames must be RGBA or NV12 in host
// memory. The output caps are the input's.
func (e *OSD) SetCaps(in *pipeline.Caps) (*pipeline.Caps, error) {
	info, err := video.HostInfoFromCaps(in)
	if err != nil {
		return nil, err
	}
	if info.Format != video.FormatRGBA && info.Format != video.FormatNV12 {
		return nil, fmt.Errorf("nvdsosd draws on RGBA or NV12 frames, not %s", info.Format)
	}
	e.info, e.hasInfo = info, true
	return in, nil
}

func (e *OSD) settings() settings {
	e.Lock()
	defer e.Unlock()
	return settings{
		text: e.displayText, bbox: e.displayBBox, mask: e.displayMask, clock: e.displayClock,
		clockSize: e.clockFontSize, clockX: e.clockX, clockY: e.clockY, clockColor: e.clockColor,
	}
}

// Transform draws on every frame of the batch buffer, in place (copying
// the buffer first if it is shared). Frame i of the BatchMeta is memory
// block BatchID. A buffer without a BatchMeta is drawn on only for the
// clock, every block a frame.
func (e *OSD) Transform(_ context.Context, buf *pipeline.Buffer) (*pipeline.Buffer, error) {
	if !e.hasInfo {
		buf.Unref()
		return nil, errors.New("buffer before caps")
	}
	buf = buf.MakeWritable()
	s := e.settings()
	if err := e.drawBuffer(buf, &s); err != nil {
		buf.Unref()
		return nil, err
	}
	return buf, nil
}

// drawBuffer draws on every frame of buf.
func (e *OSD) drawBuffer(buf *pipeline.Buffer, s *settings) error {
	batch := meta.GetBatchMeta(buf)
	if batch == nil {
		for i := 0; s.clock && i < buf.NumMemory(); i++ {
			if err := e.aim(buf, i); err != nil {
				return err
			}
			if err := e.draw.drawClock(s, time.Now()); err != nil {
				return err
			}
		}
		return nil
	}
	for _, fm := range batch.Frames {
		err := e.aim(buf, fm.BatchID)
		if err == nil {
			err = e.draw.drawFrame(fm, batch, s)
		}
		if err != nil {
			return fmt.Errorf("frame %d of source %d: %w", fm.FrameNum, fm.SourceID, err)
		}
	}
	return nil
}

// aim points the canvas at memory block i of buf.
func (e *OSD) aim(buf *pipeline.Buffer, i int) error {
	if i < 0 || i >= buf.NumMemory() {
		return fmt.Errorf("batch id %d, but the buffer has %d frames", i, buf.NumMemory())
	}
	f, err := video.FrameFromMemory(e.info, buf.Memory(i))
	if err != nil {
		return err
	}
	return e.draw.cv.reset(&f)
}
