#!/usr/bin/env python3
"""Reference data for dsgo's inference runtime.

Writes, under OUTDIR:
  ops/<case>/model.onnx      one ONNX operator (opset 17 unless noted)
  models/<name>/model.onnx   three small whole models exported with PyTorch:
                             a classifier, a DetectNet_v2-style detector
                             (coverage + bbox grids) and a YOLOv8-style
                             detector ([N, 4+C, anchors] output)
  */input_<i>.npy, */output_<i>.npy, */manifest.json
                             seeded random inputs and the outputs that
                             onnxruntime (CPU) computes: the independent
                             reference dsgo's backends must match.

Run where torch, onnx and onnxruntime are installed (the GPU machine):
  python3 infer/testdata/gen_reference.py OUTDIR
Everything is seeded; weights are random (these models test arithmetic,
not accuracy; the trained sample models are made by samples/ scripts).
"""
import json
import os
import sys
import traceback

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1] if len(sys.argv) > 1 else "reference"
RNG = np.random.default_rng(20261125)
FAILED = []


def r(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def pos(*shape):
    return (np.abs(r(*shape)) + 0.1).astype(np.float32)


def i64(*vals):
    return np.array(vals, dtype=np.int64)


def f32(*vals):
    return np.array(vals, dtype=np.float32)


ELEM = {np.float32: TensorProto.FLOAT, np.int64: TensorProto.INT64,
        np.int32: TensorProto.INT32, np.bool_: TensorProto.BOOL}


def elem(arr):
    return ELEM[arr.dtype.type]


def run_and_save(d, model_bytes, feeds):
    """Runs a model with onnxruntime and saves inputs, outputs, manifest."""
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model_bytes)
    sess = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    outs = sess.run(None, feeds)
    names = list(feeds)
    for i, n in enumerate(names):
        np.save(os.path.join(d, f"input_{i}.npy"), feeds[n])
    out_names = [o.name for o in sess.get_outputs()]
    for i, o in enumerate(outs):
        np.save(os.path.join(d, f"output_{i}.npy"), np.asarray(o))
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump({"inputs": names, "outputs": out_names,
                   "output_shapes": [list(np.asarray(o).shape) for o in outs]}, f, indent=1)
    return outs


def op_case(case, op, ins, attrs=None, outs=(("y", TensorProto.FLOAT),), opset=17):
    """One operator. ins: (name, array, kind) with kind 'in' (graph input),
    'const' (initializer) or 'skip' (an empty optional input)."""
    try:
        inputs, inits, feeds, node_ins = [], [], {}, []
        for name, arr, kind in ins:
            if kind == "skip":
                node_ins.append("")
                continue
            node_ins.append(name)
            if kind == "const":
                inits.append(numpy_helper.from_array(arr, name))
            else:
                inputs.append(helper.make_tensor_value_info(name, elem(arr), list(arr.shape)))
                feeds[name] = arr
        node = helper.make_node(op, node_ins, [n for n, _ in outs], name=case, **(attrs or {}))
        graph = helper.make_graph([node], case, inputs,
                                  [helper.make_tensor_value_info(n, t, None) for n, t in outs], inits)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        model.ir_version = 8
        # Output shapes are left to shape inference (the checker wants them).
        model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
        onnx.checker.check_model(model)
        run_and_save(os.path.join(OUT, "ops", case), model.SerializeToString(), feeds)
    except Exception:
        FAILED.append(case)
        traceback.print_exc()


def conv_cases():
    op_case("conv_3x3_pad1", "Conv", [("x", r(2, 4, 9, 9), "in"), ("w", r(6, 4, 3, 3), "const"), ("b", r(6), "const")],
            {"pads": [1, 1, 1, 1]})
    op_case("conv_stride2_asym", "Conv", [("x", r(1, 3, 10, 11), "in"), ("w", r(5, 3, 3, 3), "const")],
            {"pads": [0, 1, 1, 0], "strides": [2, 2]})
    op_case("conv_groups2", "Conv", [("x", r(1, 4, 8, 8), "in"), ("w", r(6, 2, 3, 3), "const"), ("b", r(6), "const")],
            {"group": 2, "pads": [1, 1, 1, 1]})
    op_case("conv_depthwise", "Conv", [("x", r(1, 8, 12, 12), "in"), ("w", r(8, 1, 3, 3), "const")],
            {"group": 8, "pads": [1, 1, 1, 1], "strides": [2, 2]})
    op_case("conv_dilation2", "Conv", [("x", r(1, 3, 12, 12), "in"), ("w", r(4, 3, 3, 3), "const")],
            {"dilations": [2, 2], "pads": [2, 2, 2, 2]})
    op_case("conv_1x1", "Conv", [("x", r(2, 16, 7, 7), "in"), ("w", r(8, 16, 1, 1), "const"), ("b", r(8), "const")])
    op_case("conv_5x5", "Conv", [("x", r(1, 3, 16, 16), "in"), ("w", r(4, 3, 5, 5), "const")], {"pads": [2, 2, 2, 2]})
    op_case("convtranspose_s2", "ConvTranspose", [("x", r(1, 4, 5, 5), "in"), ("w", r(4, 3, 4, 4), "const"),
                                                  ("b", r(3), "const")], {"strides": [2, 2], "pads": [1, 1, 1, 1]})
    op_case("batchnorm", "BatchNormalization", [("x", r(2, 3, 5, 5), "in"), ("s", r(3), "const"), ("b", r(3), "const"),
                                                ("m", r(3), "const"), ("v", pos(3), "const")], {"epsilon": 1e-5})


def unary_cases():
    x = r(2, 3, 4, 5)
    for op, attrs in [("Relu", {}), ("LeakyRelu", {"alpha": 0.1}), ("Sigmoid", {}),
                      ("HardSigmoid", {"alpha": 0.2, "beta": 0.5}), ("HardSwish", {}), ("Tanh", {}),
                      ("Exp", {}), ("Neg", {}), ("Floor", {}), ("Ceil", {}), ("Erf", {}), ("Identity", {})]:
        op_case("unary_" + op.lower(), op, [("x", x, "in")], attrs)
    op_case("unary_sqrt", "Sqrt", [("x", pos(2, 3, 4), "in")])
    op_case("unary_mish", "Mish", [("x", x, "in")], opset=18)
    op_case("clip", "Clip", [("x", x, "in"), ("lo", f32(-0.5).reshape(()), "const"), ("hi", f32(0.5).reshape(()), "const")])


def binary_cases():
    op_case("add_bcast_channel", "Add", [("a", r(2, 3, 4, 5), "in"), ("b", r(3, 1, 1), "const")])
    op_case("sub_bcast_last", "Sub", [("a", r(2, 3, 4, 5), "in"), ("b", r(1, 5), "in")])
    op_case("mul_same", "Mul", [("a", r(2, 3, 4, 5), "in"), ("b", r(2, 3, 4, 5), "in")])
    op_case("div_bcast", "Div", [("a", r(2, 3, 4, 5), "in"), ("b", pos(5), "in")])
    op_case("pow", "Pow", [("a", pos(2, 3), "in"), ("b", f32(2, 0.5, 3), "const")])
    op_case("min", "Min", [("a", r(3, 4), "in"), ("b", r(4), "in")])
    op_case("max", "Max", [("a", r(3, 4), "in"), ("b", r(4), "in")])
    op_case("sum3", "Sum", [("a", r(2, 3), "in"), ("b", r(2, 3), "in"), ("c", r(2, 3), "in")])
    a = r(3, 4)
    b = a.copy()
    b[0, 1] += 1
    b[2, 3] -= 2
    op_case("equal", "Equal", [("a", a, "in"), ("b", b, "in")], outs=(("y", TensorProto.BOOL),))
    op_case("where", "Where", [("c", RNG.random((3, 4)) > 0.5, "const"), ("x", r(3, 4), "in"), ("y2", r(1, 4), "in")])


def pool_cases():
    op_case("maxpool_3x3s2p1", "MaxPool", [("x", r(1, 3, 11, 11), "in")],
            {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1]})
    op_case("maxpool_ceil", "MaxPool", [("x", r(1, 2, 10, 10), "in")],
            {"kernel_shape": [3, 3], "strides": [2, 2], "ceil_mode": 1})
    op_case("avgpool_include_pad", "AveragePool", [("x", r(1, 2, 9, 9), "in")],
            {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "count_include_pad": 1})
    op_case("avgpool_exclude_pad", "AveragePool", [("x", r(1, 2, 9, 9), "in")],
            {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1], "count_include_pad": 0})
    op_case("globalavgpool", "GlobalAveragePool", [("x", r(2, 5, 7, 7), "in")])


def matrix_cases():
    op_case("gemm_transb", "Gemm", [("a", r(3, 4), "in"), ("b", r(5, 4), "const"), ("c", r(5), "const")],
            {"transB": 1, "alpha": 0.5, "beta": 2.0})
    op_case("gemm_transa", "Gemm", [("a", r(4, 3), "in"), ("b", r(4, 5), "const")], {"transA": 1})
    op_case("matmul_batched", "MatMul", [("a", r(2, 3, 4), "in"), ("b", r(4, 5), "const")])
    op_case("matmul_bcast", "MatMul", [("a", r(2, 1, 3, 4), "in"), ("b", r(5, 4, 6), "in")])


def shape_cases():
    op_case("concat_axis1", "Concat", [("a", r(2, 3, 4), "in"), ("b", r(2, 2, 4), "in")], {"axis": 1})
    op_case("split", "Split", [("x", r(2, 6, 3), "in"), ("s", i64(2, 4), "const")], {"axis": 1},
            outs=(("y0", TensorProto.FLOAT), ("y1", TensorProto.FLOAT)))
    op_case("slice_steps", "Slice", [("x", r(4, 10, 6), "in"), ("st", i64(1, -8), "const"), ("en", i64(4, -1), "const"),
                                     ("ax", i64(0, 1), "const"), ("sp", i64(1, 2), "const")])
    op_case("slice_negative_step", "Slice", [("x", r(5, 6), "in"), ("st", i64(-1), "const"), ("en", i64(-7), "const"),
                                             ("ax", i64(1), "const"), ("sp", i64(-2), "const")])
    op_case("reshape_infer", "Reshape", [("x", r(2, 3, 4), "in"), ("s", i64(0, -1), "const")])
    op_case("flatten_axis2", "Flatten", [("x", r(2, 3, 4, 5), "in")], {"axis": 2})
    op_case("transpose_nhwc", "Transpose", [("x", r(2, 3, 4, 5), "in")], {"perm": [0, 2, 3, 1]})
    op_case("squeeze", "Squeeze", [("x", r(1, 3, 1, 5), "in"), ("a", i64(0, 2), "const")])
    op_case("unsqueeze", "Unsqueeze", [("x", r(3, 5), "in"), ("a", i64(0, 3), "const")])
    op_case("expand", "Expand", [("x", r(3, 1), "in"), ("s", i64(2, 3, 4), "const")])
    op_case("tile", "Tile", [("x", r(2, 3), "in"), ("rp", i64(2, 2), "const")])
    op_case("gather_axis0", "Gather", [("x", r(5, 4), "in"), ("i", np.array([[0, 2], [4, 1]], np.int64), "const")])
    op_case("gather_axis1_negative", "Gather", [("x", r(3, 6, 2), "in"), ("i", i64(5, 0, -1), "const")], {"axis": 1})
    op_case("pad_constant", "Pad", [("x", r(1, 2, 3, 4), "in"), ("p", i64(0, 0, 1, 2, 0, 0, 2, 1), "const"),
                                    ("v", f32(0.5).reshape(()), "const")])
    op_case("pad_reflect", "Pad", [("x", r(1, 2, 4, 5), "in"), ("p", i64(0, 0, 1, 2, 0, 0, 2, 1), "const")],
            {"mode": "reflect"})
    op_case("pad_edge", "Pad", [("x", r(1, 2, 4, 5), "in"), ("p", i64(0, 0, 1, 1, 0, 0, 1, 1), "const")],
            {"mode": "edge"})
    op_case("cast_to_int32", "Cast", [("x", r(3, 4) * 5, "in")], {"to": TensorProto.INT32},
            outs=(("y", TensorProto.INT32),))
    op_case("constantofshape", "ConstantOfShape", [("s", i64(2, 3), "const")],
            {"value": numpy_helper.from_array(f32(1.5))})
    op_case("range", "Range", [("a", f32(1).reshape(()), "const"), ("b", f32(4).reshape(()), "const"),
                               ("d", f32(0.5).reshape(()), "const")])
    op_case("shape", "Shape", [("x", r(2, 3, 4), "in")], outs=(("y", TensorProto.INT64),))


def resize_cases():
    x = r(1, 2, 4, 5)
    op_case("resize_nearest_asymmetric", "Resize", [("x", x, "in"), ("roi", None, "skip"), ("sc", f32(1, 1, 2, 2), "const")],
            {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"})
    op_case("resize_linear_half_pixel", "Resize", [("x", x, "in"), ("roi", None, "skip"), ("sc", None, "skip"),
                                                   ("sz", i64(1, 2, 7, 9), "const")],
            {"mode": "linear", "coordinate_transformation_mode": "half_pixel"})
    op_case("resize_nearest_round_prefer_floor", "Resize", [("x", x, "in"), ("roi", None, "skip"), ("sc", None, "skip"),
                                                            ("sz", i64(1, 2, 8, 10), "const")],
            {"mode": "nearest", "coordinate_transformation_mode": "half_pixel", "nearest_mode": "round_prefer_floor"})
    op_case("resize_linear_align_corners", "Resize", [("x", x, "in"), ("roi", None, "skip"), ("sc", f32(1, 1, 2, 2), "const")],
            {"mode": "linear", "coordinate_transformation_mode": "align_corners"})


def reduce_cases():
    op_case("softmax_last", "Softmax", [("x", r(2, 3, 7), "in")], {"axis": -1})
    op_case("softmax_axis1", "Softmax", [("x", r(2, 5, 3), "in")], {"axis": 1})
    op_case("reducemean_hw", "ReduceMean", [("x", r(2, 3, 4, 5), "in")], {"axes": [2, 3], "keepdims": 1})
    op_case("reducemax_c", "ReduceMax", [("x", r(2, 3, 4), "in")], {"axes": [1], "keepdims": 0})
    op_case("reducesum_axes_input", "ReduceSum", [("x", r(2, 3, 4), "in"), ("a", i64(1), "const")], {"keepdims": 1})
    op_case("argmax", "ArgMax", [("x", r(3, 7), "in")], {"axis": 1, "keepdims": 0}, outs=(("y", TensorProto.INT64),))
    op_case("topk", "TopK", [("x", r(3, 10), "in"), ("k", i64(4), "const")], {"axis": -1},
            outs=(("v", TensorProto.FLOAT), ("i", TensorProto.INT64)))


def detection_cases():
    boxes = np.array([[[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [21, 19, 31, 29],
                       [50, 50, 60, 70], [0, 0, 100, 100], [5, 5, 8, 8], [52, 52, 61, 69]]], np.float32)
    scores = np.abs(r(1, 2, 8))
    op_case("nms", "NonMaxSuppression", [("b", boxes, "in"), ("s", scores, "in"), ("m", i64(3), "const"),
                                         ("iou", f32(0.5), "const"), ("thr", f32(0.1), "const")],
            outs=(("sel", TensorProto.INT64),))
    rois = np.array([[0, 0, 15, 15], [2.5, 3, 9, 12.5], [8, 1, 30, 20]], np.float32)
    op_case("roialign", "RoiAlign", [("x", r(1, 3, 16, 16), "in"), ("r", rois, "const"),
                                     ("bi", i64(0, 0, 0), "const")],
            {"output_height": 4, "output_width": 4, "sampling_ratio": 2, "spatial_scale": 0.5, "mode": "avg",
             "coordinate_transformation_mode": "output_half_pixel"})


def whole_models():
    import torch
    import torch.nn as nn
    torch.manual_seed(0)

    def cbr(i, o, s=1, act=nn.ReLU):
        return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), act())

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.f = nn.Sequential(cbr(3, 16, 2), cbr(16, 32, 2), nn.MaxPool2d(2), cbr(32, 64, 2),
                                   nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

        def forward(self, x):
            return torch.softmax(self.f(x), dim=1)

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.a, self.b = cbr(c, c), nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))

        def forward(self, x):
            return torch.relu(x + self.b(self.a(x)))

    class DetectNet(nn.Module):
        def __init__(self, classes=4):
            super().__init__()
            self.trunk = nn.Sequential(cbr(3, 24, 2), cbr(24, 48, 2), cbr(48, 64, 2), cbr(64, 96, 2), Block(96))
            self.cov, self.bbox = nn.Conv2d(96, classes, 1), nn.Conv2d(96, 4 * classes, 1)

        def forward(self, x):
            f = self.trunk(x)
            return torch.sigmoid(self.cov(f)), self.bbox(f)

    class Yolo(nn.Module):
        """YOLOv8-style: SiLU backbone, FPN upsampling, anchor-free heads
        decoded in the graph to [N, 4 + C, anchors] (cx, cy, w, h in pixels)."""

        def __init__(self, classes=4, size=320):
            super().__init__()
            s = nn.SiLU
            self.c1, self.c2, self.c3 = cbr(3, 16, 2, s), cbr(16, 32, 2, s), cbr(32, 48, 2, s)
            self.c4, self.c5 = cbr(48, 64, 2, s), cbr(64, 96, 2, s)
            self.up = nn.Upsample(scale_factor=2, mode="nearest")
            self.m4, self.m3 = cbr(96 + 64, 64, 1, s), cbr(64 + 48, 48, 1, s)
            self.h3, self.h4, self.h5 = nn.Conv2d(48, 4 + classes, 1), nn.Conv2d(64, 4 + classes, 1), nn.Conv2d(96, 4 + classes, 1)
            grids, strides = [], []
            for st in (8, 16, 32):
                n = size // st
                yy, xx = torch.meshgrid(torch.arange(n), torch.arange(n), indexing="ij")
                grids.append(torch.stack([xx, yy]).reshape(2, -1).float() + 0.5)
                strides.append(torch.full((1, n * n), float(st)))
            self.register_buffer("grid", torch.cat(grids, 1))
            self.register_buffer("stride", torch.cat(strides, 1))

        def forward(self, x):
            p3 = self.c3(self.c2(self.c1(x)))
            p4 = self.c4(p3)
            p5 = self.c5(p4)
            n4 = self.m4(torch.cat([self.up(p5), p4], 1))
            n3 = self.m3(torch.cat([self.up(n4), p3], 1))
            outs = [h(p).flatten(2) for h, p in ((self.h3, n3), (self.h4, n4), (self.h5, p5))]
            o = torch.cat(outs, 2)
            xy = (o[:, 0:2].tanh() + self.grid) * self.stride
            wh = torch.exp(o[:, 2:4].clamp(-4, 4)) * self.stride
            return torch.cat([xy, wh, torch.sigmoid(o[:, 4:])], 1)

    specs = [
        ("classifier", Classifier(), (3, 96, 96), ["input"], ["probabilities"]),
        ("detectnet", DetectNet(), (3, 272, 480), ["input_1"], ["output_cov/Sigmoid", "output_bbox/BiasAdd"]),
        ("yolo", Yolo(), (3, 320, 320), ["images"], ["output0"]),
    ]
    for name, model, chw, ins, outs in specs:
        try:
            model.eval()
            # Random, not fresh, BatchNorm statistics so that folding is tested.
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 2.0)
                    m.weight.data.uniform_(0.5, 1.5)
                    m.bias.data.uniform_(-0.2, 0.2)
            x = torch.from_numpy(r(2, *chw))
            path = os.path.join(OUT, "models", name, "model.onnx")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            dyn = {n: {0: "batch"} for n in ins + outs}
            try:
                torch.onnx.export(model, (x,), path, opset_version=17, input_names=ins, output_names=outs,
                                  dynamic_axes=dyn, dynamo=False)
            except TypeError:
                torch.onnx.export(model, (x,), path, opset_version=17, input_names=ins, output_names=outs,
                                  dynamic_axes=dyn)
            with open(path, "rb") as f:
                data = f.read()
            got = run_and_save(os.path.dirname(path), data, {ins[0]: x.numpy()})
            with torch.no_grad():
                want = model(x)
            want = want if isinstance(want, tuple) else (want,)
            diff = max(float(np.abs(g - w.numpy()).max()) for g, w in zip(got, want))
            ops = sorted({n.op_type for n in onnx.load(path).graph.node})
            print(f"{name}: {len(data)} bytes, ops {ops}, |onnxruntime - torch| max {diff:.2e}")
        except Exception:
            FAILED.append(name)
            traceback.print_exc()


if __name__ == "__main__":
    print("onnx", onnx.__version__, "onnxruntime", ort.__version__)
    for fn in (conv_cases, unary_cases, binary_cases, pool_cases, matrix_cases, shape_cases, resize_cases,
               reduce_cases, detection_cases, whole_models):
        fn()
    n = len(os.listdir(os.path.join(OUT, "ops"))) if os.path.isdir(os.path.join(OUT, "ops")) else 0
    print(f"{n} op cases written, failed: {FAILED}")
