#!/bin/bash
# Packs what a run on a GPU machine with no Node.js and no network needs into one folder:
#   node.xz        this machine's Node binary (x86-64), compressed;
#   debs/          Debian's Vulkan and GL loader packages (the NVIDIA driver brings its own ICD);
#   setup.sh       sourced there: unpacks the loaders and the tree, puts node on PATH;
#   tree.tar.xz    the repository paths named on the command line (links resolved, so npm workspace
#                  links travel as files; onnxruntime-node trimmed to linux-x64).
# Usage, from the repository root:
#   apps/bench/gpu/pack.sh [--out DIR] PATH...      (DIR defaults to .device, ignored by git)
# The loader packages come from `apt-get download` (amd64, whatever this machine's architecture); they
# are kept in ${SPLITFLOW_DEB_CACHE:-~/.cache/splitflow-gpu-debs} so packing again needs no network.
set -euo pipefail
out=.device
if [[ ${1:-} == --out ]]; then out=$2; shift 2; fi
here=$(cd "$(dirname "$0")" && pwd)
debs=(libvulkan1 libglvnd0 libegl1 libgl1 libglx0 libgles2 libopengl0)
cache=${SPLITFLOW_DEB_CACHE:-$HOME/.cache/splitflow-gpu-debs}
mkdir -p "$cache"
missing=()
for d in "${debs[@]}"; do compgen -G "$cache/${d}_*_amd64.deb" >/dev/null || missing+=("$d"); done
if ((${#missing[@]})); then
  lists=$(mktemp -d)
  mkdir -p "$lists/partial"
  apt=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists")
  apt-get "${apt[@]}" update >/dev/null
  (cd "$cache" && apt-get "${apt[@]}" download "${missing[@]}")
  rm -rf "$lists"
fi
rm -rf "$out"
mkdir -p "$out/debs"
for d in "${debs[@]}"; do cp "$cache/${d}"_*_amd64.deb "$out/debs/"; done
cp "$here/setup.sh" "$out/setup.sh"
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" >"$out/node.xz"
if (($#)); then
  tar -chJf "$out/tree.tar.xz" \
    --exclude='*/onnxruntime-node/bin/napi-v*/darwin' --exclude='*/onnxruntime-node/bin/napi-v*/win32' \
    --exclude='*/onnxruntime-node/bin/napi-v*/linux/arm64' --exclude='*.map' "$@"
fi
du -sh "$out"/* "$out"
size=$(du -sm "$out" | cut -f1)
((size < 60)) || echo "warning: $out is ${size} MiB; a device call carries 64 MiB at most, the rest of the tree included" >&2
