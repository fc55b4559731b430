//===- SetDims.cpp - Fix named dims to static sizes -----------------------===//

#include "passes/Passes.h"
#include "ir/Dims.h"
#include "ir/TxcDialect.h"

#include "llvm/ADT/StringSet.h"

namespace txc {
#define GEN_PASS_DEF_SETDIMS
#include "passes/Passes.h.inc"
} // namespace txc

using namespace mlir;

namespace txc {
namespace {
struct SetDimsPass : public impl::SetDimsBase<SetDimsPass> {
  using SetDimsBase::SetDimsBase;
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    llvm::StringMap<int64_t> sizes;
    for (const std::string &d : dims) {
      auto [name, value] = llvm::StringRef(d).split('=');
      int64_t v;
      if (name.empty() || value.getAsInteger(10, v) || v < 0) {
        func.emitError() << "bad dim setting '" << d
                         << "': expected name=non-negative-integer";
        return signalPassFailure();
      }
      sizes[name] = v;
    }
    llvm::StringSet<> used;
    SmallVector<Type> argTypes;
    for (BlockArgument arg : func.getArguments()) {
      auto t = llvm::dyn_cast<RankedTensorType>(arg.getType());
      if (!t) {
        argTypes.push_back(arg.getType());
        continue;
      }
      DimList d = getDims(t);
      for (Dim &x : d)
        if (x.isNamed()) {
          auto it = sizes.find(x.name.getValue());
          if (it != sizes.end()) {
            used.insert(it->first());
            x = Dim::fixed(it->second);
          }
        }
      Type nt = makeTensorType(d, t.getElementType());
      arg.setType(nt);
      argTypes.push_back(nt);
    }
    for (auto &kv : sizes)
      if (!used.contains(kv.first()))
        func.emitWarning() << "no input has a dim named '" << kv.first() << "'";
    func.setType(FunctionType::get(func.getContext(), argTypes,
                                   func.getResultTypes()));
    if (failed(inferShapesInFunction(func)))
      signalPassFailure();
  }
};
} // namespace
} // namespace txc
