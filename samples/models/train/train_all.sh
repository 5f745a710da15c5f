#!/bin/bash
# Makes every sample model from scratch on a machine with a GPU, PyTorch,
# torchvision, onnx and onnxruntime:
#
#   samples/models/train/train_all.sh OUTDIR
#
# 1. generates the training set (seed 1) and the held-out set (seed 2)
#    with dsscene (DSSCENE, default bin/dsscene: build it with
#    CGO_ENABLED=0 go build -tags nogst -o bin/dsscene ./cmd/dsscene);
# 2. trains the DetectNet detector, the dense detector (exported as the
#    YOLO, SSD and Mask R-CNN models) and the two classifiers, the three
#    trainings side by side on the one GPU, each for a fixed time;
# 3. each trainer measures its held-out accuracy, exports ONNX, checks
#    onnxruntime against PyTorch and writes the reference batch, into
#    OUTDIR/<model>/; logs go to OUTDIR/logs/.
#
# Sizes and budgets come from the environment (defaults: the committed
# models' run): TRAIN_SCENES, TEST_SCENES, FRAMES, DET_SECONDS,
# DENSE_SECONDS, CLS_SECONDS (per classifier); EXTRA adds arguments to
# the detector trainers (e.g. --weights OUTDIR/weights to export saved
# weights again without training).
set -uo pipefail
OUTDIR=${1:?usage: train_all.sh OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
DSSCENE=${DSSCENE:-bin/dsscene}
DATA=${DATA:-/tmp/dsdata}
TRAIN_SCENES=${TRAIN_SCENES:-1500}
TEST_SCENES=${TEST_SCENES:-200}
FRAMES=${FRAMES:-4}
DET_SECONDS=${DET_SECONDS:-230}
DENSE_SECONDS=${DENSE_SECONDS:-230}
CLS_SECONDS=${CLS_SECONDS:-60}
EXTRA=${EXTRA:-}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-5} PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1

mkdir -p "$OUTDIR/logs" "$DATA"
t0=$(date +%s)
echo "python: $(python3 -c 'import torch, torchvision, onnx, onnxruntime as o; print("torch", torch.__version__, "torchvision", torchvision.__version__, "onnx", onnx.__version__, "onnxruntime", o.__version__, "gpu", torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)')"
"$DSSCENE" dataset --seed 1 --scenes "$TRAIN_SCENES" --frames-per-scene "$FRAMES" --out "$DATA/train" >"$OUTDIR/logs/dsscene_train.log" 2>&1 &
p1=$!
"$DSSCENE" dataset --seed 2 --scenes "$TEST_SCENES" --frames-per-scene "$FRAMES" --out "$DATA/test" >"$OUTDIR/logs/dsscene_test.log" 2>&1 &
p2=$!
wait $p1 || { echo "dsscene (train) failed"; tail -20 "$OUTDIR/logs/dsscene_train.log"; exit 1; }
wait $p2 || { echo "dsscene (test) failed"; tail -20 "$OUTDIR/logs/dsscene_test.log"; exit 1; }
echo "datasets in $(( $(date +%s) - t0 )) s: $(du -sh "$DATA/train" | cut -f1) train, $(du -sh "$DATA/test" | cut -f1) test"

common=(--train "$DATA/train" --test "$DATA/test" --out "$OUTDIR")
python3 "$HERE/train_detectnet.py" "${common[@]}" --seconds "$DET_SECONDS" $EXTRA >"$OUTDIR/logs/detectnet.log" 2>&1 &
p1=$!
python3 "$HERE/train_dense.py" "${common[@]}" --seconds "$DENSE_SECONDS" $EXTRA >"$OUTDIR/logs/dense.log" 2>&1 &
p2=$!
python3 "$HERE/train_classifiers.py" "${common[@]}" --seconds "$CLS_SECONDS" >"$OUTDIR/logs/classifiers.log" 2>&1 &
p3=$!
rc=0
for p in $p1 $p2 $p3; do wait $p || rc=1; done
for f in detectnet dense classifiers; do
	grep -q '^SUMMARY' "$OUTDIR/logs/$f.log" || { echo "== $f failed:"; tail -25 "$OUTDIR/logs/$f.log"; rc=1; }
done
grep -h '^SUMMARY' "$OUTDIR"/logs/*.log
# MODELS_TEST: a `go test -c ./samples/models` binary, run on the fresh
# models (dsgo's CPU backend against the onnxruntime references).
if [ -n "${MODELS_TEST:-}" ]; then
	(cd "$OUTDIR" && "$MODELS_TEST" -test.v -test.count=1 >logs/models_test.log 2>&1) || rc=1
	grep -E '^ *(---|ok|FAIL|PASS)|models_test.go' "$OUTDIR/logs/models_test.log"
fi
echo "total $(( $(date +%s) - t0 )) s"
exit $rc
