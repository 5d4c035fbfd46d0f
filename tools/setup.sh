#!/usr/bin/env bash
# Set up and build pad on a fresh Debian machine: install the packages that
# are missing, configure, build.  Usage: tools/setup.sh [BUILD_DIR] [CMAKE_ARGS...]
# (default build dir: build).  Safe to run again: it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true

packages=(build-essential cmake pkg-config libcjson-dev libhdf5-dev libopenblas-dev
          openmpi-bin libopenmpi-dev) # MPI: pad launch, data-parallel training
# NCCL (multi-GPU collectives) is needed only where the CUDA backend is
# built, and comes from NVIDIA's repository (libnccl-dev): offered, not forced.
if { command -v nvcc > /dev/null || [ -x /usr/local/cuda/bin/nvcc ]; } &&
   [ ! -e /usr/local/cuda/include/nccl.h ] && [ ! -e /usr/include/nccl.h ]; then
  if apt-cache show libnccl-dev > /dev/null 2>&1; then packages+=(libnccl-dev)
  else echo "setup: CUDA without NCCL: multi-GPU training needs libnccl-dev (NVIDIA's apt repository)"; fi
fi
# a python3 from elsewhere (pyenv, conda) that can make a venv will do
python3 -c 'import venv, ensurepip' 2>/dev/null || packages+=(python3 python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Python peers for the interop tests (never used by the engine itself).
if [ ! -x "$build_dir/pyenv/bin/python3" ]; then
  mkdir -p "$build_dir"
  python3 -m venv --system-site-packages "$build_dir/pyenv"
fi
"$build_dir/pyenv/bin/python3" -c 'import numpy, safetensors, h5py, tokenizers, matplotlib' 2>/dev/null ||
  "$build_dir/pyenv/bin/python3" -m pip install -q numpy safetensors h5py tokenizers matplotlib ||
  echo "setup: could not install the Python peers; interop tests will report themselves skipped"

cmake -S . -B "$build_dir" -DPYTHON3="$PWD/$build_dir/pyenv/bin/python3" "$@"
cmake --build "$build_dir" -j "$(nproc)"
