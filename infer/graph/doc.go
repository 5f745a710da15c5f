// Package graph is dsgo's one inference IR: a typed, topologically sorted
// graph of ONNX operators that both the CPU and the CUDA backends lower.
//
// Load parses an ONNX model (opset 7-21), converts its weights to
// tensor.Tensor, checks every operator against the supported set and infers
// shapes as far as the model's declared inputs allow. Bind fixes the dynamic
// input dimensions (a batch size, say) and infers every shape, evaluating the
// small shape-computing subgraphs PyTorch exports (Shape, Gather, Concat,
// Unsqueeze...) as it goes. Optimize runs the passes in passes.go: constant
// folding, Identity/Dropout removal, Conv+BatchNormalization folding,
// Conv+activation fusion and dead node removal. Backends never optimise; they
// read the fused attributes Optimize leaves on Conv nodes.
package graph
