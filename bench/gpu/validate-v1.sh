#!/usr/bin/env bash
# vLLM V1 with automatic prefix caching, simulated and run on the GPU (issue 11): replays a prefix of the
# Mooncake FAST'25 conversation trace (prompts clipped to Llama-3-8B's 8,192-token context, prefix block
# ids kept consistent) and the Azure conv 2023 prefix under the default `vllm` scheduler, paged memory,
# and reports kvsim validate's per-iteration and end-to-end errors.
# Prepare here: bash bench/gpu/pack-gpu-tests.sh && head -n 300 ../shared/traces/mooncake-fast25/conversation_trace.jsonl > .device/traces/mooncake-300.jsonl
# Run there (after run-all-gpu-checks.sh build on the same warm machine, or it builds):
#   bash bench/gpu/validate-v1.sh        (carry .device; writes $OUT/v1/*.validation.json, *.sim.json, *.gpu.json, v1.txt)
set -uo pipefail
source bench/gpu/device-prep.sh
mkdir -p "$OUT/v1"
run() { # name trace first [extra: --rate R | --time-scale S ...]
  local name=$1 trace=$2 first=$3
  shift 3
  echo "== $name"
  kvsim validate --model llama-3-8b --policy paged --scheduler vllm --trace "$trace" --first "$first" \
    --json "$OUT/v1/$name.validation.json" --runs "$OUT/v1/$name" "$@" 2>&1 | tee -a "$OUT/v1/v1.txt"
}
run llama-3-8b.paged-v1.mooncake .device/traces/mooncake-300.jsonl 300 --rate "${MOONCAKE_RATE:-10}"
[ -n "${WITH_NOCACHE:-}" ] && run llama-3-8b.paged-v1-nocache.mooncake .device/traces/mooncake-300.jsonl 300 --rate "${MOONCAKE_RATE:-10}" --no-enable-prefix-caching
# The same Azure conv prefix and compression as the committed V0-era validation (600 requests, x10).
[ -n "${WITH_CONV:-}" ] && run llama-3-8b.paged-v1.conv .device/traces/conv-1200.csv 600 --time-scale 0.1
for f in "$OUT"/v1/*.gpu.json "$OUT"/v1/*.sim.json; do [ -e "$f" ] && gzip -f "$f"; done
cat "$OUT/v1/v1.txt"
