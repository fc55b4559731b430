//===- Matmul.cpp - txc matmul ops -> linalg --------------------------------===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"

using namespace mlir;

namespace txc::lowering {

void populateMatmulPatterns(TypeConverter &tc, RewritePatternSet &patterns) {}

} // namespace txc::lowering
