#!/usr/bin/env bash
# GPU machine: the xLSTM kernels through the N-API addon — the TypeScript self-check of
# test/gpu/xlstm.gpu.test.ts (no vitest there) and the binding's bench. Carried (git-ignored):
# .device/node.xz and .device/node_modules (../shared/device/pack-node.sh), bench/xlstm/build/js
# (`npx tsc -p tsconfig.build.json --outDir bench/xlstm/build/js`), bench/xlstm/build/addon
# (the addon built by `cmake -S native -B <dir>`, kvsim_native.node copied there).
set -uo pipefail
OUT=${OUT:-/tmp/xlstm-out}
mkdir -p "$OUT"
command -v node > /dev/null || { xz -dc .device/node.xz > /usr/local/bin/node && chmod +x /usr/local/bin/node; }
[ -e node_modules ] || ln -s .device/node_modules node_modules
KVSIM_NATIVE_PATH="$PWD/bench/xlstm/build/addon/kvsim_native.node" timeout 240 \
  node bench/xlstm/addonCheck.mjs bench/xlstm/build/js > "$OUT/addon.log" 2>&1
echo "addon check rc=$?" >> "$OUT/addon.log"
cat "$OUT/addon.log"
