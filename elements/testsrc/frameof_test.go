package testsrc

import (
	"testing"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// A probe reads the pixels of each frame of a batch through FrameOf.
func TestProbeReadsBatchFramesWithFrameOf(t *testing.T) {
	p, err := pipeline.Launch("nvstreammux name=m batch-size=2 width=32 height=32 format=RGBA ! fakesink name=out " +
		"videotestsrc num-buffers=4 pattern=red ! m.sink_0 videotestsrc num-buffers=4 pattern=blue ! m.sink_1")
	if err != nil {
		t.Fatal(err)
	}
	pad := pipeline.Base(p.ByName("out")).SinkPad()
	seen := 0
	pad.AddProbe(pipeline.ProbeBuffer, func(pd *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
		for _, f := range meta.GetBatchMeta(info.Buffer).Frames {
			fr, err := video.FrameOf(pd, info.Buffer, f.BatchID)
			if err != nil {
				t.Error(err)
				return pipeline.ProbeOK
			}
			img, err := fr.Image()
			if err != nil {
				t.Error(err)
				return pipeline.ProbeOK
			}
			r, _, b, _ := img.At(16, 16).RGBA()
			if (f.SourceID == 0) != (r > b) {
				t.Errorf("source %d: r=%d b=%d", f.SourceID, r>>8, b>>8)
			}
			seen++
		}
		return pipeline.ProbeOK
	})
	if err := p.Run(t.Context(), 0, nil); err != nil {
		t.Fatal(err)
	}
	if seen != 8 {
		t.Fatalf("probe saw %d frames, want 8", seen)
	}
}
