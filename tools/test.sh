#!/usr/bin/env bash
# Set up, build and run the whole test suite: the normal build (with CUDA
# when the toolkit is present: GPU tests skip without a device), then the CPU
# tests again built with AddressSanitizer and UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

bash tools/setup.sh build
ctest --test-dir build --output-on-failure -j 2

bash tools/setup.sh build-asan -DPAD_SANITIZE=ON -DPAD_CUDA=OFF -DCMAKE_BUILD_TYPE=Debug
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j 2 -L 'unit|cli'
