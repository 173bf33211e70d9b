#!/usr/bin/env bash
# Re-measures the calibration profiles, then replays Azure 2023 trace prefixes (never used for
# calibration) in the simulator and on the GPU and records the errors.
# Carry: .device (with traces/conv-1200.csv and traces/code-600.csv cut from
# ../shared/traces/azure-llm-2023), dist, build-gpu. Output: $OUT/profiles.tgz, $OUT/validation.tgz, logs.
# Commit all of validation.tgz into profiles/<gpu>/validation/ (the <name>.gpu.json run files too, gzip
# them as <name>.gpu.json.gz if large): bench/gpu/paperClaims.mjs builds claims.json's replay section
# from them, and without a committed run file it can only give what the validation file holds.
source bench/gpu/device-env.sh
mkdir -p "$OUT/v" "$OUT/p"
node bin/kvsim.js gpu info
for m in llama-3-8b yi-6b xlstm-7b; do
  node bin/kvsim.js calibrate --model "$m" --out "$OUT/p/$m.json"
done
tar czf "$OUT/profiles.tgz" -C "$OUT/p" .
run() { # name model policy trace first timeScale [extra options]
  local name=$1 model=$2 policy=$3 trace=$4 first=$5 scale=$6
  shift 6
  node bin/kvsim.js validate --model "$model" --policy "$policy" --trace "$trace" --first "$first" --time-scale "$scale" \
    --profile "$OUT/p/$model.json" --json "$OUT/v/$name.validation.json" --runs "$OUT/v/$name" "$@"
}
conv=.device/traces/conv-1200.csv
code=.device/traces/code-600.csv
run llama-3-8b.vattention-sync.conv llama-3-8b vattention $conv 600 0.1 --mapping sync
run llama-3-8b.vattention.conv llama-3-8b vattention $conv 600 0.1
run llama-3-8b.paged.conv llama-3-8b paged $conv 600 0.1
run llama-3-8b.static.conv llama-3-8b static $conv 600 0.1
run llama-3-8b.vattention-sync.code llama-3-8b vattention $code 400 0.2 --mapping sync
run yi-6b.paged.code yi-6b paged $code 400 0.2
run xlstm-7b.recurrent.conv xlstm-7b recurrent $conv 600 0.1
tar czf "$OUT/validation.tgz" -C "$OUT/v" .
rm -rf "$OUT/v" "$OUT/p"
