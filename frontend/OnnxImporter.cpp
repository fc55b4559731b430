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

using namespace mlir;

namespace txc {

namespace {
/// What the importer knows of an ONNX op: how many inputs and outputs the
/// txc op has (-1: variadic) and the oldest opset it supports.
struct OpSpec {
  int numInputs;
  int numOutputs;
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

static llvm::StringSet<> legacyAttrs(const std::string &op, int64_t opset) {
  llvm::StringSet<> s;
  auto add = [&](std::initializer_list<const char *> names) {
    for (const char *n : names)
      s.insert(n);
  };
  bool isReduce = llvm::StringRef(op).starts_with("Reduce");
  if (((op == "Squeeze" || op == "Unsqueeze") && opset < 13) ||
      (op == "ReduceSum" && opset < 13) || (isReduce && op != "ReduceSum" && opset < 18))
    s.insert("axes");
  if (op == "Split" && opset < 13)
    s.insert("split");
  if (op == "Slice" && opset < 10)
    add({"starts", "ends", "axes"});
  if (op == "Pad" && opset < 11)
    add({"pads", "value"});
  if (op == "Clip" && opset < 11)
    add({"min", "max"});
  if (op == "TopK" && opset < 10)
    s.insert("k");
  if (op == "Dropout")
    add({"ratio", "is_test"});
  if (op == "BatchNormalization")
    add({"spatial", "is_test", "consumed_inputs"});
  if (op == "Upsample")
    s.insert("scales");
  return s;
}

namespace {

class Importer {
public:
  Importer(MLIRContext *ctx, onnx::ModelProto &model, const LeanModel &lean,
           std::string path, const ImportOptions &opts)
      : ctx(ctx), builder(ctx), model(model), lean(lean), path(std::move(path)),
        opts(opts) {}

  OwningOpRef<ModuleOp> run();

private:
  bool checkSupported();
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
    if (d.has_dim_value() && d.dim_value() >= 0)
      dims.push_back(Dim::fixed(d.dim_value()));
    else if (d.has_dim_param() && !d.dim_param().empty())
      dims.push_back(Dim::named(StringAttr::get(ctx, d.dim_param())));
    else
      dims.push_back(Dim::unknown());
  }
  return makeTensorType(dims, elem);
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
    ref::DType dt;
    if (!ref::dtypeFromOnnx(init.data_type(), dt))
      problems.push_back("initializer '" + init.name() + "': dtype " +
                         dtypeName(init.data_type()) + " is not supported");
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const auto &n = g.node(i);
    std::string where = "node '" + (n.name().empty() ? "#" + std::to_string(i) : n.name()) +
                        "' (" + n.op_type() + ", opset " + std::to_string(opset) + ")";
    if (!n.domain().empty() && n.domain() != "ai.onnx") {
      problems.push_back(where + ": operators of domain '" + n.domain() +
                         "' are not supported");
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
    auto it = opTable().find(n.op_type());
    if (it == opTable().end()) {
      problems.push_back(where + ": unknown or unsupported operator");
      continue;
    }
    if (opset < it->second.minOpset) {
      problems.push_back(where + ": supported from opset " +
                         std::to_string(it->second.minOpset));
      continue;
    }
    if (it->second.numInputs >= 0 && n.input_size() > it->second.numInputs)
      problems.push_back(where + ": has " + std::to_string(n.input_size()) +
                         " inputs, txc supports " +
                         std::to_string(it->second.numInputs));
    if (it->second.numOutputs >= 0)
      for (int k = it->second.numOutputs; k < n.output_size(); ++k)
        if (!n.output(k).empty())
          problems.push_back(where + ": output #" + std::to_string(k) + " ('" +
                             n.output(k) + "') is not supported");
    auto opName = RegisteredOperationName::lookup("txc." + txcOpNameFor(n.op_type()), ctx);
    if (!opName) {
      problems.push_back(where + ": no txc op for it");
      continue;
    }
    llvm::StringSet<> known;
    for (StringAttr a : opName->getAttributeNames())
      known.insert(a.getValue());
    llvm::StringSet<> legacy = legacyAttrs(n.op_type(), opset);
    for (const auto &a : n.attribute())
      if (!known.contains(a.name()) && !legacy.contains(a.name()))
        problems.push_back(where + ": attribute '" + a.name() +
                           "' is not supported");
  }
  if (problems.empty())
    return true;
  InFlightDiagnostic diag = emitError(fileLoc)
                            << "the model has " << problems.size()
                            << " unsupported part" << (problems.size() > 1 ? "s" : "")
                            << ":";
  for (const std::string &p : problems)
    diag << "\n  " << p;
  return false;
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
  for (auto [r, t] : llvm::zip(op->getResults(), types))
    r.setType(t);
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

  const OpSpec &spec = opTable().at(type);
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
  llvm::StringSet<> legacyNames = legacyAttrs(type, opset);
  for (const auto &a : node.attribute()) {
    if (legacyNames.contains(a.name())) {
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
  if (spec.numInputs >= 0)
    while ((int)operands.size() < spec.numInputs)
      operands.push_back(none);

  unsigned numResults = spec.numOutputs >= 0 ? spec.numOutputs : node.output_size();
  Operation *op = createOp(txcOpNameFor(type), operands, attrs, numResults, loc);
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
  if (!checkSupported())
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
  for (auto [i, name] : llvm::enumerate(argNames)) {
    func.setArgAttr(i, "txc.name", builder.getStringAttr(name));
    values[name] = entry->getArgument(i);
  }
  builder.setInsertionPointToStart(entry);
  none = builder.create<NoneOp>(fileLoc, builder.getNoneType());

  TensorReadContext rc{llvm::sys::path::parent_path(path).str(),
                       opts.resourceThreshold};
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
  for (auto [i, out] : llvm::enumerate(g.output()))
    func.setResultAttr(i, "txc.name", builder.getStringAttr(out.name()));
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
