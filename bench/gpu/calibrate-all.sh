#!/usr/bin/env bash
# Measures the committed calibration profiles (profiles/<gpu>/<model>.json: GEMMs, attention at every
# paged block size 8..256, mLSTM, enactment fits) and the PyTorch SDPA attention profile, on the GPU
# machine. Prepare here: bash bench/gpu/pack-gpu-tests.sh; carry .device. Builds the addon unless a
# build from run-all-gpu-checks.sh is already there. Output: $OUT/p/<model>.json,
# $OUT/p/attention-sdpa.json, $OUT/calibrate.log.
# MODELS (default: llama-3-8b yi-6b xlstm-7b) picks the models; CALIBRATE_ARGS adds options to every
# kvsim calibrate (e.g. CALIBRATE_ARGS='--block-order both'); SKIP_SDPA=1 skips the SDPA profile;
# REPEATS=N calibrates each model N times and writes their cell-wise median (see below).
set -uo pipefail
source bench/gpu/device-prep.sh
mkdir -p "$OUT/p"
kvsim gpu info
# REPEATS=N (default 1): N calibrations per model, one after another, kept as p/<model>.<k>.json, and their
# cell-wise median (bench/gpu/medianProfiles.mjs) as p/<model>.json: large-GEMM cells move +-4-5 % between
# calibrations of one day.
for m in ${MODELS:-llama-3-8b yi-6b xlstm-7b}; do
  runs=()
  for k in $(seq 1 "${REPEATS:-1}"); do
    t0=$SECONDS
    out="$OUT/p/$m.json"
    [ "${REPEATS:-1}" -gt 1 ] && out="$OUT/p/$m.$k.json"
    # shellcheck disable=SC2086 # CALIBRATE_ARGS is split into options on purpose
    kvsim calibrate --model "$m" --out "$out" ${CALIBRATE_ARGS:-} >> "$OUT/calibrate.log" 2>&1 && { echo "calibrate $m #$k ok $((SECONDS - t0)) s"; runs+=("$out"); } || { echo "calibrate $m #$k FAILED"; tail -5 "$OUT/calibrate.log"; }
  done
  if [ "${REPEATS:-1}" -gt 1 ] && [ "${#runs[@]}" -ge 2 ]; then node bench/gpu/medianProfiles.mjs "$OUT/p/$m.json" "${runs[@]}"; fi
done
[ -n "${SKIP_SDPA:-}" ] && exit 0
t0=$SECONDS
python3 bench/kernels/measure_attention.py --kernels sdpa --out "$OUT/p/attention-{kernel}.json" >> "$OUT/calibrate.log" 2>&1 && echo "sdpa ok $((SECONDS - t0)) s" || { echo "sdpa FAILED"; tail -5 "$OUT/calibrate.log"; }
