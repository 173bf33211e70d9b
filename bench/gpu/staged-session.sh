#!/usr/bin/env bash
# Several measurements in one device call, each stage's output archived as soon as it ends (a call cut
# short by its time limit still returns what finished): $OUT/staged.tgz (everything) and
# $OUT/staged.txt (the summary lines). Stages, in order (STAGES, default all of them):
#   tests     build the addon, run the GPU test files in TESTS (default: the recurrent-layer and executor replays)
#   llama     kvsim calibrate --model llama-3-8b (interleaved attention cells) -> p/llama-3-8b.json
#             (LLAMA_FLAGS: more calibrate flags, e.g. --cuda-graphs)
#   mooncake  kvsim validate, vLLM V1 + prefix caching, Mooncake 300 @10/s, with the llama profile of this call
#             (REPEAT=N: N GPU replays, the spread printed beside the errors)
#   graphs    the mooncake validation with decode iterations as CUDA graphs (--cuda-graphs); needs the llama
#             stage run with LLAMA_FLAGS=--cuda-graphs (the profile's graph overhead fit)
#   hybrid    kvsim calibrate --quick --model hybrid-7b; kvsim validate hybrid-7b paged, first 100 Azure conv
#   xlstm71   kvsim calibrate --quick --model xlstm71-1.3b; kvsim validate recurrent, first 100 Azure conv
#   xlstm71b  the xlstm71 stage again, its own profile and logs (two calibrations minutes apart: do they agree?)
#   xlstm71c  the xlstm71 stage with KVSIM_SLSTM_VARIANT=coop (the cooperative sLSTM step inside the addon
#             and the executor, calibrated and validated with it)
#   hybridp, xlstm71p  the hybrid / xlstm71 stages with `calibrate --timing primed` (each timed run after a GPU
#             busy-wait, so its first launch is queued before its start event): A/B against the plain stages
#   xlstm7b   kvsim calibrate --model xlstm-7b; kvsim validate recurrent, first 600 Azure conv at 0.1x time
#   xharness  the xLSTM harness (bench/xlstm/runDevice.sh check memcheck bench; built there when not
#             carried): float64 checks incl. the gate-stress cases, memcheck, both prefill algorithms and
#             every sLSTM variant timed side by side (XHARNESS="check memcheck bench ncu" adds the Nsight
#             Compute profiles of tfla, the sequential prefill and the sLSTM step)
#   xncu      the xLSTM harness's Nsight Compute profiles alone (runDevice.sh ncu), so a call can put
#             other stages between the harness's checks/timings and its profiles
#   xmem      the xLSTM harness's compute-sanitizer memcheck alone (runDevice.sh memcheck), e.g. after
#             XHARNESS="check bench" and the attention stages when the call is short
#   hybrid-eager  the hybrid validation again with CUDA_MODULE_LOADING=EAGER (every kernel loaded at start-up),
#             same profile: are the slow first iterations of each token count lazy kernel loading? (after hybrid)
#   kbench    kvsim gpu bench kernels --sdpa (attention vs SDPA in the same call, xLSTM kernel rows)
#   kcheck    the attention kernel checks (bench/kernels/device_run.sh check: kernels_check built there)
#   kinter    kvsim's prefill and PyTorch SDPA alternated in one process on the same tensors
#             (bench/kernels/device_run.sh interleaved: builds libkvsim_attn.so there)
#   kncu      Nsight Compute on the persistent TMA prefill kernel (bench/kernels/ncu_prefill.sh ${KNCU:-tma}; KNCU="tma tmacp
#             tmapaged" profiles the paged-bs16 decomposition), with
#             the SASS instructions its stall samples fell on (bench/gpu/ncuHotSass.py)
# Prepare here: bash bench/gpu/pack-gpu-tests.sh (it also cuts .device/traces/mooncake-300.jsonl); carry .device.
set -uo pipefail
export OUT="${OUT:-/tmp/out}"
w="$OUT/st"
mkdir -p "$w/p"
bash bench/gpu/run-all-gpu-checks.sh build > "$w/build.log" 2>&1
source bench/gpu/device-prep.sh
txt="$OUT/staged.txt"
card=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1)
echo "card: $card ($(date -u +%FT%TZ))" > "$txt"
# Nsight Compute reports (.ncu-rep, tens of MB) stay on the machine; their text exports travel.
archive() { tar -czf "$OUT/staged.tgz.tmp" --exclude='*.ncu-rep' -C "$OUT" st && mv "$OUT/staged.tgz.tmp" "$OUT/staged.tgz"; }
step() { # name command...
  local name=$1 t0=$SECONDS
  shift
  "$@" > "$w/$name.log" 2>&1
  local rc=$?
  echo "== $name: exit $rc, $((SECONDS - t0)) s" >> "$txt"
  grep -E "Test Files|Tests  |FAIL|per-iteration|makespan|TTFT|decode-only|mixed  |prefill-only|with allocation|first of token|run-to-run|wrote|error|checks:|CHECKS|ERROR SUMMARY|^contiguous +4 |crossover|parts B=|new paths|SUMMARY|two rounds" "$w/$name.log" | sed 's/\x1b\[[0-9;]*m//g' | head -n 16 >> "$txt"
  archive
}
V="--trace .device/traces/conv-1200.csv --first 100 --time-scale 0.1"
# quick STAGE MODEL POLICY [calibrate flags]: a --quick calibration into p/, then the validation on the
# first 100 Azure conv requests with it (STAGE-cal and STAGE logs). Profiles keep the model's file name
# for the plain stages (hybrid-eager reuses p/hybrid-7b.json); with flags, p/MODEL-STAGE.json.
quick() {
  local stage=$1 model=$2 policy=$3
  shift 3
  local prof="$w/p/$model.json"
  [ $# -gt 0 ] && prof="$w/p/$model-$stage.json"
  step "$stage-cal" kvsim calibrate --quick "$@" --model "$model" --out "$prof"
  step "$stage" kvsim validate --model "$model" --policy "$policy" $V --profile "$prof" --json "$w/$stage.validation.json" --runs "$w/$stage"
}
for s in ${STAGES:-tests llama mooncake hybrid xlstm71}; do
  case "$s" in
    tests) step tests node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts ${TESTS:-test/gpu/recurrentLayers.gpu.test.ts} ;;
    llama) step llama kvsim calibrate --model llama-3-8b ${LLAMA_FLAGS:-} --out "$w/p/llama-3-8b.json" ;;
    mooncake) step mooncake kvsim validate --model llama-3-8b --policy paged --scheduler vllm --trace .device/traces/mooncake-300.jsonl --first 300 --rate 10 \
        --profile "$w/p/llama-3-8b.json" --repeat "${REPEAT:-1}" --json "$w/mooncake.validation.json" --runs "$w/mooncake" ;;
    graphs) step graphs kvsim validate --model llama-3-8b --policy paged --scheduler vllm --trace .device/traces/mooncake-300.jsonl --first 300 --rate 10 \
        --cuda-graphs --profile "$w/p/llama-3-8b.json" --json "$w/mooncake-graphs.validation.json" --runs "$w/mooncake-graphs" ;;
    hybrid) quick hybrid hybrid-7b paged ;;
    xlstm71) quick xlstm71 xlstm71-1.3b recurrent ;;
    # the same again under its own name (profile p/xlstm71-1.3b-xlstm71b.json): do two calibrations agree?
    xlstm71b) quick xlstm71b xlstm71-1.3b recurrent --timing isolated ;;
    hybridp) quick hybridp hybrid-7b paged --timing primed ;;
    xlstm71p) quick xlstm71p xlstm71-1.3b recurrent --timing primed ;;
    # (--timing isolated is the default; named so the profile gets its own file, p/xlstm71-1.3b-xlstm71c.json)
    xlstm71c) KVSIM_SLSTM_VARIANT=coop quick xlstm71c xlstm71-1.3b recurrent --timing isolated ;;
    xlstm7b) step xlstm7b-cal kvsim calibrate --model xlstm-7b --out "$w/p/xlstm-7b.json"
      step xlstm7b kvsim validate --model xlstm-7b --policy recurrent --trace .device/traces/conv-1200.csv --first 600 --time-scale 0.1 \
        --profile "$w/p/xlstm-7b.json" --json "$w/xlstm-7b.validation.json" --runs "$w/xlstm-7b" ;;
    xharness) step xharness env OUT="$w/xharness" bash bench/xlstm/runDevice.sh ${XHARNESS:-check memcheck bench} ;;
    xncu) step xncu env OUT="$w/xncu" bash bench/xlstm/runDevice.sh ncu ;;
    xmem) step xmem env OUT="$w/xmem" bash bench/xlstm/runDevice.sh memcheck ;;
    hybrid-eager) step hybrid-eager env CUDA_MODULE_LOADING=EAGER kvsim validate --model hybrid-7b --policy paged $V --profile "$w/p/hybrid-7b.json" \
        --json "$w/hybrid-eager.validation.json" --runs "$w/hybrid-eager" ;;
    kbench) step kbench kvsim gpu bench kernels --sdpa -o "$w/kbench.json" ;;
    kcheck) step kcheck env OUT="$w/kcheck" bash bench/kernels/device_run.sh check ;;
    kinter) step kinter env OUT="$w/kinter" bash bench/kernels/device_run.sh interleaved ;;
    kncu) step kncu bash -c "{ [ -x bench/kernels/build/kernels_check ] || bench/kernels/build.sh; } && OUT='$w/kncu' bash bench/kernels/ncu_prefill.sh ${KNCU:-tma} && for n in ${KNCU:-tma}; do head -32 '$w/kncu/ncu_'\$n'.hot.txt'; done" ;;
    *) echo "staged-session: unknown stage $s" >&2; exit 2 ;;
  esac
done
for f in "$w"/*.gpu.json "$w"/*.sim.json; do [ -e "$f" ] && gzip -f "$f"; done
archive
rm -f "$OUT"/gpu-checks-out.tgz
cat "$txt"
