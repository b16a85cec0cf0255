#!/bin/bash
# Bundles the daily-trace autoscaling bench (bench, worker CLI, broker CLI, the worker's session thread)
# into apps/bench/dist/autoscale/ and packs what the lent machine needs (apps/bench/gpu/pack.sh).
# Run from the repository root:  apps/bench/src/autoscale/build-gpu.sh [--out DIR] [--no-pack]
# Then on the machine, from the repository root (carry [DIR]):
#   source DIR/setup.sh && node apps/bench/dist/autoscale/trace-bench.mjs --out $OUT
# The models (tiny, vision-s, text-m) are written there by the catalog's generator, bundled in.
set -euo pipefail
out=.device
pack=1
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --no-pack) pack=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
dist=apps/bench/dist/autoscale
mkdir -p "$dist"
banner="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
for entry in apps/bench/src/autoscale/trace-bench.ts:trace-bench packages/worker/src/cli.ts:worker-cli packages/broker/src/cli.ts:broker-cli; do
  npx esbuild "${entry%%:*}" --bundle --platform=node --format=esm --target=node20 --conditions=source \
    --external:onnxruntime-node --external:better-sqlite3 --banner:js="$banner" \
    --outfile="$dist/${entry##*:}.mjs" --log-level=warning
done
# Workers run each session in a thread whose entry is session-host.js beside the bundle that starts it.
npx esbuild packages/worker/src/session/session-host.ts --bundle --platform=node --format=esm --target=node20 --conditions=source \
  --external:onnxruntime-node --banner:js="$banner" --outfile="$dist/session-host.js" --log-level=warning
ls -la "$dist"
if ((pack)); then
  # The broker CLI loads better-sqlite3 (built here for this Node); the bench's brokers keep jobs in memory.
  apps/bench/gpu/pack.sh --out "$out" "$dist" node_modules/onnxruntime-node node_modules/onnxruntime-common \
    node_modules/better-sqlite3/package.json node_modules/better-sqlite3/lib node_modules/better-sqlite3/build/Release/better_sqlite3.node \
    node_modules/bindings node_modules/file-uri-to-path
fi
