# Thin wrapper around CMake/ctest. `make demo` and `make check` work on a
# fresh Debian 12 machine: they install what is missing first.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19
DEMO_MODEL := tests/e2e/models/bert_tiny_opset17

.PHONY: all deps configure build demo check clean

all: build

deps:
	bash scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@echo "== txc import (first lines of the IR) =="
	@$(BUILD)/bin/txc import $(DEMO_MODEL)/model.onnx | head -n 12
	@echo "== txc run --reference (tiny BERT, batch 2, sequence 7) =="
	$(BUILD)/bin/txc run --reference $(DEMO_MODEL)/model.onnx \
	  --input input_ids=$(DEMO_MODEL)/input_input_ids.npy \
	  --input attention_mask=$(DEMO_MODEL)/input_attention_mask.npy \
	  --input token_type_ids=$(DEMO_MODEL)/input_token_type_ids.npy \
	  --output-dir $(BUILD)/demo-out
	@echo "outputs written to $(BUILD)/demo-out/"

check: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD)
