package app

import (
	"fmt"
	"os"
	"strconv"
	"sync"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// KITTIWriter writes one KITTI text file per frame, as deepstream-app's
// write_kitti_output (gie-kitti-output-dir, the primary detector's boxes)
// and write_kitti_track_output (kitti-track-output-dir, the tracker's
// boxes with their track ids) do. Files are named
// <dir>/<index %02d>_<source id %03d>_<frame number %06d>.txt, where index
// is the config's index among the configs an app runs (0 for dsapp), and
// every frame gets a file, empty when it has no objects. A detection line
// is
//
//	<label> 0.0 0 0.0 <left> <top> <right> <bottom> 0.0 0.0 0.0 0.0 0.0 0.0 0.0 <confidence>
//
// with the box from RectParams and the detector's confidence; a track line
// puts the track id after the label and takes the box from TrackerBBoxInfo
// and the tracker's confidence. Numbers are printed as C's %f does (six
// decimals).
type KITTIWriter struct {
	// Dir is the directory of the files; it must exist.
	Dir string
	// Index is the config's index (deepstream-app's appCtx->index).
	Index int
	// Track selects the tracker output format.
	Track bool

	mu   sync.Mutex
	line []byte
	name []byte
	err  error // the first write error, reported once
}

// FileName returns the file of a source's frame.
func (w *KITTIWriter) FileName(sourceID, frameNum int) string {
	return string(w.appendName(nil, sourceID, frameNum))
}

func (w *KITTIWriter) appendName(b []byte, sourceID, frameNum int) []byte {
	b = append(b, w.Dir...)
	b = append(b, '/')
	b = appendPadded(b, w.Index, 2)
	b = append(b, '_')
	b = appendPadded(b, sourceID, 3)
	b = append(b, '_')
	b = appendPadded(b, frameNum, 6)
	return append(b, ".txt"...)
}

// appendPadded appends n in decimal with at least width digits, as %0Nu.
func appendPadded(b []byte, n, width int) []byte {
	var digits [20]byte
	s := strconv.AppendUint(digits[:0], uint64(n), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// AppendLine appends the KITTI line of one object.
func (w *KITTIWriter) AppendLine(b []byte, o *meta.ObjectMeta) []byte {
	b = append(b, o.ObjLabel...)
	box, conf := o.RectParams.Left, o.Confidence
	top, width, height := o.RectParams.Top, o.RectParams.Width, o.RectParams.Height
	if w.Track {
		b = append(b, ' ')
		b = strconv.AppendUint(b, o.ObjectID, 10)
		t := o.TrackerBBoxInfo.OrgBBoxCoords
		box, top, width, height, conf = t.Left, t.Top, t.Width, t.Height, o.TrackerConfidence
	}
	b = append(b, " 0.0 0 0.0 "...)
	// C computes right and bottom in float and prints them as double.
	for i, v := range [4]float32{box, top, box + width, top + height} {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendFloat(b, float64(v), 'f', 6, 64)
	}
	b = append(b, " 0.0 0.0 0.0 0.0 0.0 0.0 0.0 "...)
	b = strconv.AppendFloat(b, float64(conf), 'f', 6, 64)
	return append(b, '\n')
}

// Write writes the files of every frame of a batch. It goes on past a file
// it cannot write and returns the first error.
func (w *KITTIWriter) Write(batch *meta.BatchMeta) error {
	if batch == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var first error
	for _, f := range batch.Frames {
		w.line = w.line[:0]
		for _, o := range f.Objects {
			w.line = w.AppendLine(w.line, o)
		}
		w.name = w.appendName(w.name[:0], f.SourceID, f.FrameNum)
		if err := os.WriteFile(string(w.name), w.line, 0o644); err != nil && first == nil {
			first = fmt.Errorf("kitti output: %w", err)
		}
	}
	return first
}

// Probe is a buffer probe that writes each batch passing the pad. The
// first error is posted once as a warning of the pad's element;
// deepstream-app skips files it cannot open in the same way.
func (w *KITTIWriter) Probe(pad *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
	err := w.Write(meta.GetBatchMeta(info.Buffer))
	if err == nil {
		return pipeline.ProbeOK
	}
	w.mu.Lock()
	report := w.err == nil
	if report {
		w.err = err
	}
	w.mu.Unlock()
	if report && pad != nil && pad.Parent() != nil {
		pipeline.Base(pad.Parent()).PostWarning(err, "further KITTI write errors are not reported")
	}
	return pipeline.ProbeOK
}

// Err returns the first error the probe met, or nil.
func (w *KITTIWriter) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}
