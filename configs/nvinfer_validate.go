package configs

import (
	"fmt"
	"sort"
)

// rule is one row of a validation table: the key, the values allowed and
// the message that says so.
type rule struct {
	key string
	ok  func(x float64) bool
	msg string
}

func between(lo, hi float64) func(float64) bool {
	return func(x float64) bool { return x >= lo && x <= hi }
}

func atLeast(lo float64) func(float64) bool { return func(x float64) bool { return x >= lo } }

func above(lo float64) func(float64) bool { return func(x float64) bool { return x > lo } }

// propertyRules are the ranges of [property] values.
var propertyRules = []rule{
	{"gpu-id", atLeast(0), "must be >= 0"},
	{"net-scale-factor", above(0), "must be > 0"},
	{"model-color-format", between(0, 2), "must be 0-2 (0 RGB, 1 BGR, 2 GRAY)"},
	{"batch-size", between(1, 1024), "must be 1-1024"},
	{"network-mode", between(0, 2), "must be 0-2 (0 FP32, 1 INT8, 2 FP16)"},
	{"process-mode", between(1, 2), "must be 1 (primary) or 2 (secondary)"},
	{"gie-unique-id", atLeast(0), "must be >= 0"},
	{"operate-on-gie-id", atLeast(-1), "must be >= -1"},
	{"interval", atLeast(0), "must be >= 0"},
	{"secondary-reinfer-interval", atLeast(0), "must be >= 0"},
	{"num-detected-classes", atLeast(0), "must be >= 0"},
	{"cluster-mode", between(0, 4), "must be 0-4"},
	{"network-type", func(x float64) bool { return x >= 0 && x <= 3 || x == NetworkOther }, "must be 0-3 or 100"},
	{"uff-input-order", between(0, 1), "must be 0 (NCHW) or 1 (NHWC)"},
	{"classifier-threshold", atLeast(0), "must be >= 0"},
	{"segmentation-threshold", atLeast(0), "must be >= 0"},
	{"segmentation-output-order", between(0, 1), "must be 0 (CHW) or 1 (HWC)"},
	{"scaling-filter", between(0, 6), "must be 0-6"},
	{"scaling-compute-hw", between(0, 2), "must be 0-2 (0 default, 1 GPU, 2 VIC)"},
	{"workspace-size", atLeast(0), "must be >= 0"},
	{"input-object-min-width", atLeast(0), "must be >= 0"},
	{"input-object-min-height", atLeast(0), "must be >= 0"},
	{"input-object-max-width", atLeast(0), "must be >= 0"},
	{"input-object-max-height", atLeast(0), "must be >= 0"},
}

// classRules are the ranges of [class-attrs-*] values.
var classRules = []rule{
	{"pre-cluster-threshold", atLeast(0), "must be >= 0"},
	{"threshold", atLeast(0), "must be >= 0"},
	{"post-cluster-threshold", atLeast(0), "must be >= 0"},
	{"eps", atLeast(0), "must be >= 0"},
	{"group-threshold", atLeast(0), "must be >= 0"},
	{"minBoxes", atLeast(0), "must be >= 0"},
	{"dbscan-min-score", atLeast(0), "must be >= 0"},
	{"nms-iou-threshold", between(0, 1), "must be 0-1"},
	{"topk", atLeast(-1), "must be >= -1 (-1 keeps all)"},
	{"roi-top-offset", atLeast(0), "must be >= 0"},
	{"roi-bottom-offset", atLeast(0), "must be >= 0"},
	{"detected-min-w", atLeast(0), "must be >= 0"},
	{"detected-min-h", atLeast(0), "must be >= 0"},
	{"detected-max-w", atLeast(0), "must be >= 0"},
	{"detected-max-h", atLeast(0), "must be >= 0"},
}

// Validate checks every value against DeepStream's allowed ranges and the
// values against each other. Its errors name the file and line of the
// key concerned; all are returned, as an ErrorList.
func (c *InferConfig) Validate() error {
	v := validator{c: c}
	for _, r := range propertyRules {
		v.check(r, propertyFields[r.key].get(c), c.pos)
	}
	v.checkClass(&c.ClassAttrsAll)
	ids := make([]int, 0, len(c.ClassAttrs))
	for id := range c.ClassAttrs {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	for _, id := range ids {
		a := c.ClassAttrs[id]
		v.checkClass(a)
		if c.NumDetectedClasses > 0 && id >= c.NumDetectedClasses {
			v.errs = append(v.errs, &Error{File: c.File, Line: a.line,
				Msg: fmt.Sprintf("[%s]: class id must be 0-%d (num-detected-classes=%d)", a.group, c.NumDetectedClasses-1, c.NumDetectedClasses)})
		}
	}
	v.crossChecks()
	sortErrors(v.errs)
	return v.errs.err()
}

type validator struct {
	c    *InferConfig
	errs ErrorList
}

// fail records a problem with key, at the line it was set on.
func (v *validator) fail(pos map[string]entry, key, value, msg string) {
	e, ok := pos[key]
	if ok {
		value = e.value
	}
	v.errs = append(v.errs, &Error{File: v.c.File, Line: e.line, Key: key, Value: value, Msg: msg})
}

func (v *validator) check(r rule, p any, pos map[string]entry) {
	if x, ok := numeric(p); ok && !r.ok(x) {
		v.fail(pos, r.key, format(p), r.msg)
	}
}

func (v *validator) checkClass(a *ClassAttrs) {
	for _, r := range classRules {
		if _, set := a.pos[r.key]; !set && a.group != "class-attrs-all" {
			continue // inherited: reported once, in [class-attrs-all]
		}
		v.check(r, classFields[r.key](a), a.pos)
	}
	for _, key := range []string{"border-color", "bg-color"} {
		cl := *classFields[key](a).(*[]float64)
		if _, set := a.pos[key]; !set || cl == nil {
			continue
		}
		if len(cl) != 4 {
			v.fail(a.pos, key, "", "must be 4 values r;g;b;a")
			continue
		}
		for _, x := range cl {
			if x < 0 || x > 1 {
				v.fail(a.pos, key, "", "each value must be 0-1")
				break
			}
		}
	}
}

// crossChecks checks values that depend on each other.
func (v *validator) crossChecks() {
	c := v.c
	if _, set := c.pos["offsets"]; set {
		channels := 3
		if c.ModelColorFormat == 2 {
			channels = 1
		}
		if len(c.Offsets) != channels {
			v.fail(c.pos, "offsets", "", fmt.Sprintf("must have %d values, one per channel of model-color-format=%d", channels, c.ModelColorFormat))
		}
	}
	for _, key := range []string{"infer-dims", "uff-input-dims", "input-dims"} {
		if _, set := c.pos[key]; !set {
			continue
		}
		dims := c.InferDims
		want := "3 positive values c;h;w"
		if key != "infer-dims" {
			dims, want = c.uffDims, "3 positive values c;h;w and an optional order 0 or 1"
		}
		if !validDims(dims, key != "infer-dims") {
			v.fail(c.pos, key, "", "must be "+want)
		}
	}
	if c.NetworkType == NetworkDetector && c.NumDetectedClasses < 1 {
		v.fail(c.pos, "num-detected-classes", "0", "must be >= 1 for a detector (network-type=0)")
	}
	v.checkModel()
}

func validDims(d []int, order bool) bool {
	if len(d) != 3 && !(order && len(d) == 4) {
		return false
	}
	for _, x := range d[:3] {
		if x < 1 {
			return false
		}
	}
	return len(d) == 3 || d[3] == 0 || d[3] == 1
}

// checkModel checks that the config names a model dsgo can run.
func (v *validator) checkModel() {
	c := v.c
	if c.ONNXFile != "" || c.ModelEngineFile != "" || c.CustomNetworkConfig != "" {
		return
	}
	for _, key := range []string{"model-file", "proto-file", "uff-file", "tlt-encoded-model"} {
		if _, set := c.pos[key]; set {
			v.fail(c.pos, key, "", "model format not supported: convert to ONNX and set onnx-file")
			return
		}
	}
	v.errs = append(v.errs, &Error{File: c.File, Msg: "no model: set onnx-file or model-engine-file"})
}
