//===- Translate.cpp - LLVM dialect -> LLVM IR with the packed entry point -===//

#include "codegen/llvm/Backend.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

namespace txc::codegen {

static llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

llvm::Expected<std::unique_ptr<llvm::Module>>
translateToLLVMIR(mlir::ModuleOp module, llvm::LLVMContext &ctx,
                  llvm::StringRef funcName, llvm::TargetMachine &tm) {
  mlir::registerBuiltinDialectTranslation(*module->getContext());
  mlir::registerLLVMDialectTranslation(*module->getContext());
  std::unique_ptr<llvm::Module> m = mlir::translateModuleToLLVMIR(module, ctx);
  if (!m)
    return makeError("translation of the LLVM dialect to LLVM IR failed");
  m->setTargetTriple(tm.getTargetTriple().str());
  m->setDataLayout(tm.createDataLayout());

  // txc_entry(void **args): the C interface function takes only pointers (to
  // the result descriptors, then to each argument's descriptor).
  std::string cifaceName = ("_mlir_ciface_" + funcName).str();
  llvm::Function *ciface = m->getFunction(cifaceName);
  if (!ciface)
    return makeError("the lowered module has no " + cifaceName);
  llvm::Type *ptrTy = llvm::PointerType::get(ctx, 0);
  for (llvm::Argument &a : ciface->args())
    if (!a.getType()->isPointerTy())
      return makeError("entry argument " + llvm::Twine(a.getArgNo()) +
                       " is not passed by pointer");
  auto *fnTy = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptrTy}, false);
  llvm::Function *entry = llvm::Function::Create(
      fnTy, llvm::GlobalValue::ExternalLinkage, kEntrySymbol, m.get());
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  llvm::SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i < ciface->arg_size(); ++i) {
    llvm::Value *slot = b.CreateConstGEP1_64(ptrTy, entry->getArg(0), i);
    args.push_back(b.CreateLoad(ptrTy, slot));
  }
  b.CreateCall(ciface, args);
  b.CreateRetVoid();

  // Only the entry point is exported; everything else may be inlined away.
  for (llvm::Function &f : *m)
    if (!f.isDeclaration() && &f != entry)
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::GlobalVariable &g : m->globals())
    if (!g.isDeclaration())
      g.setLinkage(llvm::GlobalValue::InternalLinkage);
  return m;
}

} // namespace txc::codegen
