// Package cuda binds the CUDA driver API, NVRTC, cuBLAS, cuDNN and
// NVDEC/NVENC through dlopen at run time, so every dsgo build works on
// machines without the CUDA toolkit and reports "no GPU" cleanly there.
// It is built by the GPU inference issue; the package holds nothing yet.
package cuda
