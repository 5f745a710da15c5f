// Package eval measures detection, segmentation, classification and tracking
// output against ground truth, with the semantics of the reference tools so
// that numbers can be compared with published ones:
//
//   - [EvaluateDetections] is COCO average precision as pycocotools'
//     COCOeval computes it (IoU thresholds 0.50:0.05:0.95, 101-point
//     interpolated precision, 100 detections per image, greedy matching by
//     score, crowd/ignore regions), on boxes or on RLE masks.
//   - [EvaluateAttribute] is the accuracy of a secondary classifier on the
//     ground-truth objects that a prediction overlaps.
//   - [EvaluateTracking] is CLEAR MOT (MOTA, MOTP, switches, fragmentations)
//     and the identity measures (IDF1, IDP, IDR) as py-motmetrics computes
//     them, with MOT17-style removal of ignored objects.
//
// Ground truth is read from COCO JSON or MOT-challenge text
// ([LoadGroundTruth]); predictions from a deepstream-app KITTI directory,
// MOT text or COCO results JSON ([LoadPredictions]). Readers return errors
// for malformed input and never panic. Several clips can be pooled: each
// evaluator takes a slice of [Clip], ground truth with its predictions.
package eval
