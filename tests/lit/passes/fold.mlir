// RUN: txc-opt %s --canonicalize --split-input-file | FileCheck %s

// Shape of a tensor with static dims folds to a constant; the Gather/Concat
// arithmetic on it folds too.
// CHECK-LABEL: func @static_shape
// CHECK: %[[C:.*]] = txc.constant dense<[4, 24]> : tensor<2xi64>
// CHECK: txc.reshape %arg0, %[[C]]
func.func @static_shape(%x: tensor<4x6x4xf32>) -> tensor<4x24xf32> {
  %s = txc.shape %x : (tensor<4x6x4xf32>) -> tensor<3xi64>
  %i = txc.constant dense<0> : tensor<1xi64>
  %d0 = txc.gather %s, %i : (tensor<3xi64>, tensor<1xi64>) -> tensor<1xi64>
  %c = txc.constant dense<24> : tensor<1xi64>
  %t = txc.concat %d0, %c {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = txc.reshape %x, %t : (tensor<4x6x4xf32>, tensor<2xi64>) -> tensor<4x24xf32>
  return %r : tensor<4x24xf32>
}

// -----

// Must NOT fold: the shape comes from a function argument (run-time data).
// CHECK-LABEL: func @runtime_shape
// CHECK: txc.reshape %arg0, %arg1
func.func @runtime_shape(%x: tensor<?xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %r = txc.reshape %x, %s : (tensor<?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// Must NOT fold to a constant: dim 1 is dynamic; the chain becomes a Shape
// slice instead and the Gather dies.
// CHECK-LABEL: func @dynamic_dim
// CHECK: %[[S:.*]] = txc.shape %arg0 {end = 2 : i64, start = 1 : i64}
// CHECK-NOT: txc.gather
// CHECK: txc.concat %[[S]]
func.func @dynamic_dim(%x: tensor<3x?xf32>) -> tensor<?x3xf32> {
  %s = txc.shape %x : (tensor<3x?xf32>) -> tensor<2xi64>
  %i = txc.constant dense<1> : tensor<1xi64>
  %d = txc.gather %s, %i : (tensor<2xi64>, tensor<1xi64>) -> tensor<1xi64>
  %c = txc.constant dense<3> : tensor<1xi64>
  %t = txc.concat %d, %c {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = txc.reshape %x, %t : (tensor<3x?xf32>, tensor<2xi64>) -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// -----

// Cast to the same type disappears; a real cast stays.
// CHECK-LABEL: func @casts
// CHECK-NOT: txc.cast %arg0 {to = 1
// CHECK: txc.cast %arg0 {to = 7 : i64}
func.func @casts(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xi64>) {
  %a = txc.cast %x {to = 1 : i64} : (tensor<2xf32>) -> tensor<2xf32>
  %b = txc.cast %x {to = 7 : i64} : (tensor<2xf32>) -> tensor<2xi64>
  return %a, %b : tensor<2xf32>, tensor<2xi64>
}

// -----

// Reshape(Reshape(x)) -> Reshape(x) when the outer shape is fully known.
// CHECK-LABEL: func @merge_reshapes
// CHECK: %[[S:.*]] = txc.constant dense<[6, 4]>
// CHECK-NEXT: txc.reshape %arg0, %[[S]]
func.func @merge_reshapes(%x: tensor<2x3x4xf32>) -> tensor<6x4xf32> {
  %s1 = txc.constant dense<[24]> : tensor<1xi64>
  %a = txc.reshape %x, %s1 : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<24xf32>
  %s2 = txc.constant dense<[6, 4]> : tensor<2xi64>
  %b = txc.reshape %a, %s2 : (tensor<24xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  return %b : tensor<6x4xf32>
}

// -----

// Must NOT merge: the outer 0 copies dim 0 of the inner result (12), not of
// %x (3).
// CHECK-LABEL: func @no_merge_zero
// CHECK: %[[A:.*]] = txc.reshape %arg0
// CHECK: txc.reshape %[[A]]
func.func @no_merge_zero(%x: tensor<3x8xf32>) -> tensor<12x1x2xf32> {
  %s1 = txc.constant dense<[12, 2]> : tensor<2xi64>
  %a = txc.reshape %x, %s1 : (tensor<3x8xf32>, tensor<2xi64>) -> tensor<12x2xf32>
  %s2 = txc.constant dense<[0, 1, -1]> : tensor<3xi64>
  %b = txc.reshape %a, %s2 : (tensor<12x2xf32>, tensor<3xi64>) -> tensor<12x1x2xf32>
  return %b : tensor<12x1x2xf32>
}
