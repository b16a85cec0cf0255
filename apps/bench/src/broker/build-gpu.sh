#!/bin/bash
# Bundles the heterogeneous-placement benchmark (bench, worker CLI, broker CLI) into
# apps/bench/dist/broker/ and packs what the GPU machine needs into .device/ (apps/bench/gpu/pack.sh).
# Run from the repository root:  apps/bench/src/broker/build-gpu.sh
# Then on the device (carry [".device", "apps/bench/dist"]):
#   source .device/setup.sh && node apps/bench/dist/broker/placement-bench.mjs --out $OUT
# The overload bench serves text-m: write it there first with the bundled catalog builder,
#   node apps/bench/dist/broker/build-models.mjs --only text-m --out models/build >/dev/null
# then pass --catalog models/catalog.json --worker-cli/--broker-cli apps/bench/dist/broker/{worker,broker}-cli.mjs.
set -euo pipefail
out=apps/bench/dist/broker
mkdir -p "$out"
banner="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
for entry in apps/bench/src/broker/placement-bench.ts:placement-bench apps/bench/src/broker/overhead-bench.ts:overhead-bench apps/bench/src/broker/bare-proxy.ts:bare-proxy apps/bench/src/robustness/overload-bench.ts:overload-bench models/build.ts:build-models packages/worker/src/cli.ts:worker-cli packages/broker/src/cli.ts:broker-cli; do
  npx esbuild "${entry%%:*}" --bundle --platform=node --format=esm --target=node20 --conditions=source \
    --external:onnxruntime-node --external:better-sqlite3 --banner:js="$banner" \
    --outfile="$out/${entry##*:}.mjs" --log-level=warning
done
# Workers run each session in a thread whose entry is session-host.js beside the bundle that starts it.
npx esbuild packages/worker/src/session/session-host.ts --bundle --platform=node --format=esm --target=node20 --conditions=source \
  --external:onnxruntime-node --banner:js="$banner" --outfile="$out/session-host.js" --log-level=warning
# Debian's nginx and the libraries it links beyond libc, for the overhead bench's reverse-proxy baseline
# there (run it with LD_LIBRARY_PATH=apps/bench/dist/broker/nginx).
if [ -x /usr/sbin/nginx ]; then
  mkdir -p "$out/nginx"
  cp /usr/sbin/nginx "$out/nginx/"
  ldd /usr/sbin/nginx | awk '/=> \// {print $3}' | grep -v -e '/libc\.so' -e 'ld-linux' | xargs -I{} cp {} "$out/nginx/"
fi
ls -la "$out"
if [[ "${1:-}" != "--no-pack" ]]; then
  # The broker CLI loads better-sqlite3 (its native addon was built here for this Node); the bench uses the memory job store.
  apps/bench/gpu/pack.sh node_modules/onnxruntime-node node_modules/onnxruntime-common \
    node_modules/better-sqlite3/package.json node_modules/better-sqlite3/lib node_modules/better-sqlite3/build/Release/better_sqlite3.node \
    node_modules/bindings node_modules/file-uri-to-path
fi
