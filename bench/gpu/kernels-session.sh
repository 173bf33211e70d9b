#!/usr/bin/env bash
# Kernel work in one device call (issue 14): builds, runs every GPU test (bench/gpu/run-all-gpu-checks.sh
# build tests: the float64-reference checks of every kernel, the mLSTM prefill's sequential and tfla
# algorithms included), then `kvsim gpu bench kernels` (attention vs the copy ceiling, paged vs
# contiguous, xLSTM kernels: mLSTM prefill sequential beside tfla), and bench/gpu/pagedDecodeAB.mjs
# (paged vs contiguous decode, alternating, calibration's path and the kernel bench's).
# EXTRA (optional) is one more shell command run last (e.g. a hybrid calibration).
# Output: $OUT/kernels-session.tgz and $OUT/kernels-session.txt.
set -uo pipefail
export OUT="${OUT:-/tmp/out}"
mkdir -p "$OUT/ks"
bash bench/gpu/run-all-gpu-checks.sh build tests > "$OUT/ks/checks.log" 2>&1
cp "$OUT/summary.txt" "$OUT/ks/checks-summary.txt" 2>/dev/null
source bench/gpu/device-prep.sh
{
  echo "== checks"; cat "$OUT/ks/checks-summary.txt"
  grep -E "Test Files|Tests |FAIL|✗|×" "$OUT/ks/checks.log" | sed 's/\x1b\[[0-9;]*m//g' | head -20
  echo "== gpu bench kernels"
  kvsim gpu bench kernels --dtype bf16 -o "$OUT/ks/kernels.json" 2>&1 | tail -n 40
  echo "== paged vs contiguous decode (A/B)"
  node bench/gpu/pagedDecodeAB.mjs 2>&1 | tail -n 20
  if [ -n "${EXTRA:-}" ]; then echo "== EXTRA: $EXTRA"; eval "$EXTRA" 2>&1 | tail -n 30; fi
} > "$OUT/kernels-session.txt" 2>&1
tar -czf "$OUT/kernels-session.tgz" -C "$OUT" ks && rm -rf "$OUT/ks"
cat "$OUT/kernels-session.txt"
