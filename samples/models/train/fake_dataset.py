#!/usr/bin/env python3
"""Writes a tiny fake training dataset in the `dsscene dataset` layout
(samples/FORMATS.md) for smoke tests of the training scripts: coloured
rectangles and ellipses on a noisy background, with boxes, instance maps
and car crops. Not for training real models.

    python3 fake_dataset.py OUTDIR [--images 64] [--seed 1]
"""
import argparse
import json
import os

import numpy as np

COLORS_RGB = [(20, 20, 20), (235, 235, 235), (170, 170, 175), (200, 30, 30),
              (30, 60, 200), (30, 150, 50), (230, 210, 30), (240, 130, 20)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--images", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    n, h, w = a.images, 368, 640
    imgs = np.zeros((n, h, w, 3), np.uint8)
    masks = np.zeros((n, h, w), np.uint16)
    rows, crops, labels = [], [], []
    yy, xx = np.mgrid[0:h, 0:w]
    for i in range(n):
        base = rng.integers(60, 160, 3)
        img = np.clip(base[None, None, :] + (yy[..., None] * 0.1) + rng.normal(0, 4, (h, w, 3)), 0, 255)
        inst = np.zeros((h, w), np.int32)
        objs = []
        for _ in range(rng.integers(1, 7)):
            cls = int(rng.integers(0, 4))
            bh = {0: rng.uniform(30, 120), 1: rng.uniform(25, 60), 2: rng.uniform(25, 90), 3: rng.uniform(12, 30)}[cls]
            bw = {0: bh * rng.uniform(1.3, 2.2), 1: bh * 1.2, 2: bh * 0.4, 3: bh}[cls]
            x1, y1 = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            objs.append((cls, x1, y1, x1 + bw, y1 + bh, int(rng.integers(0, 8)), int(rng.integers(0, 4))))
        objs.sort(key=lambda o: o[4])  # farther (higher up) first, nearer ones occlude
        for j, (cls, x1, y1, x2, y2, col, typ) in enumerate(objs):
            if cls == 2 or cls == 1:
                cx, cy, rx, ry = (x1 + x2) / 2, (y1 + y2) / 2, (x2 - x1) / 2, (y2 - y1) / 2
                sh = ((xx + 0.5 - cx) / rx) ** 2 + ((yy + 0.5 - cy) / ry) ** 2 <= 1
                rgb = (90, 60, 40) if cls == 2 else (20, 20, 90)
            else:
                sh = (xx >= x1) & (xx < x2) & (yy >= y1) & (yy < y2)
                rgb = COLORS_RGB[col] if cls == 0 else (250, 250, 250)
            img[sh] = rgb
            inst[sh] = j + 1
        kept = []
        for j, (cls, *_r, col, typ) in enumerate(objs):
            ys, xs = np.nonzero(inst == j + 1)
            if len(ys) == 0:
                continue
            kept.append((j, cls, xs.min(), ys.min(), xs.max() + 1, ys.max() + 1, col, typ))
        remap = np.zeros(len(objs) + 1, np.int32)
        for k, (j, cls, bx1, by1, bx2, by2, col, typ) in enumerate(kept):
            remap[j + 1] = k + 1
            ign = float((by2 - by1) < 6)
            car = cls == 0
            rows.append([i, cls, bx1, by1, bx2, by2, ign, k, col if car else -1, typ if car else -1, 1.0])
        masks[i] = remap[inst]
        imgs[i] = img.astype(np.uint8)
    for _ in range(n * 4):
        col, typ = int(rng.integers(0, 8)), int(rng.integers(0, 4))
        c = np.clip(rng.integers(60, 160, 3)[None, None, :] + rng.normal(0, 4, (64, 64, 3)), 0, 255)
        top = 10 + 6 * typ
        c[top:54, 6:58] = COLORS_RGB[col]
        crops.append(c.astype(np.uint8))
        labels.append([col, typ])
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "det_images.npy"), imgs)
    np.save(os.path.join(a.out, "det_boxes.npy"), np.array(rows, np.float32).reshape(-1, 11))
    np.save(os.path.join(a.out, "det_masks.npy"), masks)
    np.save(os.path.join(a.out, "cls_crops.npy"), np.stack(crops))
    np.save(os.path.join(a.out, "cls_labels.npy"), np.array(labels, np.int64))
    with open(os.path.join(a.out, "meta.json"), "w") as f:
        json.dump({"seed": a.seed, "scenes": n, "classes": ["Car", "Bicycle", "Person", "Roadsign"],
                   "colors": ["black", "white", "silver", "red", "blue", "green", "yellow", "orange"],
                   "types": ["sedan", "suv", "truck", "bus"], "width": w, "height": h, "fake": True}, f)
    print(f"fake dataset: {n} images, {len(rows)} boxes, {len(crops)} crops -> {a.out}")


if __name__ == "__main__":
    main()
