#!/usr/bin/env bash
# FastDepth as ONNX on the GPU test machine: edgecl compiles the very file, runs it on the GPU,
# and onnxruntime (Python, CPU, on that machine) runs the same file on the same input; prints the
# difference of the outputs and both latencies. Prepare with `bash bench/prepare-device.sh onnx`,
# then run through the device tool with carry [".device"]:  bash bench/gpu-onnx.sh
set -euo pipefail
source .device/gpu-env.sh >/dev/null
cd .device
node edgecl.mjs compile fastdepth.onnx -o art-onnx | grep -E 'kernels'
python3 -c "import numpy as np; np.save('in.npy', np.random.default_rng(1).uniform(-1, 1, (1, 3, 224, 224)).astype(np.float32))"
node edgecl.mjs run art-onnx --input input=in.npy --output out --device NVIDIA | tail -2
python3 ort_cpu.py fastdepth.onnx in.npy out/depth.npy
for r in 1 2; do echo -n "round $r edgecl: "; node edgecl.mjs bench art-onnx --iterations 200 --device NVIDIA | head -1; done
