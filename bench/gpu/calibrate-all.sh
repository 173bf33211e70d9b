#!/usr/bin/env bash
# Measures the committed calibration profiles (profiles/<gpu>/<model>.json) on the GPU machine.
# Carry: .device dist build-gpu (see device-env.sh). Output: $OUT/<model>.json, $OUT/calibrate.log.
source bench/gpu/device-env.sh
node bin/kvsim.js gpu info
for m in llama-3-8b yi-6b xlstm-7b; do
  node bin/kvsim.js calibrate --model "$m" --out "$OUT/$m.json"
done
