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

DEMO_INPUTS := --input input_ids=$(DEMO_MODEL)/input_input_ids.npy \
  --input attention_mask=$(DEMO_MODEL)/input_attention_mask.npy \
  --input token_type_ids=$(DEMO_MODEL)/input_token_type_ids.npy

demo: build
	@echo "== txc compile (tiny BERT -> $(BUILD)/demo/bert_tiny.txc) =="
	@mkdir -p $(BUILD)/demo
	$(BUILD)/bin/txc compile $(DEMO_MODEL)/model.onnx -o $(BUILD)/demo/bert_tiny.txc \
	  --dim batch=2 --dim sequence=7
	@echo "== txc run (native code through libtxcrt, batch 2, sequence 7) =="
	$(BUILD)/bin/txc run $(BUILD)/demo/bert_tiny.txc $(DEMO_INPUTS) --output-dir $(BUILD)/demo/out
	@echo "== txc bench =="
	$(BUILD)/bin/txc bench $(BUILD)/demo/bert_tiny.txc $(DEMO_INPUTS) --runs 50
	@echo "== txc run --reference (the same model through the reference evaluator) =="
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
