#!/usr/bin/env bash
# Sourced at the start of a GPU-machine run (see README "GPU backend"): installs the carried Node,
# links the carried production node_modules, and points kvsim at the carried addon build.
# Carry: .device (node.xz, node_modules, traces), dist, build-gpu.
set -euo pipefail
xz -dc .device/node.xz > /usr/local/bin/node && chmod +x /usr/local/bin/node
[ -e node_modules ] || ln -s .device/node_modules node_modules
export KVSIM_NATIVE_PATH="$PWD/build-gpu/Release/kvsim_native.node"
export CUDA_MODULE_LOADING=EAGER  # no lazy kernel loading inside timed iterations
export OUT="${OUT:-/tmp/out}"
mkdir -p "$OUT"
