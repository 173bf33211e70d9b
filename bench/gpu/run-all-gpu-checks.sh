#!/usr/bin/env bash
# Every GPU claim's checks in one command, on the GPU machine: builds the addon there with cmake-js,
# runs every *.gpu.test.ts (vitest, `npm run test:gpu`'s config, a missing GPU fails instead of skipping)
# and the plain-node runner test/gpu/runGpuChecks.ts, and writes everything under $OUT:
#   build.log, gpu-info.json, vitest-gpu.log, vitest-gpu.json (per-test results), gpu-checks.json,
#   vmm.json, run-gpu-checks.log, summary.txt (one line per stage: status, seconds).
# Prepare on the CPU machine first: bash bench/gpu/pack-gpu-tests.sh (writes .device/; carry it).
# Stages (default all = build tests checks): build, tests, checks; and, not in all, firstshape: the
# first-of-shape probe (bench/gpu/firstShape.mjs; needs build) under eager and lazy CUDA module loading,
# writing firstshape-{eager,lazy}.validation.json and .txt. A stage that fails is recorded and the next still runs;
# the exit status is 1 if any failed. The build stays in build/ while the machine is warm, so a later
# call can run `tests` or `checks` alone.
set -uo pipefail
export OUT="${OUT:-/tmp/out}"
mkdir -p "$OUT"
stages=("${@:-all}")
[ "${stages[0]}" = all ] && stages=(build tests checks)
summary="$OUT/summary.txt"
: > "$summary"
# What $OUT already held stays; only what this run adds is archived at the end.
source "$(dirname "${BASH_SOURCE[0]}")/archive-new-files.sh"
archiveNewFilesBegin "$OUT"

# Node and node_modules (the GPU machine has neither).
if [ ! -x /usr/local/bin/node ]; then xz -dc .device/node.xz > /usr/local/bin/node && chmod +x /usr/local/bin/node; fi
if [ ! -e node_modules/vitest/package.json ] || [ .device/gpu-tests.tar.xz -nt node_modules/.kvsim-gpu-tests ]; then
  rm -rf node_modules .device/js
  tar -xJf .device/gpu-tests.tar.xz && touch node_modules/.kvsim-gpu-tests
fi
# A later call's carry replaces .device on a warm machine: the compiled JS goes with it while
# node_modules stays (the checks stage then found no runner, 2026-12-06).
[ -e .device/js/test/gpu/runGpuChecks.js ] || tar -xJf .device/gpu-tests.tar.xz .device/js
export KVSIM_NATIVE_PATH="$PWD/build/Release/kvsim_native.node"
export KVSIM_AZURE_CONV_CSV="$PWD/.device/traces/conv-1200.csv"
export CUDA_MODULE_LOADING=EAGER  # no lazy kernel loading inside timed iterations
export KVSIM_REQUIRE_GPU=1
failed=0

stage() { # name command...
  local name=$1
  shift
  local t0=$SECONDS
  echo "== $name: $*"
  if "$@"; then
    echo "$name ok $((SECONDS - t0)) s" >> "$summary"
  else
    echo "$name FAILED (exit $?) $((SECONDS - t0)) s" >> "$summary"
    failed=1
  fi
}

build() {
  node node_modules/cmake-js/bin/cmake-js compile --directory native --out build --parallel "$(nproc)" > "$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; return 1; }
  # The CLI compiled by pack-gpu-tests.sh (dist/ is not carried).
  node .device/js/src/cli/main.js gpu info --json | tee "$OUT/gpu-info.json"
}
tests() {
  node node_modules/vitest/vitest.mjs run --config vitest.gpu.config.ts --reporter=default --reporter=json \
    --outputFile.json="$OUT/vitest-gpu.json" 2>&1 | tee "$OUT/vitest-gpu.log"
}
checks() {
  node .device/js/test/gpu/runGpuChecks.js "$OUT" 2>&1 | tee "$OUT/run-gpu-checks.log"
}
firstshape() {
  node bench/gpu/firstShape.mjs trace "$OUT/firstshape.jsonl" || return 1
  local loading
  for loading in eager lazy; do
    CUDA_MODULE_LOADING=${loading^^} node .device/js/src/cli/main.js validate --trace "$OUT/firstshape.jsonl" --model llama-3-8b \
      --policy static --json "$OUT/firstshape-$loading.validation.json" > "$OUT/firstshape-$loading.log" 2>&1 || { tail -5 "$OUT/firstshape-$loading.log"; return 1; }
    echo "CUDA_MODULE_LOADING=${loading^^}"
    node bench/gpu/firstShape.mjs report "$OUT/firstshape-$loading.validation.json" | tee "$OUT/firstshape-$loading.txt"
  done
}

for s in "${stages[@]}"; do
  case "$s" in
    build | tests | checks | firstshape) stage "$s" "$s" ;;
    *) echo "run-all-gpu-checks: unknown stage '$s' (expected build, tests, checks, firstshape or all)" >&2; exit 2 ;;
  esac
done
echo
cat "$summary"
archiveNewFilesEnd "$OUT" gpu-checks-out.tgz
exit "$failed"
