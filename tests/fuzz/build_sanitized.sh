#!/bin/sh
# Opt-in ASan + UBSan build (a second CMake tree, ccache'd) that also holds
# the libFuzzer targets, then the unit, lit, corpus and conformance tests in it.
#
#   tests/fuzz/build_sanitized.sh [build dir (default build-asan)] [-j N]
#
# Prints the configure, build and test times, for deciding whether CI can
# afford it. Not part of `make check`.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build-asan}
JOBS=${2:-1}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/txc-ccache} CCACHE_BASEDIR=$SRC
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
t0=$(date +%s)
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 \
  -DCMAKE_C_FLAGS="$SAN -fsanitize=fuzzer-no-link" \
  -DCMAKE_CXX_FLAGS="$SAN -fsanitize=fuzzer-no-link" \
  -DCMAKE_EXE_LINKER_FLAGS="$SAN" -DCMAKE_SHARED_LINKER_FLAGS="$SAN" \
  -DTXC_BUILD_FUZZERS=ON >/dev/null
t1=$(date +%s)
nice -n 10 ninja -C "$BUILD" -j"$JOBS" txc txc-opt txc-robustness-tests \
  txc-reference-tests txc-conformance txc-fuzz-import
t2=$(date +%s)
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
status=0
"$BUILD/tests/malformed/txc-robustness-tests" >/dev/null || status=1
"$BUILD/tests/unit/reference/txc-reference-tests" >/dev/null || status=1
python3 "$SRC/tests/malformed/run_cases.py" "$BUILD/bin/txc" | tail -1 || status=1
python3 /usr/lib/llvm-19/build/utils/lit/lit.py -s "$BUILD/tests/lit" | tail -3 || status=1
if [ -d "$SRC/../shared/testdata/onnx-node" ]; then
  "$BUILD/tests/conformance/txc-conformance" --root="$SRC/../shared/testdata/onnx-node" \
    --known-failures="$SRC/tests/conformance/known_failures.txt" --min-pass=1257 | tail -1 ||
    status=1
fi
t3=$(date +%s)
echo "sanitized build: configure $((t1 - t0)) s, build $((t2 - t1)) s (-j$JOBS), tests $((t3 - t2)) s"
exit $status
