//===- Cpu.cpp - ISA and cache detection ------------------------*- C++ -*-===//
#include "Gemm.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define TXC_UK_X86 1
#endif
#if defined(__linux__)
#include <unistd.h>
#endif

namespace txc {
namespace ukernels {

namespace {

#ifdef TXC_UK_X86
struct Regs {
  unsigned a = 0, b = 0, c = 0, d = 0;
};

Regs cpuid(unsigned leaf, unsigned sub = 0) {
  Regs r;
  __cpuid_count(leaf, sub, r.a, r.b, r.c, r.d);
  return r;
}

unsigned maxLeaf(unsigned base) { return cpuid(base).a; }

uint64_t xgetbv0() {
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t(hi) << 32) | lo;
}

bool hwSupports(Isa isa) {
  if (isa == Isa::Portable)
    return true;
  if (maxLeaf(0) < 7)
    return false;
  const Regs l1 = cpuid(1);
  const bool osxsave = l1.c & (1u << 27);
  const bool avx = l1.c & (1u << 28);
  const bool fma = l1.c & (1u << 12);
  if (!osxsave || !avx || !fma)
    return false;
  const uint64_t xcr0 = xgetbv0();
  if ((xcr0 & 0x6) != 0x6) // SSE and AVX (ymm) state enabled by the OS
    return false;
  const Regs l7 = cpuid(7, 0);
  const bool avx2 = l7.b & (1u << 5);
  if (isa == Isa::Avx2)
    return avx2;
  // AVX-512: F, DQ, BW, VL and the opmask / zmm state in XCR0 (bits 5-7).
  const bool f = l7.b & (1u << 16), dq = l7.b & (1u << 17),
             bw = l7.b & (1u << 30), vl = l7.b & (1u << 31);
  return avx2 && f && dq && bw && vl && (xcr0 & 0xE0) == 0xE0;
}

/// Walks a deterministic cache-parameters leaf (4 on Intel, 0x8000001D on
/// AMD); both use the same register layout.
bool cachesFromLeaf(unsigned leaf, CacheInfo &out) {
  bool any = false;
  for (unsigned sub = 0; sub < 16; ++sub) {
    const Regs r = cpuid(leaf, sub);
    const unsigned type = r.a & 0x1f; // 0 none, 1 data, 2 instr, 3 unified
    if (type == 0)
      break;
    if (type == 2)
      continue;
    const unsigned level = (r.a >> 5) & 0x7;
    const int64_t ways = ((r.b >> 22) & 0x3ff) + 1;
    const int64_t parts = ((r.b >> 12) & 0x3ff) + 1;
    const int64_t line = (r.b & 0xfff) + 1;
    const int64_t sets = int64_t(r.c) + 1;
    const int64_t size = ways * parts * line * sets;
    if (level == 1)
      out.l1d = size;
    else if (level == 2)
      out.l2 = size;
    else if (level == 3)
      out.l3 = size;
    any = true;
  }
  return any;
}
#endif

Isa capFromEnv(Isa best) {
  const char *s = std::getenv("TXC_ISA");
  if (!s || !*s)
    return best;
  Isa want = best;
  if (!std::strcmp(s, "portable"))
    want = Isa::Portable;
  else if (!std::strcmp(s, "avx2"))
    want = Isa::Avx2;
  else if (!std::strcmp(s, "avx512"))
    want = Isa::Avx512;
  else
    std::fprintf(stderr,
                 "txc: ignoring TXC_ISA='%s' (want portable, avx2 or avx512); "
                 "using %s\n",
                 s, isaName(best));
  return static_cast<int>(want) < static_cast<int>(best) ? want : best;
}

} // namespace

const char *isaName(Isa isa) {
  switch (isa) {
  case Isa::Portable:
    return "portable";
  case Isa::Avx2:
    return "avx2";
  case Isa::Avx512:
    return "avx512";
  }
  return "unknown";
}

bool isaSupported(Isa isa) {
#ifdef TXC_UK_X86
  // cpuid traps to the hypervisor in a VM; every checked GEMM call asks.
  static const bool supported[3] = {hwSupports(Isa::Portable),
                                    hwSupports(Isa::Avx2),
                                    hwSupports(Isa::Avx512)};
  const int i = static_cast<int>(isa);
  return i >= 0 && i < 3 && supported[i];
#else
  return isa == Isa::Portable;
#endif
}

Isa detectIsa() {
  Isa best = Isa::Portable;
  if (isaSupported(Isa::Avx512))
    best = Isa::Avx512;
  else if (isaSupported(Isa::Avx2))
    best = Isa::Avx2;
  return capFromEnv(best);
}

CacheInfo detectCaches() {
  CacheInfo c;
  bool found = false;
#ifdef TXC_UK_X86
  const Regs v = cpuid(0);
  const bool amd = v.b == 0x68747541; // "Auth"enticAMD
  const bool hygon = v.b == 0x6f677948;
  if ((amd || hygon) && maxLeaf(0x80000000) >= 0x8000001D &&
      (cpuid(0x80000001).c & (1u << 22))) // TopologyExtensions
    found = cachesFromLeaf(0x8000001D, c);
  if (!found && maxLeaf(0) >= 4)
    found = cachesFromLeaf(4, c);
#endif
#if defined(__linux__) && defined(_SC_LEVEL1_DCACHE_SIZE)
  if (!found) {
    const long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
    const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
    const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    if (l1 > 0)
      c.l1d = l1;
    if (l2 > 0)
      c.l2 = l2;
    if (l3 > 0)
      c.l3 = l3;
  }
#endif
  // Sanity: ignore nonsense from odd hypervisors.
  if (c.l1d < 8 * 1024 || c.l1d > 1024 * 1024)
    c.l1d = 32 * 1024;
  if (c.l2 < 64 * 1024 || c.l2 > 64 * 1024 * 1024)
    c.l2 = 512 * 1024;
  if (c.l3 < c.l2)
    c.l3 = c.l2;
  return c;
}

KernelShape kernelShape(Isa isa) {
  switch (isa) {
  case Isa::Avx512:
    return {txc_uk_mr_avx512(), txc_uk_nr_avx512()};
  case Isa::Avx2:
    return {txc_uk_mr_avx2(), txc_uk_nr_avx2()};
  case Isa::Portable:
    break;
  }
  return {txc_uk_mr_portable(), txc_uk_nr_portable()};
}

GemmConfig makeGemmConfig(Isa isa, const CacheInfo &caches) {
  const KernelShape ks = kernelShape(isa);
  GemmConfig cfg;
  cfg.isa = isa;
  // kc: a K x NR panel of pre-packed B fits half of L2 (4096 on Zen 3), so
  // BERT/GPT shapes run without K blocking (measured best, see GemmImpl.h).
  // mc: rows of a packed A block (run-time B) at kc 512, 3/8 of L2.
  int64_t kc = caches.l2 / 2 / (ks.nr * 4) / 8 * 8;
  kc = kc < 256 ? 256 : (kc > 8192 ? 8192 : kc);
  int64_t mc = caches.l2 * 3 / 8 / (512 * 4) / ks.mr * ks.mr;
  if (mc < ks.mr)
    mc = ks.mr;
  cfg.blocking = {mc, kc, 0};
  return cfg;
}

GemmConfig hostGemmConfig() {
  return makeGemmConfig(detectIsa(), detectCaches());
}

} // namespace ukernels
} // namespace txc
