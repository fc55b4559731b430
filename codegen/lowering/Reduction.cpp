//===- Reduction.cpp - txc reduction ops -> linalg --------------------------------===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"

using namespace mlir;

namespace txc::lowering {

void populateReductionPatterns(TypeConverter &tc, RewritePatternSet &patterns) {}

} // namespace txc::lowering
