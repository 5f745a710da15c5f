package configs

import (
	"fmt"
	"strconv"
)

// field says where a [property] key goes: get returns a pointer to the
// field (nil for keys accepted but unused); path marks file names, which
// are resolved against the config file's directory.
type field struct {
	get  func(c *InferConfig) any
	path bool
}

// accepted is a key DeepStream knows that dsgo records nowhere.
var accepted = field{}

// propertyFields are the keys of [property]. is-classifier and
// enable-dbscan are legacy keys handled by parser.property.
var propertyFields = map[string]field{
	"gpu-id":                              {get: func(c *InferConfig) any { return &c.GPUID }},
	"net-scale-factor":                    {get: func(c *InferConfig) any { return &c.NetScaleFactor }},
	"offsets":                             {get: func(c *InferConfig) any { return &c.Offsets }},
	"model-color-format":                  {get: func(c *InferConfig) any { return &c.ModelColorFormat }},
	"onnx-file":                           {get: func(c *InferConfig) any { return &c.ONNXFile }, path: true},
	"model-engine-file":                   {get: func(c *InferConfig) any { return &c.ModelEngineFile }, path: true},
	"int8-calib-file":                     {get: func(c *InferConfig) any { return &c.Int8CalibFile }, path: true},
	"labelfile-path":                      {get: func(c *InferConfig) any { return &c.LabelfilePath }, path: true},
	"model-file":                          {get: func(c *InferConfig) any { return &c.ModelFile }, path: true},
	"proto-file":                          {get: func(c *InferConfig) any { return &c.ProtoFile }, path: true},
	"uff-file":                            {get: func(c *InferConfig) any { return &c.UFFFile }, path: true},
	"tlt-encoded-model":                   {get: func(c *InferConfig) any { return &c.TLTEncodedModel }, path: true},
	"tlt-model-key":                       {get: func(c *InferConfig) any { return &c.TLTModelKey }},
	"mean-file":                           {get: func(c *InferConfig) any { return &c.MeanFile }, path: true},
	"custom-lib-path":                     {get: func(c *InferConfig) any { return &c.CustomLibPath }, path: true},
	"batch-size":                          {get: func(c *InferConfig) any { return &c.BatchSize }},
	"network-mode":                        {get: func(c *InferConfig) any { return &c.NetworkMode }},
	"process-mode":                        {get: func(c *InferConfig) any { return &c.ProcessMode }},
	"gie-unique-id":                       {get: func(c *InferConfig) any { return &c.GIEUniqueID }},
	"operate-on-gie-id":                   {get: func(c *InferConfig) any { return &c.OperateOnGIEID }},
	"operate-on-class-ids":                {get: func(c *InferConfig) any { return &c.OperateOnClassIDs }},
	"interval":                            {get: func(c *InferConfig) any { return &c.Interval }},
	"secondary-reinfer-interval":          {get: func(c *InferConfig) any { return &c.SecondaryReinferInterval }},
	"num-detected-classes":                {get: func(c *InferConfig) any { return &c.NumDetectedClasses }},
	"cluster-mode":                        {get: func(c *InferConfig) any { return &c.ClusterMode }},
	"network-type":                        {get: func(c *InferConfig) any { return &c.NetworkType }},
	"infer-dims":                          {get: func(c *InferConfig) any { return &c.InferDims }},
	"uff-input-dims":                      {get: func(c *InferConfig) any { return &c.uffDims }},
	"input-dims":                          {get: func(c *InferConfig) any { return &c.uffDims }},
	"uff-input-order":                     {get: func(c *InferConfig) any { return &c.UFFInputOrder }},
	"uff-input-blob-name":                 {get: func(c *InferConfig) any { return &c.UFFInputBlobName }},
	"output-blob-names":                   {get: func(c *InferConfig) any { return &c.OutputBlobNames }},
	"output-tensor-meta":                  {get: func(c *InferConfig) any { return &c.OutputTensorMeta }},
	"parse-bbox-func-name":                {get: func(c *InferConfig) any { return &c.ParseBBoxFuncName }},
	"parse-bbox-instance-mask-func-name":  {get: func(c *InferConfig) any { return &c.ParseBBoxInstanceMaskFuncName }},
	"parse-classifier-func-name":          {get: func(c *InferConfig) any { return &c.ParseClassifierFuncName }},
	"engine-create-func-name":             {get: func(c *InferConfig) any { return &c.EngineCreateFuncName }},
	"custom-network-config":               {get: func(c *InferConfig) any { return &c.CustomNetworkConfig }, path: true},
	"classifier-threshold":                {get: func(c *InferConfig) any { return &c.ClassifierThreshold }},
	"classifier-async-mode":               {get: func(c *InferConfig) any { return &c.ClassifierAsyncMode }},
	"segmentation-threshold":              {get: func(c *InferConfig) any { return &c.SegmentationThreshold }},
	"segmentation-output-order":           {get: func(c *InferConfig) any { return &c.SegmentationOutputOrder }},
	"filter-out-class-ids":                {get: func(c *InferConfig) any { return &c.FilterOutClassIDs }},
	"scaling-filter":                      {get: func(c *InferConfig) any { return &c.ScalingFilter }},
	"scaling-compute-hw":                  {get: func(c *InferConfig) any { return &c.ScalingComputeHW }},
	"crop-objects-to-roi-boundary":        {get: func(c *InferConfig) any { return &c.CropObjectsToROIBoundary }},
	"output-instance-mask":                {get: func(c *InferConfig) any { return &c.OutputInstanceMask }},
	"force-implicit-batch-dim":            {get: func(c *InferConfig) any { return &c.ForceImplicitBatchDim }},
	"workspace-size":                      {get: func(c *InferConfig) any { return &c.WorkspaceSize }},
	"maintain-aspect-ratio":               {get: func(c *InferConfig) any { return &c.MaintainAspectRatio }},
	"symmetric-padding":                   {get: func(c *InferConfig) any { return &c.SymmetricPadding }},
	"input-object-min-width":              {get: func(c *InferConfig) any { return &c.InputObjectMinWidth }},
	"input-object-min-height":             {get: func(c *InferConfig) any { return &c.InputObjectMinHeight }},
	"input-object-max-width":              {get: func(c *InferConfig) any { return &c.InputObjectMaxWidth }},
	"input-object-max-height":             {get: func(c *InferConfig) any { return &c.InputObjectMaxHeight }},
	"parse-func":                          accepted,
	"parse-segmentation-func-name":        accepted,
	"enable-dla":                          accepted,
	"use-dla-core":                        accepted,
	"layer-device-precision":              accepted,
	"output-io-formats":                   accepted,
	"network-input-order":                 accepted,
	"disable-output-host-copy":            accepted,
	"auto-inc-mem":                        accepted,
	"max-gpu-mem-per":                     accepted,
	"dump-input-tensor":                   accepted,
	"dump-output-tensor":                  accepted,
	"overwrite-input-tensor":              accepted,
	"ip-tensor-file":                      accepted,
	"classifier-type":                     accepted,
	"input-tensor-from-meta":              accepted,
	"clip-object-outside-roi":             accepted,
	"gpu-post-processing":                 accepted,
	"classifier-post-processing":          accepted,
	"infer-raw-output-dir":                accepted,
	"tensor-meta-pool-size":               accepted,
	"model-engine-serialize":              accepted,
	"num-detected-classes-for-clustering": accepted,
}

// classFields are the keys of [class-attrs-*] groups.
var classFields = map[string]func(a *ClassAttrs) any{
	"pre-cluster-threshold":  func(a *ClassAttrs) any { return &a.PreClusterThreshold },
	"threshold":              func(a *ClassAttrs) any { return &a.PreClusterThreshold },
	"post-cluster-threshold": func(a *ClassAttrs) any { return &a.PostClusterThreshold },
	"eps":                    func(a *ClassAttrs) any { return &a.EPS },
	"group-threshold":        func(a *ClassAttrs) any { return &a.GroupThreshold },
	"minBoxes":               func(a *ClassAttrs) any { return &a.MinBoxes },
	"dbscan-min-score":       func(a *ClassAttrs) any { return &a.DBSCANMinScore },
	"nms-iou-threshold":      func(a *ClassAttrs) any { return &a.NMSIOUThreshold },
	"topk":                   func(a *ClassAttrs) any { return &a.TopK },
	"roi-top-offset":         func(a *ClassAttrs) any { return &a.ROITopOffset },
	"roi-bottom-offset":      func(a *ClassAttrs) any { return &a.ROIBottomOffset },
	"detected-min-w":         func(a *ClassAttrs) any { return &a.DetectedMinW },
	"detected-min-h":         func(a *ClassAttrs) any { return &a.DetectedMinH },
	"detected-max-w":         func(a *ClassAttrs) any { return &a.DetectedMaxW },
	"detected-max-h":         func(a *ClassAttrs) any { return &a.DetectedMaxH },
	"border-color":           func(a *ClassAttrs) any { return &a.BorderColor },
	"bg-color":               func(a *ClassAttrs) any { return &a.BgColor },
}

// numeric returns the number a key's field holds, for range rules.
func numeric(p any) (float64, bool) {
	switch v := p.(type) {
	case *int:
		return float64(*v), true
	case *float64:
		return *v, true
	case *bool:
		if *v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// format returns a field's value as a config file would spell it.
func format(p any) string {
	switch v := p.(type) {
	case *int:
		return strconv.Itoa(*v)
	case *float64:
		return strconv.FormatFloat(*v, 'g', -1, 64)
	case *bool:
		if *v {
			return "1"
		}
		return "0"
	}
	return fmt.Sprint(p)
}
