"""Shared code of dsgo's sample-model training scripts.

Dataset loading (the `dsscene dataset` layout of samples/FORMATS.md),
GPU augmentation, backbone blocks, ONNX export with an onnxruntime check
and reference files, and a proxy mAP@0.5 evaluator (boxes and masks,
COCO-style 101-point interpolation, "ignore" ground truth neither
rewarded nor penalised).

Everything runs on the GPU when there is one, else on the CPU (the CPU
path exists for smoke tests with fake_dataset.py).
"""
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CLASSES = ["Car", "Bicycle", "Person", "Roadsign"]
COLORS = ["black", "white", "silver", "red", "blue", "green", "yellow", "orange"]
TYPES = ["sedan", "suv", "truck", "bus"]
# nvinfer's net-scale-factor of every sample model: 1/255 as float32.
NET_SCALE = 0.0039215697906911373
W, H = 640, 368  # dataset image size (nvinfer's scaling of a 1280x720 frame)

DEV = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def setup(seed):
    """Seeds everything and turns on the fast GPU paths."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    if DEV.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True


def log(name, *a):
    print(f"[{name} {time.strftime('%H:%M:%S')}]", *a, flush=True)


# ---------------------------------------------------------------- dataset

class DetData:
    """A detection dataset: uint8 images [N,H,W,3] and ground truth padded
    per image to gt [N,K,8] = cls, x1, y1, x2, y2, ignore, valid, mask id
    (the instance's value in det_masks), as float32; optionally the
    instance maps [N,H,W] as int16. Tensors live on `device`."""

    def __init__(self, d, device=DEV, masks=False, limit=None):
        self.meta = json.load(open(os.path.join(d, "meta.json")))
        imgs = np.load(os.path.join(d, "det_images.npy"), mmap_mode="r")
        n = len(imgs) if limit is None else min(limit, len(imgs))
        boxes = np.load(os.path.join(d, "det_boxes.npy")).astype(np.float32)
        boxes = boxes[boxes[:, 0] < n]
        counts = np.bincount(boxes[:, 0].astype(np.int64), minlength=n)
        k = max(1, int(counts.max()) if len(counts) else 1)
        gt = np.zeros((n, k, 8), np.float32)
        slot = np.zeros(n, np.int64)
        for row in boxes:  # det_boxes order: the j-th row of an image is mask id j+1
            i = int(row[0])
            j = slot[i]
            slot[i] += 1
            valid = float(row[4] - row[2] >= 1 and row[5] - row[3] >= 1)
            gt[i, j] = (row[1], row[2], row[3], row[4], row[5], row[6], valid, j + 1)
        self.n, self.k = n, k
        self.images = torch.from_numpy(np.ascontiguousarray(imgs[:n])).to(device)
        self.gt = torch.from_numpy(gt).to(device)
        self.boxes = boxes  # raw rows, for evaluation
        self.masks = None
        if masks:
            m = np.load(os.path.join(d, "det_masks.npy"), mmap_mode="r")[:n]
            assert int(m.max()) < 32768, "instance ids must fit int16"
            self.masks = torch.from_numpy(np.ascontiguousarray(m).astype(np.int16)).to(device)

    def gt_of(self, i):
        """Ground truth rows of image i: [k, 8] (valid only)."""
        g = self.gt[i]
        return g[g[:, 6] > 0]


class ClsData:
    """Car crops uint8 [K,64,64,3] and labels [K,2] (colour, type)."""

    def __init__(self, d, device=DEV):
        self.crops = torch.from_numpy(np.load(os.path.join(d, "cls_crops.npy"))).to(device)
        self.labels = torch.from_numpy(np.load(os.path.join(d, "cls_labels.npy")).astype(np.int64)).to(device)


def to_input(u8_nhwc):
    """uint8 NHWC -> float32 NCHW network input, x * net-scale-factor
    (as nvinfer computes it: one float32 product per value)."""
    return u8_nhwc.permute(0, 3, 1, 2).float() * NET_SCALE


def np_input(u8_nhwc):
    """The same as to_input for numpy arrays (reference inputs)."""
    return (u8_nhwc.astype(np.float32) * np.float32(NET_SCALE)).transpose(0, 3, 1, 2).copy()


# ---------------------------------------------------------------- augmentation

def photometric(x, strength=1.0):
    """Augments a float batch [B,3,H,W] of 0-255 pixel values in place of
    camera variation: brightness, contrast, per-channel gain, blur,
    JPEG-like resampling loss and sensor noise; returns rounded 0-255
    values (the network sees what a uint8 frame would give)."""
    b = x.shape[0]
    dev = x.device

    def u(lo, hi, *shape):
        return torch.empty(b, *shape, device=dev).uniform_(lo, hi)

    s = strength
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * u(1 - 0.3 * s, 1 + 0.3 * s, 1, 1, 1) + mean
    x = x * u(1 - 0.3 * s, 1 + 0.3 * s, 1, 1, 1) + u(-15 * s, 15 * s, 1, 1, 1)
    x = x * u(1 - 0.06 * s, 1 + 0.06 * s, 3, 1, 1)
    # Blur a third of the batch with a random 3x3 Gaussian.
    sel = torch.rand(b, device=dev) < 0.33
    if sel.any():
        sig = float(np.random.uniform(0.5, 1.2))
        g = torch.exp(-torch.tensor([1.0, 0.0, 1.0], device=dev) / (2 * sig * sig))
        k2 = (g[:, None] * g[None, :]) / (g.sum() ** 2)
        k2 = k2.expand(3, 1, 3, 3).contiguous()
        xb = F.conv2d(F.pad(x[sel], (1, 1, 1, 1), mode="replicate"), k2, groups=3)
        x = _scatter(x, sel, xb)
    # JPEG-like loss: down- and up-sampling for a quarter of the batch.
    sel = torch.rand(b, device=dev) < 0.25
    if sel.any():
        f = float(np.random.uniform(1.4, 2.2))
        h, w = x.shape[2:]
        xs = F.interpolate(x[sel], size=(max(8, int(h / f)), max(8, int(w / f))), mode="bilinear", align_corners=False)
        xs = F.interpolate(xs, size=(h, w), mode="bilinear", align_corners=False)
        x = _scatter(x, sel, xs)
    x = x + torch.randn_like(x) * u(0, 5 * s, 1, 1, 1)
    return x.clamp_(0, 255).round_()


def _scatter(x, sel, part):
    """x with the rows selected by the boolean sel replaced by part."""
    out = x.clone()
    out[sel] = part.to(out.dtype)
    return out


def flip_gt(gt, width):
    """Mirrors padded ground truth [B,K,8] horizontally."""
    g = gt.clone()
    g[..., 1] = width - gt[..., 3]
    g[..., 3] = width - gt[..., 1]
    return g


# ---------------------------------------------------------------- blocks

def cbr(i, o, s=1, d=1, k=3, act=nn.ReLU):
    """Conv (no bias) + BatchNorm + activation."""
    return nn.Sequential(nn.Conv2d(i, o, k, s, d * (k // 2), dilation=d, bias=False), nn.BatchNorm2d(o), act(inplace=True))


class Res(nn.Module):
    """A ResNet basic block (two 3x3 convolutions and a skip)."""

    def __init__(self, c, d=1, act=nn.ReLU):
        super().__init__()
        self.a = cbr(c, c, d=d, act=act)
        self.b = nn.Sequential(nn.Conv2d(c, c, 3, 1, d, dilation=d, bias=False), nn.BatchNorm2d(c))
        self.act = act(inplace=True)

    def forward(self, x):
        return self.act(x + self.b(self.a(x)))


class EMA:
    """Exponential moving average of a model's weights and buffers; the
    averaged copy is what is evaluated and exported."""

    def __init__(self, model, decay=0.998):
        import copy
        self.model = copy.deepcopy(model).eval()
        self.decay = decay
        self.steps = 0
        for p in self.model.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update(self, model):
        self.steps += 1
        d = min(self.decay, (1 + self.steps) / (10 + self.steps))
        mp = [p for p in self.model.state_dict().values() if p.dtype.is_floating_point]
        sp = [p for p in model.state_dict().values() if p.dtype.is_floating_point]
        torch._foreach_mul_(mp, d)
        torch._foreach_add_(mp, sp, alpha=1 - d)


def load_weights(ema, weights_dir, name):
    """Loads save_weights' file of name into the averaged model (training
    is then skipped: --weights re-exports a trained model)."""
    ema.model.load_state_dict(torch.load(os.path.join(weights_dir, name + ".pt"), map_location=DEV))
    log(name, "loaded", os.path.join(weights_dir, name + ".pt"))


class Schedule:
    """Time- and step-bounded training: progress is the larger of the
    elapsed fraction of `seconds` (timed from the end of the first step)
    and of `max_steps`; the learning rate
    warms up linearly, then follows a cosine to 2% of its peak."""

    def __init__(self, opt, lr, seconds, max_steps, warmup=150):
        self.opt, self.lr, self.seconds, self.max_steps, self.warmup = opt, lr, seconds, max_steps, warmup
        self.t0 = time.time()
        self.step = 0

    def progress(self):
        return max((time.time() - self.t0) / self.seconds, self.step / self.max_steps)

    def next(self):
        """Sets the learning rate for the next step; False when done."""
        if self.step == 1:  # the first step (cuDNN autotuning) is not timed
            self.t0 = time.time()
        p = self.progress()
        if p >= 1:
            return False
        lr = self.lr * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * p)))
        lr *= min(1.0, (self.step + 1) / self.warmup)
        for g in self.opt.param_groups:
            g["lr"] = lr
        self.step += 1
        return True


def autocast():
    if DEV.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return torch.autocast("cpu", enabled=False)


def nparams(m):
    return sum(p.numel() for p in m.parameters())


# ---------------------------------------------------------------- export

def export_onnx(model, example, path, input_name, output_names):
    """Exports model (eval mode, on the CPU) as ONNX opset 17 with a
    dynamic batch axis on every input and output."""
    model = model.cpu().eval()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    dyn = {n: {0: "batch"} for n in [input_name] + output_names}
    kw = dict(opset_version=17, input_names=[input_name], output_names=output_names,
              dynamic_axes=dyn, do_constant_folding=True)
    with torch.no_grad():
        try:
            torch.onnx.export(model, (example,), path, dynamo=False, **kw)
        except TypeError:  # torch < 2.5 has no dynamo argument
            torch.onnx.export(model, (example,), path, **kw)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    ops = sorted({n.op_type for n in m.graph.node})
    return os.path.getsize(path), ops


def write_reference(d, model, input_name, output_names, u8_nhwc):
    """Runs model (PyTorch, CPU, FP32) and the exported d/model.onnx
    (onnxruntime CPU when installed) on one uint8 NHWC batch; saves
    input_0.npy (the uint8 batch: the tensor is float32(x) *
    net-scale-factor in NCHW), output_<i>.npy (onnxruntime's outputs,
    else PyTorch's) and manifest.json. Returns the largest relative
    difference between onnxruntime and PyTorch (None without
    onnxruntime)."""
    x = np_input(u8_nhwc)
    model = model.cpu().eval()
    with torch.no_grad():
        want = model(torch.from_numpy(x))
    want = [w.numpy() for w in (want if isinstance(want, (tuple, list)) else (want,))]
    outs, diff, ref = want, None, "pytorch"
    try:
        import onnxruntime as ort
    except ImportError:
        ort = None
    if ort is not None:
        sess = ort.InferenceSession(os.path.join(d, "model.onnx"), providers=["CPUExecutionProvider"])
        outs = sess.run(output_names, {input_name: x})
        diff = max(float(np.max(np.abs(o - w) / np.maximum(1, np.abs(w)))) for o, w in zip(outs, want))
        ref = "onnxruntime " + ort.__version__
    np.save(os.path.join(d, "input_0.npy"), np.ascontiguousarray(u8_nhwc))
    for i, o in enumerate(outs):
        np.save(os.path.join(d, f"output_{i}.npy"), np.ascontiguousarray(o, dtype=np.float32))
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump({"inputs": [input_name], "outputs": output_names,
                   "output_shapes": [list(o.shape) for o in outs],
                   "input_encoding": "uint8 NHWC RGB; tensor = float32(x) * net_scale_factor, NCHW",
                   "net_scale_factor": NET_SCALE, "reference": ref}, f, indent=1)
    return diff


def write_labels(d, lines):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "labels.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def save_weights(out, name, model):
    """Saves a trained model's state_dict under out/weights/ (kept with
    the run's logs, not committed), so that it can be exported again
    without training."""
    d = os.path.join(out, "weights")
    os.makedirs(d, exist_ok=True)
    torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, os.path.join(d, name + ".pt"))


def guarded(name, fn, *args):
    """Runs an evaluation; a failure is logged and gives NaNs, so that
    the model is still exported."""
    try:
        return fn(*args)
    except Exception:
        import traceback
        traceback.print_exc()
        log(name, "evaluation failed")
        return None


def write_summary(d, summary):
    with open(os.path.join(d, "train_summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


# ---------------------------------------------------------------- evaluation

def box_iou(a, b):
    """IoU matrix of corner boxes a [n,4] and b [m,4] (numpy)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)), np.float32)
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(ix2 - ix1, 0, None) * np.clip(iy2 - iy1, 0, None)
    aa = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    ab = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(aa[:, None] + ab[None, :] - inter, 1e-9)


class APEval:
    """Accumulates per-image matches and computes AP@0.5 per class, COCO
    style: detections by decreasing score greedily take the best-overlapping
    unmatched non-ignored ground truth at IoU >= 0.5; a detection that
    instead overlaps an ignored one is dropped; AP is the 101-point
    interpolated area under precision/recall."""

    def __init__(self, ncls, thr=0.5):
        self.ncls, self.thr = ncls, thr
        self.rec = [[] for _ in range(ncls)]  # (score, tp)
        self.npos = np.zeros(ncls, np.int64)

    def add(self, det_cls, det_score, gt_cls, gt_ignore, iou):
        """One image: detection classes/scores [n], ground truth classes and
        ignore flags [m], and the IoU matrix [n, m]."""
        for c in range(self.ncls):
            di = np.nonzero(det_cls == c)[0]
            gi = np.nonzero(gt_cls == c)[0]
            ign = gt_ignore[gi] > 0
            self.npos[c] += int((~ign).sum())
            di = di[np.argsort(-det_score[di], kind="stable")]
            used = np.zeros(len(gi), bool)
            for k in di:
                ov = iou[k, gi] if len(gi) else np.zeros(0)
                cand = np.where(~used & ~ign, ov, -1)
                j = int(np.argmax(cand)) if len(cand) else -1
                if j >= 0 and cand[j] >= self.thr:
                    used[j] = True
                    self.rec[c].append((det_score[k], 1))
                elif len(gi) and np.any(np.where(ign, ov, -1) >= self.thr):
                    continue
                else:
                    self.rec[c].append((det_score[k], 0))

    def ap(self):
        aps = []
        for c in range(self.ncls):
            if self.npos[c] == 0:
                aps.append(float("nan"))
                continue
            r = sorted(self.rec[c], key=lambda t: -t[0])
            tp = np.cumsum([t[1] for t in r]) if r else np.zeros(0)
            fp = np.cumsum([1 - t[1] for t in r]) if r else np.zeros(0)
            rec = tp / self.npos[c]
            prec = tp / np.maximum(tp + fp, 1)
            for i in range(len(prec) - 2, -1, -1):
                prec[i] = max(prec[i], prec[i + 1])
            s = 0.0
            for t in np.linspace(0, 1, 101):
                i = np.searchsorted(rec, t, side="left")
                s += prec[i] if i < len(prec) else 0.0
            aps.append(float(s / 101))
        return aps


def class_nms(boxes, scores, cls, iou, topk=-1):
    """Per-class NMS as nvinfer's cluster-mode=2 (torch tensors); keeps at
    most topk per class (all when < 0). Returns kept indices."""
    import torchvision
    keep = torchvision.ops.batched_nms(boxes.float(), scores.float(), cls, iou)
    if topk < 0:
        return keep
    out = []
    for c in cls[keep].unique():
        out.append(keep[cls[keep] == c][:topk])
    return torch.cat(out) if out else keep


def paste_masks(probs, boxes, h, w, thr=0.5):
    """Pastes mask probabilities [n,mh,mw], each stretched bilinearly over
    its box [n,4] (x1,y1,x2,y2, pixels), into binary masks [n,h,w]."""
    n = len(boxes)
    if n == 0:
        return torch.zeros((0, h, w), dtype=torch.bool, device=probs.device)
    ys = torch.arange(h, device=probs.device).float() + 0.5
    xs = torch.arange(w, device=probs.device).float() + 0.5
    bw = (boxes[:, 2] - boxes[:, 0]).clamp(min=1e-3)
    bh = (boxes[:, 3] - boxes[:, 1]).clamp(min=1e-3)
    gx = ((xs[None, :] - boxes[:, 0:1]) / bw[:, None]) * 2 - 1  # [n,w]
    gy = ((ys[None, :] - boxes[:, 1:2]) / bh[:, None]) * 2 - 1  # [n,h]
    grid = torch.stack([gx[:, None, :].expand(n, h, w), gy[:, :, None].expand(n, h, w)], -1)
    m = F.grid_sample(probs[:, None].float(), grid, mode="bilinear", padding_mode="border", align_corners=False)[:, 0]
    inside = (gx.abs() <= 1)[:, None, :] & (gy.abs() <= 1)[:, :, None]
    return (m > thr) & inside
