//===- TxcOps.td - txc dialect ops, grouped by family ------*- tablegen -*-===//
//
// Operand, result and attribute names are ONNX's, so the ONNX operator
// documentation is the documentation of each op. Attribute defaults are the
// ONNX defaults; absent optional inputs are `none` values.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_OPS_TD
#define TXC_OPS_TD

include "ir/TxcBase.td"

//===----------------------------------------------------------------------===//
// Structural ops
//===----------------------------------------------------------------------===//

def Txc_ConstantOp : Txc_Op<"constant", [ConstantLike]> {
  let summary = "a constant tensor (weights live in dense_resource blobs)";
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyRankedTensor:$output);
  let hasFolder = 1;
  let hasCustomAssemblyFormat = 1;
}

def Txc_NoneOp : Op<Txc_Dialect, "none", [Pure, ConstantLike]> {
  let summary = "the absent value of an optional ONNX input";
  let results = (outs NoneType:$none);
  let hasFolder = 1;
  let assemblyFormat = "attr-dict";
}

//===----------------------------------------------------------------------===//
// Elementwise unary
//===----------------------------------------------------------------------===//

foreach p = [["AbsOp", "abs"], ["NegOp", "neg"], ["ExpOp", "exp"], ["LogOp", "log"], ["SqrtOp", "sqrt"], ["ReciprocalOp", "reciprocal"], ["FloorOp", "floor"], ["CeilOp", "ceil"], ["RoundOp", "round"], ["SignOp", "sign"], ["ErfOp", "erf"], ["TanhOp", "tanh"], ["SigmoidOp", "sigmoid"], ["ReluOp", "relu"], ["SinOp", "sin"], ["CosOp", "cos"], ["TanOp", "tan"], ["AsinOp", "asin"], ["AcosOp", "acos"], ["AtanOp", "atan"], ["SinhOp", "sinh"], ["CoshOp", "cosh"], ["AsinhOp", "asinh"], ["AcoshOp", "acosh"], ["AtanhOp", "atanh"], ["NotOp", "not"], ["SoftplusOp", "softplus"], ["SoftsignOp", "softsign"], ["HardSwishOp", "hard_swish"], ["MishOp", "mish"], ["IdentityOp", "identity"], ["BitwiseNotOp", "bitwise_not"]] in
  def Txc_ # p[0] : Txc_UnaryOp<p[1]>;

def Txc_EluOp : Txc_UnaryAttrOp<"elu"> {
  let arguments = (ins Txc_Tensor:$X, DefaultValuedAttr<F32Attr, "1.0">:$alpha);
}
def Txc_SeluOp : Txc_UnaryAttrOp<"selu"> {
  let arguments = (ins Txc_Tensor:$X,
                   DefaultValuedAttr<F32Attr, "1.67326319217681884765625">:$alpha,
                   DefaultValuedAttr<F32Attr, "1.05070102214813232421875">:$gamma);
}
def Txc_CeluOp : Txc_UnaryAttrOp<"celu"> {
  let arguments = (ins Txc_Tensor:$X, DefaultValuedAttr<F32Attr, "1.0">:$alpha);
}
def Txc_LeakyReluOp : Txc_UnaryAttrOp<"leaky_relu"> {
  let arguments = (ins Txc_Tensor:$X, DefaultValuedAttr<F32Attr, "0.01">:$alpha);
}
def Txc_ThresholdedReluOp : Txc_UnaryAttrOp<"thresholded_relu"> {
  let arguments = (ins Txc_Tensor:$X, DefaultValuedAttr<F32Attr, "1.0">:$alpha);
}
def Txc_HardSigmoidOp : Txc_UnaryAttrOp<"hard_sigmoid"> {
  let arguments = (ins Txc_Tensor:$X, DefaultValuedAttr<F32Attr, "0.2">:$alpha,
                   DefaultValuedAttr<F32Attr, "0.5">:$beta);
}
def Txc_GeluOp : Txc_UnaryAttrOp<"gelu"> {
  let summary = "GELU, exact (erf) or tanh approximation";
  let arguments = (ins Txc_Tensor:$X,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$approximate);
}
def Txc_ShrinkOp : Txc_UnaryAttrOp<"shrink"> {
  let arguments = (ins Txc_Tensor:$X, DefaultValuedAttr<F32Attr, "0.0">:$bias,
                   DefaultValuedAttr<F32Attr, "0.5">:$lambd);
}
def Txc_SwishOp : Txc_UnaryAttrOp<"swish"> {
  let arguments = (ins Txc_Tensor:$X, DefaultValuedAttr<F32Attr, "1.0">:$alpha);
}
def Txc_IsNaNOp : Txc_UnaryPredicateOp<"isnan"> {
  let arguments = (ins Txc_Tensor:$X);
}
def Txc_IsInfOp : Txc_UnaryPredicateOp<"isinf"> {
  let arguments = (ins Txc_Tensor:$X,
                   DefaultValuedAttr<I64Attr, "1">:$detect_negative,
                   DefaultValuedAttr<I64Attr, "1">:$detect_positive);
}

//===----------------------------------------------------------------------===//
// Elementwise binary and variadic (numpy broadcasting)
//===----------------------------------------------------------------------===//

foreach p = [["AddOp", "add"], ["SubOp", "sub"], ["MulOp", "mul"], ["DivOp", "div"], ["PowOp", "pow"], ["BitwiseAndOp", "bitwise_and"], ["BitwiseOrOp", "bitwise_or"], ["BitwiseXorOp", "bitwise_xor"]] in
  def Txc_ # p[0] : Txc_BinaryOp<p[1]>;

def Txc_ModOp : Txc_BinaryOp<"mod"> {
  let arguments = (ins Txc_Tensor:$A, Txc_Tensor:$B,
                   DefaultValuedAttr<I64Attr, "0">:$fmod);
}
def Txc_BitShiftOp : Txc_BinaryOp<"bit_shift"> {
  let arguments = (ins Txc_Tensor:$A, Txc_Tensor:$B, StrAttr:$direction);
}
def Txc_PReluOp : Txc_BinaryOp<"prelu"> {
  let arguments = (ins Txc_Tensor:$A, Txc_Tensor:$B); // X, slope
}

foreach p = [["EqualOp", "equal"], ["LessOp", "less"], ["LessOrEqualOp", "less_or_equal"], ["GreaterOp", "greater"], ["GreaterOrEqualOp", "greater_or_equal"], ["AndOp", "and"], ["OrOp", "or"], ["XorOp", "xor"]] in
  def Txc_ # p[0] : Txc_CompareOp<p[1]>;

foreach p = [["SumOp", "sum"], ["MeanOp", "mean"], ["MaxOp", "max"], ["MinOp", "min"]] in
  def Txc_ # p[0] : Txc_VariadicOp<p[1]>;

def Txc_WhereOp : Txc_FamilyOp<"where", "where"> {
  let arguments = (ins Txc_Tensor:$condition, Txc_Tensor:$X, Txc_Tensor:$Y);
  let results = (outs Txc_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Txc_ClipOp : Txc_FamilyOp<"clip", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$input, Txc_OptTensor:$min, Txc_OptTensor:$max);
  let results = (outs Txc_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Txc_CastOp : Txc_CustomOp<"cast"> {
  let summary = "elementwise conversion to the ONNX dtype `to`";
  let arguments = (ins Txc_Tensor:$input, I64Attr:$to,
                   DefaultValuedAttr<I64Attr, "1">:$saturate);
  let results = (outs Txc_Tensor:$output);
  let hasFolder = 1;
}
def Txc_CastLikeOp : Txc_CustomOp<"cast_like"> {
  let arguments = (ins Txc_Tensor:$input, Txc_Tensor:$target_type,
                   DefaultValuedAttr<I64Attr, "1">:$saturate);
  let results = (outs Txc_Tensor:$output);
}

//===----------------------------------------------------------------------===//
// Reductions, normalizing activations, scans
//===----------------------------------------------------------------------===//

foreach p = [["ReduceSumOp", "reduce_sum"], ["ReduceMeanOp", "reduce_mean"], ["ReduceMaxOp", "reduce_max"], ["ReduceMinOp", "reduce_min"], ["ReduceProdOp", "reduce_prod"], ["ReduceL1Op", "reduce_l1"], ["ReduceL2Op", "reduce_l2"], ["ReduceLogSumOp", "reduce_log_sum"], ["ReduceLogSumExpOp", "reduce_log_sum_exp"], ["ReduceSumSquareOp", "reduce_sum_square"]] in
  def Txc_ # p[0] : Txc_ReduceOp<p[1]>;

class Txc_ArgReduceOp<string mnemonic> : Txc_CustomOp<mnemonic> {
  let arguments = (ins Txc_Tensor:$data, DefaultValuedAttr<I64Attr, "0">:$axis,
                   DefaultValuedAttr<I64Attr, "1">:$keepdims,
                   DefaultValuedAttr<I64Attr, "0">:$select_last_index);
  let results = (outs Txc_Tensor:$reduced);
}
def Txc_ArgMaxOp : Txc_ArgReduceOp<"argmax">;
def Txc_ArgMinOp : Txc_ArgReduceOp<"argmin">;

class Txc_AxisNormOp<string mnemonic> : Txc_FamilyOp<mnemonic, "sameAsFirstOperandWithAxis"> {
  let arguments = (ins Txc_Tensor:$input, DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Txc_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}
def Txc_SoftmaxOp : Txc_AxisNormOp<"softmax">;
def Txc_LogSoftmaxOp : Txc_AxisNormOp<"log_softmax">;
def Txc_HardmaxOp : Txc_AxisNormOp<"hardmax">;
def Txc_LpNormalizationOp : Txc_FamilyOp<"lp_normalization", "sameAsFirstOperandWithAxis"> {
  let arguments = (ins Txc_Tensor:$input, DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<I64Attr, "2">:$p);
  let results = (outs Txc_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Txc_CumSumOp : Txc_FamilyOp<"cumsum", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$x, Txc_Tensor:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$exclusive,
                   DefaultValuedAttr<I64Attr, "0">:$reverse);
  let results = (outs Txc_Tensor:$y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Txc_CumProdOp : Txc_FamilyOp<"cum_prod", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$x, Txc_Tensor:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$exclusive,
                   DefaultValuedAttr<I64Attr, "0">:$reverse);
  let results = (outs Txc_Tensor:$y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

def Txc_UniqueOp : Txc_CustomOp<"unique"> {
  let summary = "unique elements (data-dependent output sizes)";
  let arguments = (ins Txc_Tensor:$X, OptionalAttr<I64Attr>:$axis,
                   DefaultValuedAttr<I64Attr, "1">:$sorted);
  let results = (outs Txc_Tensor:$Y, Txc_Tensor:$indices,
                 Txc_Tensor:$inverse_indices, Txc_Tensor:$counts);
}

def Txc_TopKOp : Txc_CustomOp<"topk"> {
  let arguments = (ins Txc_Tensor:$X, Txc_Tensor:$K,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<I64Attr, "1">:$largest,
                   DefaultValuedAttr<I64Attr, "1">:$sorted);
  let results = (outs Txc_Tensor:$Values, Txc_Tensor:$Indices);
}

//===----------------------------------------------------------------------===//
// Shape manipulation
//===----------------------------------------------------------------------===//

def Txc_ReshapeOp : Txc_CustomOp<"reshape"> {
  let arguments = (ins Txc_Tensor:$data, Txc_Tensor:$shape,
                   DefaultValuedAttr<I64Attr, "0">:$allowzero);
  let results = (outs Txc_Tensor:$reshaped);
  let hasCanonicalizer = 1;
}
def Txc_FlattenOp : Txc_CustomOp<"flatten"> {
  let arguments = (ins Txc_Tensor:$input, DefaultValuedAttr<I64Attr, "1">:$axis);
  let results = (outs Txc_Tensor:$output);
}
def Txc_SqueezeOp : Txc_CustomOp<"squeeze"> {
  let arguments = (ins Txc_Tensor:$data, Txc_OptTensor:$axes);
  let results = (outs Txc_Tensor:$squeezed);
}
def Txc_UnsqueezeOp : Txc_CustomOp<"unsqueeze"> {
  let arguments = (ins Txc_Tensor:$data, Txc_Tensor:$axes);
  let results = (outs Txc_Tensor:$expanded);
}
def Txc_TransposeOp : Txc_CustomOp<"transpose"> {
  let arguments = (ins Txc_Tensor:$data, OptionalAttr<I64ArrayAttr>:$perm);
  let results = (outs Txc_Tensor:$transposed);
}
def Txc_ConcatOp : Txc_CustomOp<"concat"> {
  let arguments = (ins Variadic<Txc_Tensor>:$inputs, I64Attr:$axis);
  let results = (outs Txc_Tensor:$concat_result);
}
def Txc_SplitOp : Txc_CustomOp<"split"> {
  let arguments = (ins Txc_Tensor:$input, Txc_OptTensor:$split,
                   DefaultValuedAttr<I64Attr, "0">:$axis,
                   OptionalAttr<I64Attr>:$num_outputs);
  let results = (outs Variadic<Txc_Tensor>:$outputs);
}
def Txc_ExpandOp : Txc_CustomOp<"expand"> {
  let arguments = (ins Txc_Tensor:$input, Txc_Tensor:$shape);
  let results = (outs Txc_Tensor:$output);
}
def Txc_TileOp : Txc_CustomOp<"tile"> {
  let arguments = (ins Txc_Tensor:$input, Txc_Tensor:$repeats);
  let results = (outs Txc_Tensor:$output);
}
def Txc_ShapeOp : Txc_CustomOp<"shape"> {
  let arguments = (ins Txc_Tensor:$data, DefaultValuedAttr<I64Attr, "0">:$start,
                   OptionalAttr<I64Attr>:$end);
  let results = (outs Txc_Tensor:$shape);
  let hasFolder = 1;
}
def Txc_SizeOp : Txc_CustomOp<"size"> {
  let arguments = (ins Txc_Tensor:$data);
  let results = (outs Txc_Tensor:$size);
}
def Txc_ConstantOfShapeOp : Txc_CustomOp<"constant_of_shape"> {
  let arguments = (ins Txc_Tensor:$input, OptionalAttr<ElementsAttr>:$value);
  let results = (outs Txc_Tensor:$output);
}
def Txc_RangeOp : Txc_CustomOp<"range"> {
  let arguments = (ins Txc_Tensor:$start, Txc_Tensor:$limit, Txc_Tensor:$delta);
  let results = (outs Txc_Tensor:$output);
}
def Txc_DropoutOp : Txc_CustomOp<"dropout"> {
  let summary = "inference dropout: the identity, plus an all-true mask";
  let arguments = (ins Txc_Tensor:$data, Txc_OptTensor:$ratio,
                   Txc_OptTensor:$training_mode, OptionalAttr<I64Attr>:$seed);
  let results = (outs Txc_Tensor:$output, Txc_Tensor:$mask);
}
def Txc_PadOp : Txc_CustomOp<"pad"> {
  let arguments = (ins Txc_Tensor:$data, Txc_Tensor:$pads,
                   Txc_OptTensor:$constant_value, Txc_OptTensor:$axes,
                   DefaultValuedAttr<StrAttr, "\"constant\"">:$mode);
  let results = (outs Txc_Tensor:$output);
}
def Txc_DepthToSpaceOp : Txc_CustomOp<"depth_to_space"> {
  let arguments = (ins Txc_Tensor:$input, I64Attr:$blocksize,
                   DefaultValuedAttr<StrAttr, "\"DCR\"">:$mode);
  let results = (outs Txc_Tensor:$output);
}
def Txc_SpaceToDepthOp : Txc_CustomOp<"space_to_depth"> {
  let arguments = (ins Txc_Tensor:$input, I64Attr:$blocksize);
  let results = (outs Txc_Tensor:$output);
}
def Txc_EyeLikeOp : Txc_CustomOp<"eye_like"> {
  let arguments = (ins Txc_Tensor:$input, OptionalAttr<I64Attr>:$dtype,
                   DefaultValuedAttr<I64Attr, "0">:$k);
  let results = (outs Txc_Tensor:$output);
}
def Txc_TriluOp : Txc_FamilyOp<"trilu", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$input, Txc_OptTensor:$k,
                   DefaultValuedAttr<I64Attr, "1">:$upper);
  let results = (outs Txc_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Indexing
//===----------------------------------------------------------------------===//

def Txc_GatherOp : Txc_CustomOp<"gather"> {
  let arguments = (ins Txc_Tensor:$data, Txc_Tensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Txc_Tensor:$output);
}
def Txc_GatherElementsOp : Txc_CustomOp<"gather_elements"> {
  let arguments = (ins Txc_Tensor:$data, Txc_Tensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$axis);
  let results = (outs Txc_Tensor:$output);
}
def Txc_GatherNDOp : Txc_CustomOp<"gather_nd"> {
  let arguments = (ins Txc_Tensor:$data, Txc_Tensor:$indices,
                   DefaultValuedAttr<I64Attr, "0">:$batch_dims);
  let results = (outs Txc_Tensor:$output);
}
def Txc_ScatterElementsOp : Txc_FamilyOp<"scatter_elements", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$data, Txc_Tensor:$indices, Txc_Tensor:$updates,
                   DefaultValuedAttr<I64Attr, "0">:$axis,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$reduction);
  let results = (outs Txc_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}
def Txc_ScatterNDOp : Txc_FamilyOp<"scatter_nd", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$data, Txc_Tensor:$indices, Txc_Tensor:$updates,
                   DefaultValuedAttr<StrAttr, "\"none\"">:$reduction);
  let results = (outs Txc_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}
def Txc_SliceOp : Txc_CustomOp<"slice"> {
  let arguments = (ins Txc_Tensor:$data, Txc_Tensor:$starts, Txc_Tensor:$ends,
                   Txc_OptTensor:$axes, Txc_OptTensor:$steps);
  let results = (outs Txc_Tensor:$output);
}
def Txc_OneHotOp : Txc_CustomOp<"onehot"> {
  let arguments = (ins Txc_Tensor:$indices, Txc_Tensor:$depth, Txc_Tensor:$values,
                   DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Txc_Tensor:$output);
}
def Txc_NonZeroOp : Txc_CustomOp<"nonzero"> {
  let arguments = (ins Txc_Tensor:$X);
  let results = (outs Txc_Tensor:$Y);
}
def Txc_CompressOp : Txc_CustomOp<"compress"> {
  let arguments = (ins Txc_Tensor:$input, Txc_Tensor:$condition,
                   OptionalAttr<I64Attr>:$axis);
  let results = (outs Txc_Tensor:$output);
}
def Txc_ReverseSequenceOp : Txc_FamilyOp<"reverse_sequence", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$input, Txc_Tensor:$sequence_lens,
                   DefaultValuedAttr<I64Attr, "1">:$batch_axis,
                   DefaultValuedAttr<I64Attr, "0">:$time_axis);
  let results = (outs Txc_Tensor:$Y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}
def Txc_EinsumOp : Txc_CustomOp<"einsum"> {
  let arguments = (ins Variadic<Txc_Tensor>:$Inputs, StrAttr:$equation);
  let results = (outs Txc_Tensor:$Output);
}
def Txc_ResizeOp : Txc_CustomOp<"resize"> {
  let arguments = (ins Txc_Tensor:$X, Txc_OptTensor:$roi, Txc_OptTensor:$scales,
                   Txc_OptTensor:$sizes,
                   DefaultValuedAttr<I64Attr, "0">:$antialias,
                   OptionalAttr<I64ArrayAttr>:$axes,
                   DefaultValuedAttr<StrAttr, "\"half_pixel\"">:$coordinate_transformation_mode,
                   DefaultValuedAttr<F32Attr, "-0.75">:$cubic_coeff_a,
                   DefaultValuedAttr<I64Attr, "0">:$exclude_outside,
                   DefaultValuedAttr<F32Attr, "0.0">:$extrapolation_value,
                   DefaultValuedAttr<StrAttr, "\"stretch\"">:$keep_aspect_ratio_policy,
                   DefaultValuedAttr<StrAttr, "\"nearest\"">:$mode,
                   DefaultValuedAttr<StrAttr, "\"round_prefer_floor\"">:$nearest_mode);
  let results = (outs Txc_Tensor:$Y);
}

//===----------------------------------------------------------------------===//
// Linear algebra
//===----------------------------------------------------------------------===//

def Txc_MatMulOp : Txc_CustomOp<"matmul"> {
  let summary = "numpy matmul (batched, broadcasting, 1-D operands)";
  let arguments = (ins Txc_Tensor:$A, Txc_Tensor:$B);
  let results = (outs Txc_Tensor:$Y);
}
def Txc_GemmOp : Txc_CustomOp<"gemm"> {
  let arguments = (ins Txc_Tensor:$A, Txc_Tensor:$B, Txc_OptTensor:$C,
                   DefaultValuedAttr<F32Attr, "1.0">:$alpha,
                   DefaultValuedAttr<F32Attr, "1.0">:$beta,
                   DefaultValuedAttr<I64Attr, "0">:$transA,
                   DefaultValuedAttr<I64Attr, "0">:$transB);
  let results = (outs Txc_Tensor:$Y);
}

//===----------------------------------------------------------------------===//
// Neural-network layers: convolution, pooling, normalization
//===----------------------------------------------------------------------===//

def Txc_ConvOp : Txc_CustomOp<"conv"> {
  let arguments = (ins Txc_Tensor:$X, Txc_Tensor:$W, Txc_OptTensor:$B,
                   DefaultValuedAttr<StrAttr, "\"NOTSET\"">:$auto_pad,
                   OptionalAttr<I64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<I64ArrayAttr>:$kernel_shape,
                   OptionalAttr<I64ArrayAttr>:$pads,
                   OptionalAttr<I64ArrayAttr>:$strides);
  let results = (outs Txc_Tensor:$Y);
}
def Txc_ConvTransposeOp : Txc_CustomOp<"conv_transpose"> {
  let arguments = (ins Txc_Tensor:$X, Txc_Tensor:$W, Txc_OptTensor:$B,
                   DefaultValuedAttr<StrAttr, "\"NOTSET\"">:$auto_pad,
                   OptionalAttr<I64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<I64ArrayAttr>:$kernel_shape,
                   OptionalAttr<I64ArrayAttr>:$output_padding,
                   OptionalAttr<I64ArrayAttr>:$output_shape,
                   OptionalAttr<I64ArrayAttr>:$pads,
                   OptionalAttr<I64ArrayAttr>:$strides);
  let results = (outs Txc_Tensor:$Y);
}
def Txc_MaxUnpoolOp : Txc_CustomOp<"max_unpool"> {
  let arguments = (ins Txc_Tensor:$X, Txc_Tensor:$I, Txc_OptTensor:$output_shape,
                   I64ArrayAttr:$kernel_shape,
                   OptionalAttr<I64ArrayAttr>:$pads,
                   OptionalAttr<I64ArrayAttr>:$strides);
  let results = (outs Txc_Tensor:$output);
}
def Txc_MaxPoolOp : Txc_CustomOp<"max_pool"> {
  let arguments = (ins Txc_Tensor:$X,
                   DefaultValuedAttr<StrAttr, "\"NOTSET\"">:$auto_pad,
                   DefaultValuedAttr<I64Attr, "0">:$ceil_mode,
                   OptionalAttr<I64ArrayAttr>:$dilations,
                   I64ArrayAttr:$kernel_shape,
                   OptionalAttr<I64ArrayAttr>:$pads,
                   DefaultValuedAttr<I64Attr, "0">:$storage_order,
                   OptionalAttr<I64ArrayAttr>:$strides);
  let results = (outs Txc_Tensor:$Y, Txc_Tensor:$Indices);
}
def Txc_AveragePoolOp : Txc_CustomOp<"average_pool"> {
  let arguments = (ins Txc_Tensor:$X,
                   DefaultValuedAttr<StrAttr, "\"NOTSET\"">:$auto_pad,
                   DefaultValuedAttr<I64Attr, "0">:$ceil_mode,
                   DefaultValuedAttr<I64Attr, "0">:$count_include_pad,
                   OptionalAttr<I64ArrayAttr>:$dilations,
                   I64ArrayAttr:$kernel_shape,
                   OptionalAttr<I64ArrayAttr>:$pads,
                   OptionalAttr<I64ArrayAttr>:$strides);
  let results = (outs Txc_Tensor:$Y);
}
def Txc_LpPoolOp : Txc_CustomOp<"lp_pool"> {
  let arguments = (ins Txc_Tensor:$X,
                   DefaultValuedAttr<StrAttr, "\"NOTSET\"">:$auto_pad,
                   DefaultValuedAttr<I64Attr, "0">:$ceil_mode,
                   OptionalAttr<I64ArrayAttr>:$dilations,
                   I64ArrayAttr:$kernel_shape,
                   DefaultValuedAttr<I64Attr, "2">:$p,
                   OptionalAttr<I64ArrayAttr>:$pads,
                   OptionalAttr<I64ArrayAttr>:$strides);
  let results = (outs Txc_Tensor:$Y);
}
def Txc_GlobalAveragePoolOp : Txc_CustomOp<"global_average_pool"> {
  let arguments = (ins Txc_Tensor:$X);
  let results = (outs Txc_Tensor:$Y);
}
def Txc_GlobalMaxPoolOp : Txc_CustomOp<"global_max_pool"> {
  let arguments = (ins Txc_Tensor:$X);
  let results = (outs Txc_Tensor:$Y);
}
def Txc_BatchNormalizationOp : Txc_CustomOp<"batch_normalization"> {
  let arguments = (ins Txc_Tensor:$X, Txc_Tensor:$scale, Txc_Tensor:$B,
                   Txc_Tensor:$input_mean, Txc_Tensor:$input_var,
                   DefaultValuedAttr<F32Attr, "1e-5">:$epsilon,
                   DefaultValuedAttr<F32Attr, "0.9">:$momentum,
                   DefaultValuedAttr<I64Attr, "0">:$training_mode);
  let results = (outs Txc_Tensor:$Y, Txc_Tensor:$running_mean,
                 Txc_Tensor:$running_var);
}
def Txc_InstanceNormalizationOp : Txc_FamilyOp<"instance_normalization", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$input, Txc_Tensor:$scale, Txc_Tensor:$B,
                   DefaultValuedAttr<F32Attr, "1e-5">:$epsilon);
  let results = (outs Txc_Tensor:$output);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}
def Txc_LayerNormalizationOp : Txc_CustomOp<"layer_normalization"> {
  let arguments = (ins Txc_Tensor:$X, Txc_Tensor:$Scale, Txc_OptTensor:$B,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<F32Attr, "1e-5">:$epsilon,
                   DefaultValuedAttr<I64Attr, "1">:$stash_type);
  let results = (outs Txc_Tensor:$Y, Txc_Tensor:$Mean, Txc_Tensor:$InvStdDev);
}
def Txc_RMSNormalizationOp : Txc_FamilyOp<"rms_normalization", "sameAsFirstOperandWithAxis"> {
  let arguments = (ins Txc_Tensor:$X, Txc_Tensor:$scale,
                   DefaultValuedAttr<I64Attr, "-1">:$axis,
                   DefaultValuedAttr<F32Attr, "1e-5">:$epsilon,
                   DefaultValuedAttr<I64Attr, "1">:$stash_type);
  let results = (outs Txc_Tensor:$Y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}
def Txc_GroupNormalizationOp : Txc_FamilyOp<"group_normalization", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$X, Txc_Tensor:$scale, Txc_Tensor:$bias,
                   DefaultValuedAttr<F32Attr, "1e-5">:$epsilon,
                   I64Attr:$num_groups,
                   DefaultValuedAttr<I64Attr, "1">:$stash_type);
  let results = (outs Txc_Tensor:$Y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}
def Txc_LRNOp : Txc_FamilyOp<"lrn", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$X, DefaultValuedAttr<F32Attr, "0.0001">:$alpha,
                   DefaultValuedAttr<F32Attr, "0.75">:$beta,
                   DefaultValuedAttr<F32Attr, "1.0">:$bias, I64Attr:$size);
  let results = (outs Txc_Tensor:$Y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}
def Txc_MeanVarianceNormalizationOp
    : Txc_FamilyOp<"mean_variance_normalization", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$X, OptionalAttr<I64ArrayAttr>:$axes);
  let results = (outs Txc_Tensor:$Y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Quantization
//===----------------------------------------------------------------------===//

def Txc_QuantizeLinearOp : Txc_CustomOp<"quantize_linear"> {
  let arguments = (ins Txc_Tensor:$x, Txc_Tensor:$y_scale, Txc_OptTensor:$y_zero_point,
                   DefaultValuedAttr<I64Attr, "1">:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$block_size,
                   DefaultValuedAttr<I64Attr, "0">:$output_dtype,
                   DefaultValuedAttr<I64Attr, "1">:$saturate);
  let results = (outs Txc_Tensor:$y);
}
def Txc_DequantizeLinearOp : Txc_CustomOp<"dequantize_linear"> {
  let arguments = (ins Txc_Tensor:$x, Txc_Tensor:$x_scale, Txc_OptTensor:$x_zero_point,
                   DefaultValuedAttr<I64Attr, "1">:$axis,
                   DefaultValuedAttr<I64Attr, "0">:$block_size,
                   DefaultValuedAttr<I64Attr, "0">:$output_dtype);
  let results = (outs Txc_Tensor:$y);
}
def Txc_DynamicQuantizeLinearOp : Txc_CustomOp<"dynamic_quantize_linear"> {
  let arguments = (ins Txc_Tensor:$x);
  let results = (outs Txc_Tensor:$y, Txc_Tensor:$y_scale, Txc_Tensor:$y_zero_point);
}
def Txc_MatMulIntegerOp : Txc_CustomOp<"matmul_integer"> {
  let arguments = (ins Txc_Tensor:$A, Txc_Tensor:$B, Txc_OptTensor:$a_zero_point,
                   Txc_OptTensor:$b_zero_point);
  let results = (outs Txc_Tensor:$Y);
}
def Txc_ConvIntegerOp : Txc_CustomOp<"conv_integer"> {
  let arguments = (ins Txc_Tensor:$x, Txc_Tensor:$w, Txc_OptTensor:$x_zero_point,
                   Txc_OptTensor:$w_zero_point,
                   DefaultValuedAttr<StrAttr, "\"NOTSET\"">:$auto_pad,
                   OptionalAttr<I64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<I64ArrayAttr>:$kernel_shape,
                   OptionalAttr<I64ArrayAttr>:$pads,
                   OptionalAttr<I64ArrayAttr>:$strides);
  let results = (outs Txc_Tensor:$y);
}
def Txc_QLinearConvOp : Txc_CustomOp<"qlinear_conv"> {
  let arguments = (ins Txc_Tensor:$x, Txc_Tensor:$x_scale, Txc_Tensor:$x_zero_point,
                   Txc_Tensor:$w, Txc_Tensor:$w_scale, Txc_Tensor:$w_zero_point,
                   Txc_Tensor:$y_scale, Txc_Tensor:$y_zero_point, Txc_OptTensor:$B,
                   DefaultValuedAttr<StrAttr, "\"NOTSET\"">:$auto_pad,
                   OptionalAttr<I64ArrayAttr>:$dilations,
                   DefaultValuedAttr<I64Attr, "1">:$group,
                   OptionalAttr<I64ArrayAttr>:$kernel_shape,
                   OptionalAttr<I64ArrayAttr>:$pads,
                   OptionalAttr<I64ArrayAttr>:$strides);
  let results = (outs Txc_Tensor:$y);
}
def Txc_QLinearMatMulOp : Txc_CustomOp<"qlinear_matmul"> {
  let arguments = (ins Txc_Tensor:$a, Txc_Tensor:$a_scale, Txc_Tensor:$a_zero_point,
                   Txc_Tensor:$b, Txc_Tensor:$b_scale, Txc_Tensor:$b_zero_point,
                   Txc_Tensor:$y_scale, Txc_Tensor:$y_zero_point);
  let results = (outs Txc_Tensor:$y);
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

def Txc_AttentionOp : Txc_CustomOp<"attention"> {
  let summary = "ONNX Attention (opset 23/24): scaled dot-product attention";
  let arguments = (ins Txc_Tensor:$Q, Txc_Tensor:$K, Txc_Tensor:$V,
                   Txc_OptTensor:$attn_mask, Txc_OptTensor:$past_key,
                   Txc_OptTensor:$past_value, Txc_OptTensor:$nonpad_kv_seqlen,
                   DefaultValuedAttr<I64Attr, "0">:$is_causal,
                   OptionalAttr<I64Attr>:$kv_num_heads,
                   OptionalAttr<I64Attr>:$q_num_heads,
                   DefaultValuedAttr<I64Attr, "0">:$qk_matmul_output_mode,
                   OptionalAttr<F32Attr>:$scale,
                   DefaultValuedAttr<F32Attr, "0.0">:$softcap,
                   OptionalAttr<I64Attr>:$softmax_precision);
  let results = (outs Txc_Tensor:$Y, Txc_Tensor:$present_key,
                 Txc_Tensor:$present_value, Txc_Tensor:$qk_matmul_output);
}
def Txc_RotaryEmbeddingOp : Txc_FamilyOp<"rotary_embedding", "sameAsFirstOperand"> {
  let arguments = (ins Txc_Tensor:$X, Txc_Tensor:$cos_cache, Txc_Tensor:$sin_cache,
                   Txc_OptTensor:$position_ids,
                   DefaultValuedAttr<I64Attr, "0">:$interleaved,
                   OptionalAttr<I64Attr>:$num_heads,
                   DefaultValuedAttr<I64Attr, "0">:$rotary_embedding_dim);
  let results = (outs Txc_Tensor:$Y);
  let assemblyFormat = "operands attr-dict `:` functional-type(operands, results)";
}

#endif // TXC_OPS_TD
