#!/usr/bin/env bash
# One GPU-machine call: checks (float64 reference; every prefill case with both algorithms,
# sequential and tfla), memcheck, timings, PyTorch side-by-side, Nsight Compute profiles.
# The harness binary is built on the CPU machine (`make -C bench/xlstm -j2`) and carried; if it
# is missing it is built here. Usage: bash bench/xlstm/runDevice.sh [stage...]; stages: check,
# memcheck, bench, torch, ncu (default: all of them, in that order), so a later call on a warm
# machine can run `ncu` alone. Everything goes to $OUT; at the end all but summary.txt and the ncu
# reports (ncu_*.ncu-rep) is packed into $OUT/xlstm-out.tgz (the device tool returns at most 8
# files from $OUT). The short summary is printed and kept as $OUT/summary.txt.
set -uo pipefail
OUT=${OUT:-/tmp/xlstm-out}
mkdir -p "$OUT"
BIN=bench/xlstm/build/xlstm_bench
PTXAS=bench/xlstm/build
stages=("${@:-all}")
[ "${stages[0]}" = all ] && stages=(check memcheck bench torch ncu)
for s in "${stages[@]}"; do
  case "$s" in
    check | memcheck | bench | torch | ncu) ;;
    *) echo "runDevice: unknown stage '$s' (expected check, memcheck, bench, torch, ncu or all)" >&2; exit 2 ;;
  esac
done
has() { [[ " ${stages[*]} " == *" $1 "* ]]; }
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
# What $OUT already held stays; only what this run adds is archived at the end.
source "$(dirname "${BASH_SOURCE[0]}")/../gpu/archive-new-files.sh"
archiveNewFilesBegin "$OUT"
say() { tee -a "$SUMMARY"; }

if [ ! -x "$BIN" ]; then
  make -C bench/xlstm -j16 > "$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; exit 2; }
fi
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,clocks.mem,power.draw,temperature.gpu \
  --format=csv > "$OUT/gpu.txt" 2>&1
if has check; then
  timeout 150 "$BIN" --check > "$OUT/check.log" 2>&1; echo "check rc=$?" >> "$OUT/check.log"
fi
# The checks run both prefill algorithms, so memcheck covers the tfla kernels too (and, through the
# split cases, tfla's own cudaMallocAsync workspace).
if has memcheck; then
  timeout 120 compute-sanitizer --tool memcheck "$BIN" --check --seed 7 > "$OUT/memcheck.log" 2>&1
  echo "memcheck rc=$?" >> "$OUT/memcheck.log"
fi
if has bench; then
  timeout 200 "$BIN" --bench > "$OUT/bench.log" 2>&1; echo "bench rc=$?" >> "$OUT/bench.log"
fi
if has torch; then
  timeout 90 python3 bench/xlstm/torchStep.py > "$OUT/torch.log" 2>&1
fi

# Nsight Compute: each profile is kept as a report (.ncu-rep, for the GUI), a details text export
# (.txt: the full report as text) and the raw metrics (.raw.txt, where the stall breakdown is).
# ncuProfile NAME ARGS... (ncu options, then `--` and the harness flags)
ncuProfile() {
  local name=$1
  shift
  local ncuArgs=() rc
  while [ "$1" != -- ]; do ncuArgs+=("$1"); shift; done
  shift
  timeout 120 ncu -f -o "$OUT/ncu_$name" "${ncuArgs[@]}" "$BIN" "$@" > "$OUT/ncu_$name.log" 2>&1
  rc=$?
  echo "ncu $name rc=$rc" >> "$OUT/ncu_$name.log"
  if [ -f "$OUT/ncu_$name.ncu-rep" ]; then
    timeout 60 ncu -i "$OUT/ncu_$name.ncu-rep" --print-summary none --page details > "$OUT/ncu_$name.txt" 2>&1
    timeout 60 ncu -i "$OUT/ncu_$name.ncu-rep" --print-summary none --page raw > "$OUT/ncu_$name.raw.txt" 2>&1
    # Which SASS instructions the stall samples fell on (bench/gpu/ncuHotSass.py says why).
    python3 bench/gpu/ncuHotSass.py "$OUT/ncu_$name.ncu-rep" 25 > "$OUT/ncu_$name.hot.txt" 2>&1
  fi
}
# Per kernel of a profile: the headline numbers, then the five largest stall reasons (cycles per
# issued instruction, from the WarpStateStats metrics in the raw page).
ncuSummary() {
  local name=$1
  echo "== ncu $name ($(tail -1 "$OUT/ncu_$name.log"))"
  [ -f "$OUT/ncu_$name.txt" ] || { tail -5 "$OUT/ncu_$name.log"; return; }
  grep -E '^  [^ ].*\(.*\)x\(.*\)|^    (Duration|Compute \(SM\) Throughput|Memory Throughput|DRAM Throughput|Registers Per Thread|Achieved Occupancy|Theoretical Occupancy|Warp Cycles Per Issued Instruction) |[Ss]pill|Local Memory' \
    "$OUT/ncu_$name.txt" | sed -E 's/  +/ /g' | cut -c1-150 | head -60
  grep -E -A1 'being stalled' "$OUT/ncu_$name.txt" | sed -E 's/  +/ /g' | cut -c1-150 | head -12
  awk '
    /^  [^ ].*\(.*\)x\(.*\)/ { flush(); kernel = $0; sub(/^ +/, "", kernel); sub(/\(.*/, "", kernel); next }
    match($1, /^smsp__average_warps_issue_stalled_[a-z_]+_per_issue_active\.ratio$/) {
      reason = $1; sub(/^smsp__average_warps_issue_stalled_/, "", reason); sub(/_per_issue_active\.ratio$/, "", reason)
      if (reason == "selected") next
      v = $NF; gsub(/,/, "", v); stall[reason] = v + 0
    }
    function flush(  n, i, j, k, keys, t) {
      if (kernel == "") return
      n = 0; for (k in stall) keys[++n] = k
      for (i = 1; i <= n; ++i) for (j = i + 1; j <= n; ++j) if (stall[keys[j]] > stall[keys[i]]) { t = keys[i]; keys[i] = keys[j]; keys[j] = t }
      printf "  top stalls %s:", kernel
      for (i = 1; i <= n && i <= 5; ++i) printf " %s %.2f", keys[i], stall[keys[i]]
      printf "\n"
      delete stall; kernel = ""
    }
    END { flush() }' "$OUT/ncu_$name.raw.txt"
  head -16 "$OUT/ncu_$name.hot.txt" 2> /dev/null | cut -c1-170
}
if has ncu; then
  # (a) tfla: its three kernels (tflaChunkStateKernel, tflaScanKernel, tflaOutputKernel) of one call.
  ncuProfile tfla --set full --kernel-name regex:tfla --launch-count 3 -- --profile-prefill --algorithm tfla
  # (a') tfla-v2: the fused state pass (chunks walked in order, no Cloc in memory) and the wide output kernel.
  ncuProfile tfla_v2 --set full --kernel-name 'regex:tflaStatePass|tflaOutputWide' --launch-count 2 -- --profile-prefill --algorithm tfla-v2
  # (b) sequential prefill, the sections the earlier runs used (now at B=4 S=4096, not 4x1024).
  ncuProfile prefill_sequential --kernel-name regex:mlstmPrefill --launch-count 1 --section SpeedOfLight \
    --section Occupancy --section WarpStateStats --section LaunchStats -- --profile-prefill --algorithm sequential
  # (c) one sLSTM step at B=64: slstmRecurrentKernel and slstmGateKernel.
  ncuProfile slstm --set full --kernel-name regex:slstm --launch-count 2 -- --profile-slstm
  # (d) the same step as the cooperative variant: product + grid barrier + gating in one kernel.
  KVSIM_SLSTM_VARIANT=coop ncuProfile slstm_coop --set full --kernel-name regex:slstmStepCoop --launch-count 1 \
    -- --profile-slstm
fi

{
  cat "$OUT/gpu.txt"
  if has check; then
    grep -E "^(FAIL|SKIP)" "$OUT/check.log" | cut -c1-220
    grep -E "^checks:|check rc|error" "$OUT/check.log" | cut -c1-200
  fi
  has memcheck && grep -E "ERROR SUMMARY|memcheck rc|FAIL|^checks:" "$OUT/memcheck.log" | head -6
  has bench && grep -vE "^\|" "$OUT/bench.log" | tail -5
  has torch && tail -8 "$OUT/torch.log"
  if has ncu; then
    # ptxas's own registers and local-memory spills of the profiled kernels (from the build's -v).
    echo "== ptxas (registers, spills)"
    awk '/Function properties for / { name = $NF }
      /bytes spill stores/ { spill = $5 " B spill stores, " $9 " B spill loads" }
      /Used [0-9]+ registers/ { for (i = 1; i <= NF; ++i) if ($i == "Used") regs = $(i + 1)
        print name ": " regs " registers, " spill }' \
      "$PTXAS"/k_mlstmPrefillTfla.o.ptxas "$PTXAS"/k_mlstmPrefill.o.ptxas "$PTXAS"/k_slstmStep.o.ptxas |
      (c++filt 2> /dev/null || cat) | sed -E 's/\(.*\)//' | grep -v __half | cut -c1-150  # bf16 inputs
    for p in tfla prefill_sequential slstm slstm_coop; do ncuSummary "$p"; done
  fi
  has bench && sed -n '/^| kernel/,/^copy before/p' "$OUT/bench.log"
} 2>&1 | say
archiveNewFilesEnd "$OUT" xlstm-out.tgz '*.ncu-rep'
