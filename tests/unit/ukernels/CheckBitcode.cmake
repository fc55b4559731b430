# ctest helper: checks that a ukernels bitcode file loads (llvm-dis parses the
# whole module) and defines the expected kernel symbols (llvm-nm).
#   cmake -DLLVM_DIS=... -DLLVM_NM=... -DBC=file.bc -DISA=avx2 -P CheckBitcode.cmake
if(NOT EXISTS "${BC}")
  message(FATAL_ERROR "missing bitcode ${BC}")
endif()
execute_process(COMMAND "${LLVM_DIS}" "${BC}" -o /dev/null
                RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "llvm-dis cannot load ${BC}: ${err}")
endif()
execute_process(COMMAND "${LLVM_NM}" --defined-only "${BC}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE syms ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "llvm-nm failed on ${BC}: ${err}")
endif()
foreach(fn mr nr packb_size packb sgemm)
  set(sym "txc_uk_${fn}_${ISA}")
  if(NOT syms MATCHES "[ \t]T ${sym}\n")
    message(FATAL_ERROR "${BC} does not define ${sym}; llvm-nm says:\n${syms}")
  endif()
endforeach()
# Standalone: no calls into the C++ runtime beyond libm/libc.
execute_process(COMMAND "${LLVM_NM}" --undefined-only "${BC}"
                OUTPUT_VARIABLE undef)
if(undef MATCHES "_Z|__cxa|__gxx")
  message(FATAL_ERROR "${BC} needs C++ runtime symbols:\n${undef}")
endif()
message(STATUS "${BC}: loads, defines txc_uk_*_${ISA}")
