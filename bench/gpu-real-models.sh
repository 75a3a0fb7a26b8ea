#!/usr/bin/env bash
# The real-model table on the GPU test machine: models of bench/real-models/catalog.ts, edgecl
# on the NVIDIA OpenCL device next to TensorFlow.js CPU on that machine's cores, in the same
# process. Prepare with `make real-models` (downloads the models) and
# `bash bench/prepare-device.sh a|b|all` (the carry limit of one call holds about half of the
# models: a = the five largest, b = the rest), then run through the device tool with carry
# [".device"]:  bash bench/gpu-real-models.sh
set -euo pipefail
source .device/gpu-env.sh >/dev/null
EDGECL_DEVICE=NVIDIA node .device/real-models.mjs --models .device/human-models --runs "${RUNS:-20}" --tfjs-runs "${TFJS_RUNS:-3}" "$@"
