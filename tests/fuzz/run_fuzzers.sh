#!/bin/sh
# Bounded libFuzzer run of every target (default 60 s each), seeded from
# the e2e models, the ONNX node suite and the malformed corpus. Crashes are
# written to tests/fuzz/crashes/<target>/; each one found becomes a case of
# tests/malformed (make_corpus.py) once fixed.
#
#   tests/fuzz/run_fuzzers.sh [build dir (default build-asan)] [seconds]
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build-asan}
SECONDS_PER_TARGET=${2:-60}
WORK=$(mktemp -d /tmp/txc-fuzz-XXXXXX)
mkdir -p "$WORK/seeds"
i=0
for m in "$SRC"/tests/e2e/models/*/model.onnx "$SRC"/tests/malformed/models/*.onnx \
         "$SRC"/../shared/testdata/onnx-node/*/model.onnx; do
  [ -f "$m" ] || continue
  # Small seeds only: the mutator re-serializes the whole model each time.
  [ "$(stat -c %s "$m")" -lt 200000 ] || continue
  cp "$m" "$WORK/seeds/$i.onnx"; i=$((i + 1))
done
export ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for target in txc-fuzz-import; do
  crashes="$SRC/tests/fuzz/crashes/$target"
  mkdir -p "$crashes" "$WORK/corpus-$target"
  echo "== $target: $i seeds, $SECONDS_PER_TARGET s"
  "$BUILD/tests/fuzz/$target" -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=4096 \
    -max_len=1000000 -timeout=20 -print_final_stats=1 -artifact_prefix="$crashes/" \
    "$WORK/corpus-$target" "$WORK/seeds" 2>&1 | grep -E "stat::|ERROR|SUMMARY|Done" || true
  echo "crash files: $(ls "$crashes" | wc -l)"
done
rm -rf "$WORK"
