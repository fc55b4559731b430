//===- LoweringCommon.cpp - Shared helpers of the txc -> linalg lowering --===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace txc::lowering {

Type signlessElementType(Type t) {
  if (auto i = llvm::dyn_cast<IntegerType>(t))
    if (!i.isSignless())
      return IntegerType::get(t.getContext(), i.getWidth());
  return t;
}

bool isUnsignedInt(Type t) {
  auto i = llvm::dyn_cast<IntegerType>(t);
  return i && i.isUnsigned();
}

RankedTensorType loweredTensorType(Type txcType) {
  auto t = llvm::dyn_cast<RankedTensorType>(txcType);
  if (!t)
    return nullptr;
  return RankedTensorType::get(t.getShape(),
                               signlessElementType(t.getElementType()));
}

TxcTypeConverter::TxcTypeConverter() {
  addConversion([](Type t) -> std::optional<Type> {
    if (llvm::isa<RankedTensorType>(t))
      return Type(loweredTensorType(t));
    if (llvm::isa<UnrankedTensorType>(t))
      return std::nullopt; // shape inference leaves none of these
    if (auto i = llvm::dyn_cast<IntegerType>(t))
      return signlessElementType(i);
    return t;
  });
  auto cast = [](OpBuilder &b, Type to, ValueRange in, Location loc) -> Value {
    return b.create<UnrealizedConversionCastOp>(loc, to, in).getResult(0);
  };
  addSourceMaterialization(cast);
  addTargetMaterialization(cast);
  addArgumentMaterialization(cast);
}

Value castScalar(OpBuilder &b, Location loc, Value v, Type to,
                 bool fromUnsigned, bool toUnsigned) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto fi = llvm::dyn_cast<IntegerType>(from);
  auto ti = llvm::dyn_cast<IntegerType>(to);
  auto ff = llvm::dyn_cast<FloatType>(from);
  auto tf = llvm::dyn_cast<FloatType>(to);
  if (ti && ti.getWidth() == 1) {
    // Anything -> bool: v != 0.
    if (ff)
      return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNE, v,
                                     scalarConstant(b, loc, from, 0.0));
    return b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, v,
                                   scalarConstant(b, loc, from, 0.0));
  }
  if (fi && ti) {
    if (fi.getWidth() > ti.getWidth())
      return b.create<arith::TruncIOp>(loc, to, v);
    if (fromUnsigned || fi.getWidth() == 1)
      return b.create<arith::ExtUIOp>(loc, to, v);
    return b.create<arith::ExtSIOp>(loc, to, v);
  }
  if (fi && tf) {
    if (fromUnsigned || fi.getWidth() == 1)
      return b.create<arith::UIToFPOp>(loc, to, v);
    return b.create<arith::SIToFPOp>(loc, to, v);
  }
  if (ff && ti) {
    if (toUnsigned)
      return b.create<arith::FPToUIOp>(loc, to, v);
    return b.create<arith::FPToSIOp>(loc, to, v);
  }
  if (ff && tf) {
    if (ff.getWidth() > tf.getWidth() ||
        (ff.getWidth() == tf.getWidth() && ff != tf)) {
      // f16 <-> bf16 goes through f32.
      if (ff.getWidth() == tf.getWidth()) {
        Value wide = b.create<arith::ExtFOp>(loc, b.getF32Type(), v);
        return b.create<arith::TruncFOp>(loc, to, wide);
      }
      return b.create<arith::TruncFOp>(loc, to, v);
    }
    return b.create<arith::ExtFOp>(loc, to, v);
  }
  llvm_unreachable("castScalar: unsupported types");
}

Value scalarConstant(OpBuilder &b, Location loc, Type t, double value) {
  if (auto f = llvm::dyn_cast<FloatType>(t))
    return b.create<arith::ConstantOp>(loc, b.getFloatAttr(f, value));
  auto i = llvm::cast<IntegerType>(t);
  if (i.getWidth() == 1)
    return b.create<arith::ConstantOp>(loc, b.getIntegerAttr(i, value != 0));
  return b.create<arith::ConstantOp>(
      loc, b.getIntegerAttr(i, APInt(i.getWidth(), static_cast<int64_t>(value),
                                     /*isSigned=*/true)));
}

static std::optional<ElementsAttr> constantElements(Value v) {
  Attribute attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  auto e = llvm::dyn_cast<ElementsAttr>(attr);
  if (!e)
    return std::nullopt;
  return e;
}

std::optional<SmallVector<int64_t>> constantInts(Value v) {
  auto e = constantElements(v);
  if (!e || !llvm::isa<IntegerType>(e->getElementType()))
    return std::nullopt;
  auto dense = llvm::dyn_cast<DenseElementsAttr>(*e);
  if (!dense)
    return std::nullopt;
  SmallVector<int64_t> out;
  bool isUnsigned = isUnsignedInt(e->getElementType());
  for (const APInt &x : dense.getValues<APInt>())
    out.push_back(isUnsigned ? static_cast<int64_t>(x.getZExtValue())
                             : x.getSExtValue());
  return out;
}

std::optional<SmallVector<double>> constantFloats(Value v) {
  auto e = constantElements(v);
  if (!e || !llvm::isa<FloatType>(e->getElementType()))
    return std::nullopt;
  auto dense = llvm::dyn_cast<DenseElementsAttr>(*e);
  if (!dense)
    return std::nullopt;
  SmallVector<double> out;
  for (const APFloat &x : dense.getValues<APFloat>())
    out.push_back(x.convertToDouble());
  return out;
}

SmallVector<OpFoldResult> tensorSizes(OpBuilder &b, Location loc,
                                      Value tensor) {
  return tensor::getMixedSizes(b, loc, tensor);
}

Value emptyTensor(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> dyn;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dyn.push_back(getValueOrCreateConstantIndexOp(b, loc, sizes[i]));
  return b.create<tensor::EmptyOp>(loc, type.getShape(), type.getElementType(),
                                   dyn);
}

Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   ArrayRef<OpFoldResult> sizes, Value value) {
  Value empty = emptyTensor(b, loc, type, sizes);
  return b.create<linalg::FillOp>(loc, value, empty).getResult(0);
}

SmallVector<OpFoldResult> broadcastSizes(OpBuilder &b, Location loc,
                                         RankedTensorType resultType,
                                         ValueRange inputs) {
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultType.isDynamicDim(d)) {
      sizes.push_back(b.getIndexAttr(resultType.getDimSize(d)));
      continue;
    }
    OpFoldResult size;
    for (Value in : inputs) {
      auto t = llvm::cast<RankedTensorType>(in.getType());
      int64_t id = d - (rank - t.getRank());
      if (id < 0 || (!t.isDynamicDim(id) && t.getDimSize(id) == 1))
        continue;
      size = b.create<tensor::DimOp>(loc, in, id).getResult();
      break;
    }
    if (!size) // every input has 1 (or lacks the dim) there
      size = b.getIndexAttr(1);
    sizes.push_back(size);
  }
  return sizes;
}

AffineMap broadcastMap(RankedTensorType t, RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = t.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    int64_t d = i + rank - t.getRank();
    bool broadcast = !t.isDynamicDim(i) && t.getDimSize(i) == 1 &&
                     resultType.getDimSize(d) != 1;
    exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                              : getAffineDimExpr(d, ctx));
  }
  return AffineMap::get(rank, 0, exprs, ctx);
}

Value buildMappedGeneric(OpBuilder &b, Location loc, RankedTensorType resultType,
                         ArrayRef<OpFoldResult> sizes, ValueRange inputs,
                         ArrayRef<AffineMap> inputMaps, ScalarBody body) {
  int64_t rank = resultType.getRank();
  SmallVector<AffineMap> maps(inputMaps.begin(), inputMaps.end());
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  Value init = emptyTensor(b, loc, resultType, sizes);
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        nb.create<linalg::YieldOp>(nloc, body(nb, nloc, args.drop_back()));
      });
  return generic.getResult(0);
}

/// The input whose dim `d` (of the result) gives the result's size there,
/// as broadcastSizes chooses it; -1 if none.
static int sizeSource(RankedTensorType resultType, ValueRange inputs, int64_t d) {
  int64_t rank = resultType.getRank();
  for (auto [k, in] : llvm::enumerate(inputs)) {
    auto t = llvm::cast<RankedTensorType>(in.getType());
    int64_t id = d - (rank - t.getRank());
    if (id < 0 || (!t.isDynamicDim(id) && t.getDimSize(id) == 1))
      continue;
    return static_cast<int>(k);
  }
  return -1;
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, ScalarBody body, ArrayRef<Type> txcInputTypes,
                       Type txcResultType) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  // Which inputs may broadcast a dynamic dim at run time?
  SmallVector<bool> runtimeBroadcast(inputs.size(), false);
  auto dimName = [](Type t, int64_t i) -> StringAttr {
    auto rt = llvm::dyn_cast_or_null<RankedTensorType>(t);
    auto enc = rt ? llvm::dyn_cast_or_null<DimsAttr>(rt.getEncoding()) : DimsAttr();
    if (!enc || i >= static_cast<int64_t>(enc.getNames().size()))
      return {};
    auto n = llvm::dyn_cast<StringAttr>(enc.getNames()[i]);
    return n && !n.getValue().empty() ? n : StringAttr();
  };
  for (int64_t d = 0; d < rank; ++d) {
    int src = sizeSource(resultType, inputs, d);
    for (auto [k, in] : llvm::enumerate(inputs)) {
      auto t = llvm::cast<RankedTensorType>(in.getType());
      int64_t id = d - (rank - t.getRank());
      if (id < 0 || !t.isDynamicDim(id) || static_cast<int>(k) == src)
        continue;
      StringAttr name = k < txcInputTypes.size() ? dimName(txcInputTypes[k], id) : StringAttr();
      if (name && name == dimName(txcResultType, d))
        continue;
      // Same name as the size source's dim: equal too.
      if (name && src >= 0 && static_cast<size_t>(src) < txcInputTypes.size()) {
        auto st = llvm::cast<RankedTensorType>(inputs[src].getType());
        if (name == dimName(txcInputTypes[src], d - (rank - st.getRank())))
          continue;
      }
      runtimeBroadcast[k] = true;
    }
  }
  SmallVector<Value> direct;
  SmallVector<AffineMap> maps;
  for (auto [k, in] : llvm::enumerate(inputs))
    if (!runtimeBroadcast[k]) {
      direct.push_back(in);
      maps.push_back(broadcastMap(llvm::cast<RankedTensorType>(in.getType()), resultType));
    }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = emptyTensor(b, loc, resultType,
                           broadcastSizes(b, loc, resultType, inputs));
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  auto generic = b.create<linalg::GenericOp>(
      loc, TypeRange{resultType}, direct, ValueRange{init}, maps, iters,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> scalars;
        size_t next = 0;
        for (auto [k, in] : llvm::enumerate(inputs)) {
          if (!runtimeBroadcast[k]) {
            scalars.push_back(args[next++]);
            continue;
          }
          auto t = llvm::cast<RankedTensorType>(in.getType());
          SmallVector<Value> idx;
          Value zero = nb.create<arith::ConstantIndexOp>(nloc, 0);
          Value one = nb.create<arith::ConstantIndexOp>(nloc, 1);
          for (int64_t i = 0; i < t.getRank(); ++i) {
            int64_t d = i + rank - t.getRank();
            if (!t.isDynamicDim(i)) {
              idx.push_back(t.getDimSize(i) == 1 ? zero
                                                 : nb.create<linalg::IndexOp>(nloc, d).getResult());
              continue;
            }
            Value size = nb.create<tensor::DimOp>(nloc, in, i);
            Value isOne = nb.create<arith::CmpIOp>(nloc, arith::CmpIPredicate::eq, size, one);
            idx.push_back(nb.create<arith::SelectOp>(
                nloc, isOne, zero, nb.create<linalg::IndexOp>(nloc, d)));
          }
          scalars.push_back(nb.create<tensor::ExtractOp>(nloc, in, idx));
        }
        Value r = body(nb, nloc, scalars);
        nb.create<linalg::YieldOp>(nloc, r);
      });
  return generic.getResult(0);
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

} // namespace txc::lowering
