//===- NN.cpp - txc NN ops -> linalg ------------------------------------===//

#include "codegen/lowering/LoweringCommon.h"

#include "ir/TxcDialect.h"

using namespace mlir;

namespace txc::lowering {

void populateNNPatterns(TypeConverter &tc, RewritePatternSet &patterns) {}

} // namespace txc::lowering
