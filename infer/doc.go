// Package infer is dsgo's inference runtime: ONNX import into one graph IR,
// optimisation passes on that IR, a CPU backend and a CUDA backend (the
// TensorRT role), engine files, and the output parsers (DetectNet_v2, SSD,
// YOLO, classifier, segmentation, instance segmentation) with clustering.
// It is built by the inference issues; the package holds nothing yet.
package infer
