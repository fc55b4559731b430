// RUN: txc-opt %s --txc-shape-inference | FileCheck %s

// CHECK-LABEL: func @convs
// CHECK: txc.conv {{.*}} -> tensor<2x8x?xf32, #txc.dims<["", "", "frames"]>>
// CHECK: txc.conv {{.*}}strides = [2]{{.*}} -> tensor<2x8x?xf32>
func.func @convs(%x: tensor<2x16x?xf32, #txc.dims<["", "", "frames"]>>, %w: tensor<8x16x3xf32>, %w2: tensor<8x8x3xf32>) -> tensor<*xf32> {
  %n = txc.none
  %y = txc.conv %x, %w, %n {pads = [1, 1]} : (tensor<2x16x?xf32, #txc.dims<["", "", "frames"]>>, tensor<8x16x3xf32>, none) -> tensor<*xf32>
  %z = txc.conv %y, %w2, %n {pads = [1, 1], strides = [2]} : (tensor<*xf32>, tensor<8x8x3xf32>, none) -> tensor<*xf32>
  return %z : tensor<*xf32>
}
