#!/usr/bin/env bash
# Replays Azure 2023 trace prefixes (not used for calibration) in the simulator and on the GPU and
# records the errors. Carry: .device (with traces/conv-1200.csv and traces/code-600.csv cut from
# ../shared/traces/azure-llm-2023), dist, build-gpu. Output: $OUT/validation.tgz, $OUT/validate.log.
source bench/gpu/device-env.sh
mkdir -p "$OUT/v"
node bin/kvsim.js gpu info
run() { # name model policy trace first timeScale
  node bin/kvsim.js validate --model "$2" --policy "$3" --trace "$4" --first "$5" --time-scale "$6" \
    --json "$OUT/v/$1.validation.json" --runs "$OUT/v/$1"
}
run llama-3-8b.vattention.conv llama-3-8b vattention .device/traces/conv-1200.csv 600 0.1
run llama-3-8b.paged.conv llama-3-8b paged .device/traces/conv-1200.csv 600 0.1
run llama-3-8b.static.conv llama-3-8b static .device/traces/conv-1200.csv 600 0.1
run llama-3-8b.vattention.code llama-3-8b vattention .device/traces/code-600.csv 400 0.2
run yi-6b.paged.code yi-6b paged .device/traces/code-600.csv 400 0.2
run xlstm-7b.recurrent.conv xlstm-7b recurrent .device/traces/conv-1200.csv 600 0.1
tar czf "$OUT/validation.tgz" -C "$OUT/v" .
