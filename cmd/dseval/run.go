//go:build !nogst

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/dsgo/dsgo/elements/all" // every element, GStreamer's included
	"github.com/dsgo/dsgo/eval"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// runOptions configure "dseval run": dsgo's own pipeline on generated
// clips, evaluated against their ground truth.
type runOptions struct {
	name      string
	pgie      string   // primary nvinfer config; "" with gtObjects
	sgie      string   // secondary nvinfer config (classifier), optional
	attr      string   // attribute the secondary classifies (color, type)
	gtObjects bool     // give the secondary the ground truth's objects instead of a detector's
	masks     bool     // evaluate instance masks
	classes   string   // comma-separated categories to evaluate; "" all
	clips     []string // MP4 clips, each with <clip>.gt.json beside it
}

// evalRun is "dseval run": it runs dsgo's pipeline on every clip and
// prints the evaluation as the det, mask or cls task would.
func evalRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dseval run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o runOptions
	fs.StringVar(&o.name, "name", "model", "name printed in the result line")
	fs.StringVar(&o.pgie, "infer", "", "primary nvinfer config file (detector or instance segmentation)")
	fs.StringVar(&o.sgie, "sgie", "", "secondary nvinfer config file (classifier)")
	fs.StringVar(&o.attr, "attr", "", "ground-truth attribute the secondary classifier predicts (color, type)")
	fs.BoolVar(&o.gtObjects, "gt-objects", false, "classify the ground truth's objects (measures the classifier alone)")
	fs.BoolVar(&o.masks, "masks", false, "evaluate instance masks (mask mAP)")
	fs.StringVar(&o.classes, "classes", "", "comma-separated categories to evaluate and average (default all), e.g. the model's classes")
	jsonOut := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	o.clips = fs.Args()
	if err := o.check(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	clips := make([]eval.Clip, 0, len(o.clips))
	for _, path := range o.clips {
		c, err := o.runClip(path)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		clips = append(clips, c)
	}
	po := &options{task: "det", name: o.name, gts: o.clips, attr: o.attr, json: *jsonOut}
	var result any
	var print func(io.Writer)
	switch {
	case o.attr != "":
		po.task = "cls"
		r, err := eval.EvaluateAttribute(clips, o.attr)
		if err != nil {
			return err
		}
		result, print = r, func(w io.Writer) { printAttr(w, po, r) }
	default:
		if o.masks {
			po.task = "mask"
		}
		opt := eval.DetOptions{Masks: o.masks}
		if o.classes != "" {
			opt.Classes = strings.Split(o.classes, ",")
		}
		r, err := eval.EvaluateDetections(clips, opt)
		if err != nil {
			return err
		}
		result, print = r, func(w io.Writer) { printDet(w, po, r) }
	}
	if po.json {
		return writeJSON(stdout, po, result)
	}
	print(stdout)
	return nil
}

func (o *runOptions) check() error {
	switch {
	case len(o.clips) == 0:
		return fmt.Errorf("no clips given (dseval run [flags] clip.mp4...)")
	case o.pgie == "" && !o.gtObjects:
		return fmt.Errorf("-infer is required unless -gt-objects is set")
	case o.gtObjects && (o.sgie == "" || o.attr == ""):
		return fmt.Errorf("-gt-objects needs -sgie and -attr")
	case o.sgie != "" && o.attr == "":
		return fmt.Errorf("-sgie needs -attr (the attribute it predicts)")
	}
	return nil
}

// runClip runs the pipeline on one clip and collects its predictions.
func (o *runOptions) runClip(path string) (eval.Clip, error) {
	gtPath := strings.TrimSuffix(path, filepath.Ext(path)) + ".gt.json"
	gt, err := eval.LoadGroundTruth(gtPath)
	if err != nil {
		return eval.Clip{}, err
	}
	if len(gt.Images) == 0 {
		return eval.Clip{}, fmt.Errorf("%s has no images", gtPath)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return eval.Clip{}, err
	}
	w, h := gt.Images[0].Width, gt.Images[0].Height
	desc := fmt.Sprintf("uridecodebin uri=file://%s ! m.sink_0 nvstreammux name=m batch-size=1 width=%d height=%d ! ", abs, w, h)
	if o.pgie != "" {
		desc += "nvinfer name=pgie config-file-path=" + o.pgie + " ! "
	}
	if o.sgie != "" {
		desc += "nvinfer name=sgie config-file-path=" + o.sgie + " ! "
	}
	desc += "appsink name=out sync=false"
	p, err := pipeline.Launch(desc)
	if err != nil {
		return eval.Clip{}, err
	}
	defer p.SetState(pipeline.StateNull)
	if o.gtObjects {
		if err := injectGroundTruth(p, gt); err != nil {
			return eval.Clip{}, err
		}
	}
	if _, err := p.SetState(pipeline.StatePlaying); err != nil {
		return eval.Clip{}, err
	}
	c := eval.Clip{Name: path, GT: gt}
	sink := p.ByName("out").(*pipeline.AppSink)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	mask := make([]byte, w*h)
	for {
		b, err := sink.Pull(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			if m := p.Bus().TryPop(pipeline.MessageError); m != nil {
				return c, fmt.Errorf("%v (%v)", err, m)
			}
			return c, err
		}
		for _, f := range meta.GetBatchMeta(b).Frames {
			c.Pred, err = o.collect(c.Pred, gt, f, mask, w, h)
			if err != nil {
				b.Unref()
				return c, err
			}
		}
		b.Unref()
	}
	return c, nil
}

// collect appends frame f's objects as predictions.
func (o *runOptions) collect(preds []eval.Prediction, gt *eval.GroundTruth, f *meta.FrameMeta, mask []byte, w, h int) ([]eval.Prediction, error) {
	im, ok := gt.ImageByFrame(f.FrameNum)
	if !ok {
		return preds, fmt.Errorf("frame %d is not in the ground truth", f.FrameNum)
	}
	for _, obj := range f.Objects {
		r := obj.RectParams
		p := eval.Prediction{ImageID: im.ID, Frame: f.FrameNum, Label: obj.ObjLabel, Score: float64(obj.Confidence),
			Box: eval.Box{X: float64(r.Left), Y: float64(r.Top), W: float64(r.Width), H: float64(r.Height)}}
		p.CategoryID = eval.UnknownCategory
		if id, ok := gt.CategoryByName(obj.ObjLabel); ok {
			p.CategoryID = id
		}
		if o.attr != "" {
			p.Attributes = map[string]string{}
			for _, cm := range obj.ClassifierMetas {
				for _, l := range cm.Labels {
					p.Attributes[o.attr] = l.ResultLabel
				}
			}
		}
		if o.masks && obj.MaskParams.Data != nil {
			rasterMask(mask, w, h, &r, &obj.MaskParams)
			rle, err := eval.RLEFromMask(mask, h, w)
			if err != nil {
				return preds, err
			}
			p.Mask = &rle
		}
		preds = append(preds, p)
	}
	return preds, nil
}

// rasterMask paints an object's mask, stretched over its box, into a
// column-major w×h frame mask (COCO's order), sampling the mask
// bilinearly at pixel centres and thresholding as nvdsosd draws it.
func rasterMask(dst []byte, w, h int, r *meta.RectParams, m *meta.MaskParams) {
	clear(dst)
	x0, y0 := int(math.Floor(float64(r.Left))), int(math.Floor(float64(r.Top)))
	x1, y1 := int(math.Ceil(float64(r.Left+r.Width))), int(math.Ceil(float64(r.Top+r.Height)))
	if m.Width < 1 || m.Height < 1 || len(m.Data) < m.Width*m.Height || r.Width <= 0 || r.Height <= 0 {
		return
	}
	sx, sy := float64(m.Width)/float64(r.Width), float64(m.Height)/float64(r.Height)
	for y := max(y0, 0); y < min(y1, h); y++ {
		my := (float64(y)+0.5-float64(r.Top))*sy - 0.5
		for x := max(x0, 0); x < min(x1, w); x++ {
			mx := (float64(x)+0.5-float64(r.Left))*sx - 0.5
			if bilinear(m, mx, my) > m.Threshold {
				dst[x*h+y] = 1
			}
		}
	}
}

// bilinear samples a mask at (x, y), clamping at the edges.
func bilinear(m *meta.MaskParams, x, y float64) float32 {
	clamp := func(v float64, n int) (int, int, float32) {
		v = math.Max(0, math.Min(v, float64(n-1)))
		i := int(v)
		return i, min(i+1, n-1), float32(v - float64(i))
	}
	xi, xj, fx := clamp(x, m.Width)
	yi, yj, fy := clamp(y, m.Height)
	at := func(x, y int) float32 { return m.Data[y*m.Width+x] }
	top := at(xi, yi)*(1-fx) + at(xj, yi)*fx
	bot := at(xi, yj)*(1-fx) + at(xj, yj)*fx
	return top*(1-fy) + bot*fy
}

// injectGroundTruth adds, before the secondary classifier, the ground
// truth's visible objects of each frame as if the primary detector (gie
// 1) had found them, so that the classifier is measured on its own.
func injectGroundTruth(p *pipeline.Pipeline, gt *eval.GroundTruth) error {
	sgie := p.ByName("sgie")
	if sgie == nil {
		return fmt.Errorf("no secondary nvinfer")
	}
	byImage := map[int][]int{}
	for i, a := range gt.Annotations {
		if !a.Ignore && !a.Crowd && len(a.Attributes) > 0 {
			byImage[a.ImageID] = append(byImage[a.ImageID], i)
		}
	}
	pad := pipeline.Base(sgie).SinkPad()
	if pad == nil {
		return fmt.Errorf("secondary nvinfer has no sink pad")
	}
	pad.AddProbe(pipeline.ProbeBuffer, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
		batch := meta.GetBatchMeta(info.Buffer)
		for _, f := range batch.Frames {
			im, ok := gt.ImageByFrame(f.FrameNum)
			if !ok {
				continue
			}
			for _, i := range byImage[im.ID] {
				a := &gt.Annotations[i]
				obj := batch.AcquireObjectMeta()
				obj.UniqueComponentID, obj.ClassID, obj.Confidence = 1, a.CategoryID-1, 1
				for _, c := range gt.Categories {
					if c.ID == a.CategoryID {
						obj.ObjLabel = c.Name
					}
				}
				obj.RectParams.Left, obj.RectParams.Top = float32(a.Box.X), float32(a.Box.Y)
				obj.RectParams.Width, obj.RectParams.Height = float32(a.Box.W), float32(a.Box.H)
				if err := f.AddObject(obj); err != nil {
					return pipeline.ProbeOK
				}
			}
		}
		return pipeline.ProbeOK
	})
	return nil
}
