package parsers

import (
	"fmt"
	"sort"
	"sync"
)

// Names of the built-in parsers, as DeepStream configs spell them in
// parse-bbox-func-name, parse-bbox-instance-mask-func-name and
// parse-classifier-func-name. The empty name is nvinfer's default parser
// for the network type.
const (
	DetectNetName   = "NvDsInferParseCustomResnet" // DetectNet_v2 grid, also the default ("")
	TfSSDName       = "NvDsInferParseCustomTfSSD"
	YoloName        = "NvDsInferParseYolo" // DeepStream-Yolo [N, 6], or v5/v8 by shape
	YoloV5Name      = "NvDsInferParseYoloV5"
	YoloV8Name      = "NvDsInferParseYoloV8"
	MrcnnName       = "NvDsInferParseCustomMrcnnTLTV2"
	SoftmaxName     = "NvDsInferClassiferParseCustomSoftmax" // also the default ("")
	MultiLabelName  = "NvDsInferClassiferParseCustomMultiLabel"
	defaultName     = ""
	noCustomLibHint = "C parser libraries (custom-lib-path) cannot be loaded: register a Go parser under this name"
)

// Registry maps parser names to parsers. It is safe for concurrent use.
// The zero value is an empty registry ready to use.
type Registry struct {
	mu         sync.RWMutex
	bbox       map[string]BBoxParser
	mask       map[string]InstanceMaskParser
	classifier map[string]ClassifierParser
}

// Default holds the built-in parsers; the package-level Register
// functions add to it.
var Default = &Registry{}

func init() { RegisterBuiltins(Default) }

// RegisterBuiltins adds dsgo's built-in parsers to r under the names
// DeepStream configs use.
func RegisterBuiltins(r *Registry) {
	r.Register(defaultName, BBoxFunc(ParseDetectNet))
	r.Register(DetectNetName, BBoxFunc(ParseDetectNet))
	r.Register(TfSSDName, BBoxFunc(ParseTfSSD))
	r.Register(YoloName, BBoxFunc(ParseYolo))
	r.Register(YoloV5Name, BBoxFunc(ParseYoloV5))
	r.Register(YoloV8Name, BBoxFunc(ParseYoloV8))
	r.RegisterInstanceMask(MrcnnName, InstanceMaskFunc(ParseMrcnnTLTV2))
	r.RegisterClassifier(defaultName, ClassifierFunc(ParseSoftmax))
	r.RegisterClassifier(SoftmaxName, ClassifierFunc(ParseSoftmax))
	r.RegisterClassifier(MultiLabelName, ClassifierFunc(ParseMultiLabel))
}

// Register makes p the bounding-box parser called name, replacing any
// earlier one. It panics if p is nil.
func (r *Registry) Register(name string, p BBoxParser) {
	if p == nil {
		panic("parsers: Register " + name + ": nil parser")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bbox == nil {
		r.bbox = map[string]BBoxParser{}
	}
	r.bbox[name] = p
}

// RegisterInstanceMask makes p the instance mask parser called name.
func (r *Registry) RegisterInstanceMask(name string, p InstanceMaskParser) {
	if p == nil {
		panic("parsers: RegisterInstanceMask " + name + ": nil parser")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mask == nil {
		r.mask = map[string]InstanceMaskParser{}
	}
	r.mask[name] = p
}

// RegisterClassifier makes p the classifier parser called name.
func (r *Registry) RegisterClassifier(name string, p ClassifierParser) {
	if p == nil {
		panic("parsers: RegisterClassifier " + name + ": nil parser")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.classifier == nil {
		r.classifier = map[string]ClassifierParser{}
	}
	r.classifier[name] = p
}

// BBox returns the bounding-box parser called name ("" for the default).
func (r *Registry) BBox(name string) (BBoxParser, error) {
	r.mu.RLock()
	p, ok := r.bbox[name]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("parsers: no bbox parser %q (known: %v); %s", name, r.names(), noCustomLibHint)
	}
	return p, nil
}

// InstanceMask returns the instance mask parser called name.
func (r *Registry) InstanceMask(name string) (InstanceMaskParser, error) {
	r.mu.RLock()
	p, ok := r.mask[name]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("parsers: no instance mask parser %q; %s", name, noCustomLibHint)
	}
	return p, nil
}

// Classifier returns the classifier parser called name ("" for the
// default).
func (r *Registry) Classifier(name string) (ClassifierParser, error) {
	r.mu.RLock()
	p, ok := r.classifier[name]
	r.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("parsers: no classifier parser %q; %s", name, noCustomLibHint)
	}
	return p, nil
}

// names lists the bbox parser names, for errors.
func (r *Registry) names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var n []string
	for k := range r.bbox {
		if k != "" {
			n = append(n, k)
		}
	}
	sort.Strings(n)
	return n
}

// Register adds a bounding-box parser to Default.
func Register(name string, p BBoxParser) { Default.Register(name, p) }

// RegisterInstanceMask adds an instance mask parser to Default.
func RegisterInstanceMask(name string, p InstanceMaskParser) { Default.RegisterInstanceMask(name, p) }

// RegisterClassifier adds a classifier parser to Default.
func RegisterClassifier(name string, p ClassifierParser) { Default.RegisterClassifier(name, p) }
