#!/usr/bin/env bash
# Prepares, on this (CPU) machine, what bench/gpu/run-all-gpu-checks.sh needs on the GPU machine, all
# under .device/ (ignored by git; carry it with `carry: [".device"]`):
#   .device/node.xz              this machine's node (../shared/device/pack-node.sh; the GPU machine has none)
#   .device/gpu-tests.tar.xz     node_modules for the GPU run: kvsim's runtime dependencies (cmake-js and the
#                                Node-API headers included, so the addon builds there) + vitest and what it
#                                needs (bench/gpu/nodeModulesClosure.mjs), and src + test compiled to
#                                JavaScript (.device/js/) for the plain-node runner test/gpu/runGpuChecks.ts;
#                                run-all-gpu-checks.sh unpacks it at the project root
#   .device/traces/conv-1200.csv the first 1200 requests of the Azure conv 2023 trace (../shared/traces)
#   .device/traces/mooncake-300.jsonl the first 300 requests of the Mooncake conversation trace
# Usage (from the project root): bash bench/gpu/pack-gpu-tests.sh ; prints the sizes, fails above 60 MiB.
set -euo pipefail
root=$(git rev-parse --show-toplevel)
cd "$root"
shared="$root/../shared"
[ -d "$shared/device" ] || { echo "pack-gpu-tests: $shared/device not found (expected ../shared beside the checkout)" >&2; exit 1; }
bash "$shared/device/pack-node.sh" > /dev/null
mkdir -p .device/traces
conv="$shared/traces/azure-llm-2023/AzureLLMInferenceTrace_conv.csv"
[ -s "$conv" ] || { echo "pack-gpu-tests: $conv not found (the Azure conv 2023 trace)" >&2; exit 1; }
head -n 1201 "$conv" > .device/traces/conv-1200.csv
# The first 300 Mooncake conversation requests (staged-session.sh's mooncake stage), when ../shared has them.
mooncake="$shared/traces/mooncake-fast25/conversation_trace.jsonl"
if [ -s "$mooncake" ]; then head -n 300 "$mooncake" > .device/traces/mooncake-300.jsonl; else echo "pack-gpu-tests: $mooncake not found; the mooncake stage will have no trace"; fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# Runtime dependencies from package.json, plus the test runner; less what no GPU check loads and that
# would not fit: @duckdb/node-api (71 MB; only `kvsim sweep` uses it, through a dynamic import with a
# CSV/JSONL fallback).
exclude=" ${PACK_EXCLUDE:-@duckdb/node-api} "
runtime=$(node -e "console.log(Object.keys(require('./package.json').dependencies).filter((d) => !process.argv[1].includes(' ' + d + ' ')).join(' '))" "$exclude")
node bench/gpu/nodeModulesClosure.mjs $runtime vitest > "$stage/packages.txt"
# test/gpu/runGpuChecks.ts as plain JavaScript (the GPU machine has no TypeScript).
# tsc emits even when some file has a type error (another change in progress); the runner must exist.
npx tsc -p tsconfig.json --outDir "$stage/.device/js" --declaration false --sourceMap false > "$stage/tsc.log" 2>&1 || echo "pack-gpu-tests: tsc reported type errors (first: $(head -1 "$stage/tsc.log")); emitted anyway"
[ -s "$stage/.device/js/test/gpu/runGpuChecks.js" ] && [ -s "$stage/.device/js/src/cli/main.js" ] || { echo "pack-gpu-tests: tsc did not emit test/gpu/runGpuChecks.js and src/cli/main.js" >&2; exit 1; }
tar -cf "$stage/gpu-tests.tar" -T "$stage/packages.txt"
tar -rf "$stage/gpu-tests.tar" -C "$stage" .device/js
xz -T2 -6 -c "$stage/gpu-tests.tar" > .device/gpu-tests.tar.xz
total=$(du -cb .device/node.xz .device/gpu-tests.tar.xz .device/traces/conv-1200.csv | tail -1 | cut -f1)
ls -la .device/node.xz .device/gpu-tests.tar.xz .device/traces/conv-1200.csv
echo "pack-gpu-tests: $(wc -l < "$stage/packages.txt") packages; carry .device = $((total / 1048576)) MiB of the 64 MiB limit"
if [ -d .device/node_modules ]; then
  echo "pack-gpu-tests: note .device/node_modules (from another script) also travels with carry .device; its size counts too: $(du -sh .device/node_modules | cut -f1)"
fi
[ "$total" -le $((60 * 1048576)) ] || { echo "pack-gpu-tests: .device files exceed 60 MiB" >&2; exit 1; }
