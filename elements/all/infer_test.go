//go:build !nogst

package all_test

import (
	"context"
	"github.com/dsgo/dsgo/internal/mediatest"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/dsgo/dsgo/eval"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// The sample detector and car-colour classifier on a generated street clip:
// file → nvstreammux → nvinfer (detector) → nvinfer (secondary classifier)
// → nvdsosd → MP4. The boxes must be where the clip's ground truth says
// objects are, and the cars' colours right.
func TestDetectorAndClassifierFindTheObjects(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("skipped with -short and -race: runs the sample models over a sample clip")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	clipPath := filepath.Join(root, "samples", "streams", "street_day_720p.mp4")
	gt, err := eval.LoadGroundTruth(filepath.Join(root, "samples", "streams", "street_day_720p.gt.json"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(root, "samples", "configs")
	out := filepath.Join(t.TempDir(), "annotated.mp4")
	p, err := pipeline.Launch("uridecodebin uri=file://" + clipPath + " ! m.sink_0 nvstreammux name=m batch-size=1 width=1280 height=720 ! " +
		"nvinfer config-file-path=" + filepath.Join(cfg, "config_infer_primary.txt") + " ! " +
		"nvinfer name=sgie config-file-path=" + filepath.Join(cfg, "config_infer_secondary_carcolor.txt") + " ! " +
		"nvdsosd name=osd ! dsencsink location=" + out)
	if err != nil {
		t.Fatal(err)
	}
	clip := eval.Clip{Name: "street_day_720p", GT: gt}
	pipeline.Base(p.ByName("osd")).SinkPad().AddProbe(pipeline.ProbeBuffer, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
		for _, f := range meta.GetBatchMeta(info.Buffer).Frames {
			im, ok := gt.ImageByFrame(f.FrameNum)
			if !ok {
				t.Errorf("frame %d is not in the ground truth", f.FrameNum)
				continue
			}
			for _, o := range f.Objects {
				r := o.RectParams
				pr := eval.Prediction{ImageID: im.ID, Frame: f.FrameNum, Label: o.ObjLabel, Score: float64(o.Confidence), CategoryID: eval.UnknownCategory,
					Box: eval.Box{X: float64(r.Left), Y: float64(r.Top), W: float64(r.Width), H: float64(r.Height)}}
				if id, ok := gt.CategoryByName(o.ObjLabel); ok {
					pr.CategoryID = id
				}
				for _, cm := range o.ClassifierMetas {
					for _, l := range cm.Labels {
						pr.Attributes = map[string]string{"color": l.ResultLabel}
					}
				}
				clip.Pred = append(clip.Pred, pr)
			}
		}
		return pipeline.ProbeOK
	})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := p.Run(ctx, 10*time.Second, nil); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	det, err := eval.EvaluateDetections([]eval.Clip{clip}, eval.DetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	color, err := eval.EvaluateAttribute([]eval.Clip{clip}, "color")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d images, %d boxes: mAP@0.5=%.3f mAP@0.5:0.95=%.3f; car colour accuracy %.3f over %d matched cars",
		det.Images, len(clip.Pred), det.MAP50, det.MAP, color.Accuracy, color.Matched)
	for _, c := range det.Classes {
		t.Logf("  %-9s AP@0.5=%.3f recall@0.5=%.3f gt=%d dets=%d", c.Name, c.AP50, c.Recall50, c.GT, c.Dets)
	}
	if det.Images != 150 || det.MAP50 < 0.85 {
		t.Errorf("detector: %d images, mAP@0.5 %.3f; want 150 images and at least 0.85", det.Images, det.MAP50)
	}
	if color.Matched < 100 || color.Accuracy < 0.9 {
		t.Errorf("car colour: %d cars matched, accuracy %.3f; want at least 100 and 0.9", color.Matched, color.Accuracy)
	}
	if got := mediatest.Probe(t, out); got != "1280,720,150" {
		t.Errorf("annotated MP4: %s (width,height,frames), want 1280,720,150", got)
	}
}
