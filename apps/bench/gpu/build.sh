#!/bin/bash
# Builds the GPU bench (one esbuild bundle with the worker, the session thread and the `large`
# generator; onnxruntime-node stays external) and packs it with Node, the Vulkan loaders,
# onnxruntime-node and the catalog's vision-s and ocr-det files (`npm run models` first).
# Usage, from the repository root:  apps/bench/gpu/build.sh [--out DIR]    (DIR defaults to .device)
# Then, on the GPU machine, with DIR carried:
#   cd DIR && source setup.sh && node apps/bench/dist/worker-gpu/worker-gpu.js --out $OUT
set -euo pipefail
npm run build:gpu -w @splitflow/bench
for m in vision-s ocr-det; do
  [[ -f models/build/$m/model.onnx ]] || { echo "models/build/$m is missing: run npm run models first" >&2; exit 1; }
done
"$(dirname "$0")/pack.sh" "$@" node_modules/onnxruntime-node node_modules/onnxruntime-common apps/bench/dist/worker-gpu \
  models/catalog.json models/build/vision-s models/build/ocr-det
