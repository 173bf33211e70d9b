#!/usr/bin/env bash
# Builds bench/kernels/build/kernels_check (no cuBLAS needed) and, where cuBLAS exists,
# bench/kernels/build/gemm_ceiling. Usage: bench/kernels/build.sh [--gemm-only | --lib]
# --lib builds only bench/kernels/build/libkvsim_attn.so (the attention kernels behind their C ABI, for
# sdpa_interleaved.py to call from the same process as PyTorch's SDPA).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/kernels/build
mkdir -p "$out"
arch="-gencode=arch=compute_90a,code=sm_90a"
if [ "${1:-}" = "--lib" ]; then
  nvcc -O3 -std=c++17 $arch --threads 0 -DKVSIM_ATTN_MEASUREMENT_SWITCHES -shared -Xcompiler -fPIC -lineinfo -o "$out/libkvsim_attn.so" \
    kernels/attention/decode.cu kernels/attention/prefill.cu kernels/attention/prefillHopper.cu kernels/attention/prefillHopperWs.cu \
    kernels/attention/prefillHopperTma.cu kernels/attention/fillRandom.cu
  exit 0
fi
if [ "${1:-}" != "--gemm-only" ]; then
  # --threads 0: one nvcc job per source file, in parallel (the 8 files took ~3 min one after another).
  # KVSIM_ATTN_MEASUREMENT_SWITCHES: the load-path switches the bench's paged decomposition sets (prefillHopperTma.cu).
  nvcc -O3 -std=c++17 $arch --threads 0 -DKVSIM_ATTN_MEASUREMENT_SWITCHES -Xptxas -v -lineinfo -o "$out/kernels_check" \
    kernels/attention/decode.cu kernels/attention/prefill.cu kernels/attention/prefillHopper.cu kernels/attention/prefillHopperWs.cu kernels/attention/prefillHopperTma.cu \
    bench/kernels/kernels_check.cu bench/kernels/checks.cu bench/kernels/benches.cu 2> "$out/ptxas.log" \
    || { cat "$out/ptxas.log"; exit 1; }
  grep -A2 "Compiling entry" "$out/ptxas.log" | grep -E "spill|registers" | sort | uniq -c || true
fi
if [ -f /usr/local/cuda/include/cublas_v2.h ] && ls /usr/local/cuda/lib64/libcublas.so* >/dev/null 2>&1; then
  nvcc -O3 -std=c++17 $arch -o "$out/gemm_ceiling" bench/kernels/gemm_ceiling.cu -lcublas
fi
