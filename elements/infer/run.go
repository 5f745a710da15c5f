package infer

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/dsgo/dsgo/infer/parsers"
	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// batchCap is how many images one run of the program takes.
func (e *Infer) batchCap() int { return e.inShape[0] }

// slot returns image i's part of the input tensor.
func (e *Infer) slot(i int) []float32 {
	n := e.pre.TensorLen()
	return e.eng.input.F32[i*n : (i+1)*n]
}

// primary infers every frame of the batch, batch-size frames per run.
func (e *Infer) primary(buf *pipeline.Buffer, batch *meta.BatchMeta) error {
	frames := batch.Frames
	for start := 0; start < len(frames); start += e.batchCap() {
		chunk := frames[start:min(start+e.batchCap(), len(frames))]
		if err := e.useBatch(len(chunk)); err != nil {
			return err
		}
		if err := e.beginImages(buf); err != nil {
			return err
		}
		for i, f := range chunk {
			if err := e.addImage(buf, i, f.BatchID, video.Rect{}); err != nil {
				return err
			}
		}
		if err := e.run(); err != nil {
			return err
		}
		for i, f := range chunk {
			var err error
			switch e.cfg.NetworkType {
			case 0:
				err = e.attachDetections(batch, f, i, video.Rect{W: e.in.Width, H: e.in.Height})
			case 2:
				err = e.attachSegmentation(batch, f, i)
			case 3:
				err = e.attachInstances(batch, f, i)
			default:
				err = e.attachClassification(batch, &f.ClassifierMetas, nil, f, i)
			}
			if err == nil && e.cfg.OutputTensorMeta {
				err = f.AddUserMeta(e.tensorMeta(batch, i))
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *Infer) frameOf(buf *pipeline.Buffer, batchID int) (video.Frame, error) {
	if batchID < 0 || batchID >= buf.NumMemory() {
		return video.Frame{}, fmt.Errorf("frame %d of a batch of %d", batchID, buf.NumMemory())
	}
	return video.FrameFromMemory(e.in, buf.Memory(batchID))
}

// attachDetections parses image i's outputs and adds the boxes to frame f;
// region is the part of the frame the image showed (all of it in primary
// mode).
func (e *Infer) attachDetections(batch *meta.BatchMeta, f *meta.FrameMeta, i int, region video.Rect) error {
	var err error
	if e.raw, err = e.bbox.ParseBBox(e.eng.layers[i], e.net, &e.dp, e.raw[:0]); err != nil {
		return err
	}
	if e.objs, err = e.cluster.Cluster(e.raw, e.objs[:0]); err != nil {
		return err
	}
	sx, sy, ox, oy := e.netToRegion(region)
	for k := range e.objs {
		o := &e.objs[k]
		o.Left, o.Top = o.Left*sx+ox, o.Top*sy+oy
		o.Width, o.Height = o.Width*sx, o.Height*sy
	}
	e.objs = parsers.Filter(e.objs, e.cluster.Classes, e.cfg.FilterOutClassIDs, float32(e.in.Height))
	for _, d := range e.objs {
		if _, err := e.addObject(batch, f, d); err != nil {
			return err
		}
	}
	return nil
}

// attachInstances parses image i's instance segmentation outputs and adds
// the boxes, each with its mask (stretched over the box, as DeepStream's
// mask_params), to frame f.
func (e *Infer) attachInstances(batch *meta.BatchMeta, f *meta.FrameMeta, i int) error {
	var err error
	if e.rawInst, err = e.masker.ParseInstanceMask(e.eng.layers[i], e.net, &e.dp, e.rawInst[:0]); err != nil {
		return err
	}
	if e.insts, err = e.cluster.ClusterInstances(e.rawInst, e.insts[:0]); err != nil {
		return err
	}
	sx, sy, ox, oy := e.netToRegion(video.Rect{W: e.in.Width, H: e.in.Height})
	for _, d := range e.insts {
		o := d.Object
		o.Left, o.Top = o.Left*sx+ox, o.Top*sy+oy
		o.Width, o.Height = o.Width*sx, o.Height*sy
		if !parsers.Keep(o, e.cluster.Classes, e.cfg.FilterOutClassIDs, float32(e.in.Height)) {
			continue
		}
		obj, err := e.addObject(batch, f, o)
		if err != nil {
			return err
		}
		if !e.cfg.OutputInstanceMask {
			continue // as DeepStream: masks only with output-instance-mask=1
		}
		data, err := obj.SetMask(d.MaskWidth, d.MaskHeight, float32(e.cfg.SegmentationThreshold))
		if err != nil {
			return err
		}
		copy(data, d.Mask)
	}
	return nil
}

// addObject adds detection d (in frame pixels) to frame f as an object
// with DeepStream's default look.
func (e *Infer) addObject(batch *meta.BatchMeta, f *meta.FrameMeta, d parsers.Object) (*meta.ObjectMeta, error) {
	obj := batch.AcquireObjectMeta()
	obj.UniqueComponentID = e.cfg.GIEUniqueID
	obj.ClassID, obj.Confidence = d.ClassID, d.Confidence
	r := &obj.RectParams
	r.Left, r.Top, r.Width, r.Height = d.Left, d.Top, d.Width, d.Height
	r.BorderWidth = 3
	r.BorderColor = e.classColor(d.ClassID)
	obj.DetectorBBoxInfo.OrgBBoxCoords = meta.BBoxCoords{Left: d.Left, Top: d.Top, Width: d.Width, Height: d.Height}
	obj.ObjLabel = e.label(0, d.ClassID)
	obj.TextParams.DisplayText = obj.ObjLabel
	obj.TextParams.XOffset, obj.TextParams.YOffset = int(d.Left), max(int(d.Top)-16, 0)
	obj.TextParams.FontParams = meta.FontParams{FontName: "Serif", FontSize: 10, FontColor: meta.Color{R: 1, G: 1, B: 1, A: 1}}
	obj.TextParams.SetBgColor, obj.TextParams.TextBgColor = true, meta.Color{A: 1}
	return obj, f.AddObject(obj)
}

// netToRegion returns how network pixels map onto the region, undoing
// the aspect-ratio padding when maintain-aspect-ratio is set.
func (e *Infer) netToRegion(r video.Rect) (sx, sy, ox, oy float32) {
	sx, sy = float32(r.W)/float32(e.net.Width), float32(r.H)/float32(e.net.Height)
	if e.pre.MaintainAspect {
		s := float32(math.Max(float64(sx), float64(sy)))
		sx, sy = s, s
		if e.pre.Symmetric {
			ox = -(float32(e.net.Width)*s - float32(r.W)) / 2
			oy = -(float32(e.net.Height)*s - float32(r.H)) / 2
		}
	}
	return sx, sy, ox + float32(r.X), oy + float32(r.Y)
}

func (e *Infer) label(layer, class int) string {
	if layer < len(e.labels) && class >= 0 && class < len(e.labels[layer]) {
		return e.labels[layer][class]
	}
	return fmt.Sprint(class)
}

// classColor is the class's bbox-border-color, or DeepStream's red.
func (e *Infer) classColor(class int) meta.Color {
	a := e.cfg.Class(class)
	if c := a.BorderColor; len(c) == 4 {
		return meta.Color{R: c[0], G: c[1], B: c[2], A: c[3]}
	}
	return meta.Color{R: 1, A: 1}
}

// attachClassification parses image i's classifier outputs into a
// ClassifierMeta appended to list (an object's or a frame's), and adds the
// labels to the object's display text.
func (e *Infer) attachClassification(batch *meta.BatchMeta, list *[]*meta.ClassifierMeta, obj *meta.ObjectMeta, f *meta.FrameMeta, i int) error {
	var err error
	if e.attrs, err = e.classify.ParseClassifier(e.eng.layers[i], e.net, float32(e.cfg.ClassifierThreshold), e.labels, e.attrs[:0]); err != nil {
		return err
	}
	if obj != nil {
		return e.attachAttributes(batch, obj, e.attrs)
	}
	if len(e.attrs) == 0 {
		return nil
	}
	cm, _, err := e.classifierMeta(batch, e.attrs)
	if err != nil {
		return err
	}
	return f.AddClassifier(cm)
}

// attachAttributes adds a classifier's attributes to an object, as a
// ClassifierMeta and in its display text.
func (e *Infer) attachAttributes(batch *meta.BatchMeta, obj *meta.ObjectMeta, attrs []parsers.Attribute) error {
	if len(attrs) == 0 {
		return nil
	}
	cm, text, err := e.classifierMeta(batch, attrs)
	if err != nil {
		return err
	}
	if err := obj.AddClassifier(cm); err != nil {
		return err
	}
	obj.TextParams.DisplayText = strings.TrimSpace(obj.TextParams.DisplayText + " " + strings.Join(text, " "))
	return nil
}

// classifierMeta builds a ClassifierMeta of attrs and returns their labels.
func (e *Infer) classifierMeta(batch *meta.BatchMeta, attrs []parsers.Attribute) (*meta.ClassifierMeta, []string, error) {
	cm := batch.AcquireClassifierMeta()
	cm.UniqueComponentID = e.cfg.GIEUniqueID
	var text []string
	for _, a := range attrs {
		l := batch.AcquireLabelInfo()
		l.LabelID, l.ResultClassID, l.ResultProb, l.ResultLabel = a.AttributeIndex, a.Value, a.Confidence, a.Label
		if err := cm.AddLabel(l); err != nil {
			return nil, nil, err
		}
		text = append(text, a.Label)
	}
	return cm, text, nil
}

// run runs the model once and counts it.
func (e *Infer) run() error {
	e.runs.Add(1)
	if e.gpre != nil {
		if err := e.gpre.run(e.eng.devIn); err != nil {
			return err
		}
		return e.eng.gpu.RunToHost()
	}
	return e.eng.prog.Run()
}

// beginImages starts filling the network input from buf's frames.
func (e *Infer) beginImages(buf *pipeline.Buffer) error {
	if e.gpre != nil {
		return e.gpre.begin(buf, e.in)
	}
	return nil
}

// addImage makes image i of the input from memory mem of buf, all of it
// (the zero Rect) or a crop: on the GPU when the model runs there, else
// into the host tensor.
func (e *Infer) addImage(buf *pipeline.Buffer, i, mem int, crop video.Rect) error {
	if e.gpre != nil {
		return e.gpre.add(buf, e.in, mem, crop)
	}
	src, err := e.frameOf(buf, mem)
	if err != nil {
		return err
	}
	return e.pre.Frame(e.slot(i), &src, crop)
}

// secondary classifies the objects an upstream detector found.
func (e *Infer) secondary(buf *pipeline.Buffer, batch *meta.BatchMeta) error {
	e.pending = e.pending[:0]
	classifier := e.cfg.NetworkType == 1
	for _, f := range batch.Frames {
		for _, o := range f.Objects {
			r, ok := e.wants(o)
			if !ok {
				continue
			}
			if classifier {
				if c, hit := e.cache.lookup(o, e.batches, e.cfg.SecondaryReinferInterval); hit {
					if err := e.attachAttributes(batch, o, c.attrs); err != nil {
						return err
					}
					continue
				}
			}
			e.pending = append(e.pending, crop{frame: f, obj: o, rect: r, mem: f.BatchID})
		}
	}
	if classifier {
		defer e.cache.expire(e.batches)
	}
	for start := 0; start < len(e.pending); start += e.batchCap() {
		chunk := e.pending[start:min(start+e.batchCap(), len(e.pending))]
		if err := e.useBatch(len(chunk)); err != nil {
			return err
		}
		if err := e.beginImages(buf); err != nil {
			return err
		}
		for i, c := range chunk {
			if err := e.addImage(buf, i, c.mem, c.rect); err != nil {
				return err
			}
		}
		if err := e.run(); err != nil {
			return err
		}
		for i, c := range chunk {
			var err error
			if e.cfg.NetworkType == 0 {
				err = e.attachDetections(batch, c.frame, i, c.rect)
			} else {
				err = e.attachClassification(batch, &c.obj.ClassifierMetas, c.obj, c.frame, i)
				e.cache.store(c.obj, e.attrs, e.batches)
			}
			if err == nil && e.cfg.OutputTensorMeta {
				err = c.obj.AddUserMeta(e.tensorMeta(batch, i))
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// wants reports whether an object is one this secondary classifies, and
// its box clamped to the frame.
func (e *Infer) wants(o *meta.ObjectMeta) (video.Rect, bool) {
	c := e.cfg
	if c.OperateOnGIEID >= 0 && o.UniqueComponentID != c.OperateOnGIEID {
		return video.Rect{}, false
	}
	if len(c.OperateOnClassIDs) > 0 && !slices.Contains(c.OperateOnClassIDs, o.ClassID) {
		return video.Rect{}, false
	}
	r := o.RectParams
	x0, y0 := max(int(r.Left), 0), max(int(r.Top), 0)
	x1, y1 := min(int(r.Left+r.Width), e.in.Width), min(int(r.Top+r.Height), e.in.Height)
	w, h := x1-x0, y1-y0
	if w < max(c.InputObjectMinWidth, 1) || h < max(c.InputObjectMinHeight, 1) ||
		(c.InputObjectMaxWidth > 0 && w > c.InputObjectMaxWidth) || (c.InputObjectMaxHeight > 0 && h > c.InputObjectMaxHeight) {
		return video.Rect{}, false
	}
	if e.in.Format.IsYUV() {
		x0, y0 = x0&^1, y0&^1 // chroma is shared by 2x2 pixels
	}
	return video.Rect{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}, true
}

// attachSegmentation adds image i's class map (network resolution) to the
// frame as a SegmentationMeta user meta.
func (e *Infer) attachSegmentation(batch *meta.BatchMeta, f *meta.FrameMeta, i int) error {
	s := &meta.SegmentationMeta{UniqueID: e.cfg.GIEUniqueID}
	hwc := e.cfg.SegmentationOutputOrder == 1
	if err := parsers.ParseSegmentation(e.eng.layers[i][0], float32(e.cfg.SegmentationThreshold), hwc, s); err != nil {
		return err
	}
	um := batch.AcquireUserMeta()
	um.Type, um.Data = meta.MetaTypeSegmentation, s
	return f.AddUserMeta(um)
}
