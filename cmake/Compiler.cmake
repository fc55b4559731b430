# The MLIR-based compiler: dialect (ir/), passes, ONNX frontend, reference
# interpreter, and the tools. Links the shared MLIR and LLVM libraries.
find_package(MLIR REQUIRED CONFIG
             HINTS /usr/lib/llvm-19/lib/cmake/mlir)
message(STATUS "Using MLIRConfig.cmake in: ${MLIR_DIR}")
list(APPEND CMAKE_MODULE_PATH "${MLIR_CMAKE_DIR}" "${LLVM_CMAKE_DIR}")
set(LLVM_RUNTIME_OUTPUT_INTDIR ${CMAKE_BINARY_DIR}/bin)
set(LLVM_LIBRARY_OUTPUT_INTDIR ${CMAKE_BINARY_DIR}/lib)
include(TableGen)
include(AddLLVM)
include(AddMLIR)

include_directories(SYSTEM ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
include_directories(${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})

# One place for include paths and definitions every compiler target needs.
add_library(txc_mlir_deps INTERFACE)
target_include_directories(txc_mlir_deps SYSTEM INTERFACE
  ${LLVM_INCLUDE_DIRS} ${MLIR_INCLUDE_DIRS})
target_include_directories(txc_mlir_deps INTERFACE
  ${CMAKE_SOURCE_DIR} ${CMAKE_BINARY_DIR})
target_compile_definitions(txc_mlir_deps INTERFACE ${LLVM_DEFINITIONS})
target_link_libraries(txc_mlir_deps INTERFACE MLIR LLVM)

find_package(Protobuf REQUIRED)
find_package(ONNX REQUIRED CONFIG)  # target onnx_proto (ONNX_ML=1)

add_subdirectory(ir)
add_subdirectory(passes)
add_subdirectory(frontend)
add_subdirectory(reference/interpreter)
add_subdirectory(codegen)
add_subdirectory(tools)
