#!/usr/bin/env bash
# compare.sh - txc's fp32 GEMM next to ONNX Runtime's CPU MatMul (MLAS).
#
# Runs, alternating for R rounds (so machine noise hits both alike),
#   BUILD/bench/txc-bench-gemm --no-blas --threads 1,2 --runs N
#   node bench-ort-gemm.js --threads 1,2 --runs N
# and prints, per case, the medians over the rounds:
#   gemm-vs-ort case=.. M=.. N=.. K=.. threads=.. epilogue=.. txc_gflops=..
#       ort_gflops=.. ratio_vs_ort=.. ort_run_gflops=.. ratio_vs_ort_run=..
#   gemm-vs-ort summary: min_ratio_vs_ort=.. median_ratio_vs_ort=.. ...
# ort_gflops is ORT's wall time seen from Node (what the comparison is
# about); ort_run_gflops is ORT's own time for the run (its profiler's
# model_run), i.e. without the Node binding's per-run output copy.
#
# Usage: bash bench/ort/compare.sh BUILD_DIR [--runs N] [--rounds R]
#   (needs node and, once: cd bench/ort && npm ci --ignore-scripts)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() {
  echo "usage: $0 BUILD_DIR [--runs N] [--rounds R]" >&2
  exit 2
}

[[ $# -ge 1 && $1 != -* ]] || usage
build=$1
shift
runs=30
rounds=3
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) [[ $# -ge 2 ]] || usage; runs=$2; shift 2 ;;
    --rounds) [[ $# -ge 2 ]] || usage; rounds=$2; shift 2 ;;
    *) usage ;;
  esac
done
[[ $runs =~ ^[0-9]+$ && $rounds =~ ^[1-9][0-9]*$ ]] || usage

bench=$build/bench/txc-bench-gemm
if [[ ! -x $bench ]]; then
  echo "compare.sh: $bench not found: build txc first" >&2
  exit 2
fi
if ! command -v node >/dev/null; then
  echo "compare.sh: node (Node.js >= 18) is needed" >&2
  exit 2
fi
if [[ ! -d $here/node_modules/onnxruntime-node ]]; then
  echo "compare.sh: ONNX Runtime for Node is not installed; run:" >&2
  echo "  cd $here && npm ci --ignore-scripts" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for ((r = 1; r <= rounds; r++)); do
  echo "compare.sh: round $r/$rounds: txc-bench-gemm" >&2
  "$bench" --no-blas --threads 1,2 --runs "$runs" >"$tmp/txc.$r"
  echo "compare.sh: round $r/$rounds: bench-ort-gemm.js" >&2
  node "$here/bench-ort-gemm.js" --threads 1,2 --runs "$runs" >"$tmp/ort.$r"
done

grep -h '^ort \(setup\|graph\)' "$tmp/ort.1" || true
awk '
  function val(name,   i) {
    for (i = 1; i <= NF; ++i)
      if (index($i, name "=") == 1) return substr($i, length(name) + 2)
    return ""
  }
  function median(a, n,   i, j, t) { # sorts a[1..n]
    for (i = 2; i <= n; ++i)
      for (j = i; j > 1 && a[j - 1] > a[j]; --j) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function med(arr, k, n,   i, a) {
    for (i = 1; i <= n; ++i) a[i] = arr[k, i]
    return median(a, n)
  }
  # Both benches print "... case=.. M=.. N=.. K=.. threads=.. epilogue=.. ..."
  ($1 == "gemm" || $1 == "ort") && $2 ~ /^case=/ && $7 ~ /^epilogue=/ {
    key = $2 " " $3 " " $4 " " $5 " " $6 " " $7
    if ($1 == "gemm") {
      if (!(key in nt)) order[++nkeys] = key
      txc[key, ++nt[key]] = val("txc_gflops")
    } else {
      if (!(key in no)) ortonly[key] = 1
      ort[key, ++no[key]] = val("ort_gflops")
      run[key, no[key]] = val("ort_run_gflops")
    }
  }
  END {
    for (i = 1; i <= nkeys; ++i) {
      k = order[i]
      delete ortonly[k]
      if (!(k in no)) { print "compare.sh: no ORT figure for " k > "/dev/stderr"; continue }
      t = med(txc, k, nt[k]); o = med(ort, k, no[k]); r = med(run, k, no[k])
      ratio[++n] = o > 0 ? t / o : 0
      rratio[n] = r > 0 ? t / r : 0
      printf "gemm-vs-ort %s txc_gflops=%.1f ort_gflops=%.1f ratio_vs_ort=%.2f " \
             "ort_run_gflops=%.1f ratio_vs_ort_run=%.2f\n", k, t, o, ratio[n], r, rratio[n]
    }
    for (k in ortonly) print "compare.sh: no txc figure for " k > "/dev/stderr"
    if (n == 0) { print "compare.sh: no case in common" > "/dev/stderr"; exit 1 }
    for (i = 1; i <= n; ++i) { a[i] = ratio[i]; b[i] = rratio[i] }
    median(a, n); median(b, n) # sorted: a[1] is the minimum
    printf "gemm-vs-ort summary: min_ratio_vs_ort=%.2f median_ratio_vs_ort=%.2f " \
           "min_ratio_vs_ort_run=%.2f median_ratio_vs_ort_run=%.2f cases=%d rounds=%d\n",
           a[1], median(a, n), b[1], median(b, n), n, rounds
  }
' rounds="$rounds" "$tmp"/txc.* "$tmp"/ort.*
