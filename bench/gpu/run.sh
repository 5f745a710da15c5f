#!/bin/sh
# Runs every GPU test binary in bin/gputest (built by `make test-gpu-build`
# on any machine with Go and gcc) with its tests and benchmarks. The GPU
# machine needs neither Go nor make: copy bin/gputest there and run this.
#
#   bench/gpu/run.sh [extra go test flags, e.g. -test.run Preprocess]
set -u
dir=$(dirname "$0")/../../bin/gputest
[ -d "$dir" ] || { echo "run.sh: $dir missing; run make test-gpu-build" >&2; exit 2; }
# NVRTC's builtins library sits beside libnvrtc in the toolkit.
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/cuda/lib64"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
status=0
for t in "$dir"/*.test; do
	echo "== $t"
	(cd "$(dirname "$t")" && "./$(basename "$t")" -test.v -test.count=1 -test.timeout=9m \
		-test.bench=. -test.benchtime=200x "$@") || status=1
done
exit $status
