package configs

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Network types, the values of network-type.
const (
	NetworkDetector             = 0   // boxes, clustered (the default)
	NetworkClassifier           = 1   // one attribute per output layer
	NetworkSegmentation         = 2   // semantic segmentation map
	NetworkInstanceSegmentation = 3   // boxes with masks
	NetworkOther                = 100 // raw tensors only (output-tensor-meta)
)

// Clustering modes, the values of cluster-mode.
const (
	ClusterGroupRectangles = 0 // OpenCV groupRectangles
	ClusterDBSCAN          = 1 // DBSCAN
	ClusterNMS             = 2 // non-maximum suppression
	ClusterDBSCANNMS       = 3 // DBSCAN, then NMS
	ClusterNone            = 4 // no clustering
)

// InferConfig is an nvinfer configuration file: its [property] group and
// its [class-attrs-*] groups, typed, with DeepStream's defaults for
// everything the file leaves out. Paths are absolute or relative to the
// current directory (the file's own relative paths are resolved against
// its directory).
type InferConfig struct {
	// File is the name the configuration was parsed under.
	File string

	// GPUID is the GPU to run on (gpu-id).
	GPUID int
	// NetScaleFactor multiplies every input pixel after Offsets are
	// subtracted (net-scale-factor, default 1).
	NetScaleFactor float64
	// Offsets are per-channel means subtracted from input pixels (offsets).
	Offsets []float64
	// ModelColorFormat is the network's input format: 0 RGB, 1 BGR,
	// 2 GRAY (model-color-format).
	ModelColorFormat int
	// ONNXFile is the ONNX model (onnx-file).
	ONNXFile string
	// ModelEngineFile is the serialized engine, built from the model when
	// it does not exist (model-engine-file).
	ModelEngineFile string
	// Int8CalibFile is the INT8 calibration table (int8-calib-file).
	Int8CalibFile string
	// LabelfilePath is the labels file (labelfile-path).
	LabelfilePath string
	// ModelFile and ProtoFile are a Caffe model (model-file, proto-file),
	// UFFFile a UFF model (uff-file), TLTEncodedModel and TLTModelKey an
	// encrypted TAO model: accepted so that DeepStream's samples parse, but
	// dsgo runs only ONNX models and engines it built.
	ModelFile, ProtoFile, UFFFile, TLTEncodedModel, TLTModelKey string
	// MeanFile is a PPM image of per-pixel means (mean-file).
	MeanFile string
	// CustomLibPath is a C parser library (custom-lib-path); dsgo parsers
	// are Go functions registered by name, so it is only recorded.
	CustomLibPath string
	// BatchSize is the engine's batch size (batch-size, default 1).
	BatchSize int
	// NetworkMode is the precision: 0 FP32, 1 INT8, 2 FP16 (network-mode).
	NetworkMode int
	// ProcessMode is 1 to infer on whole frames, 2 on objects
	// (process-mode, default 1).
	ProcessMode int
	// GIEUniqueID identifies this element's metadata (gie-unique-id,
	// default 15 as DeepStream's unique-id property).
	GIEUniqueID int
	// OperateOnGIEID limits secondary mode to objects of that element, or
	// -1 for any (operate-on-gie-id).
	OperateOnGIEID int
	// OperateOnClassIDs limits secondary mode to these classes; empty
	// means all (operate-on-class-ids).
	OperateOnClassIDs []int
	// Interval is the number of batches skipped between inferences
	// (interval).
	Interval int
	// SecondaryReinferInterval re-infers tracked objects every so many
	// frames (secondary-reinfer-interval).
	SecondaryReinferInterval int
	// NumDetectedClasses is the number of classes a detector outputs
	// (num-detected-classes).
	NumDetectedClasses int
	// ClusterMode is one of the Cluster constants (cluster-mode).
	ClusterMode int
	// NetworkType is one of the Network constants (network-type; the
	// legacy is-classifier=1 means NetworkClassifier).
	NetworkType int
	// InferDims are the input's C, H, W when the model does not fix them
	// (infer-dims; legacy input-dims and uff-input-dims).
	InferDims []int
	// UFFInputOrder is 0 for NCHW, 1 for NHWC (uff-input-order or the
	// 4th value of uff-input-dims).
	UFFInputOrder int
	// UFFInputBlobName is the input tensor's name (uff-input-blob-name).
	UFFInputBlobName string
	// OutputBlobNames are the output tensors to read (output-blob-names).
	OutputBlobNames []string
	// OutputTensorMeta attaches raw outputs as metadata
	// (output-tensor-meta).
	OutputTensorMeta bool
	// ParseBBoxFuncName, ParseBBoxInstanceMaskFuncName and
	// ParseClassifierFuncName name registered output parsers
	// (parse-bbox-func-name, parse-bbox-instance-mask-func-name,
	// parse-classifier-func-name); empty means the default parser.
	ParseBBoxFuncName, ParseBBoxInstanceMaskFuncName, ParseClassifierFuncName string
	// EngineCreateFuncName and CustomNetworkConfig are recorded for custom
	// model builders (engine-create-func-name, custom-network-config).
	EngineCreateFuncName, CustomNetworkConfig string
	// ClassifierThreshold is the lowest probability a classifier reports
	// (classifier-threshold).
	ClassifierThreshold float64
	// ClassifierAsyncMode classifies tracked objects asynchronously
	// (classifier-async-mode).
	ClassifierAsyncMode bool
	// SegmentationThreshold is the lowest probability a pixel needs to get
	// a class (segmentation-threshold).
	SegmentationThreshold float64
	// SegmentationOutputOrder is 0 for CHW outputs, 1 for HWC
	// (segmentation-output-order).
	SegmentationOutputOrder int
	// FilterOutClassIDs are classes whose detections are dropped
	// (filter-out-class-ids).
	FilterOutClassIDs []int
	// ScalingFilter is the interpolation used to scale inputs, 0 nearest
	// to 6 default (scaling-filter).
	ScalingFilter int
	// ScalingComputeHW is 0 default, 1 GPU, 2 VIC (scaling-compute-hw).
	ScalingComputeHW int
	// CropObjectsToROIBoundary clips boxes to the ROI
	// (crop-objects-to-roi-boundary).
	CropObjectsToROIBoundary bool
	// OutputInstanceMask attaches instance masks (output-instance-mask).
	OutputInstanceMask bool
	// ForceImplicitBatchDim builds with an implicit batch dimension
	// (force-implicit-batch-dim).
	ForceImplicitBatchDim bool
	// WorkspaceSize is the engine builder's workspace in MiB
	// (workspace-size).
	WorkspaceSize int
	// MaintainAspectRatio scales inputs keeping their aspect ratio
	// (maintain-aspect-ratio); SymmetricPadding then pads on both sides
	// (symmetric-padding).
	MaintainAspectRatio, SymmetricPadding bool
	// InputObjectMinWidth and the like bound the objects a secondary
	// element infers on, 0 meaning no bound (input-object-min-width,
	// input-object-min-height, input-object-max-width,
	// input-object-max-height).
	InputObjectMinWidth, InputObjectMinHeight, InputObjectMaxWidth, InputObjectMaxHeight int

	// ClassAttrsAll are the detection parameters of [class-attrs-all].
	ClassAttrsAll ClassAttrs
	// ClassAttrs are the parameters of [class-attrs-<id>] groups, each
	// starting from ClassAttrsAll as in DeepStream.
	ClassAttrs map[int]*ClassAttrs

	pos     map[string]entry // where each [property] key was set
	uffDims []int            // uff-input-dims or input-dims: c;h;w[;order]
}

// ClassAttrs are the detection and clustering parameters of one class (or
// of all classes), a [class-attrs-*] group.
type ClassAttrs struct {
	// PreClusterThreshold drops boxes below this confidence before
	// clustering (pre-cluster-threshold, legacy threshold; default 0.2).
	PreClusterThreshold float64
	// PostClusterThreshold drops clusters below this confidence
	// (post-cluster-threshold).
	PostClusterThreshold float64
	// EPS is groupRectangles' and DBSCAN's epsilon (eps).
	EPS float64
	// GroupThreshold is groupRectangles' minimum neighbours minus one;
	// 0 disables grouping (group-threshold).
	GroupThreshold int
	// MinBoxes is DBSCAN's minimum cluster size; 0 disables it (minBoxes).
	MinBoxes int
	// DBSCANMinScore is the minimum summed confidence of a DBSCAN
	// cluster (dbscan-min-score).
	DBSCANMinScore float64
	// NMSIOUThreshold is the overlap above which NMS drops a box
	// (nms-iou-threshold, default 0.3).
	NMSIOUThreshold float64
	// TopK keeps only the K best boxes after NMS; -1 keeps all (topk).
	TopK int
	// ROITopOffset and ROIBottomOffset drop boxes above or below these
	// margins of the frame (roi-top-offset, roi-bottom-offset).
	ROITopOffset, ROIBottomOffset int
	// DetectedMinW and the like bound box sizes, 0 meaning no bound
	// (detected-min-w, detected-min-h, detected-max-w, detected-max-h).
	DetectedMinW, DetectedMinH, DetectedMaxW, DetectedMaxH int
	// BorderColor and BgColor are the OSD's RGBA colours for the class
	// (border-color, bg-color), nil when unset.
	BorderColor, BgColor []float64

	group string           // the group's name, for errors
	line  int              // the group's header line
	pos   map[string]entry // where each key was set
}

// defaultClassAttrs returns DeepStream's defaults
// (gstnvinfer_property_parser.h).
func defaultClassAttrs() ClassAttrs {
	return ClassAttrs{PreClusterThreshold: 0.2, NMSIOUThreshold: 0.3, TopK: -1}
}

// defaultInferConfig returns DeepStream's defaults.
func defaultInferConfig(name string) *InferConfig {
	return &InferConfig{
		File:           name,
		NetScaleFactor: 1,
		BatchSize:      1,
		ProcessMode:    1,
		GIEUniqueID:    15,
		OperateOnGIEID: -1,
		ScalingFilter:  0,
		ClassAttrsAll:  defaultClassAttrs(),
		ClassAttrs:     map[int]*ClassAttrs{},
		pos:            map[string]entry{},
	}
}

// Class returns the detection parameters of class id: its own group's,
// else [class-attrs-all]'s.
func (c *InferConfig) Class(id int) ClassAttrs {
	if a, ok := c.ClassAttrs[id]; ok {
		return *a
	}
	return c.ClassAttrsAll
}

// Line returns the line a [property] key was set on, or 0.
func (c *InferConfig) Line(key string) int { return c.pos[key].line }

// LoadInfer reads and validates the nvinfer configuration file at path.
func LoadInfer(path string) (*InferConfig, []Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return ParseInfer(path, f)
}

// ParseInfer reads and validates an nvinfer configuration from r; name is
// used in errors and to resolve relative paths (against its directory).
// Unknown keys and groups give warnings; bad values an ErrorList naming
// each file:line.
func ParseInfer(name string, r io.Reader) (*InferConfig, []Warning, error) {
	kf, err := readKeyFile(name, r)
	if err != nil {
		return nil, nil, err
	}
	c := defaultInferConfig(name)
	p := &parser{file: name, dir: filepath.Dir(name)}
	g := kf.lookup("property")
	if g == nil {
		return nil, nil, ErrorList{{File: name, Msg: "missing [property] group"}}
	}
	p.property(c, g)
	if g := kf.lookup("class-attrs-all"); g != nil {
		p.classAttrs(&c.ClassAttrsAll, g)
	}
	p.classGroups(c, kf)
	if err := p.finish(c.Validate()); err != nil {
		return nil, p.warns, err
	}
	return c, p.warns, nil
}

// finish merges a config's validation errors into the parse errors and
// orders warnings and errors by line. A key that did not parse kept its
// default, so only why it did not parse is reported: validation errors of
// the same key, and group- or file-level ones (a missing size, no enabled
// source) that may follow from it, are left out while parse errors exist.
func (p *parser) finish(validation error) error {
	sort.SliceStable(p.warns, func(i, j int) bool { return p.warns[i].Line < p.warns[j].Line })
	parseErrs := len(p.errs)
	if list, ok := validation.(ErrorList); ok {
		for _, e := range list {
			if parseErrs > 0 && e.Key == "" {
				continue
			}
			if !slices.ContainsFunc(p.errs, func(pe *Error) bool { return pe.Key == e.Key && pe.Line == e.Line }) {
				p.errs = append(p.errs, e)
			}
		}
	}
	if len(p.errs) == 0 {
		return nil
	}
	sortErrors(p.errs)
	return p.errs
}

// parser collects errors and warnings while filling a config.
type parser struct {
	file, dir string
	errs      ErrorList
	warns     []Warning
}

func (p *parser) bad(e entry, msg string) {
	p.errs = append(p.errs, &Error{File: p.file, Line: e.line, Key: e.key, Value: e.value, Msg: msg})
}

func (p *parser) warn(e entry, msg string) {
	p.warns = append(p.warns, Warning{File: p.file, Line: e.line, Key: e.key, Msg: msg})
}

// property fills c from the [property] group.
func (p *parser) property(c *InferConfig, g *group) {
	isClassifier := false
	enableDBSCAN := false
	for _, e := range g.keys {
		c.pos[e.key] = e
		switch e.key {
		case "is-classifier":
			p.set(e, &isClassifier, false)
			continue
		case "enable-dbscan":
			p.set(e, &enableDBSCAN, false)
			continue
		}
		f, ok := propertyFields[e.key]
		if !ok {
			p.warn(e, unknownKey(e.key, propertyFields))
			continue
		}
		if f.get == nil {
			continue // accepted, unused
		}
		p.set(e, f.get(c), f.path)
	}
	if _, set := c.pos["network-type"]; !set && isClassifier {
		c.NetworkType = NetworkClassifier
	}
	if _, set := c.pos["cluster-mode"]; !set && enableDBSCAN {
		c.ClusterMode = ClusterDBSCAN
	}
	if _, set := c.pos["infer-dims"]; !set && len(c.uffDims) >= 3 {
		c.InferDims = c.uffDims[:3]
		if len(c.uffDims) == 4 {
			c.UFFInputOrder = c.uffDims[3]
		}
	}
}

// classGroups fills c.ClassAttrs from [class-attrs-<id>] groups and warns
// about unknown groups.
func (p *parser) classGroups(c *InferConfig, kf *keyFile) {
	for _, g := range kf.groups {
		switch {
		case g.name == "property" || g.name == "class-attrs-all":
			continue
		case strings.HasPrefix(g.name, "class-attrs-"):
			id, err := strconv.Atoi(strings.TrimPrefix(g.name, "class-attrs-"))
			if err != nil || id < 0 {
				p.errs = append(p.errs, &Error{File: p.file, Line: g.line,
					Msg: fmt.Sprintf("[%s]: class id must be a non-negative integer or \"all\"", g.name)})
				continue
			}
			a := c.ClassAttrsAll
			a.pos = nil
			p.classAttrs(&a, g)
			c.ClassAttrs[id] = &a
		default:
			p.warns = append(p.warns, Warning{File: p.file, Line: g.line, Key: "[" + g.name + "]", Msg: "unknown group ignored"})
		}
	}
}

// classAttrs fills a from a [class-attrs-*] group.
func (p *parser) classAttrs(a *ClassAttrs, g *group) {
	a.group, a.line = g.name, g.line
	a.pos = map[string]entry{}
	for _, e := range g.keys {
		a.pos[e.key] = e
		f, ok := classFields[e.key]
		if !ok {
			p.warn(e, unknownKey(e.key, classFields))
			continue
		}
		p.set(e, f(a), false)
	}
}

// set parses e.value into the field dst points to.
func (p *parser) set(e entry, dst any, isPath bool) {
	switch d := dst.(type) {
	case *int:
		n, err := strconv.Atoi(e.value)
		if err != nil {
			p.bad(e, "must be an integer")
			return
		}
		*d = n
	case *float64:
		x, err := strconv.ParseFloat(e.value, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			p.bad(e, "must be a number")
			return
		}
		*d = x
	case *bool:
		switch strings.ToLower(e.value) {
		case "1", "true":
			*d = true
		case "0", "false":
			*d = false
		default:
			p.bad(e, "must be 0 or 1 (or true or false)")
		}
	case *string:
		*d = e.value
		if isPath && e.value != "" && !filepath.IsAbs(e.value) {
			*d = filepath.Join(p.dir, e.value)
		}
	case *[]string:
		*d = splitList(e.value)
	case *[]int:
		p.setInts(e, d)
	case *[]float64:
		p.setFloats(e, d)
	}
}

func (p *parser) setInts(e entry, d *[]int) {
	items := splitList(e.value)
	out := make([]int, 0, len(items))
	for _, s := range items {
		n, err := strconv.Atoi(s)
		if err != nil {
			p.bad(e, "must be a ';'-separated list of integers")
			return
		}
		out = append(out, n)
	}
	*d = out
}

func (p *parser) setFloats(e entry, d *[]float64) {
	items := splitList(e.value)
	out := make([]float64, 0, len(items))
	for _, s := range items {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			p.bad(e, "must be a ';'-separated list of numbers")
			return
		}
		out = append(out, x)
	}
	*d = out
}

// unknownKey returns the warning for an unknown key, suggesting a known
// key that differs only in case, '-' or '_' (min-boxes for minBoxes).
func unknownKey[V any](key string, known map[string]V) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s))
	}
	for k := range known {
		if norm(k) == norm(key) {
			return fmt.Sprintf("unknown key ignored; did you mean %s?", k)
		}
	}
	return "unknown key ignored"
}

// sortErrors orders errors by line, keeping the order of equal lines.
func sortErrors(l ErrorList) {
	sort.SliceStable(l, func(i, j int) bool { return l[i].Line < l[j].Line })
}
