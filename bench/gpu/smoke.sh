#!/usr/bin/env bash
# A short end-to-end check of the GPU executor on the GPU machine: quick calibration, a short
# validation per policy. Figures from this run are for debugging, not for reporting.
source bench/gpu/device-env.sh
node bin/kvsim.js gpu info
node bin/kvsim.js calibrate --model llama-3-8b --quick --reps 5 --out "$OUT/quick-llama.json"
for p in vattention paged static; do
  node bin/kvsim.js validate --trace .device/traces/conv-1200.csv --first 40 --policy "$p" --profile "$OUT/quick-llama.json" --json "$OUT/smoke-$p.json"
done
node bin/kvsim.js calibrate --model xlstm-7b --quick --reps 5 --out "$OUT/quick-xlstm.json"
node bin/kvsim.js validate --trace .device/traces/conv-1200.csv --first 40 --model xlstm-7b --policy recurrent --profile "$OUT/quick-xlstm.json" --json "$OUT/smoke-recurrent.json"
