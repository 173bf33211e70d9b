#!/usr/bin/env bash
# One GPU-machine call: checks (float64 reference), memcheck, timings, PyTorch side-by-side.
# The harness binary is built on the CPU machine (`make -C bench/xlstm -j2`) and carried; if it
# is missing it is built here. Logs go to $OUT; the short table is printed last.
set -uo pipefail
OUT=${OUT:-/tmp/xlstm-out}
mkdir -p "$OUT"
BIN=bench/xlstm/build/xlstm_bench
if [ ! -x "$BIN" ]; then
  make -C bench/xlstm -j16 > "$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 2; }
fi
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,clocks.mem,power.draw,temperature.gpu \
  --format=csv > "$OUT/gpu.txt" 2>&1
timeout 150 "$BIN" --check > "$OUT/check.log" 2>&1; echo "check rc=$?" >> "$OUT/check.log"
timeout 60 compute-sanitizer --tool memcheck "$BIN" --check --seed 7 > "$OUT/memcheck.log" 2>&1
echo "memcheck rc=$?" >> "$OUT/memcheck.log"
timeout 200 "$BIN" --bench > "$OUT/bench.log" 2>&1; echo "bench rc=$?" >> "$OUT/bench.log"
timeout 90 python3 bench/xlstm/torchStep.py > "$OUT/torch.log" 2>&1
# Why the prefill is far from the tensor-core rate: one launch under Nsight Compute.
timeout 90 ncu --kernel-name regex:mlstmPrefill --launch-count 1 --section SpeedOfLight \
  --section Occupancy --section WarpStateStats --section LaunchStats "$BIN" --profile-prefill \
  > "$OUT/ncu_prefill.txt" 2>&1
cat "$OUT/gpu.txt"
cut -c1-200 "$OUT/check.log"
grep -E "ERROR SUMMARY|memcheck rc|FAIL" "$OUT/memcheck.log" | head -5
grep -vE "^\|" "$OUT/bench.log" | tail -5
cat "$OUT/torch.log" | tail -8
grep -E "Duration|Throughput|Registers|Achieved Occupancy|Stall|Warp Cycles|Issued Warp|Block Limit|One or More|No Eligible" "$OUT/ncu_prefill.txt" | head -24
sed -n '/^| kernel/,/^copy before/p' "$OUT/bench.log"
