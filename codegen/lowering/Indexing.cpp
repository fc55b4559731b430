//===- Indexing.cpp - txc Indexing ops -> linalg ------------------------------------===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"

using namespace mlir;

namespace txc::lowering {

void populateIndexingPatterns(TypeConverter &tc, RewritePatternSet &patterns) {}

} // namespace txc::lowering
