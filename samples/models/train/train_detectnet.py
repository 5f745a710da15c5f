#!/usr/bin/env python3
"""Trains and exports samples/models/primary_detector: a DetectNet_v2
(grid) detector for Car, Bicycle, Person, Roadsign.

Input input_1 [B,3,368,640] (RGB * 1/255); outputs
output_cov/Sigmoid [B,4,23,40] and output_bbox/BiasAdd [B,16,23,40]
encoded as nvinfer's DetectNet parser (dsgo's parsers.ParseDetectNet,
DeepStream's NvDsInferParseCustomResnet) decodes them: for the cell at
column gx, row gy (stride 16), centre c = (g*16 + 0.5) / 35, and the
four planes of class k are (cx - x1/35, cy - y1/35, x2/35 - cx,
y2/35 - cy).

    python3 train_detectnet.py --train DIR --test DIR --out samples/models [--seconds 230]
"""
import argparse
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import common as C

STRIDE, NORM = 16, 35.0
GW, GH = C.W // STRIDE, C.H // STRIDE  # 40 x 23
NCLS = 4


class DetectNet(nn.Module):
    """A small ResNet trunk to stride 16 with dilated context blocks and
    1x1 coverage/bbox heads. forward returns coverage logits and boxes;
    Exported wraps it with the sigmoid."""

    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(
            C.cbr(3, 24, 2), C.cbr(24, 32, 2), C.Res(32),          # stride 4
            C.cbr(32, 64, 2), C.Res(64),                             # stride 8
            C.cbr(64, 112, 2), C.Res(112), C.Res(112, 2), C.Res(112, 4), C.Res(112, 8))  # stride 16
        self.cov = nn.Conv2d(112, NCLS, 1)
        self.bbox = nn.Conv2d(112, 4 * NCLS, 1)
        nn.init.constant_(self.cov.bias, -4.0)

    def forward(self, x):
        f = self.trunk(x)
        return self.cov(f), self.bbox(f)


class Exported(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        cov, bbox = self.net(x)
        return torch.sigmoid(cov), bbox


def grid_centres(device):
    """Decoding centres of the cells (pixels): g*stride + 0.5."""
    gx = torch.arange(GW, device=device).float() * STRIDE + 0.5
    gy = torch.arange(GH, device=device).float() * STRIDE + 0.5
    return gx, gy


def targets(gt):
    """Coverage target, its weight, box target and box weight from padded
    ground truth [B,K,8]. A class's coverage is positive in the cells whose
    centres lie in the central 60% of an object's box (at least the cell
    holding its centre): a Gaussian around the object's centre, scaled so
    that its best cell has 1, so that the most central cell (whose box is
    the most accurate) wins the clustering. The box target of a cell is
    that of the smallest such object, trained also (weight 0.5) in every
    cell inside the box so that no confident cell predicts a wild box;
    box errors are weighted per coordinate by the object's width or
    height, as IoU weighs them. Ignored objects' boxes carry no coverage
    loss."""
    b, k = gt.shape[:2]
    dev = gt.device
    gx, gy = grid_centres(dev)
    mx = (torch.arange(GW, device=dev).float() + 0.5) * STRIDE  # geometric cell centres
    my = (torch.arange(GH, device=dev).float() + 0.5) * STRIDE
    cls, x1, y1, x2, y2, ign, valid = [gt[..., i] for i in range(7)]
    bw, bh = x2 - x1, y2 - y1
    bcx, bcy = (x1 + x2) / 2, (y1 + y2) / 2
    # [B,K,GH,GW] masks
    ddx = mx[None, None, :] - bcx[..., None]
    ddy = my[None, None, :] - bcy[..., None]
    inx = ddx.abs() <= torch.maximum(0.3 * bw, torch.full_like(bw, STRIDE / 2))[..., None]
    iny = ddy.abs() <= torch.maximum(0.3 * bh, torch.full_like(bh, STRIDE / 2))[..., None]
    central = iny[..., :, None] & inx[..., None, :]
    insx = (mx[None, None, :] >= x1[..., None]) & (mx[None, None, :] <= x2[..., None])
    insy = (my[None, None, :] >= y1[..., None]) & (my[None, None, :] <= y2[..., None])
    inside = (insy[..., :, None] & insx[..., None, :]) | central
    ok = (valid > 0)[..., None, None]
    pos = central & ok & (ign == 0)[..., None, None]
    ignr = inside & ok & (ign > 0)[..., None, None]
    sx = torch.clamp(0.25 * bw, min=6.0)[..., None]
    sy = torch.clamp(0.25 * bh, min=6.0)[..., None]
    gauss = torch.exp(-0.5 * (ddy / sy) ** 2)[..., :, None] * torch.exp(-0.5 * (ddx / sx) ** 2)[..., None, :]
    gauss = gauss * pos
    gauss = gauss / gauss.amax(dim=(2, 3), keepdim=True).clamp(min=1e-6)
    area = (bw * bh)[..., None, None]
    onehot = F.one_hot(cls.long().clamp(0, NCLS - 1), NCLS).bool() & (valid > 0)[..., None]  # [B,K,C]
    cov = torch.zeros(b, NCLS, GH, GW, device=dev)
    covw = torch.ones(b, NCLS, GH, GW, device=dev)
    boxt = torch.zeros(b, NCLS, 4, GH, GW, device=dev)
    boxw = torch.zeros(b, NCLS, 4, GH, GW, device=dev)
    for c in range(NCLS):
        oc = onehot[..., c][..., None, None]
        p = pos & oc
        cov[:, c] = (gauss * oc).amax(1)
        covw[:, c] = torch.where((ignr & oc).any(1) & ~p.any(1), 0.0, 1.0)
        reg = (inside & ok & oc)
        key = torch.where(reg, area, torch.full_like(area, float("inf")))
        best = key.argmin(1)  # [B,GH,GW] the smallest box covering the cell
        has = reg.any(1)
        sel = lambda v: torch.gather(v[..., None, None].expand(-1, -1, GH, GW), 1, best[:, None])[:, 0]
        bx1, by1, bx2, by2 = sel(x1), sel(y1), sel(x2), sel(y2)
        cx, cy = gx[None, None, :], gy[None, :, None]
        boxt[:, c] = torch.stack([(cx - bx1) / NORM, (cy - by1) / NORM, (bx2 - cx) / NORM, (by2 - cy) / NORM], 1)
        w = torch.where(p.any(1), 1.0, torch.where(has, 0.5, 0.0))
        wx, wy = w * NORM / (bx2 - bx1 + 4), w * NORM / (by2 - by1 + 4)
        boxw[:, c] = torch.stack([wx, wy, wx, wy], 1)
    return cov, covw, boxt, boxw


def affine(x, gt, scale, dx, dy):
    """Scales a batch [B,3,H,W] by scale about the origin and shifts it by
    (dx, dy) pixels, filling with black, moving the ground truth alike;
    objects cut by the border keep their visible part, become ignored when
    less than half remains, invalid when under 2 px."""
    b, _, h, w = x.shape
    sh, sw = int(round(h * scale)), int(round(w * scale))
    xs = F.interpolate(x, size=(sh, sw), mode="bilinear", align_corners=False)
    out = torch.zeros_like(x)
    sy0, sx0 = max(0, -dy), max(0, -dx)
    ty0, tx0 = max(0, dy), max(0, dx)
    hh, ww = min(sh - sy0, h - ty0), min(sw - sx0, w - tx0)
    if hh > 0 and ww > 0:
        out[:, :, ty0:ty0 + hh, tx0:tx0 + ww] = xs[:, :, sy0:sy0 + hh, sx0:sx0 + ww]
    g = gt.clone()
    box = gt[..., 1:5] * scale + torch.tensor([dx, dy, dx, dy], device=gt.device, dtype=gt.dtype)
    area0 = (box[..., 2] - box[..., 0]) * (box[..., 3] - box[..., 1])
    cb = torch.stack([box[..., 0].clamp(0, w), box[..., 1].clamp(0, h), box[..., 2].clamp(0, w), box[..., 3].clamp(0, h)], -1)
    cw, ch = cb[..., 2] - cb[..., 0], cb[..., 3] - cb[..., 1]
    g[..., 1:5] = cb
    g[..., 5] = torch.where(cw * ch < 0.5 * area0, torch.ones_like(g[..., 5]), g[..., 5])
    g[..., 6] = g[..., 6] * ((cw >= 2) & (ch >= 2)).float()
    return out, g


def decode(cov, bbox, thr=0.2):
    """ParseDetectNet in torch for one image: returns boxes [n,4], scores,
    classes (network pixels, clipped as DeepStream clips them)."""
    dev = cov.device
    gx, gy = grid_centres(dev)
    cx, cy = (gx / NORM)[None, :], (gy / NORM)[:, None]
    out_b, out_s, out_c = [], [], []
    for c in range(NCLS):
        m = cov[c] >= thr
        o = bbox[4 * c:4 * c + 4]
        x1 = (o[0] - cx) * -NORM
        y1 = (o[1] - cy) * -NORM
        x2 = (o[2] + cx) * NORM
        y2 = (o[3] + cy) * NORM
        bx = torch.stack([x1, y1, x2, y2], -1)[m]
        bx[:, 0::2] = bx[:, 0::2].clamp(0, C.W - 1)
        bx[:, 1::2] = bx[:, 1::2].clamp(0, C.H - 1)
        keep = (bx[:, 2] >= bx[:, 0]) & (bx[:, 3] >= bx[:, 1])
        out_b.append(bx[keep])
        out_s.append(cov[c][m][keep])
        out_c.append(torch.full((int(keep.sum()),), c, device=dev, dtype=torch.long))
    return torch.cat(out_b), torch.cat(out_s), torch.cat(out_c)


@torch.no_grad()
def evaluate(model, data, thr=0.2, nms=0.5, topk=20, batch=64):
    """Proxy mAP@0.5 as the default config clusters: coverage >= 0.2,
    per-class NMS at IoU 0.5, at most 20 boxes a class."""
    model.eval()
    ev = C.APEval(NCLS)
    for s in range(0, data.n, batch):
        x = C.to_input(data.images[s:s + batch]).contiguous(memory_format=torch.channels_last)
        cov, bbox = Exported(model)(x)
        for i in range(len(x)):
            b, sc, cl = decode(cov[i].float(), bbox[i].float(), thr)
            keep = C.class_nms(b, sc, cl, nms, topk)
            g = data.gt_of(s + i).cpu().numpy()
            bn, sn, cn = b[keep].cpu().numpy(), sc[keep].cpu().numpy(), cl[keep].cpu().numpy()
            ev.add(cn, sn, g[:, 0].astype(int), g[:, 5], C.box_iou(bn, g[:, 1:5]))
    return ev.ap()


def train(a):
    C.setup(a.seed)
    name = "detectnet"
    tr = C.DetData(a.train, limit=a.limit)
    te = C.DetData(a.test, limit=a.test_limit)
    C.log(name, f"train {tr.n} images (K={tr.k}), test {te.n}")
    model = DetectNet().to(C.DEV).to(memory_format=torch.channels_last)
    ema = C.EMA(model)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=5e-4)
    sched = C.Schedule(opt, a.lr, a.seconds, a.max_steps)
    t0 = time.time()
    if a.weights and a.finetune:  # continue training saved weights
        C.load_weights(ema, a.weights, "primary_detector")
        model.load_state_dict(ema.model.state_dict())
    if a.weights and not a.finetune:
        C.load_weights(ema, a.weights, "primary_detector")
    else:
        while sched.next():
            idx = torch.randint(0, tr.n, (a.batch,), device=C.DEV)
            x = tr.images[idx].permute(0, 3, 1, 2).float()
            gt = tr.gt[idx]
            flip = torch.rand(a.batch, device=C.DEV) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            gt = torch.where(flip[:, None, None], C.flip_gt(gt, C.W), gt)
            if a.affine > 0 and np.random.rand() < a.affine:
                s = float(np.random.uniform(0.85, 1.15))
                x, gt = affine(x, gt, s, int(np.random.randint(-24, 25)) - int((s - 1) * C.W / 2),
                               int(np.random.randint(-24, 25)) - int((s - 1) * C.H / 2))
            x = (C.photometric(x) * C.NET_SCALE).contiguous(memory_format=torch.channels_last)
            with torch.no_grad():
                cov_t, cov_w, box_t, box_w = targets(gt)
            with C.autocast():
                cov, bbox = model(x)
            cov, bbox = cov.float(), bbox.float().view(a.batch, NCLS, 4, GH, GW)
            npos = cov_t.sum().clamp(min=1)
            l_cov = (F.binary_cross_entropy_with_logits(cov, cov_t, reduction="none") * cov_w).sum() / npos
            l_box = ((bbox - box_t).abs() * box_w).sum() / box_w[:, :, 0].gt(0).sum().clamp(min=1)
            loss = l_cov + a.box_weight * l_box
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            ema.update(model)
            if sched.step % 200 == 0 or sched.step == 1:
                C.log(name, f"step {sched.step} progress {sched.progress():.2f} loss {loss.item():.4f} (cov {l_cov.item():.4f} box {l_box.item():.4f})")
    secs = time.time() - t0
    C.log(name, f"trained {sched.step} steps x {a.batch} images in {secs:.0f} s")
    C.save_weights(a.out, "primary_detector", ema.model)
    aps = C.guarded(name, evaluate, ema.model, te) or [float("nan")] * NCLS
    m = float(np.nanmean(aps))
    C.log(name, "held-out AP@0.5 per class", [f"{v:.4f}" for v in aps], f"mAP {m:.4f}")
    out = os.path.join(a.out, "primary_detector")
    exp = Exported(ema.model.float())
    size, ops = C.export_onnx(exp, torch.zeros(1, 3, C.H, C.W), os.path.join(out, "model.onnx"), "input_1",
                              ["output_cov/Sigmoid", "output_bbox/BiasAdd"])
    C.write_labels(out, C.CLASSES)
    ref = te.images[:2].cpu().numpy()
    diff = C.write_reference(out, exp, "input_1", ["output_cov/Sigmoid", "output_bbox/BiasAdd"], ref)
    C.write_summary(out, {"model": "primary_detector", "steps": sched.step, "batch": a.batch, "seconds": round(secs),
                          "seed": a.seed, "train_images": tr.n, "test_images": te.n, "params": C.nparams(exp),
                          "onnx_bytes": size, "ops": ops, "ap50": dict(zip(C.CLASSES, aps)), "map50": m,
                          "eval": "coverage>=0.2, per-class NMS IoU 0.5, topk 20", "ort_vs_torch": diff})
    print(f"SUMMARY primary_detector mAP@0.5={m:.4f} AP={[round(v, 4) for v in aps]} steps={sched.step} "
          f"secs={secs:.0f} onnx={size} ort_diff={diff} ops={ops}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=230)
    ap.add_argument("--max-steps", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--box-weight", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weights", default=None, help="directory of saved weights: export without training")
    ap.add_argument("--finetune", action="store_true", help="train on from --weights instead of only exporting them")
    ap.add_argument("--affine", type=float, default=0.7, help="share of batches scaled (0.85-1.15) and shifted (±24 px)")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--test-limit", type=int, default=None)
    train(ap.parse_args())


if __name__ == "__main__":
    main()
