//===- StridedCopiesToLoops.cpp - Non-contiguous memref.copy -> linalg.copy ===//

#include "codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace txc {
#define GEN_PASS_DEF_STRIDEDCOPIESTOLOOPS
#include "codegen/Passes.h.inc"
} // namespace txc

using namespace mlir;

namespace txc {
namespace {
struct StridedCopiesToLoopsPass
    : public impl::StridedCopiesToLoopsBase<StridedCopiesToLoopsPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp c) {
      auto s = llvm::cast<MemRefType>(c.getSource().getType());
      auto t = llvm::cast<MemRefType>(c.getTarget().getType());
      if (!s.getLayout().isIdentity() || !t.getLayout().isIdentity())
        copies.push_back(c);
    });
    for (memref::CopyOp c : copies) {
      OpBuilder b(c);
      b.create<linalg::CopyOp>(c.getLoc(), c.getSource(), c.getTarget());
      c.erase();
    }
  }
};
} // namespace
} // namespace txc
