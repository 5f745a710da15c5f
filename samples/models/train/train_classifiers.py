#!/usr/bin/env python3
"""Trains and exports the secondary classifiers samples/models/car_color
(8 colours) and samples/models/vehicle_type (4 types) on the dataset's
car crops: input input_1 [B,3,64,64] (RGB * 1/255), output
predictions/Softmax [B,C]; labels.txt is one line of ';'-separated
labels, DeepStream's classifier label format.

    python3 train_classifiers.py --train DIR --test DIR --out samples/models [--seconds 50]
"""
import argparse
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import common as C

TASKS = [("car_color", 0, C.COLORS), ("vehicle_type", 1, C.TYPES)]


class Classifier(nn.Module):
    def __init__(self, ncls):
        super().__init__()
        self.f = nn.Sequential(
            C.cbr(3, 32), C.cbr(32, 48, 2), C.Res(48),       # 32x32
            C.cbr(48, 96, 2), C.Res(96),                      # 16x16
            C.cbr(96, 128, 2), C.Res(128),                    # 8x8
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.1), nn.Linear(128, ncls))

    def forward(self, x):
        return self.f(x)


class Exported(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=1)


def augment(x, colour):
    """Crop-jitter (±4 px shift with edge padding), mirror and photometric
    changes; colour keeps hue (gentler gains)."""
    b = x.shape[0]
    x = F.pad(x, (4, 4, 4, 4), mode="replicate")
    dx, dy = np.random.randint(0, 9, 2)
    x = x[:, :, dy:dy + 64, dx:dx + 64]
    flip = torch.rand(b, device=x.device) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    return C.photometric(x, strength=0.5 if colour else 1.0)


@torch.no_grad()
def accuracy(model, crops, labels, batch=1024):
    model.eval()
    ok = 0
    for s in range(0, len(crops), batch):
        p = Exported(model)(C.to_input(crops[s:s + batch]))
        ok += int((p.argmax(1) == labels[s:s + batch]).sum())
    return ok / max(1, len(crops))


def train_one(a, tr, te, name, col, labels):
    C.setup(a.seed)
    model = Classifier(len(labels)).to(C.DEV).to(memory_format=torch.channels_last)
    ema = C.EMA(model, decay=0.995)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=5e-4)
    sched = C.Schedule(opt, a.lr, a.seconds, a.max_steps, warmup=100)
    y_all = tr.labels[:, col]
    t0 = time.time()
    if a.weights:
        C.load_weights(ema, a.weights, name)
    else:
        while sched.next():
            idx = torch.randint(0, len(tr.crops), (a.batch,), device=C.DEV)
            x = augment(tr.crops[idx].permute(0, 3, 1, 2).float(), name == "car_color")
            x = (x * C.NET_SCALE).contiguous(memory_format=torch.channels_last)
            with C.autocast():
                logits = model(x)
            loss = F.cross_entropy(logits.float(), y_all[idx], label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ema.update(model)
            if sched.step % 200 == 0 or sched.step == 1:
                C.log(name, f"step {sched.step} progress {sched.progress():.2f} loss {loss.item():.4f}")
    secs = time.time() - t0
    C.save_weights(a.out, name, ema.model)
    acc = C.guarded(name, accuracy, ema.model, te.crops, te.labels[:, col])
    acc = float("nan") if acc is None else acc
    C.log(name, f"trained {sched.step} steps x {a.batch} in {secs:.0f} s; held-out accuracy {acc:.4f} on {len(te.crops)} crops")
    out = os.path.join(a.out, name)
    exp = Exported(ema.model.float())
    size, ops = C.export_onnx(exp, torch.zeros(1, 3, 64, 64), os.path.join(out, "model.onnx"), "input_1", ["predictions/Softmax"])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "labels.txt"), "w") as f:
        f.write(";".join(labels) + "\n")
    diff = C.write_reference(out, exp, "input_1", ["predictions/Softmax"], te.crops[:2].cpu().numpy())
    C.write_summary(out, {"model": name, "steps": sched.step, "batch": a.batch, "seconds": round(secs), "seed": a.seed,
                          "train_crops": len(tr.crops), "test_crops": len(te.crops), "params": C.nparams(exp),
                          "onnx_bytes": size, "ops": ops, "accuracy": acc, "ort_vs_torch": diff})
    print(f"SUMMARY {name} accuracy={acc:.4f} steps={sched.step} secs={secs:.0f} onnx={size} ort_diff={diff} ops={ops}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=50, help="per classifier")
    ap.add_argument("--max-steps", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weights", default=None, help="directory of saved weights: export without training")
    a = ap.parse_args()
    tr, te = C.ClsData(a.train), C.ClsData(a.test)
    C.log("classifiers", f"train {len(tr.crops)} crops, test {len(te.crops)}")
    for name, col, labels in TASKS:
        train_one(a, tr, te, name, col, labels)


if __name__ == "__main__":
    main()
