// Package cuda is dsgo's binding to CUDA, loaded with dlopen at run time:
// no CUDA headers or libraries are needed to build it, and on machines
// without an NVIDIA driver or GPU every entry point returns an error that
// wraps ErrUnavailable (Available reports false) so callers fall back to
// their CPU paths. Nothing in it panics on a missing library.
//
// The pieces:
//   - the driver API (libcuda.so.1): Device, Context (a device's primary
//     context), Stream, Event, DeviceMemory (stream-ordered allocation from
//     the device's caching memory pool, cuMemAlloc where pools are not
//     supported), pinned HostMemory, 1D and pitched 2D copies, Module and
//     Function (cuLaunchKernel with an allocation-free argument block,
//     Args), and Graph (stream capture, instantiate, launch);
//   - NVRTC (libnvrtc.so.13 or .12): dsgo's kernels, CUDA C++ embedded
//     from cuda/kernels, are compiled for the device's exact architecture
//     and the cubins cached on disk (DefaultCacheDir), keyed by source,
//     options, architecture and driver version;
//   - cuBLAS (libcublas.so.13 or .12: BLAS, strided batched GEMM in FP32
//     or FP16 with float accumulation) and cuDNN 9 (libcudnn.so.9: DNN
//     and Conv, its v7-style convolution API: forward, fused
//     bias+ReLU+residual, backward data, heuristic and Find algorithm
//     choice), loaded on first use, each call binding the context;
//   - kernels: Preprocessor, nvinfer's input preprocessing for a whole
//     batch in one launch, matching dsgo's CPU preprocessing.
//
// Threads: the CUDA driver binds a context to an OS thread, and goroutines
// move between threads. Every call here therefore makes its context
// current inside the same C call that does the work (a thread-local read
// when it already is), so goroutines need no runtime.LockOSThread and any
// goroutine may use any object. Code that calls other CUDA libraries on
// the same thread (cuDNN, cuBLAS) must bind the context the same way.
package cuda
