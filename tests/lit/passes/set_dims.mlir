// RUN: txc-opt %s --txc-set-dims="dims=seq=8" | FileCheck %s
// RUN: txc-opt %s --txc-set-dims="dims=nope=8" 2>&1 | FileCheck %s --check-prefix=WARN

// Fixing `seq` makes every dim named seq static, downstream too; `batch`
// stays symbolic.
// CHECK-LABEL: func @f(%arg0: tensor<?x8x64xf32, #txc.dims<["batch", "", ""]>>)
// CHECK: txc.relu %arg0 : {{.*}} -> tensor<?x8x64xf32, #txc.dims<["batch", "", ""]>>
// WARN: warning: no input has a dim named 'nope'
func.func @f(%x: tensor<?x?x64xf32, #txc.dims<["batch", "seq", ""]>>) -> tensor<?x?x64xf32, #txc.dims<["batch", "seq", ""]>> {
  %y = txc.relu %x : (tensor<?x?x64xf32, #txc.dims<["batch", "seq", ""]>>) -> tensor<?x?x64xf32, #txc.dims<["batch", "seq", ""]>>
  return %y : tensor<?x?x64xf32, #txc.dims<["batch", "seq", ""]>>
}
