// RUN: txc-opt %s --split-input-file --verify-diagnostics

func.func @matmul_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{inner dims do not match: A is [2, 3], B is [4, 5]}}
  %y = txc.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

func.func @broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{operands are not broadcastable: [2, 3] and [4]}}
  %y = txc.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @wrong_result(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @+1 {{result #0 has type 'tensor<3x2xf32>' but its operands give 'tensor<2x3xf32>'}}
  %y = txc.relu %a : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

func.func @axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 2 is out of range for an input of rank 2}}
  %y = txc.softmax %a {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

func.func @reshape_count(%a: tensor<2x3xf32>) -> tensor<4x2xf32> {
  %s = txc.constant dense<[4, 2]> : tensor<2xi64>
  // expected-error @+1 {{cannot reshape [2, 3] (6 elements) to [4, 2] (8 elements)}}
  %y = txc.reshape %a, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @gather_index(%a: tensor<5x3xf32>) -> tensor<3xf32> {
  %i = txc.constant dense<7> : tensor<i64>
  // expected-error @+1 {{index 7 is out of range for axis 0 of size 5}}
  %y = txc.gather %a, %i : (tensor<5x3xf32>, tensor<i64>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<5x3xf32> {
  // expected-error @+1 {{input #1 has rank 1 but input #0 has rank 2}}
  %y = txc.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<5x3xf32>
  return %y : tensor<5x3xf32>
}

// -----

func.func @where_cond(%c: tensor<2xf32>, %a: tensor<2xf32>) -> tensor<2xf32> {
  // expected-error @+1 {{condition must be a bool tensor, got 'f32'}}
  %y = txc.where %c, %a, %a : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// Named dims: [batch, 64] x [64, 32] is fine with any batch.
func.func @named_ok(%a: tensor<?x64xf32, #txc.dims<["batch", ""]>>, %b: tensor<64x32xf32>) -> tensor<?x32xf32> {
  %y = txc.matmul %a, %b : (tensor<?x64xf32, #txc.dims<["batch", ""]>>, tensor<64x32xf32>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// A length-preserving Conv1d (k3, p1, s1) keeps the named dim; a strided one
// cannot.
func.func @conv_keeps_name(%x: tensor<2x16x?xf32, #txc.dims<["", "", "frames"]>>, %w: tensor<8x16x3xf32>) -> tensor<2x8x?xf32, #txc.dims<["", "", "frames"]>> {
  %n = txc.none
  %y = txc.conv %x, %w, %n {pads = [1, 1]} : (tensor<2x16x?xf32, #txc.dims<["", "", "frames"]>>, tensor<8x16x3xf32>, none) -> tensor<2x8x?xf32, #txc.dims<["", "", "frames"]>>
  return %y : tensor<2x8x?xf32, #txc.dims<["", "", "frames"]>>
}
