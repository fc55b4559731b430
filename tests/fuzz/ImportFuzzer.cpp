//===- ImportFuzzer.cpp - libFuzzer target: ONNX import + verify + run ----===//
//
// bytes -> ONNX import (every check of frontend/) -> verify -> the reference
// evaluator on generated inputs when the model is small. Byte flips rarely
// get past protobuf parsing, so a structure-aware mutator parses the input
// as a ModelProto and changes one field the way a hostile model would: a
// dim, an attribute's value or kind, an input or output name, a dtype, an
// opset, external data keys. Seeds: tests/e2e models, the ONNX node suite,
// tests/malformed/models (see run_fuzzers.sh).
//
//===----------------------------------------------------------------------===//

#include "frontend/OnnxImporter.h"
#include "ir/TxcDialect.h"
#include "ir/semantics/Limits.h"
#include "reference/interpreter/Interpreter.h"

#include "onnx/onnx_pb.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <unistd.h>

namespace {

std::string scratchPath() {
  static std::string path = [] {
    char dir[] = "/tmp/txc-fuzz-XXXXXX";
    const char *d = mkdtemp(dir);
    return std::string(d ? d : "/tmp") + "/model.onnx";
  }();
  return path;
}

int64_t interestingInt(std::mt19937_64 &rng) {
  static const int64_t values[] = {0, -1, 1, 2, -2, 3, 7, 64, 1 << 20,
                                   INT32_MAX, INT32_MIN, INT64_MAX, INT64_MIN,
                                   int64_t(1) << 40, -(int64_t(1) << 40)};
  return values[rng() % (sizeof values / sizeof values[0])];
}

/// One structural change to a parsed model.
void mutateModel(onnx::ModelProto &m, std::mt19937_64 &rng) {
  onnx::GraphProto *g = m.mutable_graph();
  auto pick = [&](int n) { return n > 0 ? int(rng() % n) : -1; };
  auto someName = [&]() -> std::string {
    int k = pick(g->node_size());
    if (k >= 0 && g->node(k).output_size())
      return g->node(k).output(pick(g->node(k).output_size()));
    int i = pick(g->input_size());
    return i >= 0 ? g->input(i).name() : "x";
  };
  switch (rng() % 12) {
  case 0: { // a node input renamed, emptied or pointed at a later value
    int k = pick(g->node_size());
    if (k < 0 || !g->node(k).input_size()) break;
    auto *n = g->mutable_node(k);
    int i = pick(n->input_size());
    n->set_input(i, rng() % 3 == 0 ? std::string() : someName());
    break;
  }
  case 1: { // an attribute's int / ints value
    int k = pick(g->node_size());
    if (k < 0 || !g->node(k).attribute_size()) break;
    auto *a = g->mutable_node(k)->mutable_attribute(pick(g->node(k).attribute_size()));
    if (a->ints_size())
      a->set_ints(pick(a->ints_size()), interestingInt(rng));
    else
      a->set_i(interestingInt(rng));
    break;
  }
  case 2: { // an attribute's kind
    int k = pick(g->node_size());
    if (k < 0 || !g->node(k).attribute_size()) break;
    auto *a = g->mutable_node(k)->mutable_attribute(pick(g->node(k).attribute_size()));
    a->set_type(static_cast<onnx::AttributeProto::AttributeType>(rng() % 15));
    break;
  }
  case 3: { // an attribute removed
    int k = pick(g->node_size());
    if (k < 0 || !g->node(k).attribute_size()) break;
    auto *attrs = g->mutable_node(k)->mutable_attribute();
    attrs->DeleteSubrange(pick(attrs->size()), 1);
    break;
  }
  case 4: { // an initializer dim
    int k = pick(g->initializer_size());
    if (k < 0 || !g->initializer(k).dims_size()) break;
    auto *t = g->mutable_initializer(k);
    t->set_dims(pick(t->dims_size()), interestingInt(rng));
    break;
  }
  case 5: { // an input dim
    int k = pick(g->input_size());
    if (k < 0) break;
    auto *shape = g->mutable_input(k)->mutable_type()->mutable_tensor_type()->mutable_shape();
    if (!shape->dim_size()) break;
    shape->mutable_dim(pick(shape->dim_size()))->set_dim_value(interestingInt(rng));
    break;
  }
  case 6: { // a dtype
    int k = pick(g->initializer_size());
    if (k >= 0)
      g->mutable_initializer(k)->set_data_type(int(rng() % 26));
    break;
  }
  case 7: { // a node duplicated (values defined twice) or removed (dangling)
    int k = pick(g->node_size());
    if (k < 0) break;
    if (rng() % 2)
      *g->add_node() = g->node(k);
    else
      g->mutable_node()->DeleteSubrange(k, 1);
    break;
  }
  case 8: { // node outputs added or renamed
    int k = pick(g->node_size());
    if (k < 0) break;
    auto *n = g->mutable_node(k);
    if (rng() % 2 || !n->output_size())
      n->add_output(someName());
    else
      n->set_output(pick(n->output_size()), someName());
    break;
  }
  case 9: { // the opset
    for (auto &o : *m.mutable_opset_import())
      if (o.domain().empty())
        o.set_version(int64_t(rng() % 30));
    break;
  }
  case 10: { // external data
    int k = pick(g->initializer_size());
    if (k < 0) break;
    auto *t = g->mutable_initializer(k);
    t->set_data_location(onnx::TensorProto::EXTERNAL);
    static const char *locations[] = {"/etc/passwd", "../../etc/passwd", "w.bin", ".",
                                      "/dev/zero", ""};
    auto *e = t->add_external_data();
    e->set_key(rng() % 2 ? "location" : (rng() % 2 ? "offset" : "length"));
    e->set_value(e->key() == "location" ? locations[rng() % 6]
                                        : std::to_string(interestingInt(rng)));
    break;
  }
  default: { // a graph output renamed or duplicated
    int k = pick(g->output_size());
    if (k < 0) break;
    if (rng() % 2)
      *g->add_output() = g->output(k);
    else
      g->mutable_output(k)->set_name(someName());
    break;
  }
  }
}

} // namespace

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t maxSize,
                                          unsigned int seed) {
  onnx::ModelProto m;
  if (!m.ParseFromArray(data, static_cast<int>(size)) || !m.has_graph())
    return LLVMFuzzerMutate(data, size, maxSize);
  std::mt19937_64 rng(seed);
  int rounds = 1 + int(rng() % 3);
  for (int i = 0; i < rounds; ++i)
    mutateModel(m, rng);
  std::string out;
  if (!m.SerializeToString(&out) || out.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::copy(out.begin(), out.end(), data);
  return out.size();
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // Keep allocations bounded so ASan's allocator limit is never what stops
  // a large model: 64 MB per tensor.
  txc::semantics::setMaxTensorBytes(64u << 20);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string path = scratchPath();
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  mlir::MLIRContext ctx;
  ctx.loadDialect<txc::TxcDialect, mlir::func::FuncDialect>();
  mlir::ScopedDiagnosticHandler quiet(&ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  auto module = txc::importOnnxFile(&ctx, path);
  if (!module)
    return 0;
  // Small models with static inputs also run through the evaluator.
  auto func = module->lookupSymbol<mlir::func::FuncOp>("main");
  if (!func || func.getNumArguments() > 8)
    return 0;
  std::vector<txc::ref::Tensor> inputs;
  for (mlir::Type t : func.getArgumentTypes()) {
    auto r = llvm::dyn_cast<mlir::RankedTensorType>(t);
    if (!r || !r.hasStaticShape() || r.getNumElements() > 4096)
      return 0;
    auto dt = txc::dtypeOf(r.getElementType());
    if (!dt) {
      llvm::consumeError(dt.takeError());
      return 0;
    }
    inputs.emplace_back(*dt, txc::ref::Shape(r.getShape().begin(), r.getShape().end()));
  }
  auto outputs = txc::evaluate(func, inputs);
  if (!outputs)
    llvm::consumeError(outputs.takeError());
  return 0;
}
