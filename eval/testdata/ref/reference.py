#!/usr/bin/env python3
"""Reference numbers for eval's TestMatchesReferenceTools.

Evaluates the random cases that TestGenerateReferenceCases wrote with the
reference tools and prints expected.json:

    PYTHONPATH=<cocoapi>/PythonAPI:<py-motmetrics> python3 reference.py > expected.json

COCO AP: pycocotools COCOeval (bbox and segm). dsgo treats ignore=1 as a
crowd region, which in pycocotools is iscrowd=1 (its _prepare overwrites
'ignore' with 'iscrowd'), so iscrowd is set where ignore is.

Versions used for expected.json: cocoapi PythonAPI at commit 8c9bcc3 (np.float
replaced by float for numpy 1.24); py-motmetrics 1.2.0 with its update()
step 1 patched to the current master's rule (a pair is carried forward only
when the object was matched in the previous update:
last_match[o] == last_update_frameid) and np.bool/np.float aliases replaced.

MOT: py-motmetrics MOTAccumulator fed frame by frame as
compare_to_groundtruth does (frames that have objects or hypotheses), IoU
distances with max_iou=0.5, after MOT17-style preprocessing: predictions
that the assignment matches to an ignored object (consider=0) are removed,
then the ignored objects.
"""
import contextlib
import io
import json

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
import motmetrics as mm

CASES = 4
MOT_METRICS = ['num_frames', 'num_objects', 'num_predictions', 'num_matches', 'num_switches',
               'num_false_positives', 'num_misses', 'num_fragmentations', 'mota', 'motp', 'idf1',
               'idp', 'idr', 'idtp', 'idfp', 'idfn', 'mostly_tracked', 'partially_tracked',
               'mostly_lost', 'num_unique_objects']


def coco_case(n, iou_type):
    with open('case%d.gt.json' % n) as f:
        gt = json.load(f)
    for a in gt['annotations']:
        a['iscrowd'] = int(a['iscrowd'] or a.get('ignore', 0))
    with contextlib.redirect_stdout(io.StringIO()):
        cg = COCO()
        cg.dataset = gt
        cg.createIndex()
        cd = cg.loadRes('case%d.results.json' % n)
        e = COCOeval(cg, cd, iou_type)
        e.evaluate()
        e.accumulate()
        e.summarize()
    prec = e.eval['precision'][:, :, :, 0, -1]  # T x R x K, area all, 100 detections
    rec = e.eval['recall'][:, :, 0, -1]  # T x K
    out = {'all': {'AP': e.stats[0], 'AP50': e.stats[1], 'AP75': e.stats[2]}}
    for k, cat in enumerate(e.params.catIds):
        p = prec[:, :, k]
        if (p == -1).all():
            v = dict.fromkeys(['AP', 'AP50', 'AP75', 'Recall', 'Recall50'], -1.0)
        else:
            v = {'AP': p.mean(), 'AP50': p[0].mean(), 'AP75': p[5].mean(),
                 'Recall': rec[:, k].mean(), 'Recall50': rec[0, k]}
        out[str(cat)] = {key: float(x) for key, x in v.items()}
    return out


def mot_case(n):
    gt = np.loadtxt('case%d.gt.txt' % n, delimiter=',', ndmin=2)
    tr = np.loadtxt('case%d.tracks.txt' % n, delimiter=',', ndmin=2)
    acc = mm.MOTAccumulator()
    removed = 0
    for f in sorted(set(gt[:, 0].astype(int)) | set(tr[:, 0].astype(int))):
        g, h = gt[gt[:, 0] == f], tr[tr[:, 0] == f]
        keep = np.ones(len(h), dtype=bool)
        if len(g) and len(h) and (g[:, 6] == 0).any():
            d = mm.distances.iou_matrix(g[:, 2:6], h[:, 2:6], max_iou=0.5)
            for i, j in zip(*mm.lap.linear_sum_assignment(d)):
                if np.isfinite(d[i, j]) and g[i, 6] == 0:
                    keep[j] = False
                    removed += 1
        g, h = g[g[:, 6] != 0], h[keep]
        if len(g) == 0 and len(h) == 0:
            continue
        d = mm.distances.iou_matrix(g[:, 2:6], h[:, 2:6], max_iou=0.5)
        if d.size == 0:
            d = np.empty((len(g), len(h)))
        acc.update(g[:, 1].astype(int), h[:, 1].astype(int), d, frameid=f)
    s = mm.metrics.create().compute(acc, metrics=MOT_METRICS, name='x')
    out = {m: float(s[m].iloc[0]) for m in MOT_METRICS}
    out['removed'] = float(removed)
    return out


def main():
    res = {}
    for n in range(CASES):
        res['case%d' % n] = {'bbox': coco_case(n, 'bbox'), 'segm': coco_case(n, 'segm'), 'mot': mot_case(n)}
    print(json.dumps(res, indent=1, sort_keys=True))


if __name__ == '__main__':
    main()
