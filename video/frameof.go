package video

import (
	"fmt"

	"github.com/dsgo/dsgo/pipeline"
)

// FrameOf returns frame i of a buffer seen on pad, laid out by the pad's
// current caps: what a probe uses to read or change pixels (with
// Frame.Image for an image.Image view). For a batch from nvstreammux, i is
// FrameMeta.BatchID; a single frame is 0. The frame aliases the buffer's
// memory: change it only when the buffer is writable.
func FrameOf(pad *pipeline.Pad, buf *pipeline.Buffer, i int) (Frame, error) {
	caps := pad.CurrentCaps()
	if caps == nil {
		return Frame{}, fmt.Errorf("%s: no caps yet", pad.FullName())
	}
	in, err := InfoFromCaps(caps)
	if err != nil {
		return Frame{}, fmt.Errorf("%s: %w", pad.FullName(), err)
	}
	if i < 0 || i >= buf.NumMemory() {
		return Frame{}, fmt.Errorf("%s: frame %d of a buffer with %d", pad.FullName(), i, buf.NumMemory())
	}
	return FrameFromMemory(in, buf.Memory(i))
}
