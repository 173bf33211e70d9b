#!/usr/bin/env bash
# One device call that is useful whichever card the lease brings (a call for nvidia-h200 may be served
# by an H100 when no H200 opens):
#   H200: the profiles (bash bench/gpu/calibrate-all.sh: llama-3-8b, yi-6b, xlstm-7b, SDPA) and, with
#         them, the vLLM V1 + prefix-caching validation on the Mooncake prefix (validate-v1.sh's run);
#   H100: the same validation with the committed H100 profile, once with kvsim validate's host-speed
#         probe (--host-probe) and once without: the probe's effect on one lease, and against the
#         committed runs of other leases, the spread between hosts.
# Prepare here: bash bench/gpu/pack-gpu-tests.sh && head -n 300 ../shared/traces/mooncake-fast25/conversation_trace.jsonl > .device/traces/mooncake-300.jsonl
# Output: $OUT/card-session.tgz (everything) and $OUT/card-session.txt (the summary lines).
set -uo pipefail
source bench/gpu/device-prep.sh
work="$OUT/cs"
mkdir -p "$work"
card=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.mem,pci.bus_id --format=csv > "$work/nvidia-smi.csv"
echo "card: $card ($(date -u +%FT%TZ))" | tee "$OUT/card-session.txt"
validate() { # name [validate options...]
  local name=$1
  shift
  kvsim validate --model llama-3-8b --policy paged --scheduler vllm --trace .device/traces/mooncake-300.jsonl --first 300 \
    --rate "${MOONCAKE_RATE:-10}" --json "$work/$name.validation.json" --runs "$work/$name" "$@" > "$work/$name.txt" 2>&1
  echo "== $name (exit $?)" >> "$OUT/card-session.txt"
  grep -E "host-speed|per-iteration|makespan|TTFT|decode-only" "$work/$name.txt" >> "$OUT/card-session.txt"
}
case "$card" in
  *H200*)
    OUT="$work" bash bench/gpu/calibrate-all.sh >> "$OUT/card-session.txt" 2>&1
    validate llama-3-8b.paged-v1.mooncake --profile "$work/p/llama-3-8b.json"
    ;;
  *)
    validate llama-3-8b.paged-v1.mooncake.probe --host-probe
    validate llama-3-8b.paged-v1.mooncake.noprobe
    ;;
esac
for f in "$work"/*.gpu.json "$work"/*.sim.json; do [ -e "$f" ] && gzip -f "$f"; done
tar -czf "$OUT/card-session.tgz" -C "$OUT" cs && rm -rf "$work"
cat "$OUT/card-session.txt"
