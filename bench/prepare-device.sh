#!/usr/bin/env bash
# Fills .device/ (git-ignored) for a run on the GPU test machine, which has no Node.js and no
# network: Node itself (../shared/device/prepare.sh), the edgecl CLI and the FastDepth demo
# bundled into single files with esbuild, koffi's Linux x64 build, the FastDepth model, and
# the PyTorch anchors script (with `onnx`: only the CLI, koffi, FastDepth as ONNX and
# bench/ort_cpu.py, for bench/gpu-onnx.sh). Then: run with carry [".device"] and
#   source .device/gpu-env.sh && node .device/edgecl.mjs devices
set -euo pipefail
cd "$(dirname "$0")/.."
make build examples/fastdepth/model/model.json >/dev/null
bash ../shared/device/prepare.sh >/dev/null
bundle() { npx esbuild "$1" --bundle --platform=node --format=esm --target=node20 --external:koffi --external:onnxruntime-node \
  --banner:js="import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" \
  --ignore-annotations --log-level=error --outfile="$2"; }
bundle dist/compiler/cli/main.js .device/cli-main.mjs
printf "import { main } from './cli-main.mjs';\nmain(process.argv.slice(2));\n" > .device/edgecl.mjs
k=.device/node_modules/koffi
rm -rf "$k" && mkdir -p "$k/build/koffi"
cp node_modules/koffi/package.json node_modules/koffi/index.js node_modules/koffi/indirect.js "$k/"
cp -r node_modules/koffi/lib "$k/" 2>/dev/null || true
cp -r node_modules/koffi/build/koffi/linux_x64 "$k/build/koffi/"
# `onnx`: only what bench/gpu-onnx.sh needs (FastDepth as ONNX and the onnxruntime script).
if [ "${1:-all}" = onnx ]; then
  node dist/bench/onnx-side-by-side.js --runs 1 >/dev/null
  cp kernels-out/fastdepth.onnx bench/ort_cpu.py .device/
  du -sh .device
  exit 0
fi
bundle dist/examples/fastdepth/demo.js .device/demo.mjs
bundle dist/bench/real-models/run.js .device/real-models.mjs
rm -rf .device/fastdepth && cp -r examples/fastdepth/model .device/fastdepth
cp examples/astronaut.png .device/
cp ../shared/bench/anchors_gpu.py .device/
# The real models of bench/real-models/catalog.ts, when `make real-models` has downloaded them:
# $1 = a (the five largest), b (the others), all (default; too large for one device call).
if [ -d .cache/human-models/package/models ]; then
  rm -rf .device/human-models && mkdir -p .device/human-models
  names=$(node -e "import('./dist/bench/real-models/catalog.js').then(c=>console.log(c.REAL_MODELS.map(m=>m.name).join(' ')))")
  big="nanodet faceres blazepose-detector efficientpose handskeleton"
  for m in $names; do
    case " $big " in *" $m "*) grp=a ;; *) grp=b ;; esac
    if [ "${1:-all}" = all ] || [ "${1:-all}" = "$grp" ]; then
      cp .cache/human-models/package/models/$m.json .cache/human-models/package/models/$m.bin .device/human-models/
    fi
  done
fi
du -sh .device
