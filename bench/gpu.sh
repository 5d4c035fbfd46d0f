#!/usr/bin/env bash
# pad on a GPU machine: configure with CUDA, build (Release), run the GPU and
# unit tests, then the kernel benchmarks.  Logs go to $OUT (default ./out).
# Usage: bash bench/gpu.sh   (from the repository root)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$ROOT/out}
BUILD=${BUILD:-$ROOT/build-gpu}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$OUT"
status=0

run() { # name, command...: logs to $OUT/name.log, remembers a failure
    local name=$1
    shift
    echo "== $name: $*"
    if "$@" >"$OUT/$name.log" 2>&1; then
        echo "   ok"
    else
        echo "   FAILED (exit $?), see $OUT/$name.log"
        status=1
    fi
    tail -n 25 "$OUT/$name.log"
}

nvidia-smi >"$OUT/nvidia-smi.log" 2>&1 || echo "nvidia-smi not available"
run configure cmake -S "$ROOT" -B "$BUILD" -DPAD_CUDA=ON -DCMAKE_BUILD_TYPE=Release
run build cmake --build "$BUILD" -j "$JOBS"
run ctest-gpu ctest --test-dir "$BUILD" -L gpu --output-on-failure
run ctest-unit ctest --test-dir "$BUILD" -L unit --output-on-failure -j "$JOBS"
run bench-kernels "$BUILD/bench_kernels"
echo "logs in $OUT"
exit $status
