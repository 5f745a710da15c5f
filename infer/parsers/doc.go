// Package parsers turns inference outputs into DeepStream metadata: the
// output parsers nvinfer runs after a model (DetectNet_v2 grid, TF SSD,
// YOLOv5/v8, softmax and multi-label classifiers, semantic segmentation,
// Mask R-CNN instance segmentation) and the clustering that merges a
// detector's raw boxes (cluster-mode 0-4: groupRectangles, DBSCAN, NMS,
// DBSCAN+NMS, none) and filters them (detected-min/max sizes, ROI offsets).
//
// Parsers take the output layers as tensors, the network's input size and
// the detection parameters DeepStream gives its custom parsers, and append
// to a caller's slice, so that a caller reusing its slices and a Clusterer
// allocates nothing per frame. A Registry maps the names configs give in
// parse-bbox-func-name (and the instance mask and classifier keys) to
// parsers; Default holds the built-in ones, and programs add their own
// with Register, since C parser libraries cannot be loaded.
//
// Boxes are in network input pixels; the infer element scales them to the
// frame before Filter.
package parsers
