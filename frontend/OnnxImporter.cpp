//===- OnnxImporter.cpp - ONNX model to txc dialect -----------------------===//
//
// Import happens in two phases: a check of the whole graph that collects
// every unsupported part into one error, then the conversion, which upgrades
// old-opset nodes to the latest form (attributes that became inputs, the
// pre-13 Softmax coercion) and creates each txc op with inferred types.
//
//===----------------------------------------------------------------------===//

#include "frontend/OnnxImporter.h"
#include "frontend/LeanModelReader.h"
#include "frontend/OnnxTensor.h"
#include "ir/OpFacts.h"
#include "ir/semantics/Limits.h"
#include "ir/semantics/DTypes.h"
#include "ir/Dims.h"
#include "ir/TxcDialect.h"

#include "onnx/onnx_pb.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <map>
#include <optional>

using namespace mlir;

namespace txc {

namespace {
/// The ONNX side of an op's facts: the oldest opset it supports. Operands,
/// results and attributes come from the txc op's ODS facts (ir/OpFacts.h).
/// The arity groups below only keep the list readable.
struct OpSpec {
  int numInputs;  // informative only
  int numOutputs; // informative only
  int minOpset = 1;
};
} // namespace

static const std::map<std::string, OpSpec> &opTable() {
  static const std::map<std::string, OpSpec> table = [] {
    std::map<std::string, OpSpec> t;
    for (const char *op :
         {"Abs", "Neg", "Exp", "Log", "Sqrt", "Reciprocal", "Floor", "Ceil",
          "Round", "Sign", "Erf", "Tanh", "Sigmoid", "Relu", "Sin", "Cos",
          "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh",
          "Atanh", "Not", "Softplus", "Softsign", "HardSwish", "Mish",
          "Identity", "BitwiseNot", "Elu", "Selu", "Celu", "LeakyRelu",
          "ThresholdedRelu", "HardSigmoid", "Gelu", "Shrink", "IsNaN", "IsInf",
          "Cast", "ArgMax", "ArgMin", "Softmax", "LogSoftmax", "Hardmax",
          "LpNormalization", "Flatten", "Transpose", "Shape", "Size",
          "ConstantOfShape", "DepthToSpace", "SpaceToDepth", "EyeLike",
          "NonZero", "AveragePool", "LpPool", "GlobalAveragePool",
          "GlobalMaxPool", "LRN", "MeanVarianceNormalization", "Swish"})
      t[op] = {1, 1};
    for (const char *op :
         {"Add", "Sub", "Mul", "Div", "Pow", "BitwiseAnd", "BitwiseOr",
          "BitwiseXor", "Mod", "BitShift", "PRelu", "Equal", "Less",
          "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor",
          "CastLike", "CumSum", "CumProd", "Reshape", "Squeeze", "Unsqueeze", "Expand",
          "Tile", "Trilu", "Gather", "GatherElements", "GatherND", "Compress",
          "ReverseSequence", "MatMul", "RMSNormalization", "ReduceSum",
          "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
          "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"})
      t[op] = {2, 1};
    for (const char *op : {"Sum", "Mean", "Max", "Min", "Concat", "Einsum"})
      t[op] = {-1, 1};
    for (const char *op : {"Where", "Clip", "Range", "ScatterElements",
                           "Scatter", "ScatterND", "OneHot", "Gemm", "Conv",
                           "ConvTranspose", "InstanceNormalization",
                           "QuantizeLinear", "DequantizeLinear"})
      t[op] = {3, 1};
    t["TopK"] = {2, 2};
    t["Unique"] = {1, 4};
    t["MaxUnpool"] = {3, 1};
    t["ConvInteger"] = {4, 1};
    t["QLinearConv"] = {9, 1};
    t["Split"] = {2, -1};
    t["Dropout"] = {3, 2};
    t["Pad"] = {4, 1};
    t["Slice"] = {5, 1};
    t["Resize"] = {4, 1};
    t["Upsample"] = {4, 1}; // becomes resize(X, none, scales, none)
    t["MaxPool"] = {1, 2};
    t["BatchNormalization"] = {5, 3};
    t["LayerNormalization"] = {3, 3};
    t["GroupNormalization"] = {3, 1, 21};
    t["DynamicQuantizeLinear"] = {1, 3};
    t["MatMulInteger"] = {4, 1};
    t["QLinearMatMul"] = {8, 1};
    t["Attention"] = {7, 4};
    t["RotaryEmbedding"] = {4, 1};
    return t;
  }();
  return table;
}

/// com.microsoft contrib ops accepted by domain because a txc op has their
/// semantics exactly (same inputs, attributes and defaults).
static const std::map<std::string, std::string> &microsoftOps() {
  static const std::map<std::string, std::string> table = {
      {"Gelu", "gelu"},                                  // erf GELU
      {"SimplifiedLayerNormalization", "rms_normalization"}};
  return table;
}

/// The txc op (without "txc.") of a node of `domain`, or "" if none.
static std::string txcOpFor(const std::string &domain, const std::string &opType) {
  if (domain.empty() || domain == "ai.onnx")
    return opType == "Constant" || opTable().count(opType) ? txcOpNameFor(opType) : "";
  if (domain == "com.microsoft") {
    auto it = microsoftOps().find(opType);
    return it == microsoftOps().end() ? "" : it->second;
  }
  return "";
}

std::vector<OnnxOpRow> onnxOpTable() {
  std::vector<OnnxOpRow> rows;
  rows.push_back({"", "Constant", "constant", 1});
  for (auto &kv : opTable())
    rows.push_back({"", kv.first, txcOpNameFor(kv.first), kv.second.minOpset});
  for (auto &kv : microsoftOps())
    rows.push_back({"com.microsoft", kv.first, kv.second, 1});
  return rows;
}

std::vector<std::string> supportedOnnxOps() {
  std::vector<std::string> out{"Constant"};
  for (auto &kv : opTable())
    out.push_back(kv.first);
  return out;
}

std::string txcOpNameFor(const std::string &op) {
  static const std::map<std::string, std::string> exceptions = {
      {"MatMul", "matmul"},     {"MatMulInteger", "matmul_integer"},
      {"QLinearMatMul", "qlinear_matmul"}, {"QLinearConv", "qlinear_conv"},
      {"TopK", "topk"},         {"ArgMax", "argmax"},
      {"ArgMin", "argmin"},     {"CumSum", "cumsum"},
      {"PRelu", "prelu"},       {"IsNaN", "isnan"},
      {"IsInf", "isinf"},       {"NonZero", "nonzero"},
      {"OneHot", "onehot"},     {"Scatter", "scatter_elements"},
      {"Upsample", "resize"}};
  auto it = exceptions.find(op);
  if (it != exceptions.end())
    return it->second;
  std::string out;
  for (size_t i = 0; i < op.size(); ++i) {
    char c = op[i];
    bool upper = std::isupper(static_cast<unsigned char>(c));
    if (upper && i > 0) {
      char prev = op[i - 1];
      bool prevLowerOrDigit = std::islower(static_cast<unsigned char>(prev)) ||
                              std::isdigit(static_cast<unsigned char>(prev));
      bool startsWord = std::isupper(static_cast<unsigned char>(prev)) &&
                        i + 1 < op.size() &&
                        std::islower(static_cast<unsigned char>(op[i + 1]));
      if (prevLowerOrDigit || startsWord)
        out.push_back('_');
    }
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

/// Attributes that older opsets had and the upgrade turns into inputs (or
/// drops because they do not matter for inference).
/// "FLOAT16", or "dtype code 23" for codes this libonnx does not name
/// (float8, int4 and newer types).
static std::string dtypeName(int code) {
  std::string n = onnx::TensorProto::DataType_Name(
      static_cast<onnx::TensorProto::DataType>(code));
  return n.empty() ? "with ONNX dtype code " + std::to_string(code) : n;
}

namespace {
/// An attribute of an older opset that the upgrade turns into an input (or
/// drops because it does not matter for inference).
struct LegacyAttr {
  AttrKind kind;
  bool required = false;
  int suppliesOperand = -1; // the txc operand it becomes, if any
};
} // namespace

static std::map<std::string, LegacyAttr> legacyAttrs(const std::string &op,
                                                     int64_t opset) {
  std::map<std::string, LegacyAttr> s;
  bool isReduce = llvm::StringRef(op).starts_with("Reduce");
  if (((op == "Squeeze" || op == "Unsqueeze") && opset < 13) ||
      (op == "ReduceSum" && opset < 13) || (isReduce && op != "ReduceSum" && opset < 18))
    s["axes"] = {AttrKind::Ints, op == "Unsqueeze", 1};
  if (op == "Split" && opset < 13)
    s["split"] = {AttrKind::Ints, false, 1};
  if (op == "Slice" && opset < 10) {
    s["starts"] = {AttrKind::Ints, true, 1};
    s["ends"] = {AttrKind::Ints, true, 2};
    s["axes"] = {AttrKind::Ints, false, 3};
  }
  if (op == "Pad" && opset < 11) {
    s["pads"] = {AttrKind::Ints, true, 1};
    s["value"] = {AttrKind::Float, false, 2};
  }
  if (op == "Clip" && opset < 11) {
    s["min"] = {AttrKind::Float, false, 1};
    s["max"] = {AttrKind::Float, false, 2};
  }
  if (op == "TopK" && opset < 10)
    s["k"] = {AttrKind::Int, true, 1};
  if (op == "Dropout") {
    s["ratio"] = {AttrKind::Float};
    s["is_test"] = {AttrKind::Int};
  }
  if (op == "BatchNormalization") {
    s["spatial"] = {AttrKind::Int};
    s["is_test"] = {AttrKind::Int};
    s["consumed_inputs"] = {AttrKind::Ints};
  }
  if (op == "Upsample")
    s["scales"] = {AttrKind::Floats, false, 2};
  return s;
}

/// The kind of an ONNX attribute; an attribute without a type (written by
/// old exporters) gets the kind of the one value field it sets.
static std::optional<AttrKind> attrKindOf(const onnx::AttributeProto &a) {
  switch (a.type()) {
  case onnx::AttributeProto::INT: return AttrKind::Int;
  case onnx::AttributeProto::FLOAT: return AttrKind::Float;
  case onnx::AttributeProto::STRING: return AttrKind::String;
  case onnx::AttributeProto::INTS: return AttrKind::Ints;
  case onnx::AttributeProto::FLOATS: return AttrKind::Floats;
  case onnx::AttributeProto::STRINGS: return AttrKind::Strings;
  case onnx::AttributeProto::TENSOR: return AttrKind::Tensor;
  case onnx::AttributeProto::UNDEFINED: {
    int set = a.has_i() + a.has_f() + a.has_s() + a.has_t() + (a.ints_size() > 0) +
              (a.floats_size() > 0) + (a.strings_size() > 0);
    if (set != 1)
      return std::nullopt;
    return a.has_i()            ? AttrKind::Int
           : a.has_f()          ? AttrKind::Float
           : a.has_s()          ? AttrKind::String
           : a.has_t()          ? AttrKind::Tensor
           : a.ints_size() > 0  ? AttrKind::Ints
           : a.floats_size() > 0 ? AttrKind::Floats
                                 : AttrKind::Strings;
  }
  default:
    return std::nullopt;
  }
}

static const char *onnxAttrTypeName(const onnx::AttributeProto &a) {
  const std::string &n = onnx::AttributeProto::AttributeType_Name(a.type());
  return n.empty() ? "an unknown type" : n.c_str();
}

/// Attributes holding counts that ONNX requires to be positive.
static bool mustBePositive(llvm::StringRef attr) {
  return attr == "num_outputs" || attr == "num_groups" || attr == "num_heads" ||
         attr == "q_num_heads" || attr == "kv_num_heads" || attr == "blocksize" ||
         attr == "size";
}

namespace {

class Importer {
public:
  Importer(MLIRContext *ctx, onnx::ModelProto &model, const LeanModel &lean,
           std::string path, const ImportOptions &opts)
      : ctx(ctx), builder(ctx), model(model), lean(lean), path(std::move(path)),
        opts(opts),
        maxBytes(opts.maxTensorBytes ? opts.maxTensorBytes : semantics::maxTensorBytes()) {}

  OwningOpRef<ModuleOp> run();

private:
  bool checkSupported();
  bool checkGraph();
  void checkNode(const onnx::NodeProto &n, int index,
                 std::vector<std::string> &problems);
  bool hasCycle() const;
  bool reportProblems(const std::vector<std::string> &problems, const char *noun);
  std::string describeNode(const onnx::NodeProto &n, int index) const;
  bool checkTypeSize(Type t, const std::string &what, std::string &error) const;
  Type convertValueType(const onnx::TypeProto &t, std::string &error);
  LogicalResult importNode(const onnx::NodeProto &node, int index);
  LogicalResult importConstantNode(const onnx::NodeProto &node, Location loc);
  std::optional<NamedAttribute> convertAttribute(const onnx::AttributeProto &a,
                                                 std::string &error);
  Value constI64(ArrayRef<int64_t> values, bool scalar, Location loc);
  Value constF32(float v, Location loc);
  Operation *createOp(StringRef name, ValueRange operands,
                      ArrayRef<NamedAttribute> attrs, unsigned numResults,
                      Location loc);
  Value noneValue() { return none; }

  MLIRContext *ctx;
  OpBuilder builder;
  onnx::ModelProto &model;
  const LeanModel &lean;
  std::string path;
  ImportOptions opts;
  uint64_t maxBytes;
  int64_t opset = 0;
  llvm::StringMap<Value> values;
  Value none;
  Location fileLoc = UnknownLoc::get(ctx);
};

} // namespace

Type Importer::convertValueType(const onnx::TypeProto &t, std::string &error) {
  if (!t.has_tensor_type()) {
    error = t.has_sequence_type() ? "sequence types are not supported"
            : t.has_map_type()    ? "map types are not supported"
            : t.has_optional_type() ? "optional types are not supported"
            : t.has_sparse_tensor_type() ? "sparse tensors are not supported"
                                         : "the value has no tensor type";
    return {};
  }
  const auto &tt = t.tensor_type();
  Type elem = elementTypeFromOnnx(ctx, tt.elem_type());
  if (!elem) {
    error = "element type " + dtypeName(tt.elem_type()) + " is not supported";
    return {};
  }
  if (!tt.has_shape())
    return UnrankedTensorType::get(elem);
  DimList dims;
  for (const auto &d : tt.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() < 0) {
      error = "dim " + std::to_string(d.dim_value()) + " is negative";
      return {};
    }
    if (d.has_dim_value())
      dims.push_back(Dim::fixed(d.dim_value()));
    else if (d.has_dim_param() && !d.dim_param().empty())
      dims.push_back(Dim::named(StringAttr::get(ctx, d.dim_param())));
    else
      dims.push_back(Dim::unknown());
  }
  Type type = makeTensorType(dims, elem);
  if (!checkTypeSize(type, "the tensor", error))
    return {};
  return type;
}

/// Refuses a static shape whose element or byte count overflows or exceeds
/// the limit (the memory a run would need for it).
bool Importer::checkTypeSize(Type t, const std::string &what,
                             std::string &error) const {
  auto ranked = llvm::dyn_cast<RankedTensorType>(t);
  if (!ranked)
    return true;
  uint64_t elements = 1;
  bool overflow = false;
  for (int64_t d : ranked.getShape()) {
    if (ShapedType::isDynamic(d))
      continue;
    if (d < 0) {
      error = what + " has the negative dim " + std::to_string(d);
      return false;
    }
    overflow |= __builtin_mul_overflow(elements, static_cast<uint64_t>(d), &elements);
  }
  unsigned bits = ranked.getElementType().isIntOrFloat()
                      ? ranked.getElementType().getIntOrFloatBitWidth()
                      : 8;
  uint64_t bytes = 0;
  overflow |= __builtin_mul_overflow(elements, uint64_t((bits + 7) / 8), &bytes);
  if (!overflow && bytes <= maxBytes)
    return true;
  std::string shape;
  llvm::raw_string_ostream os(shape);
  llvm::interleave(ranked.getShape(), os,
                   [&](int64_t d) { ShapedType::isDynamic(d) ? os << "?" : os << d; }, "x");
  error = what + " of shape [" + shape + "] needs " +
          (overflow ? std::string("more than 2^64") : std::to_string(bytes)) +
          " bytes, above the limit of " + std::to_string(maxBytes) +
          " (--max-tensor-bytes)";
  return false;
}

bool Importer::checkSupported() {
  std::vector<std::string> problems;
  const auto &g = model.graph();
  llvm::StringSet<> initNames;
  for (const auto &init : g.initializer())
    initNames.insert(init.name());
  auto checkValue = [&](const onnx::ValueInfoProto &vi, const char *kind) {
    std::string err;
    if (!convertValueType(vi.type(), err))
      problems.push_back(std::string(kind) + " '" + vi.name() + "': " + err);
  };
  for (const auto &in : g.input())
    if (!initNames.contains(in.name()))
      checkValue(in, "input");
  for (const auto &out : g.output())
    checkValue(out, "output");
  for (const auto &init : g.initializer()) {
    if (!semantics::dtypeByOnnxCode(init.data_type()))
      problems.push_back("initializer '" + init.name() + "': dtype " +
                         dtypeName(init.data_type()) + " is not supported");
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const auto &n = g.node(i);
    std::string where = "node '" + (n.name().empty() ? "#" + std::to_string(i) : n.name()) +
                        "' (" + n.op_type() + ", opset " + std::to_string(opset) + ")";
    bool microsoft = n.domain() == "com.microsoft";
    if (!n.domain().empty() && n.domain() != "ai.onnx" &&
        !(microsoft && microsoftOps().count(n.op_type()))) {
      problems.push_back(where + ": operators of domain '" + n.domain() + "' are not supported" +
                         (microsoft ? " (of com.microsoft, txc accepts Gelu and "
                                      "SimplifiedLayerNormalization)"
                                    : ""));
      continue;
    }
    bool hasGraph = false;
    for (const auto &a : n.attribute())
      hasGraph |= a.type() == onnx::AttributeProto::GRAPH ||
                  a.type() == onnx::AttributeProto::GRAPHS || a.has_g();
    if (hasGraph) {
      problems.push_back(where + ": control flow with subgraphs (If/Loop/Scan) "
                                 "is not supported");
      continue;
    }
    if (n.op_type() == "Constant") {
      for (const auto &a : n.attribute())
        if (a.name() == "sparse_value" || a.name() == "value_string" ||
            a.name() == "value_strings")
          problems.push_back(where + ": constant of kind '" + a.name() +
                             "' is not supported");
      continue;
    }
    std::string txcName = txcOpFor(n.domain(), n.op_type());
    if (txcName.empty()) {
      problems.push_back(where + ": unknown or unsupported operator");
      continue;
    }
    if (!microsoft && opset < opTable().at(n.op_type()).minOpset) {
      problems.push_back(where + ": supported from opset " +
                         std::to_string(opTable().at(n.op_type()).minOpset));
      continue;
    }
    const OpFact *fact = lookupOpFact(txcName);
    auto opName = RegisteredOperationName::lookup("txc." + txcName, ctx);
    if (!opName || !fact) {
      problems.push_back(where + ": no txc op for it");
      continue;
    }
    if (!fact->hasVariadicOperand() && n.input_size() > (int)fact->numOperands)
      problems.push_back(where + ": has " + std::to_string(n.input_size()) +
                         " inputs, txc supports " +
                         std::to_string(fact->numOperands));
    if (!fact->variadicResults)
      for (int k = fact->numResults; k < n.output_size(); ++k)
        if (!n.output(k).empty())
          problems.push_back(where + ": output #" + std::to_string(k) + " ('" +
                             n.output(k) + "') is not supported");
    std::map<std::string, LegacyAttr> legacy = legacyAttrs(n.op_type(), opset);
    for (const auto &a : n.attribute())
      if (!fact->attr(a.name()) && !legacy.count(a.name()))
        problems.push_back(where + ": attribute '" + a.name() +
                           "' is not supported");
  }
  return reportProblems(problems, "unsupported part");
}

/// One error listing every problem; past a screenful, a summary: the count
/// per kind (the text up to the first ':' after the node) and the first few.
bool Importer::reportProblems(const std::vector<std::string> &problems,
                              const char *noun) {
  if (problems.empty())
    return true;
  constexpr size_t kListAll = 50, kFirst = 20;
  InFlightDiagnostic diag = emitError(fileLoc)
                            << "the model has " << problems.size() << " " << noun
                            << (problems.size() > 1 ? "s" : "") << ":";
  if (problems.size() <= kListAll) {
    for (const std::string &p : problems)
      diag << "\n  " << p;
    return false;
  }
  // "node 'x' (Op, opset 17): what" -> key "Op: what".
  std::map<std::string, size_t> counts;
  for (const std::string &p : problems) {
    llvm::StringRef r(p);
    size_t open = r.find(" ("), close = r.find("): ");
    std::string key = p;
    if (open != llvm::StringRef::npos && close != llvm::StringRef::npos && open < close) {
      llvm::StringRef op = r.slice(open + 2, close).split(',').first;
      llvm::StringRef what = r.substr(close + 3).split('\'').first;
      key = (op + ": " + what).str();
    }
    ++counts[key];
  }
  for (size_t i = 0; i < kFirst; ++i)
    diag << "\n  " << problems[i];
  diag << "\n  ... and " << problems.size() - kFirst << " more; by kind:";
  size_t shown = 0;
  for (auto &[key, count] : counts) {
    if (shown++ == kListAll) {
      diag << "\n  (" << counts.size() - kListAll << " more kinds)";
      break;
    }
    diag << "\n  " << count << " x " << key;
  }
  return false;
}

std::string Importer::describeNode(const onnx::NodeProto &n, int index) const {
  return "node '" + (n.name().empty() ? "#" + std::to_string(index) : n.name()) +
         "' (" + n.op_type() + ")";
}

/// The graph's structure: every name defined once and before its uses,
/// outputs that exist, and every node against its op's facts (operands,
/// outputs, attribute kinds, required attributes, positive counts). All
/// problems are reported in one error, before any op is created.
bool Importer::checkGraph() {
  std::vector<std::string> problems;
  const auto &g = model.graph();
  // Where each name is defined: a graph input, an initializer or node #i.
  llvm::StringMap<std::string> definedBy;
  llvm::StringMap<int> nodeOf;
  auto define = [&](const std::string &name, const std::string &by) {
    auto [it, inserted] = definedBy.try_emplace(name, by);
    if (!inserted)
      problems.push_back("value '" + name + "' is defined twice: by " +
                         it->second + " and by " + by);
  };
  for (int i = 0; i < g.input_size(); ++i) {
    if (g.input(i).name().empty())
      problems.push_back("graph input #" + std::to_string(i) + " has an empty name");
    else
      define(g.input(i).name(), "graph input #" + std::to_string(i));
  }
  llvm::StringSet<> inputNames, initNames;
  for (const auto &in : g.input())
    inputNames.insert(in.name());
  for (int i = 0; i < g.initializer_size(); ++i) {
    const std::string &name = g.initializer(i).name();
    if (name.empty()) {
      problems.push_back("initializer #" + std::to_string(i) + " has an empty name");
      continue;
    }
    if (!initNames.insert(name).second)
      problems.push_back("initializer '" + name + "' is defined twice");
    else if (!inputNames.contains(name)) // an input's default value is fine
      define(name, "initializer #" + std::to_string(i));
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const auto &n = g.node(i);
    std::string where = describeNode(n, i);
    if (n.output_size() == 0)
      problems.push_back(where + ": has no outputs");
    for (const std::string &out : n.output()) {
      if (out.empty())
        continue;
      define(out, where);
      nodeOf.try_emplace(out, i);
    }
  }
  // Uses, in order: a use of a later node's output is a cycle or an order
  // ONNX does not allow.
  bool outOfOrder = false;
  for (int i = 0; i < g.node_size(); ++i) {
    const auto &n = g.node(i);
    std::string where = describeNode(n, i);
    for (int k = 0; k < n.input_size(); ++k) {
      const std::string &in = n.input(k);
      if (in.empty())
        continue;
      if (!definedBy.count(in)) {
        problems.push_back(where + ": input #" + std::to_string(k) + " '" + in +
                           "' is not defined by any node, graph input or initializer");
        continue;
      }
      auto it = nodeOf.find(in);
      if (it != nodeOf.end() && it->second >= i) {
        outOfOrder = true;
        problems.push_back(where + ": input #" + std::to_string(k) + " '" + in +
                           "' is defined by " + describeNode(g.node(it->second), it->second) +
                           (it->second == i ? ", itself" : ", a later node"));
      }
    }
    checkNode(n, i, problems);
  }
  if (outOfOrder)
    problems.push_back(hasCycle() ? "the graph has a cycle (txc imports acyclic graphs)"
                                  : "the nodes are not in topological order, as ONNX "
                                    "requires; re-save the model with onnx.save after "
                                    "sorting them");
  llvm::StringSet<> outNames;
  for (int i = 0; i < g.output_size(); ++i) {
    const std::string &name = g.output(i).name();
    if (name.empty())
      problems.push_back("graph output #" + std::to_string(i) + " has an empty name");
    else if (!outNames.insert(name).second)
      problems.push_back("graph output '" + name + "' is listed twice");
    else if (!definedBy.count(name))
      problems.push_back("graph output '" + name + "' is not produced by any node");
  }
  return reportProblems(problems, "malformed part");
}

/// Kahn's algorithm over the node graph: true if some nodes never become
/// ready.
bool Importer::hasCycle() const {
  const auto &g = model.graph();
  llvm::StringMap<int> producer;
  for (int i = 0; i < g.node_size(); ++i)
    for (const std::string &out : g.node(i).output())
      if (!out.empty())
        producer.try_emplace(out, i);
  std::vector<int> pending(g.node_size(), 0);
  std::vector<std::vector<int>> users(g.node_size());
  for (int i = 0; i < g.node_size(); ++i)
    for (const std::string &in : g.node(i).input()) {
      auto it = producer.find(in);
      if (in.empty() || it == producer.end())
        continue;
      ++pending[i];
      users[it->second].push_back(i);
    }
  std::vector<int> ready;
  for (int i = 0; i < g.node_size(); ++i)
    if (!pending[i])
      ready.push_back(i);
  int done = 0;
  while (!ready.empty()) {
    int i = ready.back();
    ready.pop_back();
    ++done;
    for (int u : users[i])
      if (--pending[u] == 0)
        ready.push_back(u);
  }
  return done != g.node_size();
}

void Importer::checkNode(const onnx::NodeProto &n, int index,
                         std::vector<std::string> &problems) {
  std::string where = describeNode(n, index);
  llvm::StringSet<> seen;
  for (const auto &a : n.attribute())
    if (!seen.insert(a.name()).second)
      problems.push_back(where + ": attribute '" + a.name() + "' is given twice");

  if (n.op_type() == "Constant") {
    static const std::pair<const char *, AttrKind> kValueAttrs[] = {
        {"value", AttrKind::Tensor},      {"value_float", AttrKind::Float},
        {"value_floats", AttrKind::Floats}, {"value_int", AttrKind::Int},
        {"value_ints", AttrKind::Ints}};
    if (n.attribute_size() != 1)
      problems.push_back(where + ": needs exactly one value attribute, has " +
                         std::to_string(n.attribute_size()));
    for (const auto &a : n.attribute())
      for (auto &[name, kind] : kValueAttrs)
        if (a.name() == name && attrKindOf(a) != kind)
          problems.push_back(where + ": attribute '" + a.name() + "' must be " +
                             attrKindName(kind) + ", is " + onnxAttrTypeName(a));
    if (n.input_size() != 0)
      problems.push_back(where + ": takes no inputs, has " +
                         std::to_string(n.input_size()));
    if (n.output_size() != 1 || n.output(0).empty())
      problems.push_back(where + ": needs exactly one named output");
    return;
  }
  const OpFact *fact = lookupOpFact(txcOpFor(n.domain(), n.op_type()));
  if (!fact)
    return; // reported as unsupported
  std::map<std::string, LegacyAttr> legacy = legacyAttrs(n.op_type(), opset);

  // Attributes: the kind ODS declares (or the legacy form's kind).
  llvm::StringSet<> given;
  std::vector<bool> operandFromAttr(fact->numOperands, false);
  for (const auto &a : n.attribute()) {
    given.insert(a.name());
    std::optional<AttrKind> kind = attrKindOf(a);
    AttrKind want;
    if (auto it = legacy.find(a.name()); it != legacy.end()) {
      want = it->second.kind;
      if (it->second.suppliesOperand >= 0 &&
          it->second.suppliesOperand < (int)fact->numOperands)
        operandFromAttr[it->second.suppliesOperand] = true;
    } else if (const AttrFact *af = fact->attr(a.name())) {
      want = af->kind;
    } else {
      continue; // reported as unsupported
    }
    if (kind != want) {
      problems.push_back(where + ": attribute '" + a.name() + "' must be " +
                         attrKindName(want) + ", is " +
                         (kind ? attrKindName(*kind) : onnxAttrTypeName(a)));
      continue;
    }
    if (want == AttrKind::Int && mustBePositive(a.name()) && a.i() <= 0)
      problems.push_back(where + ": attribute '" + a.name() + "' must be positive, is " +
                         std::to_string(a.i()));
  }
  for (auto &[name, la] : legacy)
    if (la.required && !given.contains(name))
      problems.push_back(where + ": attribute '" + name + "' is required at opset " +
                         std::to_string(opset));
  for (unsigned i = 0; i < fact->numAttrs; ++i)
    if (fact->attrs[i].required && !given.contains(fact->attrs[i].name))
      problems.push_back(where + ": attribute '" + fact->attrs[i].name +
                         "' is required");

  // Operands: every required one present (or given by a legacy attribute).
  if (fact->hasVariadicOperand()) {
    unsigned fixed = fact->numOperands - 1;
    if (n.input_size() < (int)fact->numOperands)
      problems.push_back(where + ": needs at least " + std::to_string(fact->numOperands) +
                         " input" + (fact->numOperands > 1 ? "s" : "") + ", has " +
                         std::to_string(n.input_size()));
    for (int k = 0; k < n.input_size(); ++k)
      if (n.input(k).empty() && (unsigned)k >= fixed)
        problems.push_back(where + ": input #" + std::to_string(k) +
                           " has an empty name (only optional inputs may be absent)");
  } else {
    for (unsigned i = 0; i < fact->numOperands; ++i) {
      const OperandFact &o = fact->operands[i];
      bool present = (int)i < n.input_size() && !n.input(i).empty();
      if (!o.optional && !present && !operandFromAttr[i])
        problems.push_back(where + ": input #" + std::to_string(i) + " '" + o.name +
                           "' is required" +
                           ((int)i < n.input_size() ? " (its name is empty)" : ""));
    }
  }
  // Outputs: a variadic result list needs at least one; num_outputs, when
  // given, must match.
  if (fact->variadicResults) {
    for (const auto &a : n.attribute())
      if (a.name() == "num_outputs" && attrKindOf(a) == AttrKind::Int && a.i() > 0 &&
          a.i() != n.output_size())
        problems.push_back(where + ": num_outputs is " + std::to_string(a.i()) +
                           " but the node has " + std::to_string(n.output_size()) +
                           " outputs");
  }
}

std::optional<NamedAttribute>
Importer::convertAttribute(const onnx::AttributeProto &a, std::string &error) {
  StringAttr name = StringAttr::get(ctx, a.name());
  switch (a.type()) {
  case onnx::AttributeProto::INT:
    return NamedAttribute(name, builder.getI64IntegerAttr(a.i()));
  case onnx::AttributeProto::FLOAT:
    return NamedAttribute(name, builder.getF32FloatAttr(a.f()));
  case onnx::AttributeProto::STRING:
    return NamedAttribute(name, builder.getStringAttr(a.s()));
  case onnx::AttributeProto::INTS: {
    SmallVector<int64_t> v(a.ints().begin(), a.ints().end());
    return NamedAttribute(name, builder.getI64ArrayAttr(v));
  }
  case onnx::AttributeProto::FLOATS: {
    SmallVector<float> v(a.floats().begin(), a.floats().end());
    return NamedAttribute(name, builder.getF32ArrayAttr(v));
  }
  case onnx::AttributeProto::STRINGS: {
    SmallVector<StringRef> v;
    for (const auto &s : a.strings())
      v.push_back(s);
    return NamedAttribute(name, builder.getStrArrayAttr(v));
  }
  case onnx::AttributeProto::TENSOR: {
    onnx::TensorProto copy = a.t();
    TensorReadContext rc{llvm::sys::path::parent_path(path).str(),
                         opts.resourceThreshold};
    rc.maxTensorBytes = maxBytes;
    ElementsAttr e = convertTensor(ctx, copy, rc, error);
    if (!e)
      return std::nullopt;
    return NamedAttribute(name, e);
  }
  default:
    error = "attribute '" + a.name() + "' has an unsupported kind";
    return std::nullopt;
  }
}

Value Importer::constI64(ArrayRef<int64_t> v, bool scalar, Location loc) {
  auto t = scalar ? RankedTensorType::get({}, builder.getI64Type())
                  : RankedTensorType::get({(int64_t)v.size()}, builder.getI64Type());
  return builder.create<ConstantOp>(loc, t, DenseIntElementsAttr::get(t, v));
}

Value Importer::constF32(float v, Location loc) {
  auto t = RankedTensorType::get({}, builder.getF32Type());
  return builder.create<ConstantOp>(loc, t, DenseFPElementsAttr::get(t, v));
}

Operation *Importer::createOp(StringRef name, ValueRange operands,
                              ArrayRef<NamedAttribute> attrs,
                              unsigned numResults, Location loc) {
  OperationState state(loc, "txc." + name.str());
  state.addOperands(operands);
  state.addAttributes(attrs);
  Type placeholder = UnrankedTensorType::get(builder.getF32Type());
  state.addTypes(SmallVector<Type>(numResults, placeholder));
  Operation *op = builder.create(state);
  auto iface = llvm::dyn_cast<ShapeInferenceOpInterface>(op);
  SmallVector<Type> types;
  if (!iface || failed(iface.inferResultTypes(types)))
    return nullptr;
  if (types.size() != numResults) {
    op->emitOpError() << "has " << numResults << " results but its shape rule gives "
                      << types.size();
    return nullptr;
  }
  for (auto [k, t] : llvm::enumerate(types)) {
    std::string error;
    if (!checkTypeSize(t, "result #" + std::to_string(k), error)) {
      op->emitOpError() << error;
      return nullptr;
    }
    op->getResult(k).setType(t);
  }
  return op;
}

LogicalResult Importer::importConstantNode(const onnx::NodeProto &node,
                                           Location loc) {
  if (node.attribute_size() != 1)
    return emitError(loc, "Constant node must have exactly one attribute");
  const auto &a = node.attribute(0);
  Value v;
  if (a.name() == "value") {
    std::string err;
    onnx::TensorProto copy = a.t();
    TensorReadContext rc{llvm::sys::path::parent_path(path).str(),
                         opts.resourceThreshold};
    rc.maxTensorBytes = maxBytes;
    ElementsAttr e = convertTensor(ctx, copy, rc, err);
    if (!e)
      return emitError(loc) << "Constant: " << err;
    v = builder.create<ConstantOp>(loc, e.getType(), e);
  } else if (a.name() == "value_float") {
    v = constF32(a.f(), loc);
  } else if (a.name() == "value_floats") {
    auto t = RankedTensorType::get({a.floats_size()}, builder.getF32Type());
    SmallVector<float> f(a.floats().begin(), a.floats().end());
    v = builder.create<ConstantOp>(loc, t, DenseFPElementsAttr::get(t, ArrayRef<float>(f)));
  } else if (a.name() == "value_int") {
    v = constI64({a.i()}, true, loc);
  } else if (a.name() == "value_ints") {
    SmallVector<int64_t> i(a.ints().begin(), a.ints().end());
    v = constI64(i, false, loc);
  } else {
    return emitError(loc) << "Constant attribute '" << a.name()
                          << "' is not supported";
  }
  if (node.output_size() < 1)
    return emitError(loc, "Constant node has no output");
  values[node.output(0)] = v;
  return success();
}

LogicalResult Importer::importNode(const onnx::NodeProto &node, int index) {
  std::string nodeName =
      node.name().empty() ? node.op_type() + "_" + std::to_string(index) : node.name();
  Location loc = NameLoc::get(StringAttr::get(ctx, nodeName));
  const std::string &type = node.op_type();
  if (type == "Constant")
    return importConstantNode(node, loc);

  const std::string txcName = txcOpFor(node.domain(), type);
  const OpFact *fact = lookupOpFact(txcName);
  if (!fact)
    return emitError(loc) << type << ": no txc op for it";
  SmallVector<Value> operands;
  for (const std::string &in : node.input()) {
    if (in.empty()) {
      operands.push_back(none);
      continue;
    }
    auto it = values.find(in);
    if (it == values.end())
      return emitError(loc) << type << " uses '" << in
                            << "', which no earlier node or input defines "
                               "(the graph must be topologically sorted)";
    operands.push_back(it->second);
  }

  // Convert attributes; legacy ones are consumed by the upgrades below.
  NamedAttrList attrs;
  std::map<std::string, const onnx::AttributeProto *> legacy;
  std::map<std::string, LegacyAttr> legacyNames = legacyAttrs(type, opset);
  for (const auto &a : node.attribute()) {
    if (legacyNames.count(a.name())) {
      legacy[a.name()] = &a;
      continue;
    }
    std::string err;
    auto na = convertAttribute(a, err);
    if (!na)
      return emitError(loc) << type << ": " << err;
    attrs.push_back(*na);
  }
  auto legacyInts = [&](const char *n) -> std::optional<SmallVector<int64_t>> {
    auto it = legacy.find(n);
    if (it == legacy.end())
      return std::nullopt;
    return SmallVector<int64_t>(it->second->ints().begin(), it->second->ints().end());
  };
  auto setOperand = [&](size_t i, Value v) {
    while (operands.size() <= i)
      operands.push_back(none);
    operands[i] = v;
  };

  // Upgrades of older opsets to the latest form.
  if (auto axes = legacyInts("axes");
      axes && (type == "Squeeze" || type == "Unsqueeze" ||
               llvm::StringRef(type).starts_with("Reduce")))
    setOperand(1, constI64(*axes, false, loc));
  if (type == "Split")
    if (auto split = legacyInts("split"))
      setOperand(1, constI64(*split, false, loc));
  if (type == "Slice" && opset < 10) {
    setOperand(1, constI64(*legacyInts("starts"), false, loc));
    setOperand(2, constI64(*legacyInts("ends"), false, loc));
    if (auto axes = legacyInts("axes"))
      setOperand(3, constI64(*axes, false, loc));
  }
  if (type == "Pad" && opset < 11) {
    setOperand(1, constI64(legacyInts("pads").value_or(SmallVector<int64_t>{}), false, loc));
    if (legacy.count("value"))
      setOperand(2, constF32(legacy["value"]->f(), loc));
  }
  if (type == "Clip" && opset < 11) {
    if (legacy.count("min"))
      setOperand(1, constF32(legacy["min"]->f(), loc));
    if (legacy.count("max"))
      setOperand(2, constF32(legacy["max"]->f(), loc));
  }
  if (type == "TopK" && opset < 10)
    setOperand(1, constI64({legacy["k"]->i()}, false, loc));
  if (type == "Upsample" || (type == "Resize" && opset < 11)) {
    // Upsample and Resize-10 take (X, scales) with asymmetric coordinates.
    Value scales = operands.size() > 1 ? operands[1] : none;
    if (auto it = legacy.find("scales"); it != legacy.end()) {
      SmallVector<float> s(it->second->floats().begin(), it->second->floats().end());
      auto t = RankedTensorType::get({(int64_t)s.size()}, builder.getF32Type());
      scales = builder.create<ConstantOp>(loc, t, DenseFPElementsAttr::get(t, ArrayRef<float>(s)));
    }
    operands = {operands[0], none, scales};
    attrs.set("coordinate_transformation_mode", builder.getStringAttr("asymmetric"));
    if (!attrs.get("mode") ||
        llvm::cast<StringAttr>(attrs.get("mode")).getValue() == "nearest")
      attrs.set("nearest_mode", builder.getStringAttr("floor"));
    if (auto m = attrs.get("mode"); m && llvm::cast<StringAttr>(m).getValue() == "bilinear")
      attrs.set("mode", builder.getStringAttr("linear"));
  }

  // Softmax, LogSoftmax and Hardmax before opset 13 coerce the input to 2-D
  // [prod(dims[:axis]), prod(dims[axis:])] and normalize over the second.
  if ((type == "Softmax" || type == "LogSoftmax" || type == "Hardmax") &&
      opset < 13) {
    int64_t axis = 1;
    if (auto a = attrs.get("axis"))
      axis = llvm::cast<IntegerAttr>(a).getInt();
    Value x = operands[0];
    Operation *flat = createOp("flatten", {x}, {builder.getNamedAttr("axis", builder.getI64IntegerAttr(axis))}, 1, loc);
    if (!flat)
      return failure();
    Operation *sm = createOp(txcOpNameFor(type), {flat->getResult(0)},
                             {builder.getNamedAttr("axis", builder.getI64IntegerAttr(1))}, 1, loc);
    if (!sm)
      return failure();
    Operation *shape = createOp("shape", {x}, {}, 1, loc);
    if (!shape)
      return failure();
    Operation *back = createOp("reshape", {sm->getResult(0), shape->getResult(0)}, {}, 1, loc);
    if (!back)
      return failure();
    values[node.output(0)] = back->getResult(0);
    return success();
  }

  // Pad trailing optional inputs with none to the op's arity.
  if (!fact->hasVariadicOperand())
    while (operands.size() < fact->numOperands)
      operands.push_back(none);

  unsigned numResults = fact->variadicResults ? node.output_size() : fact->numResults;
  Operation *op = createOp(txcName, operands, attrs, numResults, loc);
  if (!op)
    return failure();
  for (int k = 0; k < node.output_size() && k < (int)numResults; ++k)
    if (!node.output(k).empty())
      values[node.output(k)] = op->getResult(k);
  return success();
}

OwningOpRef<ModuleOp> Importer::run() {
  fileLoc = FileLineColLoc::get(ctx, path, 0, 0);
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset == 0)
    opset = 1;
  // Ops are read with their latest semantics (the ONNX node suite up to
  // opset 27 checks them); newer opsets are refused rather than guessed at.
  if (opset < 7 || opset > 27) {
    emitError(fileLoc) << "ONNX opset " << opset
                       << " is not supported (txc supports opsets 7 to 27)";
    return nullptr;
  }
  if (!checkSupported() || !checkGraph())
    return nullptr;

  const auto &g = model.graph();
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  module->getOperation()->setAttr("txc.opset", builder.getI64IntegerAttr(opset));
  if (!model.producer_name().empty())
    module->getOperation()->setAttr(
        "txc.producer",
        builder.getStringAttr(model.producer_name() + " " + model.producer_version()));
  builder.setInsertionPointToEnd(module->getBody());

  llvm::StringSet<> initNames;
  for (const auto &init : g.initializer())
    initNames.insert(init.name());
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (const auto &in : g.input()) {
    if (initNames.contains(in.name()))
      continue;
    std::string err;
    argTypes.push_back(convertValueType(in.type(), err));
    argNames.push_back(in.name());
  }
  auto func = builder.create<func::FuncOp>(
      fileLoc, "main", builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  // All argument attributes at once: setting them one by one rebuilds the
  // whole list each time (quadratic in the number of inputs).
  SmallVector<DictionaryAttr> argAttrs;
  for (auto [i, name] : llvm::enumerate(argNames)) {
    argAttrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr("txc.name", builder.getStringAttr(name))));
    values[name] = entry->getArgument(i);
  }
  func.setAllArgAttrs(argAttrs);
  builder.setInsertionPointToStart(entry);
  none = builder.create<NoneOp>(fileLoc, builder.getNoneType());

  TensorReadContext rc{llvm::sys::path::parent_path(path).str(),
                       opts.resourceThreshold};
  rc.maxTensorBytes = maxBytes;
  for (auto [index, init] :
       llvm::enumerate(*model.mutable_graph()->mutable_initializer())) {
    std::string err;
    rc.lean = &lean;
    rc.raw = &lean.rawData(index);
    Location loc = NameLoc::get(builder.getStringAttr(init.name()));
    ElementsAttr e = convertTensor(ctx, init, rc, err);
    if (!e) {
      emitError(fileLoc) << "initializer '" << init.name() << "': " << err;
      return nullptr;
    }
    values[init.name()] = builder.create<ConstantOp>(loc, e.getType(), e);
  }

  for (int i = 0; i < g.node_size(); ++i)
    if (failed(importNode(g.node(i), i)))
      return nullptr;

  SmallVector<Value> results;
  for (const auto &out : g.output()) {
    auto it = values.find(out.name());
    if (it == values.end()) {
      emitError(fileLoc) << "graph output '" << out.name()
                         << "' is not produced by any node";
      return nullptr;
    }
    results.push_back(it->second);
  }
  builder.create<func::ReturnOp>(fileLoc, results);
  SmallVector<Type> resultTypes;
  for (Value v : results)
    resultTypes.push_back(v.getType());
  func.setType(builder.getFunctionType(argTypes, resultTypes));
  SmallVector<DictionaryAttr> resultAttrs;
  for (const auto &out : g.output())
    resultAttrs.push_back(builder.getDictionaryAttr(
        builder.getNamedAttr("txc.name", builder.getStringAttr(out.name()))));
  func.setAllResultAttrs(resultAttrs);
  if (failed(verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp> importOnnxFile(MLIRContext *ctx, const std::string &path,
                                     const ImportOptions &opts) {
  ctx->loadDialect<TxcDialect, func::FuncDialect>();
  Location loc = FileLineColLoc::get(ctx, path, 0, 0);
  onnx::ModelProto model;
  std::string error;
  std::unique_ptr<LeanModel> lean = LeanModel::open(path, model, error);
  if (!lean) {
    emitError(loc) << error;
    return nullptr;
  }
  if (!model.has_graph()) {
    emitError(loc) << "'" << path << "' has no graph";
    return nullptr;
  }
  Importer importer(ctx, model, *lean, path, opts);
  return importer.run();
}

} // namespace txc
