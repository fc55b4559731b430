//===- TileVariant.cpp - one register-tile shape of a GEMM ISA file -------===//
//
// Compiled once per variant by bench/CMakeLists.txt, with
//   TXC_TILE_NAME    the variant's name, e.g. avx512_14x32;
//   TXC_TILE_AVX512  1 to build GemmAvx512.cpp, 0 for GemmAvx2.cpp;
//   TXC_UK_AVX2_MR / TXC_UK_AVX2_NV or TXC_UK_AVX512_MR / TXC_UK_AVX512_NV.
// It includes the ISA file whole and renames its namespace and its extern "C"
// entry points (txc_uk_sgemm_avx2 -> txc_uk_sgemm_<name>, ...), so that
// several tile shapes link into txc-bench-tiles next to the library's own.
// The entry points are pasted from the ISA name (txc_uk_sgemm_##isa) and the
// pasted token is then rescanned, which is what the renaming macros catch.
//
//===----------------------------------------------------------------------===//
#ifndef TXC_TILE_NAME
#error "TXC_TILE_NAME must name the variant"
#endif

#define TXC_TILE_CAT2(a, b) a##b
#define TXC_TILE_CAT(a, b) TXC_TILE_CAT2(a, b)

#if TXC_TILE_AVX512
#define avx512 TXC_TILE_NAME
#define txc_uk_mr_avx512 TXC_TILE_CAT(txc_uk_mr_, TXC_TILE_NAME)
#define txc_uk_nr_avx512 TXC_TILE_CAT(txc_uk_nr_, TXC_TILE_NAME)
#define txc_uk_packb_size_avx512 TXC_TILE_CAT(txc_uk_packb_size_, TXC_TILE_NAME)
#define txc_uk_packb_avx512 TXC_TILE_CAT(txc_uk_packb_, TXC_TILE_NAME)
#define txc_uk_sgemm_avx512 TXC_TILE_CAT(txc_uk_sgemm_, TXC_TILE_NAME)
#include "ukernels/GemmAvx512.cpp"
#else
#define avx2 TXC_TILE_NAME
#define txc_uk_mr_avx2 TXC_TILE_CAT(txc_uk_mr_, TXC_TILE_NAME)
#define txc_uk_nr_avx2 TXC_TILE_CAT(txc_uk_nr_, TXC_TILE_NAME)
#define txc_uk_packb_size_avx2 TXC_TILE_CAT(txc_uk_packb_size_, TXC_TILE_NAME)
#define txc_uk_packb_avx2 TXC_TILE_CAT(txc_uk_packb_, TXC_TILE_NAME)
#define txc_uk_sgemm_avx2 TXC_TILE_CAT(txc_uk_sgemm_, TXC_TILE_NAME)
#include "ukernels/GemmAvx2.cpp"
#endif
