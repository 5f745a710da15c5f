#!/bin/sh
# Times dsgo's CUDA backend against PyTorch on this machine's GPU (see
# compare.py). Run from the repository root after building the binaries
# with `make test-gpu-build` (which also builds bin/gputest/dsmodel):
#
#   bench/gpu/compare.sh [compare.py flags, e.g. --compile max-autotune]
set -u
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/cuda/lib64"
export PYTHONUNBUFFERED=1
out=${OUT:-/tmp/dsgo-bench}
mkdir -p "$out"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
exec python3 "$(dirname "$0")/compare.py" --dsmodel bin/gputest/dsmodel --out "$out" "$@"
