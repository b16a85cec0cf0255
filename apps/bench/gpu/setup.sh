#!/bin/bash
# Sourced on the GPU machine from the folder pack.sh wrote:  cd DIR && source setup.sh
# Installs the Vulkan and GL loaders, unpacks the carried tree into the current directory and puts
# node on PATH. After it onnxruntime-node's 'webgpu' provider reaches the NVIDIA GPU through Dawn and
# Vulkan (no CUDA libraries involved).
_sf_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
for f in "$_sf_dir"/debs/*.deb; do dpkg -x "$f" /; done
ldconfig
# The driver's Vulkan ICD where the machine mounts it, unless the caller names another.
export VK_DRIVER_FILES=${VK_DRIVER_FILES:-/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json}
_sf_bin=$(mktemp -d)
xz -dc "$_sf_dir/node.xz" >"$_sf_bin/node" && chmod +x "$_sf_bin/node"
export PATH=$_sf_bin:$PATH
if [[ -f $_sf_dir/tree.tar.xz ]]; then tar -xJf "$_sf_dir/tree.tar.xz"; fi
node --version
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
