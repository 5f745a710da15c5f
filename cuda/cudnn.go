package cuda

/*
#include <stdlib.h>
#include "dsgo_dnn.h"
*/
import "C"

import (
	"fmt"
	"strings"
	"sync"
	"unsafe"
)

var cudnnOnce = sync.OnceValue(func() error {
	if err := Init(); err != nil {
		return err
	}
	return openLib("cuDNN 9 (libcudnn.so.9)", cudaLibs("libcudnn.so.9"),
		func(p, e *C.char, n C.size_t) C.int { return C.dsgo_cudnn_open(p, e, n) })
})

func checkDNN(op string, st C.int) error {
	switch {
	case st == 0:
		return nil
	case st < 0:
		return check("cuCtxSetCurrent", C.CUresult(-st))
	case st == noSymbol:
		return &LibError{Lib: "cudnn", Op: op, Status: int(st), Msg: "the loaded cuDNN lacks this function"}
	}
	msg := "unknown status"
	if s := C.dsgo_cudnnErrorString(st); s != nil {
		msg = C.GoString(s)
	}
	return &LibError{Lib: "cudnn", Op: op, Status: int(st), Msg: msg}
}

// DNNVersion returns the loaded cuDNN's version (91900 for 9.19.0) and
// the optional functions it lacks (autotuning, fused bias+activation,
// backward data), which dsgo then does without.
func DNNVersion() (version int, missing []string, err error) {
	if err := cudnnOnce(); err != nil {
		return 0, nil, err
	}
	return int(C.dsgo_cudnnGetVersion()), strings.Fields(C.GoString(C.dsgo_cudnn_missing())), nil
}

// DNN is a cuDNN handle bound to a context. Its calls run on the stream
// each names; a DNN is not safe for concurrent use.
type DNN struct {
	ctx *Context
	h   C.dsgo_handle
}

// NewDNN loads cuDNN 9 (libcudnn.so.9) on first use and creates a handle.
// Without the library the error wraps ErrUnavailable.
func (c *Context) NewDNN() (*DNN, error) {
	h, err := c.handle()
	if err != nil {
		return nil, err
	}
	if err := cudnnOnce(); err != nil {
		return nil, err
	}
	var dh C.dsgo_handle
	if err := checkDNN("cudnnCreate", C.dsgo_cudnnCreate(h, &dh)); err != nil {
		return nil, err
	}
	return &DNN{ctx: c, h: dh}, nil
}

// Close destroys the handle; close its Convs first.
func (d *DNN) Close() error {
	if d == nil || d.h == nil {
		return errClosed
	}
	h, err := d.ctx.handle()
	if err != nil {
		return err
	}
	dh := d.h
	d.h = nil
	return checkDNN("cudnnDestroy", C.dsgo_cudnnDestroy(h, dh))
}

// cuDNN enum values (cudnn_graph.h, cudnn_ops.h, cudnn_cnn.h).
const (
	cudnnFloat, cudnnHalf = 0, 2
	cudnnNCHW, cudnnNHWC  = 0, 1
	cudnnTensorOpMath     = 1
	cudnnFMAMath          = 3
	cudnnActRelu          = 1
	maxAlgos              = 16
)

// ConvSpec describes a 2-D convolution (ONNX Conv semantics: cross
// correlation, grouped, dilated, symmetric padding).
type ConvSpec struct {
	N, C, H, W           int // input; dimensions in NCHW order whatever the Layout
	K, R, S              int // output channels, kernel height and width
	Groups               int // 0 means 1
	PadH, PadW           int
	StrideH, StrideW     int // 0 means 1
	DilationH, DilationW int // 0 means 1
	Type                 DataType
	// Layout is the memory order of input, output (NCHW or NHWC) and
	// filter (KCRS or KRSC).
	Layout TensorLayout
	// TensorOps lets cuDNN use tensor cores; without it only FMA
	// kernels run (no TF32 for Float32 data).
	TensorOps bool
}

// ConvAlgo is a candidate algorithm with its measured (Find) or
// estimated (heuristic: -1) time and workspace.
type ConvAlgo struct {
	Algo      int
	Millis    float32
	Workspace int
}

// Conv is a convolution's cuDNN descriptors. It runs forward (Conv), or
// backward data (ConvTranspose: the transpose of the convolution from an
// input of the spec's N, C, H, W to its output).
type Conv struct {
	dnn  *DNN
	spec ConvSpec
	out  [4]int
	x, y C.dsgo_handle
	bias C.dsgo_handle
	w    C.dsgo_handle
	conv C.dsgo_handle
	relu C.dsgo_handle
}

func (s *ConvSpec) norm() {
	for _, p := range []*int{&s.Groups, &s.StrideH, &s.StrideW, &s.DilationH, &s.DilationW} {
		if *p == 0 {
			*p = 1
		}
	}
}

func (s *ConvSpec) validate() error {
	for _, v := range []int{s.N, s.C, s.H, s.W, s.K, s.R, s.S, s.Groups, s.StrideH, s.StrideW, s.DilationH, s.DilationW} {
		if v <= 0 || v > 1<<30 {
			return fmt.Errorf("cuda: conv %+v: sizes must be positive", *s)
		}
	}
	switch {
	case s.PadH < 0 || s.PadW < 0:
		return fmt.Errorf("cuda: conv: negative padding %d, %d", s.PadH, s.PadW)
	case s.C%s.Groups != 0 || s.K%s.Groups != 0:
		return fmt.Errorf("cuda: conv: %d input and %d output channels in %d groups", s.C, s.K, s.Groups)
	case s.Type != Float32 && s.Type != Float16:
		return fmt.Errorf("cuda: conv: element type %d", s.Type)
	case s.Layout != LayoutNCHW && s.Layout != LayoutNHWC:
		return fmt.Errorf("cuda: conv: layout %d", s.Layout)
	}
	return nil
}

// NewConv creates the descriptors of a convolution and checks cuDNN's
// idea of its output size.
func (d *DNN) NewConv(s ConvSpec) (cv *Conv, err error) {
	if d == nil || d.h == nil {
		return nil, errClosed
	}
	s.norm()
	if err := s.validate(); err != nil {
		return nil, err
	}
	dt, format := C.int(cudnnFloat), C.int(cudnnNCHW)
	if s.Type == Float16 {
		dt = cudnnHalf
	}
	if s.Layout == LayoutNHWC {
		format = cudnnNHWC
	}
	// Half data accumulates in float (PSEUDO_HALF_CONFIG).
	compute, math := C.int(cudnnFloat), C.int(cudnnFMAMath)
	if s.TensorOps {
		math = cudnnTensorOpMath
	}
	cv = &Conv{dnn: d, spec: s}
	defer func() {
		if err != nil {
			cv.Close()
			cv = nil
		}
	}()
	if err := checkDNN("cudnnSetTensor4dDescriptor", C.dsgo_cudnn_tensor(&cv.x, format, dt, C.int(s.N), C.int(s.C), C.int(s.H), C.int(s.W))); err != nil {
		return nil, err
	}
	if err := checkDNN("cudnnSetFilter4dDescriptor", C.dsgo_cudnn_filter(&cv.w, dt, format, C.int(s.K), C.int(s.C/s.Groups), C.int(s.R), C.int(s.S))); err != nil {
		return nil, err
	}
	if err := checkDNN("cudnnSetConvolution2dDescriptor", C.dsgo_cudnn_conv(&cv.conv, C.int(s.PadH), C.int(s.PadW),
		C.int(s.StrideH), C.int(s.StrideW), C.int(s.DilationH), C.int(s.DilationW), compute, C.int(s.Groups), math)); err != nil {
		return nil, err
	}
	var dims [4]C.int
	if err := checkDNN("cudnnGetConvolution2dForwardOutputDim", C.dsgo_cudnn_output_dim(cv.conv, cv.x, cv.w, &dims[0])); err != nil {
		return nil, err
	}
	for i, v := range dims {
		cv.out[i] = int(v)
	}
	if cv.out[2] <= 0 || cv.out[3] <= 0 {
		return nil, fmt.Errorf("cuda: conv %+v: empty output %v", s, cv.out)
	}
	if err := checkDNN("cudnnSetTensor4dDescriptor", C.dsgo_cudnn_tensor(&cv.y, format, dt, dims[0], dims[1], dims[2], dims[3])); err != nil {
		return nil, err
	}
	if err := checkDNN("cudnnSetTensor4dDescriptor", C.dsgo_cudnn_tensor(&cv.bias, format, dt, 1, C.int(s.K), 1, 1)); err != nil {
		return nil, err
	}
	return cv, nil
}

// OutputDims returns the output's N, K, H, W.
func (cv *Conv) OutputDims() [4]int { return cv.out }

// Spec returns the convolution's description.
func (cv *Conv) Spec() ConvSpec { return cv.spec }

func (cv *Conv) handles() (C.CUcontext, error) {
	if cv == nil || cv.conv == nil || cv.dnn == nil || cv.dnn.h == nil {
		return nil, errClosed
	}
	return cv.dnn.ctx.handle()
}

// perfs converts cuDNN's results to ConvAlgos, keeping those that ran
// and fit in wsLimit bytes.
func perfs(p []C.dsgo_cudnn_perf, wsLimit int, measured bool) []ConvAlgo {
	var out []ConvAlgo
	for _, r := range p {
		if r.status != 0 || int(r.memory) > wsLimit {
			continue
		}
		a := ConvAlgo{Algo: int(r.algo), Millis: -1, Workspace: int(r.memory)}
		if measured {
			a.Millis = float32(r.time)
		}
		out = append(out, a)
	}
	return out
}

type perfBuf struct{ p *C.dsgo_cudnn_perf }

func newPerfBuf() perfBuf {
	return perfBuf{(*C.dsgo_cudnn_perf)(C.calloc(maxAlgos, C.size_t(unsafe.Sizeof(C.dsgo_cudnn_perf{}))))}
}

func (b perfBuf) slice(n C.int) []C.dsgo_cudnn_perf { return unsafe.Slice(b.p, maxAlgos)[:n] }
func (b perfBuf) free()                             { C.free(unsafe.Pointer(b.p)) }

// rank runs one of cuDNN's algorithm searches (timed on s, or heuristic
// when s is nil) through call, named fn in errors, and returns the
// algorithms fastest or best first.
func (cv *Conv) rank(s *Stream, fn string, wsLimit int, timed bool, call func(C.CUcontext, C.CUstream, *C.int, perfBuf) C.int) ([]ConvAlgo, error) {
	h, err := cv.handles()
	if err != nil {
		return nil, err
	}
	var sh C.CUstream
	if s != nil {
		if _, sh, err = s.handles(); err != nil {
			return nil, err
		}
	}
	pb := newPerfBuf()
	defer pb.free()
	var n C.int
	if err := checkDNN(fn, call(h, sh, &n, pb)); err != nil {
		return nil, err
	}
	return perfs(pb.slice(n), wsLimit, timed), nil
}

// FindForward times every forward algorithm on the given buffers (y is
// overwritten) with up to wsLimit bytes of workspace at ws, fastest first.
func (cv *Conv) FindForward(s *Stream, x, w, y, ws DevicePtr, wsLimit int) ([]ConvAlgo, error) {
	return cv.rank(s, "cudnnFindConvolutionForwardAlgorithmEx", wsLimit, true, func(h C.CUcontext, sh C.CUstream, n *C.int, pb perfBuf) C.int {
		return C.dsgo_cudnn_fwd_find(h, cv.dnn.h, sh, cv.x, C.CUdeviceptr(x), cv.w, C.CUdeviceptr(w), cv.conv, cv.y,
			C.CUdeviceptr(y), maxAlgos, n, pb.p, C.CUdeviceptr(ws), C.size_t(wsLimit))
	})
}

// HeuristicForward returns cuDNN's ranking of the forward algorithms
// without running them.
func (cv *Conv) HeuristicForward(wsLimit int) ([]ConvAlgo, error) {
	return cv.rank(nil, "cudnnGetConvolutionForwardAlgorithm_v7", wsLimit, false, func(h C.CUcontext, _ C.CUstream, n *C.int, pb perfBuf) C.int {
		return C.dsgo_cudnn_fwd_heur(h, cv.dnn.h, cv.x, cv.w, cv.conv, cv.y, maxAlgos, n, pb.p)
	})
}

// ForwardWorkspace returns the workspace bytes algo needs.
func (cv *Conv) ForwardWorkspace(algo int) (int, error) {
	h, err := cv.handles()
	if err != nil {
		return 0, err
	}
	var n C.size_t
	if err := checkDNN("cudnnGetConvolutionForwardWorkspaceSize",
		C.dsgo_cudnn_fwd_ws(h, cv.dnn.h, cv.x, cv.w, cv.conv, cv.y, C.int(algo), &n)); err != nil {
		return 0, err
	}
	return int(n), nil
}

// Forward queues y = conv(x, w) on s. It allocates nothing.
func (cv *Conv) Forward(s *Stream, algo int, x, w, y, ws DevicePtr, wsSize int) error {
	h, err := cv.handles()
	if err != nil {
		return err
	}
	_, sh, err := s.handles()
	if err != nil {
		return err
	}
	return checkDNN("cudnnConvolutionForward", C.dsgo_cudnn_fwd(h, cv.dnn.h, sh, cv.x, C.CUdeviceptr(x), cv.w,
		C.CUdeviceptr(w), cv.conv, C.int(algo), C.CUdeviceptr(ws), C.size_t(wsSize), cv.y, C.CUdeviceptr(y)))
}

// HasBiasReLU reports whether the loaded cuDNN has the fused
// convolution+bias+activation call.
func HasBiasReLU() bool {
	_, missing, err := DNNVersion()
	if err != nil {
		return false
	}
	for _, m := range missing {
		if m == "cudnnConvolutionBiasActivationForward" || m == "cudnnCreateActivationDescriptor" {
			return false
		}
	}
	return true
}

// ForwardBiasReLU queues y = relu(conv(x, w) + z + bias) on s in one cuDNN
// call; z (a tensor of y's shape, a residual) may be 0 for none, bias
// holds K elements of the spec's Type. It allocates nothing.
func (cv *Conv) ForwardBiasReLU(s *Stream, algo int, x, w, z, bias, y, ws DevicePtr, wsSize int) error {
	h, err := cv.handles()
	if err != nil {
		return err
	}
	_, sh, err := s.handles()
	if err != nil {
		return err
	}
	if cv.relu == nil {
		if err := checkDNN("cudnnSetActivationDescriptor", C.dsgo_cudnn_act(&cv.relu, cudnnActRelu, 0)); err != nil {
			return err
		}
	}
	alpha2 := C.float(1)
	if z == 0 {
		z, alpha2 = y, 0
	}
	return checkDNN("cudnnConvolutionBiasActivationForward", C.dsgo_cudnn_fwd_bias_act(h, cv.dnn.h, sh, cv.x,
		C.CUdeviceptr(x), cv.w, C.CUdeviceptr(w), cv.conv, C.int(algo), C.CUdeviceptr(ws), C.size_t(wsSize), alpha2,
		cv.y, C.CUdeviceptr(z), cv.bias, C.CUdeviceptr(bias), cv.relu, cv.y, C.CUdeviceptr(y)))
}

// FindBackwardData times the backward-data algorithms: dx (the spec's
// input shape) = conv^T(w, dy) with dy of the output's shape, which is
// ConvTranspose from dy to dx.
func (cv *Conv) FindBackwardData(s *Stream, w, dy, dx, ws DevicePtr, wsLimit int) ([]ConvAlgo, error) {
	return cv.rank(s, "cudnnFindConvolutionBackwardDataAlgorithmEx", wsLimit, true, func(h C.CUcontext, sh C.CUstream, n *C.int, pb perfBuf) C.int {
		return C.dsgo_cudnn_bwd_find(h, cv.dnn.h, sh, cv.w, C.CUdeviceptr(w), cv.y, C.CUdeviceptr(dy), cv.conv, cv.x,
			C.CUdeviceptr(dx), maxAlgos, n, pb.p, C.CUdeviceptr(ws), C.size_t(wsLimit))
	})
}

// HeuristicBackwardData ranks the backward-data algorithms without
// running them.
func (cv *Conv) HeuristicBackwardData(wsLimit int) ([]ConvAlgo, error) {
	return cv.rank(nil, "cudnnGetConvolutionBackwardDataAlgorithm_v7", wsLimit, false, func(h C.CUcontext, _ C.CUstream, n *C.int, pb perfBuf) C.int {
		return C.dsgo_cudnn_bwd_heur(h, cv.dnn.h, cv.w, cv.y, cv.conv, cv.x, maxAlgos, n, pb.p)
	})
}

// BackwardDataWorkspace returns the workspace bytes algo needs.
func (cv *Conv) BackwardDataWorkspace(algo int) (int, error) {
	h, err := cv.handles()
	if err != nil {
		return 0, err
	}
	var n C.size_t
	if err := checkDNN("cudnnGetConvolutionBackwardDataWorkspaceSize",
		C.dsgo_cudnn_bwd_ws(h, cv.dnn.h, cv.w, cv.y, cv.conv, cv.x, C.int(algo), &n)); err != nil {
		return 0, err
	}
	return int(n), nil
}

// BackwardData queues dx = conv^T(w, dy) on s. It allocates nothing.
func (cv *Conv) BackwardData(s *Stream, algo int, w, dy, dx, ws DevicePtr, wsSize int) error {
	h, err := cv.handles()
	if err != nil {
		return err
	}
	_, sh, err := s.handles()
	if err != nil {
		return err
	}
	return checkDNN("cudnnConvolutionBackwardData", C.dsgo_cudnn_bwd(h, cv.dnn.h, sh, cv.w, C.CUdeviceptr(w), cv.y,
		C.CUdeviceptr(dy), cv.conv, C.int(algo), C.CUdeviceptr(ws), C.size_t(wsSize), cv.x, C.CUdeviceptr(dx)))
}

// Close destroys the descriptors.
func (cv *Conv) Close() error {
	if cv == nil {
		return errClosed
	}
	for _, t := range []*C.dsgo_handle{&cv.x, &cv.y, &cv.bias} {
		if *t != nil {
			C.dsgo_cudnn_destroy_tensor(*t)
			*t = nil
		}
	}
	if cv.w != nil {
		C.dsgo_cudnn_destroy_filter(cv.w)
		cv.w = nil
	}
	if cv.conv != nil {
		C.dsgo_cudnn_destroy_conv(cv.conv)
		cv.conv = nil
	}
	if cv.relu != nil {
		C.dsgo_cudnn_destroy_act(cv.relu)
		cv.relu = nil
	}
	return nil
}
