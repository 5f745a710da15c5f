// Package gpu is dsgo's CUDA inference backend, its TensorRT-like
// engine: it lowers the graph IR (infer/graph, bound and optimised as for
// the CPU backend) to cuDNN convolutions, cuBLAS matrix products and
// dsgo's own kernels (cuda/kernels/infer.cu), with the CPU backend's
// semantics op for op.
//
// NewEngine loads the libraries and kernels for one device; Engine.Compile
// turns the graph, bound to a set of input shapes (one batch size), into a
// Program: a memory plan that places every intermediate tensor in one
// device arena by liveness, weights converted once (to float16 for FP16
// programs, to channels-last filters for NHWC convolutions), cuDNN
// algorithms chosen (its heuristics, or timed on the device with
// Options.Autotune), residual Add+Relu folded into the convolution that
// feeds them, and the whole inference captured as one CUDA graph that Run
// replays (which also removes cuDNN 9's host cost per call). FP16 programs keep activations in half
// precision and accumulate in float32; inputs and outputs stay float32 at
// the API (host tensors in pinned memory, or device pointers for
// producers on the GPU). Running allocates nothing.
//
// NonMaxSuppression, whose output length depends on the data, runs on the
// device inside the graph; Run copies back its count and rows (the CPU
// kernel runs instead only when a batch and class has more candidates
// than the device's capacity, see nms.go). Engine files (enginefile.go)
// store the optimised graph with the tactics tuned for each batch size.
// Without a GPU every entry point fails with an error that wraps
// cuda.ErrUnavailable.
package gpu
