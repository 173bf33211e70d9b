#!/usr/bin/env bash
# vAttention under memory pressure on the GPU vs the simulator (issue 13 item 5): perLayer and megacache
# layouts, KV memory capped so deferred reclamation fills it and the background step must reclaim
# cached pages while the kernels compute (bench/gpu/validateVattention.mjs says what is written).
# Default case: the first 300 Azure conv 2023 requests, arrivals x10 (time scale 0.1), 8 GiB of KV:
# simulated here (kvsim, calibrated H100 profile) that gives 2,642 iterations, 30 preemptions and
# background reclaim in 15 iterations (perLayer), 1,916 / 5 / 89 (megacache).
# Prepare here: bash bench/gpu/pack-gpu-tests.sh
# Run there (carry .device): bash bench/gpu/validate-vattention.sh   (writes $OUT/vattention/*, vattention.txt)
# Knobs: FIRST (300), TIME_SCALE (0.1), KV_GIB (8), LAYOUTS ("perLayer megacache").
set -uo pipefail
source bench/gpu/device-prep.sh
mkdir -p "$OUT/vattention"
# shellcheck disable=SC2086
node bench/gpu/validateVattention.mjs "$OUT/vattention" .device/traces/conv-1200.csv "${FIRST:-300}" "${TIME_SCALE:-0.1}" "${KV_GIB:-8}" ${LAYOUTS:-perLayer megacache} 2>&1 | tee "$OUT/vattention/vattention.txt"
exit "${PIPESTATUS[0]}"
