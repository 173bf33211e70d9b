#!/usr/bin/env bash
# Nsight Compute on the prefill kernels (GPU machine, after bench/kernels/build.sh): one launch each of
# the kernels named as arguments (default: ws w64; also tma, the persistent TMA kernel), causal fp16 d128 contiguous, the
# first launch of `kernels_check prefill` (its 4 x 4096 case), `--set full`. The paged-bs16 decomposition (NOTES run 16):
# tmapaged = the TMA kernel's first paged launch (the 4 x 4096 case at 16-token blocks, K/V through cp.async),
# tmacp = the contiguous one with KVSIM_ATTN_TMA_KV=off (every K/V tile through cp.async; kernels_check is built
# with the measurement switches). Writes $OUT/ncu_<name>.txt
# (details page) and prints the lines that say what limits each: duration, SM / memory / L2 throughput,
# tensor-pipe activity, issue activity and the top warp stalls.
set -uo pipefail
OUT=${OUT:-/tmp/ncu-prefill}
mkdir -p "$OUT"
BIN=bench/kernels/build/kernels_check
declare -A KERNEL=(
  [ws]='regex:prefillHopperWsKernel<__half, .int.128, kvsim::ContiguousKv, .bool.1>'
  [w64]='regex:prefillHopperKernel<__half, .int.128, .int.64, kvsim::ContiguousKv, .bool.1>'
  # (the TMA kernel's last template argument is Ahead: 0 = the default, 1 = tmal)
  [tma]='regex:prefillHopperTmaKernel<__half, .int.128, kvsim::ContiguousKv, .bool.1, .bool.0>'
  [tmacp]='regex:prefillHopperTmaKernel<__half, .int.128, kvsim::ContiguousKv, .bool.1, .bool.0>'
  [tmapaged]='regex:prefillHopperTmaKernel<__half, .int.128, kvsim::PagedKv, .bool.1, .bool.0>'
)
declare -A ENVS=([tmacp]='KVSIM_ATTN_TMA_KV=off')
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(ws w64)
for name in "${names[@]}"; do
  [ -n "${KERNEL[$name]:-}" ] || { echo "ncu_prefill: unknown kernel '$name' (expected ${!KERNEL[*]})"; continue; }
  timeout 150 env ${ENVS[$name]:-} ncu --kernel-name-base demangled --kernel-name "${KERNEL[$name]}" --launch-count 1 --set full \
    -o "$OUT/ncu_$name" "$BIN" prefill > "$OUT/ncu_$name.log" 2>&1 || { echo "ncu $name failed:"; tail -3 "$OUT/ncu_$name.log"; continue; }
  ncu -i "$OUT/ncu_$name.ncu-rep" --page details --print-summary none > "$OUT/ncu_$name.txt" 2>&1
  ncu -i "$OUT/ncu_$name.ncu-rep" --page raw --print-summary none > "$OUT/ncu_$name.raw.txt" 2>&1
  # Which SASS instructions the stall samples fell on (per warp role: producer polls vs consumer waits).
  python3 bench/gpu/ncuHotSass.py "$OUT/ncu_$name.ncu-rep" 30 > "$OUT/ncu_$name.hot.txt" 2>&1
  echo "=== $name"
  grep -E "^ +(Duration|Compute \(SM\) Throughput|Memory Throughput|L1/TEX Hit Rate|L2 Hit Rate|L2 Cache Throughput|DRAM Throughput|Achieved Occupancy|Warp Cycles Per Issued Instruction|Issue Slots Busy|Executed Ipc Active)" "$OUT/ncu_$name.txt" | sed 's/  */ /g'
  grep -E "sm__pipe_tensor_op_hmma_cycles_active.avg.pct_of_peak_sustained_active|sm__inst_executed_pipe_tensor_op_gmma|l1tex__data_bank_conflicts_pipe_lsu_mem_shared.sum |lts__t_sectors_srcunit_tex_op_read.sum.per_second" "$OUT/ncu_$name.raw.txt" | sed 's/  */ /g' | head -8
  grep -E "smsp__average_warps_issue_stalled_[a-z_]+_per_issue_active.ratio " "$OUT/ncu_$name.raw.txt" |
    awk '{ v = $NF; sub(/smsp__average_warps_issue_stalled_/, "", $1); sub(/_per_issue_active.ratio/, "", $1); print v, $1 }' |
    sort -gr | head -6 | tr '\n' ' '; echo
done
