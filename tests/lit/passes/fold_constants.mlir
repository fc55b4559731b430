// RUN: txc-opt %s --txc-fold-constants --split-input-file | FileCheck %s
// RUN: txc-opt %s --txc-fold-constants="max-elements=2" --split-input-file | FileCheck %s --check-prefix=SMALL

// The attention scale as exporters write it: 1 / sqrt(float(64)).
// CHECK-LABEL: func @scale
// CHECK: %[[S:.*]] = txc.constant dense<1.250000e-01> : tensor<f32>
// CHECK: txc.mul %arg0, %[[S]]
// CHECK-NOT: txc.sqrt
func.func @scale(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %d = txc.constant dense<64> : tensor<i64>
  %f = txc.cast %d {to = 1 : i64} : (tensor<i64>) -> tensor<f32>
  %s = txc.sqrt %f : (tensor<f32>) -> tensor<f32>
  %one = txc.constant dense<1.0> : tensor<f32>
  %r = txc.div %one, %s : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %y = txc.mul %x, %r : (tensor<2x4xf32>, tensor<f32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Must NOT fold: an operand is a function argument.
// CHECK-LABEL: func @runtime
// CHECK: txc.add %arg0
func.func @runtime(%x: tensor<3xf32>) -> tensor<3xf32> {
  %c = txc.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %y = txc.add %x, %c : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// A causal mask from constants folds to a bool constant; with
// max-elements=2 the 3x3 result is too large and stays.
// CHECK-LABEL: func @mask
// CHECK: txc.constant dense<{{\[\[}}true, false, false], [true, true, false], [true, true, true]]> : tensor<3x3xi1>
// CHECK-NOT: txc.trilu
// SMALL-LABEL: func @mask
// SMALL: txc.trilu
func.func @mask() -> tensor<3x3xi1> {
  %ones = txc.constant dense<true> : tensor<3x3xi1>
  %k = txc.none
  %m = txc.trilu %ones, %k {upper = 0 : i64} : (tensor<3x3xi1>, none) -> tensor<3x3xi1>
  return %m : tensor<3x3xi1>
}

// -----

// An op that would fail on its constants (integer division by zero) is left
// for run time to report.
// CHECK-LABEL: func @div_by_zero
// CHECK: txc.div
func.func @div_by_zero() -> tensor<1xi64> {
  %a = txc.constant dense<[7]> : tensor<1xi64>
  %b = txc.constant dense<[0]> : tensor<1xi64>
  %q = txc.div %a, %b : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  return %q : tensor<1xi64>
}
