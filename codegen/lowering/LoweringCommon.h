//===- LoweringCommon.h - Shared helpers of the txc -> linalg lowering -*- C++ -*-===//
//
// The lowering of the txc dialect to linalg/tensor/arith/math is a dialect
// conversion with one pattern file per op family. This header holds what the
// families share: the type converter (txc tensor types carry named-dim
// encodings and unsigned element types; the lowered IR uses plain tensors of
// signless types), scalar casts with ONNX semantics, constant-operand access
// and the broadcasting elementwise builder.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_CODEGEN_LOWERING_LOWERINGCOMMON_H
#define TXC_CODEGEN_LOWERING_LOWERINGCOMMON_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

#include <optional>

namespace txc::lowering {

/// txc tensor types -> plain ranked tensors with signless element types.
class TxcTypeConverter : public mlir::TypeConverter {
public:
  TxcTypeConverter();
};

/// The signless element type that stands for `t` (ui8 -> i8, f32 -> f32).
mlir::Type signlessElementType(mlir::Type t);
/// True for ONNX unsigned integer element types (ui8..ui64).
bool isUnsignedInt(mlir::Type elementType);
/// The lowered type of a txc tensor type.
mlir::RankedTensorType loweredTensorType(mlir::Type txcType);

/// Converts scalar `v` of (signless) type `from` to `to` with ONNX Cast
/// semantics: float->int truncates toward zero, ints wrap, bool is != 0.
/// `fromUnsigned`/`toUnsigned` give the signedness of integer types.
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       mlir::Type to, bool fromUnsigned, bool toUnsigned);

/// A scalar constant of (signless) element type `t` holding `value`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type t, double value);

/// The integer values of a constant txc/arith operand (shapes, axes), if it
/// is one. Looks through the original (unconverted) value.
std::optional<llvm::SmallVector<int64_t>> constantInts(mlir::Value v);
/// Same for floating point constants.
std::optional<llvm::SmallVector<double>> constantFloats(mlir::Value v);

/// Sizes of a ranked tensor value (static, or tensor.dim for dynamic dims).
llvm::SmallVector<mlir::OpFoldResult> tensorSizes(mlir::OpBuilder &b,
                                                   mlir::Location loc,
                                                   mlir::Value tensor);
/// tensor.empty of `type` whose dynamic dims come from `sizes` (one per dim).
mlir::Value emptyTensor(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes);
/// A tensor of `type` filled with `value` (dynamic dims from `sizes`).
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes,
                         mlir::Value value);

/// Sizes of the numpy broadcast of `inputs` (lowered tensors) to `resultType`:
/// a static result dim is taken as is, a dynamic one from an input whose dim
/// there is not a static 1.
llvm::SmallVector<mlir::OpFoldResult>
broadcastSizes(mlir::OpBuilder &b, mlir::Location loc,
               mlir::RankedTensorType resultType, mlir::ValueRange inputs);

/// The indexing map that reads `in` broadcast (numpy, right-aligned, size-1
/// dims repeat) over the iteration space of `result`.
mlir::AffineMap broadcastMap(mlir::RankedTensorType in,
                             mlir::RankedTensorType result);

using ScalarBody = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// A linalg.generic computing `body` elementwise over the numpy broadcast of
/// `inputs` into a fresh tensor of `resultType` (lowered types). Inputs of
/// lower rank align right; size-1 dims broadcast.
///
/// A dynamic input dim that is not where the result's size is taken from
/// may be 1 at run time and broadcast: such inputs are read with
/// tensor.extract at `dim == 1 ? 0 : i` (correct for both cases), unless
/// `txcInputTypes`/`txcResultType` (the op's types before lowering, with
/// named dims) show the dim has the result dim's name.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType,
                             mlir::ValueRange inputs, ScalarBody body,
                             llvm::ArrayRef<mlir::Type> txcInputTypes = {},
                             mlir::Type txcResultType = {});

/// Reshapes `input` to `type` (same element count) whose dynamic dims are
/// `sizes`: tensor.reshape, a view of the input after bufferization.
mlir::Value reshapeTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      mlir::RankedTensorType type,
                      llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// A linalg.generic over `type` with no inputs; `body` gets the loop
/// indices and returns the element (typically a tensor.extract).
mlir::Value buildIndexGeneric(
    mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
    llvm::ArrayRef<mlir::OpFoldResult> sizes,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>
        body);

/// A linalg.generic with explicit maps (inputs..., then the output) over the
/// result's iteration space; all iterators parallel.
mlir::Value buildMappedGeneric(mlir::OpBuilder &b, mlir::Location loc,
                               mlir::RankedTensorType resultType,
                               llvm::ArrayRef<mlir::OpFoldResult> sizes,
                               mlir::ValueRange inputs,
                               llvm::ArrayRef<mlir::AffineMap> inputMaps,
                               ScalarBody body);

/// Normalizes an ONNX axis in [-rank, rank) to [0, rank), or nullopt.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// A pattern on one txc op with access to the lowered operands.
template <typename Op>
using TxcPattern = mlir::OpConversionPattern<Op>;

// One populate function per op family file.
void populateElementwisePatterns(mlir::TypeConverter &tc,
                                 mlir::RewritePatternSet &patterns);
void populateMatmulPatterns(mlir::TypeConverter &tc,
                            mlir::RewritePatternSet &patterns);
void populateReductionPatterns(mlir::TypeConverter &tc,
                               mlir::RewritePatternSet &patterns);
void populateShapePatterns(mlir::TypeConverter &tc,
                           mlir::RewritePatternSet &patterns);
/// Convolution, pooling, batch/instance/group norm, LRN, resize, depth/space.
void populateNNPatterns(mlir::TypeConverter &tc, mlir::RewritePatternSet &patterns);
/// Scatter, GatherND, OneHot, CumSum/CumProd, TopK, Hardmax, LpNormalization,
/// ReverseSequence, Einsum, Pad, quantization ops.
void populateIndexingPatterns(mlir::TypeConverter &tc, mlir::RewritePatternSet &patterns);

} // namespace txc::lowering

#endif
