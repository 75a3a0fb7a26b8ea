#!/usr/bin/env bash
# FastDepth on the GPU test machine, edgecl fused and unfused next to the PyTorch / ORT / OpenCV
# anchors, all in one call. Prepare with `bash bench/prepare-device.sh`, then run through the
# device tool with carry [".device"]:  bash bench/gpu-fastdepth.sh
set -euo pipefail
source .device/gpu-env.sh >/dev/null
cd .device
SPEC=frame=480x640x3,resize=bilinear,scale=0.00784313725490196,offset=-1
ITER=${ITER:-200}
node edgecl.mjs devices
for v in core core-unfused e2e e2e-unfused; do
  args=()
  [[ $v == e2e* ]] && args+=(--preprocess "$SPEC")
  [[ $v == *unfused ]] && args+=(--no-fusion)
  node edgecl.mjs compile fastdepth -o "art-$v" "${args[@]}" | grep -E 'kernels|activation memory'
done
node edgecl.mjs check fastdepth --device NVIDIA | tail -2
node edgecl.mjs check fastdepth --device NVIDIA --preprocess "$SPEC" | tail -2
for round in 1 2; do
  for v in core core-unfused e2e e2e-unfused; do
    echo -n "round $round $v: "; node edgecl.mjs bench "art-$v" --iterations "$ITER" --device NVIDIA | head -1
  done
done
node edgecl.mjs bench art-e2e --iterations 50 --device NVIDIA | tail -12
OPENCV_DNN_OPENCL_ALLOW_ALL_DEVICES=1 OUT=${OUT:-/tmp} python3 anchors_gpu.py 2>&1 | grep -v Warning | tail -25
