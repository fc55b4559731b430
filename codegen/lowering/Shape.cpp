//===- Shape.cpp - txc shape ops -> linalg --------------------------------===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"

using namespace mlir;

namespace txc::lowering {

void populateShapePatterns(TypeConverter &tc, RewritePatternSet &patterns) {}

} // namespace txc::lowering
