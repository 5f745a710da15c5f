#!/usr/bin/env python3
"""Trains one anchor-free dense detector (YOLOv8-style outputs) with a
Mask R-CNN-style mask head, and exports it three ways:

  yolo_detector  images [B,3,384,640] (the frame letterboxed as nvinfer's
                 maintain-aspect-ratio=1 symmetric-padding=1 does: 640x360
                 content, 12 rows of black above and below) -> output0
                 [B,8,5040]: cx, cy, w, h (input pixels), 4 class scores.
  ssd_detector   input_1 [B,3,368,640] -> TF Object Detection API outputs
                 detection_boxes [B,100,4] (ymin, xmin, ymax, xmax, 0-1),
                 detection_scores [B,100], detection_classes [B,100]
                 (1-based, 0 = none), num_detections [B]; top-100 and
                 class-aware NMS in the graph.
  mask_rcnn      Input [B,3,368,640] -> generate_detections [B,100,6]
                 (y1, x1, y2, x2 in input pixels, class 0 Car / 1 Person,
                 score) and mask_fcn_logits/BiasAdd [B,100,2,28,28] (mask
                 probabilities per class, sigmoid applied), as TAO's
                 PeopleSegNet and DeepStream's NvDsInferParseCustomMrcnnTLTV2.

The network always sees a 384x640 canvas; the 368-high models pad their
input with 8 black rows above and below in the graph. Training draws the
640x368 dataset images rescaled to a random height (half of the time 360,
as the letterbox; else 352-384) at a random vertical place in the canvas.

NMS in the graph is "Fast NMS" (YOLACT): of the 300 best-scoring anchors,
a box is dropped when a better box of its class overlaps it at IoU > 0.5,
all with ops dsgo runs (TopK, Gather, Max/Min, ReduceMax, Equal).

    python3 train_dense.py --train DIR --test DIR --out samples/models [--seconds 230]
"""
import argparse
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision

import common as C

NCLS = 4
CH, CW = 384, 640          # canvas
STRIDES = (8, 16, 32)
MASK_CLASSES = (0, 2)      # Car, Person -> mask classes 0, 1
PRE_NMS, TOP, NMS_IOU, MIN_SCORE = 300, 100, 0.5, 0.05


def silu_cbr(i, o, s=1, d=1, k=3):
    return C.cbr(i, o, s, d, k, act=nn.SiLU)


class Dense(nn.Module):
    """Backbone to stride 32, a top-down FPN to P3, one small head per
    level predicting (dx, dy, log w, log h) and class logits, and a mask
    head on P3 RoI features."""

    def __init__(self):
        super().__init__()
        s = nn.SiLU
        self.c2 = nn.Sequential(silu_cbr(3, 16, 2), silu_cbr(16, 32, 2), C.Res(32, act=s))   # /4
        self.c3 = nn.Sequential(silu_cbr(32, 64, 2), C.Res(64, act=s))                       # /8
        self.c4 = nn.Sequential(silu_cbr(64, 96, 2), C.Res(96, 2, act=s))                    # /16
        self.c5 = nn.Sequential(silu_cbr(96, 112, 2), C.Res(112, act=s))                     # /32
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.l4 = silu_cbr(112 + 96, 96, k=1)
        self.m4 = silu_cbr(96, 96)
        self.l3 = silu_cbr(96 + 64, 64, k=1)
        self.m3 = C.Res(64, act=s)
        self.heads = nn.ModuleList([nn.Sequential(silu_cbr(c, c), nn.Conv2d(c, 4 + NCLS, 1)) for c in (64, 96, 112)])
        for h in self.heads:
            nn.init.constant_(h[1].bias[4:], -4.0)
            nn.init.zeros_(h[1].bias[:4])
        self.mask = nn.Sequential(silu_cbr(64, 48), silu_cbr(48, 48), silu_cbr(48, 48),
                                  nn.ConvTranspose2d(48, 48, 2, 2), nn.SiLU(inplace=True),
                                  nn.Conv2d(48, len(MASK_CLASSES), 1))
        anchors, strides = [], []
        for st in STRIDES:
            h, w = CH // st, CW // st
            yy, xx = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
            anchors.append(torch.stack([xx, yy]).reshape(2, -1).float().add(0.5).mul(st))
            strides.append(torch.full((1, h * w), float(st)))
        self.register_buffer("anchor", torch.cat(anchors, 1), persistent=False)   # [2,A]
        self.register_buffer("stride", torch.cat(strides, 1), persistent=False)   # [1,A]

    def features(self, x):
        p2 = self.c2(x)
        p3 = self.c3(p2)
        p4 = self.c4(p3)
        p5 = self.c5(p4)
        n4 = self.m4(self.l4(torch.cat([self.up(p5), p4], 1)))
        n3 = self.m3(self.l3(torch.cat([self.up(n4), p3], 1)))
        return n3, n4, p5

    def dense(self, feats):
        """Raw head outputs [B, 4+C, A] over all levels."""
        return torch.cat([h(f).flatten(2) for h, f in zip(self.heads, feats)], 2)

    def decode(self, o):
        """cx, cy, w, h [B,4,A] (canvas pixels) and class logits [B,C,A]."""
        o = o.float()
        xy = o[:, 0:2] * self.stride + self.anchor
        wh = torch.exp(o[:, 2:4].clamp(-6, 6)) * self.stride
        return torch.cat([xy, wh], 1), o[:, 4:]

    def masks(self, p3, rois):
        """Mask logits [R, 2, 28, 28] for rois [R,5] (batch, x1, y1, x2, y2 canvas px)."""
        r = torchvision.ops.roi_align(p3, rois, output_size=14, spatial_scale=1.0 / 8, sampling_ratio=2, aligned=True)
        return self.mask(r)


# ---------------------------------------------------------------- export wrappers

class YoloExport(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        box, logit = self.net.decode(self.net.dense(self.net.features(x)))
        return torch.cat([box, torch.sigmoid(logit)], 1)


def corners(box, dy):
    """cx,cy,w,h [B,4,A] -> x1,y1,x2,y2 [B,A,4], shifted up by dy."""
    cx, cy, w, h = box[:, 0], box[:, 1] - dy, box[:, 2], box[:, 3]
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 2)


def batch_gather(x, idx, n):
    """x [B,N,...] rows at idx [B,k] -> [B,k,...] through a flat Gather
    (batch offsets come from Shape/Range, folded once shapes are known)."""
    b = idx.shape[0]
    off = (torch.arange(b, device=idx.device).float() * n).unsqueeze(1)
    flat = (idx.float() + off).reshape(-1).long()  # float arithmetic: exact below 2^24
    rest = tuple(int(v) for v in x.shape[2:])  # constants in the graph
    return x.reshape((-1,) + rest).index_select(0, flat).reshape((-1, int(idx.shape[1])) + rest)


def fast_nms(boxes, scores):
    """Class-aware Fast NMS on boxes [B,A,4], scores [B,A,C]: the PRE_NMS
    best anchors (by their best class), then of those the TOP best that no
    better box of the same class overlaps at IoU > NMS_IOU. Returns boxes
    [B,TOP,4], scores [B,TOP] (suppressed ones below 0), classes [B,TOP]
    (float, 0-based)."""
    a = boxes.shape[1]
    best, cls = scores.max(2)
    top, idx = best.topk(PRE_NMS, dim=1)
    b = batch_gather(boxes, idx, a)
    c = batch_gather(cls.float(), idx, a)
    ob = b + (c * 4096.0).unsqueeze(2)
    x1, y1, x2, y2 = ob[..., 0], ob[..., 1], ob[..., 2], ob[..., 3]
    area = (x2 - x1) * (y2 - y1)
    iw = torch.relu(torch.minimum(x2.unsqueeze(2), x2.unsqueeze(1)) - torch.maximum(x1.unsqueeze(2), x1.unsqueeze(1)))
    ih = torch.relu(torch.minimum(y2.unsqueeze(2), y2.unsqueeze(1)) - torch.maximum(y1.unsqueeze(2), y1.unsqueeze(1)))
    inter = iw * ih
    iou = inter / (area.unsqueeze(2) + area.unsqueeze(1) - inter + 1e-6)
    upper = torch.triu(torch.ones(PRE_NMS, PRE_NMS, device=boxes.device), diagonal=1)  # [j,i]: j better than i
    worst = (iou * upper).max(1)[0]
    thr = torch.tensor(NMS_IOU, device=boxes.device)
    keep = torch.eq(torch.maximum(worst, thr), thr).float()       # worst <= NMS_IOU
    s = top - 2.0 * (1.0 - keep)                                   # suppressed rank after kept, in order
    fin, idx2 = s.topk(TOP, dim=1)
    return batch_gather(b, idx2, PRE_NMS), fin, batch_gather(c, idx2, PRE_NMS)


def pad_rows(x, n=8):
    """x with n black rows above and below. (Zeros made as x's own top
    rows times 0 and concatenated: F.pad exports its pads through a
    Transpose chain that not every runtime folds.)"""
    z = x[:, :, :n] * 0.0
    return torch.cat([z, x, z], 2)


def at_least(x, t):
    """x >= t as a float mask, with ops dsgo runs (Max, Equal)."""
    t = torch.tensor(t, device=x.device)
    return torch.eq(torch.maximum(x, t), x).float()


class SSDExport(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        xp = pad_rows(x)
        box, logit = self.net.decode(self.net.dense(self.net.features(xp)))
        boxes, scores, cls = fast_nms(corners(box, 8.0), torch.sigmoid(logit).transpose(1, 2))
        valid = at_least(scores, MIN_SCORE)
        scale = torch.tensor([1.0 / C.H, 1.0 / C.W, 1.0 / C.H, 1.0 / C.W], device=x.device)
        yx = torch.stack([boxes[..., 1], boxes[..., 0], boxes[..., 3], boxes[..., 2]], 2)
        yx = (yx * scale).clamp(0, 1) * valid.unsqueeze(2)
        return yx, scores * valid, (cls + 1) * valid, valid.sum(1)


class MaskExport(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net
        self.register_buffer("mcls", torch.tensor(MASK_CLASSES, device=net.anchor.device), persistent=False)

    def forward(self, x):
        xp = pad_rows(x)
        p3, p4, p5 = self.net.features(xp)
        box, logit = self.net.decode(self.net.dense((p3, p4, p5)))
        scores = torch.sigmoid(logit).index_select(1, self.mcls).transpose(1, 2)
        boxes, s, cls = fast_nms(corners(box, 8.0), scores)
        valid = at_least(s, MIN_SCORE)
        lim = torch.tensor([C.W, C.H, C.W, C.H], device=x.device, dtype=torch.float32)
        boxes = torch.minimum(torch.relu(boxes), lim) * valid.unsqueeze(2)
        b = boxes.shape[0]
        bidx = (torch.arange(b, device=x.device).float().unsqueeze(1) * torch.ones(1, TOP, device=x.device)).reshape(-1, 1)
        shift = torch.tensor([0.0, 8.0, 0.0, 8.0], device=x.device)
        rois = torch.cat([bidx, (boxes + shift).reshape(-1, 4)], 1)
        m = torch.sigmoid(self.net.masks(p3, rois)).reshape(-1, TOP, len(MASK_CLASSES), 28, 28)
        det = torch.stack([boxes[..., 1], boxes[..., 0], boxes[..., 3], boxes[..., 2], cls * valid, s * valid], 2)
        return det, m


# ---------------------------------------------------------------- training

def canvas_batch(data, idx, masks=False):
    """Images of idx placed on the 384x640 canvas (random height and
    vertical place, random mirror), their ground truth moved alike, and
    optionally their instance maps."""
    b = len(idx)
    dev = data.images.device
    x = data.images[idx].permute(0, 3, 1, 2).float()
    gt = data.gt[idx].clone()
    m = data.masks[idx][:, None].float() if masks else None
    if np.random.rand() < 0.5:
        hh = 360
    else:
        hh = int(np.random.randint(352, 385))
    top = int(np.random.randint(0, CH - hh + 1)) if hh < CH else 0
    x = F.interpolate(x, size=(hh, CW), mode="bilinear", align_corners=False)
    canvas = torch.zeros(b, 3, CH, CW, device=dev)
    canvas[:, :, top:top + hh] = x
    sy = hh / C.H
    gt[..., 2] = gt[..., 2] * sy + top
    gt[..., 4] = gt[..., 4] * sy + top
    if masks:
        m = F.interpolate(m, size=(hh, CW), mode="nearest")
        mc = torch.zeros(b, 1, CH, CW, device=dev)
        mc[:, :, top:top + hh] = m
        m = mc
    flip = torch.rand(b, device=dev) < 0.5
    canvas = torch.where(flip[:, None, None, None], canvas.flip(3), canvas)
    gt = torch.where(flip[:, None, None], C.flip_gt(gt, CW), gt)
    if masks:
        m = torch.where(flip[:, None, None, None], m.flip(3), m)
    # Pad rows stay black, as nvinfer pads.
    x = C.photometric(canvas)
    if hh < CH:
        rows = torch.zeros(CH, device=dev, dtype=torch.bool)
        rows[top:top + hh] = True
        x = x * rows[None, None, :, None]
    return x * C.NET_SCALE, gt, m


def assign(net, gt):
    """Positive anchors: anchor points in the central region of an object
    (radius between half a stride and 2.5 strides, at most half the box)
    on the levels that suit its size; ties go to the smallest object.
    Returns the assigned object index [B,A], positive mask, and a mask of
    anchors inside ignored objects."""
    ax, ay = net.anchor[0], net.anchor[1]
    st = net.stride[0]
    cls, x1, y1, x2, y2, ign, valid = [gt[..., i] for i in range(7)]
    bw, bh = x2 - x1, y2 - y1
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    side = torch.maximum(bw, bh)[..., None]
    lvl = ((st == 8) & (side < 80)) | ((st == 16) & (side > 40) & (side < 180)) | ((st == 32) & (side > 100))
    rx = torch.maximum(torch.minimum(bw[..., None] / 2, 2.5 * st), st / 2)
    ry = torch.maximum(torch.minimum(bh[..., None] / 2, 2.5 * st), st / 2)
    near = ((ax - cx[..., None]).abs() <= rx) & ((ay - cy[..., None]).abs() <= ry)
    ok = (valid > 0)[..., None]
    pos = near & lvl & ok & (ign == 0)[..., None]
    inside = (ax >= x1[..., None]) & (ax <= x2[..., None]) & (ay >= y1[..., None]) & (ay <= y2[..., None])
    ignr = (inside & ok & (ign > 0)[..., None]).any(1)
    area = (bw * bh)[..., None]
    who = torch.where(pos, area, torch.full_like(area, float("inf"))).argmin(1)
    return who, pos.any(1), ignr


def giou(a, b):
    """Generalised IoU of corner boxes a, b [...,4]; also the IoU."""
    ix = (torch.minimum(a[..., 2], b[..., 2]) - torch.maximum(a[..., 0], b[..., 0])).clamp(min=0)
    iy = (torch.minimum(a[..., 3], b[..., 3]) - torch.maximum(a[..., 1], b[..., 1])).clamp(min=0)
    inter = ix * iy
    ua = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1]) + (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1]) - inter
    iou = inter / ua.clamp(min=1e-6)
    cw = torch.maximum(a[..., 2], b[..., 2]) - torch.minimum(a[..., 0], b[..., 0])
    ch = torch.maximum(a[..., 3], b[..., 3]) - torch.minimum(a[..., 1], b[..., 1])
    carea = (cw * ch).clamp(min=1e-6)
    return iou - (carea - ua) / carea, iou


def mask_loss(net, p3, gt, inst, max_rois=96):
    """Mask head loss on jittered ground-truth boxes of cars and people."""
    dev = gt.device
    cls, ign, valid, mid = gt[..., 0], gt[..., 5], gt[..., 6], gt[..., 7]
    isc = (cls == MASK_CLASSES[0]) | (cls == MASK_CLASSES[1])
    sel = (isc & (valid > 0) & (ign == 0)).nonzero()
    if len(sel) == 0:
        return p3.sum() * 0
    if len(sel) > max_rois:
        sel = sel[torch.randperm(len(sel), device=dev)[:max_rois]]
    bi, ki = sel[:, 0], sel[:, 1]
    g = gt[bi, ki]
    box = g[:, 1:5].clone()
    wh = (box[:, 2:] - box[:, :2]).repeat(1, 2)
    box = box + (torch.rand_like(box) * 0.2 - 0.1) * wh
    rois = torch.cat([bi.float()[:, None], box], 1)
    # Each roi's own instance mask: one image per roi, so the target rois
    # index them by roi number, not by batch image.
    target_full = (inst[bi, 0] == g[:, 7][:, None, None]).float()[:, None]
    trois = torch.cat([torch.arange(len(bi), device=dev).float()[:, None], box], 1)
    tgt = torchvision.ops.roi_align(target_full, trois, output_size=28, spatial_scale=1.0, sampling_ratio=2, aligned=True)[:, 0]
    tgt = (tgt > 0.5).float()
    logits = net.masks(p3, rois).float()
    mc = (g[:, 0] == MASK_CLASSES[1]).long()
    pick = logits[torch.arange(len(mc), device=dev), mc]
    return F.binary_cross_entropy_with_logits(pick, tgt)


def train_step(net, x, gt, inst, box_w=2.0, mask_w=1.0):
    with C.autocast():
        feats = net.features(x)
        raw = net.dense(feats)
    box, logit = net.decode(raw)
    pred = torch.stack([box[:, 0] - box[:, 2] / 2, box[:, 1] - box[:, 3] / 2,
                        box[:, 0] + box[:, 2] / 2, box[:, 1] + box[:, 3] / 2], 2)  # [B,A,4]
    who, pos, ignr = assign(net, gt)
    tg = torch.gather(gt, 1, who[..., None].expand(-1, -1, 8))   # [B,A,8]
    g_iou, iou = giou(pred, tg[..., 1:5])
    npos = pos.sum().clamp(min=1)
    l_box = ((1 - g_iou) * pos).sum() / npos
    target = torch.zeros_like(logit)                              # [B,C,A]
    q = (iou.detach().clamp(min=0.2) * pos).unsqueeze(1)
    onehot = F.one_hot(tg[..., 0].long().clamp(0, NCLS - 1), NCLS).permute(0, 2, 1).float()
    target = onehot * q
    w = torch.where(ignr & ~pos, 0.0, 1.0).unsqueeze(1)
    l_cls = (F.binary_cross_entropy_with_logits(logit, target, reduction="none") * w).sum() / npos
    loss = l_cls + box_w * l_box
    l_mask = torch.zeros((), device=x.device)
    if inst is not None:
        with C.autocast():
            l_mask = mask_loss(net, feats[0], gt, inst)
        loss = loss + mask_w * l_mask
    return loss, l_cls, l_box, l_mask


# ---------------------------------------------------------------- evaluation

def letterbox_np(u8):
    """The 640x368 dataset images as yolo_detector's 384x640 letterboxed
    input (content rescaled to 640x360, 12 black rows above and below),
    uint8 NHWC."""
    x = torch.from_numpy(np.ascontiguousarray(u8)).permute(0, 3, 1, 2).float()
    x = F.interpolate(x, size=(360, CW), mode="bilinear", align_corners=False).round().clamp(0, 255)
    out = torch.zeros(len(u8), 3, CH, CW)
    out[:, :, 12:372] = x
    return out.permute(0, 2, 3, 1).to(torch.uint8).numpy()


def letterbox_torch(u8):
    x = u8.permute(0, 3, 1, 2).float()
    x = F.interpolate(x, size=(360, CW), mode="bilinear", align_corners=False).round().clamp(0, 255)
    out = torch.zeros(len(u8), 3, CH, CW, device=u8.device)
    out[:, :, 12:372] = x
    return out * C.NET_SCALE


@torch.no_grad()
def eval_yolo(net, data, thr=0.25, nms=0.5, batch=64):
    """yolo_detector as dsgo parses it (ParseYoloV8: best class score >=
    thr, NMS clustering at IoU 0.5), boxes mapped back to 640x368."""
    exp = YoloExport(net).eval()
    ev = C.APEval(NCLS)
    for s in range(0, data.n, batch):
        out = exp(letterbox_torch(data.images[s:s + batch]).contiguous(memory_format=torch.channels_last)).float()
        for i in range(len(out)):
            o = out[i]
            sc, cl = o[4:].max(0)
            m = sc >= thr
            cx, cy, w, h = o[0][m], o[1][m], o[2][m], o[3][m]
            b = torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)
            b[:, 0::2] = b[:, 0::2].clamp(0, CW)
            b[:, 1::2] = b[:, 1::2].clamp(0, CH)
            b[:, 1::2] = (b[:, 1::2] - 12) * (C.H / 360)
            keep = C.class_nms(b, sc[m], cl[m], nms)
            g = data.gt_of(s + i).cpu().numpy()
            ev.add(cl[m][keep].cpu().numpy(), sc[m][keep].cpu().numpy(), g[:, 0].astype(int), g[:, 5],
                   C.box_iou(b[keep].cpu().numpy(), g[:, 1:5]))
    return ev.ap()


@torch.no_grad()
def eval_ssd(net, data, thr=0.25, batch=64):
    exp = SSDExport(net).eval()
    ev = C.APEval(NCLS)
    for s in range(0, data.n, batch):
        boxes, scores, classes, num = exp(C.to_input(data.images[s:s + batch]))
        for i in range(len(boxes)):
            m = scores[i] >= thr
            b = boxes[i][m][:, [1, 0, 3, 2]] * torch.tensor([C.W, C.H, C.W, C.H], device=boxes.device)
            g = data.gt_of(s + i).cpu().numpy()
            ev.add((classes[i][m] - 1).long().cpu().numpy(), scores[i][m].cpu().numpy(), g[:, 0].astype(int), g[:, 5],
                   C.box_iou(b.cpu().numpy(), g[:, 1:5]))
    return ev.ap()


@torch.no_grad()
def eval_mask(net, data, thr=0.3, batch=32):
    """Mask AP@0.5 (and box AP) of mask_rcnn on cars and people: masks
    pasted bilinearly over their boxes and thresholded at 0.5."""
    exp = MaskExport(net).eval()
    ev_m, ev_b = C.APEval(2), C.APEval(2)
    for s in range(0, data.n, batch):
        det, masks = exp(C.to_input(data.images[s:s + batch]))
        for i in range(len(det)):
            d = det[i]
            m = d[:, 5] >= thr
            boxes = d[m][:, [1, 0, 3, 2]]
            cls = d[m][:, 4].long()
            probs = masks[i][m][torch.arange(int(m.sum()), device=d.device), cls]
            pm = C.paste_masks(probs, boxes, C.H, C.W)
            g = data.gt[s + i]
            g = g[g[:, 6] > 0]
            gm = (g[:, 0] == MASK_CLASSES[0]) | (g[:, 0] == MASK_CLASSES[1])
            g = g[gm]
            gcls = (g[:, 0] == MASK_CLASSES[1]).long()
            gmask = data.masks[s + i][None] == g[:, 7].to(torch.int16)[:, None, None]
            a = pm.flatten(1).float()
            bm = gmask.flatten(1).float()
            inter = a @ bm.T
            union = a.sum(1)[:, None] + bm.sum(1)[None, :] - inter
            miou = (inter / union.clamp(min=1)).cpu().numpy()
            sc = d[m][:, 5].cpu().numpy()
            ev_m.add(cls.cpu().numpy(), sc, gcls.cpu().numpy(), g[:, 5].cpu().numpy(), miou)
            ev_b.add(cls.cpu().numpy(), sc, gcls.cpu().numpy(), g[:, 5].cpu().numpy(),
                     C.box_iou(boxes.cpu().numpy(), g[:, 1:5].cpu().numpy()))
    return ev_m.ap(), ev_b.ap()


# ---------------------------------------------------------------- main

def export_all(net, te, a):
    net = net.float().cpu().eval()
    specs = [
        ("yolo_detector", YoloExport(net), "images", ["output0"], (1, 3, CH, CW), letterbox_np(te.images[:2].cpu().numpy()),
         C.CLASSES),
        ("ssd_detector", SSDExport(net), "input_1", ["detection_boxes", "detection_scores", "detection_classes", "num_detections"],
         (1, 3, C.H, C.W), te.images[:2].cpu().numpy(), ["background"] + C.CLASSES),
        ("mask_rcnn", MaskExport(net), "Input", ["generate_detections", "mask_fcn_logits/BiasAdd"], (1, 3, C.H, C.W),
         te.images[:2].cpu().numpy(), ["Car", "Person"]),
    ]
    res = {}
    for name, mod, inp, outs, shape, ref, labels in specs:
        if name not in a.only.split(","):
            continue
        d = os.path.join(a.out, name)
        size, ops = C.export_onnx(mod, torch.zeros(*shape), os.path.join(d, "model.onnx"), inp, outs)
        C.write_labels(d, labels)
        diff = C.write_reference(d, mod, inp, outs, ref)
        res[name] = (d, size, ops, diff)
        C.log("dense", f"{name}: {size} bytes, ops {ops}, onnxruntime vs torch {diff}")
    return res


def train_mask_head(net, tr, a):
    """Trains only the mask head, on the frozen detector's features, for
    a.mask_seconds; returns the averaged model."""
    name = "mask_head"
    for p in net.parameters():
        p.requires_grad_(False)
    for p in net.mask.parameters():
        p.requires_grad_(True)
    net.eval()
    net.mask.train()
    ema = C.EMA(net)
    opt = torch.optim.AdamW(net.mask.parameters(), lr=a.lr, weight_decay=5e-4)
    sched = C.Schedule(opt, a.lr, a.mask_seconds, a.max_steps, warmup=50)
    while sched.next():
        idx = torch.randint(0, tr.n, (a.batch,), device=C.DEV)
        x, gt, inst = canvas_batch(tr, idx, masks=True)
        with torch.no_grad(), C.autocast():
            p3 = net.features(x.contiguous(memory_format=torch.channels_last))[0]
        with C.autocast():
            loss = mask_loss(net, p3, gt, inst)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        ema.update(net)
        if sched.step % 200 == 0 or sched.step == 1:
            C.log(name, f"step {sched.step} progress {sched.progress():.2f} mask loss {loss.item():.4f}")
    C.log(name, f"trained {sched.step} steps x {a.batch} images")
    return ema.model.eval(), sched.step


def train(a):
    C.setup(a.seed)
    name = "dense"
    tr = C.DetData(a.train, masks=True, limit=a.limit)
    te = C.DetData(a.test, masks=True, limit=a.test_limit)
    C.log(name, f"train {tr.n} images (K={tr.k}), test {te.n}")
    net = Dense().to(C.DEV).to(memory_format=torch.channels_last)
    ema = C.EMA(net)
    opt = torch.optim.AdamW(net.parameters(), lr=a.lr, weight_decay=5e-4)
    sched = C.Schedule(opt, a.lr, a.seconds, a.max_steps)
    t0 = time.time()
    if a.weights:
        C.load_weights(ema, a.weights, "dense")
    else:
        while sched.next():
            idx = torch.randint(0, tr.n, (a.batch,), device=C.DEV)
            x, gt, inst = canvas_batch(tr, idx, masks=True)
            x = x.contiguous(memory_format=torch.channels_last)
            loss, l_cls, l_box, l_mask = train_step(net, x, gt, inst)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)
            opt.step()
            ema.update(net)
            if sched.step % 200 == 0 or sched.step == 1:
                C.log(name, f"step {sched.step} progress {sched.progress():.2f} loss {loss.item():.4f} "
                            f"(cls {l_cls.item():.4f} box {l_box.item():.4f} mask {l_mask.item():.4f})")
    secs = time.time() - t0
    C.log(name, f"trained {sched.step} steps x {a.batch} images in {secs:.0f} s")
    m = ema.model.eval()
    mask_steps = 0
    if a.mask_seconds > 0:
        m, mask_steps = train_mask_head(m, tr, a)
    C.save_weights(a.out, "dense", m)
    nan4, nan2 = [float("nan")] * NCLS, [float("nan")] * 2
    ap_y = C.guarded(name, eval_yolo, m, te) or nan4
    ap_s = C.guarded(name, eval_ssd, m, te) or nan4
    ap_m, ap_mb = C.guarded(name, eval_mask, m, te) or (nan2, nan2)
    C.log(name, "yolo AP", ap_y, "ssd AP", ap_s, "mask AP", ap_m, "mask-model box AP", ap_mb)
    res = export_all(m, te, a)
    common = {"steps": sched.step, "batch": a.batch, "seconds": round(secs), "seed": a.seed,
              "train_images": tr.n, "test_images": te.n, "params": C.nparams(m),
              "weights": a.weights, "mask_head_steps": mask_steps, "mask_head_seconds": a.mask_seconds}
    for name, aps, extra in (("yolo_detector", ap_y, "ParseYoloV8 decode, score>=0.25, per-class NMS IoU 0.5"),
                             ("ssd_detector", ap_s, "in-graph top-100 Fast NMS, score>=0.25"),
                             ("mask_rcnn", ap_m, "mask AP@0.5 (Car, Person), score>=0.3, masks pasted bilinearly, >0.5")):
        if name not in res:
            continue
        d, size, ops, diff = res[name]
        labels = ["Car", "Person"] if name == "mask_rcnn" else C.CLASSES
        mm = float(np.nanmean(aps))
        s = dict(common, model=name, onnx_bytes=size, ops=ops, ort_vs_torch=diff, eval=extra,
                 ap50=dict(zip(labels, aps)), map50=mm)
        if name == "mask_rcnn":
            s["box_ap50"] = dict(zip(labels, ap_mb))
        C.write_summary(d, s)
        print(f"SUMMARY {name} mAP@0.5={mm:.4f} AP={[round(v, 4) for v in aps]} steps={sched.step} secs={secs:.0f} "
              f"onnx={size} ort_diff={diff} ops={ops}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seconds", type=float, default=230)
    ap.add_argument("--max-steps", type=int, default=100000)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weights", default=None, help="directory of saved weights: export without training")
    ap.add_argument("--mask-seconds", type=float, default=0, help="then train the mask head alone for this long")
    ap.add_argument("--only", default="yolo_detector,ssd_detector,mask_rcnn", help="models to export")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--test-limit", type=int, default=None)
    train(ap.parse_args())


if __name__ == "__main__":
    main()
