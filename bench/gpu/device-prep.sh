#!/usr/bin/env bash
# Sourced by the GPU-machine scripts that run the CLI compiled by pack-gpu-tests.sh (carry .device):
# installs the carried node, unpacks the compiled JS (each call's carry replaces .device, so it may be
# gone), builds the addon unless a warm machine still has it, and defines `kvsim`.
export OUT="${OUT:-/tmp/out}"
[ -x /usr/local/bin/node ] || { xz -dc .device/node.xz > /usr/local/bin/node && chmod +x /usr/local/bin/node; }
[ -e .device/js/src/cli/main.js ] || tar -xJf .device/gpu-tests.tar.xz .device/js
[ -e build/Release/kvsim_native.node ] || bash bench/gpu/run-all-gpu-checks.sh build
export KVSIM_NATIVE_PATH="$PWD/build/Release/kvsim_native.node"
export CUDA_MODULE_LOADING=EAGER  # no lazy kernel loading inside timed iterations
# The GPU tests that replay Azure conv requests read it here (as run-all-gpu-checks.sh sets it): without it
# staged-session's tests stage looked for ../shared, absent on the GPU machine (vmm.gpu.test.ts, 2026-12-07).
export KVSIM_AZURE_CONV_CSV="${KVSIM_AZURE_CONV_CSV:-$PWD/.device/traces/conv-1200.csv}"
kvsim() { node .device/js/src/cli/main.js "$@"; }
