#!/usr/bin/env python3
"""compare.py: dsgo's CUDA backend against PyTorch on the same GPU, in one run.

Exports ResNet-50 (torchvision, random weights) to ONNX (opset 17, dynamic
batch), then for it, the DetectNet-style reference model
(infer/testdata/models/detectnet) and the sample models (--models sample:
samples/models/primary_detector, yolo: samples/models/yolo_detector, their
PyTorch modules from samples/models/train) times, at each batch size, in
FP16:

  - dsgo: `dsmodel bench --gpu --fp16 --json` (CUDA graph replay, inputs and
    outputs on the device);
  - PyTorch eager: cudnn.benchmark, channels_last, half, inference_mode;
  - optionally torch.compile (--compile MODE, e.g. max-autotune).

and prints images/s with the ratios. Results also go to OUT/bench.json,
per-layer profiles of dsgo to OUT/profile_<model>_b<batch>.txt.

    python3 bench/gpu/compare.py --dsmodel bin/gputest/dsmodel --out /tmp/out
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch
import torch.nn as nn


def detectnet(classes=4):
    """The architecture of infer/testdata/models/detectnet (gen_reference.py)."""

    def cbr(i, o, s=1):
        return nn.Sequential(nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU())

    class Block(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.a, self.b = cbr(c, c), nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))

        def forward(self, x):
            return torch.relu(x + self.b(self.a(x)))

    class DetectNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.trunk = nn.Sequential(cbr(3, 24, 2), cbr(24, 48, 2), cbr(48, 64, 2), cbr(64, 96, 2), Block(96))
            self.cov, self.bbox = nn.Conv2d(96, classes, 1), nn.Conv2d(96, 4 * classes, 1)

        def forward(self, x):
            f = self.trunk(x)
            return torch.sigmoid(self.cov(f)), self.bbox(f)

    return DetectNet()


def export_resnet50(path):
    import torchvision

    model = torchvision.models.resnet50(weights=None).eval()
    x = torch.randn(1, 3, 224, 224)
    kw = dict(opset_version=17, input_names=["input"], output_names=["logits"],
              dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    try:
        torch.onnx.export(model, (x,), path, dynamo=False, **kw)
    except TypeError:
        torch.onnx.export(model, (x,), path, **kw)
    return model


def torch_ips(model, chw, batch, seconds):
    x = torch.randn(batch, *chw, device="cuda", dtype=torch.half).to(memory_format=torch.channels_last)
    with torch.inference_mode():
        for _ in range(10):
            model(x)
        torch.cuda.synchronize()
        n, t0 = 0, time.perf_counter()
        while True:
            model(x)
            n += 1
            if n % 20 == 0:
                torch.cuda.synchronize()
                if time.perf_counter() - t0 > seconds:
                    break
        torch.cuda.synchronize()
        return batch * n / (time.perf_counter() - t0)


def torch_profile(model, chw, batch, path, runs=20):
    """Writes the CUDA kernels a (compiled) model runs, by total GPU time
    over runs iterations: which kernels torch chose and what each costs."""
    from torch.profiler import ProfilerActivity, profile

    x = torch.randn(batch, *chw, device="cuda", dtype=torch.half).to(memory_format=torch.channels_last)
    with torch.inference_mode():
        model(x)
        torch.cuda.synchronize()
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(runs):
                model(x)
            torch.cuda.synchronize()
    with open(path, "w") as f:
        f.write(f"{runs} runs at batch {batch}\n")
        f.write(prof.key_averages().table(sort_by="cuda_time_total", row_limit=60, max_name_column_width=90))


def dsgo_run(dsmodel, onnx, batch, profile_path, extra):
    cmd = [dsmodel, "bench", "--onnx", onnx, "--batch", str(batch), "--gpu", "--fp16", "--json", "--iterations", "100"]
    cmd += extra
    if profile_path:
        cmd.append("--profile")
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    if p.returncode != 0:
        print(f"dsmodel failed for {onnx} batch {batch}: {p.stderr.strip()[-2000:]}", flush=True)
        return None
    lines = p.stdout.splitlines()
    res = json.loads(lines[0])
    if profile_path:
        with open(profile_path, "w") as f:
            f.write("\n".join(lines[1:]) + "\n")
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dsmodel", default="bin/gputest/dsmodel")
    ap.add_argument("--out", default=os.environ.get("OUT", "/tmp/dsgo-bench"))
    ap.add_argument("--batches", default="1,8,32")
    ap.add_argument("--models", default="detectnet,resnet50")
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--compile", default="", help="torch.compile mode to time too (e.g. max-autotune)")
    ap.add_argument("--compile-batches", default="", help="batches for torch.compile (default: --batches)")
    ap.add_argument("--profile-batches", default="1,32")
    ap.add_argument("--torch-profile", action="store_true",
                    help="write torch.compile's kernel times at each profiled batch to OUT/torch_profile_<model>_b<batch>.txt")
    ap.add_argument("--dsgo-args", default="", help="extra dsmodel bench flags, e.g. --nchw")
    ap.add_argument("--onnx-dir", default="/tmp", help="where the exported ResNet-50 goes")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    batches = [int(b) for b in args.batches.split(",")]
    cbatches = [int(b) for b in (args.compile_batches or args.batches).split(",")]
    pbatches = {int(b) for b in args.profile_batches.split(",") if b}
    torch.backends.cudnn.benchmark = True
    print(f"GPU: {torch.cuda.get_device_name()}, torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()}", flush=True)

    models = {}
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for name in args.models.split(","):
        if name == "detectnet":
            models[name] = (detectnet(), os.path.join(root, "infer/testdata/models/detectnet/model.onnx"), (3, 272, 480))
        elif name in ("sample", "yolo"):
            # The sample models of samples/models, rebuilt from their training
            # scripts' module definitions (random weights: throughput does not
            # depend on them).
            sys.path.insert(0, os.path.join(root, "samples/models/train"))
            if name == "sample":
                import train_detectnet as T
                net = T.Exported(T.DetectNet())
                models[name] = (net, os.path.join(root, "samples/models/primary_detector/model.onnx"), (3, 368, 640))
            else:
                import train_dense as T
                net = T.YoloExport(T.Dense())
                models[name] = (net, os.path.join(root, "samples/models/yolo_detector/model.onnx"), (3, 384, 640))
        elif name == "resnet50":
            path = os.path.join(args.onnx_dir, "resnet50.onnx")
            t0 = time.time()
            m = export_resnet50(path)
            print(f"exported {path} in {time.time() - t0:.1f}s", flush=True)
            models[name] = (m, path, (3, 224, 224))

    rows = []
    for name, (model, onnx, chw) in models.items():
        model = model.eval().cuda().half().to(memory_format=torch.channels_last)
        compiled = None
        if args.compile:
            # One static graph per batch size, as dsgo compiles one program per batch.
            torch._dynamo.config.automatic_dynamic_shapes = False
            torch._dynamo.config.cache_size_limit = 64
            compiled = torch.compile(model, mode=args.compile)
        for b in batches:
            prof = os.path.join(args.out, f"profile_{name}_b{b}.txt") if b in pbatches else None
            d = dsgo_run(args.dsmodel, onnx, b, prof, args.dsgo_args.split())
            eager = torch_ips(model, chw, b, args.seconds)
            comp = None
            if compiled is not None and b in cbatches:
                t0 = time.time()
                try:
                    comp = torch_ips(compiled, chw, b, args.seconds)
                except Exception as e:  # a failed compile must not lose the other numbers
                    print(f"torch.compile failed for {name} batch {b}: {e}", flush=True)
                print(f"torch.compile {name} b{b}: {time.time() - t0:.0f}s with compilation", flush=True)
                if comp and args.torch_profile and b in pbatches:
                    torch_profile(compiled, chw, b, os.path.join(args.out, f"torch_profile_{name}_b{b}.txt"))
            row = {"model": name, "batch": b, "dsgo": d and d["images_per_s"], "dsgo_roundtrip_ms": d and d["roundtrip_ms"],
                   "dsgo_compile_s": d and d["compile_s"], "eager": eager, "compile": comp}
            rows.append(row)
            print(json.dumps(row), flush=True)

    with open(os.path.join(args.out, "bench.json"), "w") as f:
        json.dump(rows, f, indent=1)
    print()
    print(f"{'model':10} {'batch':>5} {'dsgo img/s':>11} {'eager img/s':>12} {'dsgo/eager':>10} {'compile img/s':>14} {'dsgo/compile':>12}")
    for r in rows:
        ds = r["dsgo"] or 0
        ratio = f"{ds / r['eager']:.2f}" if ds else "-"
        comp = f"{r['compile']:.0f}" if r["compile"] else "-"
        cr = f"{ds / r['compile']:.2f}" if ds and r["compile"] else "-"
        print(f"{r['model']:10} {r['batch']:>5} {ds:>11.0f} {r['eager']:>12.0f} {ratio:>10} {comp:>14} {cr:>12}")


if __name__ == "__main__":
    sys.exit(main())
