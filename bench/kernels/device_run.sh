#!/usr/bin/env bash
# One device call: build (if no prebuilt binary was carried), correctness checks, kvsim timings,
# cuBLAS ceiling, SDPA side by side, then the summary table. Logs go to $OUT.
# Usage on the GPU machine: bench/kernels/device_run.sh [check|bench|interleaved|all]
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/kvsim-out}; mkdir -p "$OUT"
mode=${1:-all}
case "$mode" in check | bench | interleaved | all) ;; *) echo "device_run: unknown mode '$mode' (expected check, bench, interleaved or all)" >&2; exit 2 ;; esac
nvidia-smi --query-gpu=name,clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv,noheader | tee "$OUT/gpu.txt"
if [ "$mode" != interleaved ] && [ ! -x bench/kernels/build/kernels_check ]; then bench/kernels/build.sh > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }; fi
bench/kernels/build.sh --gemm-only > "$OUT/build_gemm.log" 2>&1 || tail -5 "$OUT/build_gemm.log"
rc=0
command -v cuobjdump >/dev/null && cuobjdump -sass bench/kernels/build/kernels_check 2>/dev/null | awk '/Function :/{fn=$3} /STL|LDL/{sp[fn]++} /HMMA/{mm[fn]++} END{for(f in mm) printf "%s HMMA=%d LDL/STL=%d\n", f, mm[f], sp[f]+0}' > "$OUT/sass_summary.txt"
if [ "$mode" = check ] || [ "$mode" = all ]; then
  timeout 200 bench/kernels/build/kernels_check check "${SEED:-$RANDOM}" > "$OUT/check.log" 2>&1; rc=$?
  grep -E "^FAIL|CHECKS|error" "$OUT/check.log" | head -30
  # The newest prefill variant (NEW_PATHS) before it may become a default: more seeds, each under a
  # timeout (a producer/consumer protocol fault hangs rather than fails), then compute-sanitizer
  # memcheck and synccheck on its paths alone (KVSIM_CHECK_PATHS; decode checks run too).
  np=${NEW_PATHS:-tmal,tmal-blocks,+boxes,tmal+boxes,+cp}
  for s in 11 22 33; do
    KVSIM_CHECK_PATHS=$np timeout 60 bench/kernels/build/kernels_check check $s > "$OUT/check_new_$s.log" 2>&1
    echo "new paths ($np) seed $s: exit $? $(grep -E 'CHECKS' "$OUT/check_new_$s.log" | tail -1)"
  done
  if command -v compute-sanitizer > /dev/null; then
    # the sanitizers on the new kernel code's paths only (SAN_PATHS): they run ~20x slower than the checks
    sp=${SAN_PATHS:-tmal,tmal+boxes}
    for tool in memcheck synccheck; do
      KVSIM_CHECK_PATHS=$sp timeout 150 compute-sanitizer --tool $tool --error-exitcode 9 bench/kernels/build/kernels_check check 44 \
        > "$OUT/check_new_$tool.log" 2>&1
      echo "new paths ($sp) $tool: exit $? $(grep -E 'ERROR SUMMARY|CHECKS' "$OUT/check_new_$tool.log" | tr '\n' ' ')"
    done
  fi
fi
if [ "$mode" = bench ] || [ "$mode" = all ]; then
  timeout 200 bench/kernels/build/kernels_check bench > "$OUT/kernels.log" 2>&1 || { rc=1; tail -5 "$OUT/kernels.log"; }
  [ -x bench/kernels/build/gemm_ceiling ] && bench/kernels/build/gemm_ceiling > "$OUT/gemm.log" 2>&1
  PYTHONUNBUFFERED=1 python3 bench/kernels/sdpa_reference.py > "$OUT/sdpa.log" 2>&1 || tail -5 "$OUT/sdpa.log"
  if [ -f .attn-dev/kvsim_native.node ] && [ -f .device/node.xz ]; then
    xz -dc .device/node.xz > /usr/local/bin/node && chmod +x /usr/local/bin/node
    KVSIM_NATIVE_PATH=$PWD/.attn-dev/kvsim_native.node timeout 120 node bench/kernels/addon_check.mjs .attn-dev/js > "$OUT/addon.log" 2>&1 || rc=1
    grep -E "^FAIL|^SKIP|Error" "$OUT/addon.log" | head; grep -c "^PASS" "$OUT/addon.log"
  fi
  python3 bench/kernels/table.py "$OUT/kernels.log" "$OUT/gemm.log" "$OUT/sdpa.log" | tee "$OUT/table.txt"
fi
# kvsim and SDPA alternated in one process on the same tensors (the two paths above disagree: NOTES run 16).
if [ "$mode" = interleaved ] || [ "$mode" = all ]; then
  # Always rebuilt: a library left on the machine by an earlier call may be of older kernels.
  bench/kernels/build.sh --lib > "$OUT/build_lib.log" 2>&1 && timeout 300 python3 bench/kernels/sdpa_interleaved.py > "$OUT/interleaved.log" 2>&1
  irc=$?
  echo "interleaved: exit $irc"; grep -E "SUMMARY|sdpa_interleaved:" "$OUT/interleaved.log"; tail -3 "$OUT/build_lib.log"
  [ $irc -eq 0 ] || rc=1
fi
exit $rc
