#!/usr/bin/env node
// bench-ort-gemm.js - ONNX Runtime's CPU MatMul (MLAS) on the cases of
// txc-bench-gemm, driven from Node.js (onnxruntime-node), for a side-by-side
// comparison with txc (see compare.sh).
//
// Each case is a small ONNX model built in memory (onnx-model.js):
//   bert      M in {128,512} x (N,K) in {(768,768),(2304,768),(3072,768),
//             (768,3072)}: MatMul(A[M,K], W[K,N]) (W an initializer), and
//             with bias+gelu: MatMul, Add(bias[N]), exact (erf) GELU, which
//             ORT's optimizer fuses;
//   lmhead    M=128 N=50257 K=768, MatMul only;
//   decode    M=1, the four (N,K) pairs, MatMul only; as txc-bench-gemm
//             rotates weight copies totalling >= 4 x L3 (so they stream from
//             DRAM), this rotates as many sessions, each with its own weights
//             (and session.force_spinning_stop=1: their idle pools would
//             otherwise spin on while the next session runs);
//   attention 12 heads, head dim 64, S in {128,512}: qkT = 0.125 * Q K^T
//             (MatMul(Q, Transpose(K)) * 0.125, fused to FusedMatMul) and
//             pv = P V, both operands graph inputs.
// Sessions: intraOpNumThreads = t, interOpNumThreads = 1, sequential,
// graphOptimizationLevel 'all'. Before timing, each model's output is checked
// at 48 points against a double-precision JS reference (exit 1 on a miss).
//
// Outputs are preallocated and passed as fetches, and ORT writes into them,
// but onnxruntime-node 1.30 still copies each output into a fresh JS array
// on every run. So each line also has
//   ort_overhead_ms  an Identity model with the same output, timed alike
//                    (an upper bound of that per-run cost: it includes
//                    Identity's own copy); NOT subtracted from ort_ms;
//   ort_run_ms       ORT's own median time per run (its profiler's
//                    model_run), from a second, profiled pass.
//
// Output, one line per case (medians of >= --runs runs; short cases get up
// to ~0.3 s of runs, at most 2000, as in txc-bench-gemm):
//   ort case=bert M=128 N=768 K=768 threads=2 epilogue=none ort_gflops=..
//       ort_ms=.. ort_overhead_ms=.. ort_run_gflops=.. ort_run_ms=..
// plus `ort graph epilogue=.. ops=..`: the ops of each optimized graph.
//
// Usage: cd bench/ort && npm ci --ignore-scripts   (once)
//        node bench-ort-gemm.js [--threads 1,2] [--runs 30] [--warmup 3]
//                               [--case all|bert|lmhead|decode|attention]
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const onnx = require('./onnx-model');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.error(`bench-ort-gemm: onnxruntime-node is missing (${e.code || e.message});\n` +
    `  run: cd ${__dirname} && npm ci --ignore-scripts`);
  process.exit(2);
}

// --- options ---------------------------------------------------------------

function parseArgs(argv) {
  const o = { threads: [1, 2], runs: 30, warmup: 3, cases: 'all' };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i], v = () => {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--threads') o.threads = v().split(',').map(Number);
    else if (a === '--runs') o.runs = Math.max(1, parseInt(v(), 10));
    else if (a === '--warmup') o.warmup = Math.max(0, parseInt(v(), 10));
    else if (a === '--case') o.cases = v();
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown option ${a}`);
  }
  if (o.threads.some((t) => !(t >= 1))) usage('--threads wants e.g. 1,2');
  return o;
}

function usage(err) {
  const text = 'usage: node bench-ort-gemm.js [--threads 1,2] [--runs N] [--warmup N] ' +
    '[--case all|bert|lmhead|decode|attention]';
  if (err) console.error(`bench-ort-gemm: ${err}\n${text}`);
  else console.log(text);
  process.exit(err ? 2 : 0);
}

// --- data and references ----------------------------------------------------

/// Deterministic uniform values in [-1, 1) (xorshift32).
function randomData(n, seed) {
  const a = new Float32Array(n);
  let s = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < n; ++i) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    a[i] = s / 2147483648 - 1;
  }
  return a;
}

/// erf, Abramowitz & Stegun 7.1.26 (absolute error < 1.5e-7).
function erf(x) {
  const s = Math.sign(x), ax = Math.abs(x), t = 1 / (1 + 0.3275911 * ax);
  const p = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 +
    t * (-1.453152027 + t * 1.061405429))));
  return s * (1 - p * Math.exp(-ax * ax));
}
const gelu = (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));

/// Compares 48 sampled outputs with ref(index) -> [value, scale]: the
/// relative error |got - value| / max(|value|, scale) must be < 1e-4, where
/// scale is the 2-norm of the products summed (the typical size of such a
/// sum, so that a result that cancels to ~0 does not fail). Exits on failure.
function check(label, got, ref) {
  for (let j = 0; j < 48; ++j) {
    const idx = j === 0 ? 0 : j === 47 ? got.length - 1
      : Math.floor(((j * 2654435761) % 4294967296) / 4294967296 * got.length);
    const [want, scale] = ref(idx);
    const err = Math.abs(got[idx] - want) / Math.max(Math.abs(want), scale, 1e-30);
    if (!(err < 1e-4)) {
      console.error(`bench-ort-gemm: ${label}: wrong result at element ${idx}: ` +
        `ort ${got[idx]}, reference ${want} (relative error ${err.toExponential(2)})`);
      process.exit(1);
    }
  }
}

/// Reference of C[i,j] = sum_k A[i,k] B[k,j] in double (B given by an
/// accessor) -> [value, 2-norm of the products].
function dotRef(A, aOff, K, b) {
  let s = 0, q = 0;
  for (let k = 0; k < K; ++k) {
    const p = A[aOff + k] * b(k);
    s += p;
    q += p * p;
  }
  return [s, Math.sqrt(q)];
}

// --- models -----------------------------------------------------------------

const scalar = (name, v) => ({ name, dims: [], data: [v] });

/// MatMul(A[M,K], W[K,N]) [+ Add(bias) + x*0.5*(1+Erf(x/sqrt(2)))] -> Y[M,N].
function denseModel(M, N, K, W, bias) {
  const nodes = [{ op: 'MatMul', inputs: ['A', 'W'], outputs: [bias ? 'mm' : 'Y'] }];
  const inits = [{ name: 'W', dims: [K, N], data: W }];
  if (bias) {
    nodes.push(
      { op: 'Add', inputs: ['mm', 'bias'], outputs: ['x'] },
      { op: 'Div', inputs: ['x', 'sqrt2'], outputs: ['xs'] },
      { op: 'Erf', inputs: ['xs'], outputs: ['e'] },
      { op: 'Add', inputs: ['e', 'one'], outputs: ['e1'] },
      { op: 'Mul', inputs: ['x', 'e1'], outputs: ['xe'] },
      { op: 'Mul', inputs: ['xe', 'half'], outputs: ['Y'] });
    inits.push({ name: 'bias', dims: [N], data: bias }, scalar('sqrt2', Math.SQRT2),
      scalar('one', 1), scalar('half', 0.5));
  }
  return onnx.model({
    name: 'dense', nodes, initializers: inits,
    inputs: [{ name: 'A', dims: [M, K] }], outputs: [{ name: 'Y', dims: [M, N] }],
  });
}

/// qkT: 0.125 * Q[H,S,D] x K[H,S,D]^T -> [H,S,S]; pv: P[H,S,S] x V[H,S,D].
function attentionModel(H, S, D, qk) {
  if (qk)
    return onnx.model({
      name: 'qkT',
      nodes: [
        { op: 'Transpose', inputs: ['K'], outputs: ['Kt'], attrs: { perm: { ints: [0, 2, 1] } } },
        { op: 'MatMul', inputs: ['Q', 'Kt'], outputs: ['s'] },
        { op: 'Mul', inputs: ['s', 'scale'], outputs: ['Y'] }],
      initializers: [scalar('scale', 0.125)],
      inputs: [{ name: 'Q', dims: [H, S, D] }, { name: 'K', dims: [H, S, D] }],
      outputs: [{ name: 'Y', dims: [H, S, S] }],
    });
  return onnx.model({
    name: 'pv', nodes: [{ op: 'MatMul', inputs: ['P', 'V'], outputs: ['Y'] }],
    inputs: [{ name: 'P', dims: [H, S, S] }, { name: 'V', dims: [H, S, D] }],
    outputs: [{ name: 'Y', dims: [H, S, D] }],
  });
}

function identityModel(dims) {
  return onnx.model({
    name: 'identity', nodes: [{ op: 'Identity', inputs: ['X'], outputs: ['Y'] }],
    inputs: [{ name: 'X', dims }], outputs: [{ name: 'Y', dims }],
  });
}

// --- sessions and timing ------------------------------------------------------

let profiles = 0;
/// Session options; opts.stopSpinning for rotating sessions (each has its
/// own pool, whose workers would otherwise spin on after a run while the
/// next session runs); opts.profile: a profile file prefix.
function sessionOptions(t, opts = {}) {
  const o = {
    intraOpNumThreads: t, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: 'all', logSeverityLevel: 3,
  };
  if (opts.stopSpinning) o.extra = { session: { force_spinning_stop: '1' } };
  if (opts.profile) Object.assign(o, { enableProfiling: true, profileFilePrefix: opts.profile });
  return o;
}

const tensor = (data, dims) => new ort.Tensor('float32', data, dims);
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

function median(v) {
  const s = [...v].sort((a, b) => a - b), n = s.length;
  return n % 2 ? s[n >> 1] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
}

/// Median wall time (ms) of runs of `sessions` in turn, after warmup runs:
/// at least opt.runs samples, more for short runs (up to ~0.3 s, at most
/// 2000).
async function timeRuns(sessions, feeds, fetches, opt) {
  let next = 0;
  const run = () => {
    const s = sessions[next];
    next = (next + 1) % sessions.length;
    return s.run(feeds, fetches);
  };
  for (let i = 0; i < opt.warmup; ++i) await run();
  let a = now();
  await run();
  const once = now() - a;
  const n = Math.max(opt.runs, Math.min(2000, Math.floor(300 / Math.max(once, 1e-3))));
  const t = [];
  for (let i = 0; i < n; ++i) {
    a = now();
    await run();
    t.push(now() - a);
  }
  return median(t);
}

/// ORT's own median run time (ms): the profiler's model_run durations over
/// the same kind of runs, on profiled copies of the sessions.
async function ortRunMs(create, count, feeds, fetches, opt) {
  const prefixes = [], sessions = [];
  for (let c = 0; c < count; ++c) {
    prefixes.push(path.join(os.tmpdir(), `txc-ort-prof-${process.pid}-${++profiles}`));
    sessions.push(await create(c, { profile: prefixes[c] }));
  }
  await timeRuns(sessions, feeds, fetches, opt);
  const durs = [], skip = Math.ceil((opt.warmup + 1) / count); // warmup runs
  for (let c = 0; c < count; ++c) {
    sessions[c].endProfiling();
    await sessions[c].release();
    const dir = path.dirname(prefixes[c]), base = path.basename(prefixes[c]) + '_';
    for (const f of fs.readdirSync(dir).filter((n) => n.startsWith(base))) {
      const events = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      fs.unlinkSync(path.join(dir, f));
      durs.push(...events.filter((e) => e.name === 'model_run').slice(skip).map((e) => e.dur / 1e3));
    }
  }
  return durs.length ? median(durs) : NaN;
}

const overheadCache = new Map();
/// Per-run cost of a Node run with a preallocated output of these dims:
/// an Identity model timed like the cases.
async function overheadMs(dims, t, opt) {
  const keyStr = `${dims.join('x')}/${t}`;
  if (!overheadCache.has(keyStr)) {
    const n = dims.reduce((a, b) => a * b, 1);
    const s = await ort.InferenceSession.create(identityModel(dims), sessionOptions(t));
    const feeds = { X: tensor(randomData(n, 99), dims) }, fetches = { Y: tensor(new Float32Array(n), dims) };
    overheadCache.set(keyStr, await timeRuns([s], feeds, fetches, opt));
    await s.release();
  }
  return overheadCache.get(keyStr);
}

let preallocChecked = false;
/// Runs once with the output filled with NaN, checks that ORT wrote the
/// result into the preallocated buffer, and returns it.
async function runChecked(session, feeds, fetches) {
  const out = fetches.Y.data;
  out.fill(NaN);
  const r = await session.run(feeds, fetches);
  const same = out.every((v, i) => v === r.Y.data[i] || (Number.isNaN(v) && Number.isNaN(r.Y.data[i])));
  if (!same || out.some(Number.isNaN)) {
    console.error('bench-ort-gemm: ORT did not write into the preallocated output');
    process.exit(1);
  }
  if (!preallocChecked) {
    preallocChecked = true;
    console.log(`ort setup version=${ort.env.versions.node} preallocated_outputs=written ` +
      `binding_copies_outputs=${r.Y.data.buffer !== out.buffer ? 'yes' : 'no'}`);
  }
  return out;
}

const printed = new Set();
/// Prints the op types of the optimized graph, once per label (makeModel
/// is called only then).
async function printGraph(label, makeModel) {
  if (printed.has(label)) return;
  printed.add(label);
  const file = path.join(os.tmpdir(), `txc-ort-opt-${process.pid}.onnx`);
  const s = await ort.InferenceSession.create(makeModel(),
    { ...sessionOptions(1), optimizedModelFilePath: file });
  await s.release();
  const ops = onnx.listOps(fs.readFileSync(file));
  fs.unlinkSync(file);
  console.log(`ort graph epilogue=${label} ops=${ops.join(',')}`);
}

/// One case line: checks, times and prints. makeModel(c) builds copy c's
/// model (count > 1: rotated copies); checkOutput(c, Y) checks its output.
async function measure(c, opt) {
  const { label, epi, t, count = 1, makeModel, feeds, fetches, flops, checkOutput } = c;
  const create = (i, o = {}) => ort.InferenceSession.create(makeModel(i),
    sessionOptions(t, { stopSpinning: count > 1, ...o }));
  await printGraph(epi, () => makeModel(0));
  const sessions = [];
  for (let i = 0; i < count; ++i) sessions.push(await create(i));
  for (const i of count > 1 ? [0, count - 1] : [0]) // first and last copy suffice
    checkOutput(i, await runChecked(sessions[i], feeds, fetches));
  const ms = await timeRuns(sessions, feeds, fetches, opt);
  for (const s of sessions) await s.release();
  const runMs = await ortRunMs(create, count, feeds, fetches, opt);
  const overMs = await overheadMs(fetches.Y.dims, t, opt);
  const g = (x) => (flops / x * 1e-6).toFixed(1);
  console.log(`ort case=${label} threads=${t} epilogue=${epi} ort_gflops=${g(ms)} ` +
    `ort_ms=${ms.toFixed(4)} ort_overhead_ms=${overMs.toFixed(4)} ` +
    `ort_run_gflops=${g(runMs)} ort_run_ms=${runMs.toFixed(4)}`);
}

// --- cases --------------------------------------------------------------------

function l3Bytes() {
  try {
    const s = fs.readFileSync('/sys/devices/system/cpu/cpu0/cache/index3/size', 'utf8').trim();
    const v = parseInt(s, 10);
    return /K$/i.test(s) ? v * 1024 : /M$/i.test(s) ? v << 20 : v;
  } catch (e) {
    return 32 << 20;
  }
}

/// A[M,K] x W[K,N] (+ bias+gelu). rotate: as many weight copies (one
/// session each) as fill 4 x L3, used in turn (as txc-bench-gemm does).
async function denseCase(cs, M, N, K, opt, { withGelu = false, rotate = false } = {}) {
  const A = randomData(M * K, 1), bias = randomData(N, 3);
  const count = rotate ? Math.max(2, Math.ceil(4 * l3Bytes() / (K * N * 4))) : 1;
  const Ws = Array.from({ length: count }, (_, c) => randomData(K * N, 2 + c));
  const feeds = { A: tensor(A, [M, K]) };
  const fetches = { Y: tensor(new Float32Array(M * N), [M, N]) };
  for (const gel of withGelu ? [false, true] : [false]) {
    const epi = gel ? 'bias+gelu' : 'none', label = `${cs} M=${M} N=${N} K=${K}`;
    for (const t of opt.threads)
      await measure({
        label, epi, t, count, feeds, fetches, flops: 2 * M * N * K,
        makeModel: (c) => denseModel(M, N, K, Ws[c], gel ? bias : null),
        checkOutput: (c, Y) => check(`case=${label} threads=${t} epilogue=${epi} copy=${c}`, Y, (idx) => {
          const i = Math.floor(idx / N), j = idx % N;
          const [v, m] = dotRef(A, i * K, K, (k) => Ws[c][k * N + j]);
          return gel ? [gelu(v + bias[j]), Math.hypot(m, bias[j])] : [v, m];
        }),
      }, opt);
  }
}

async function attentionCase(S, opt) {
  const H = 12, D = 64;
  const Q = randomData(H * S * D, 5), Kk = randomData(H * S * D, 6),
    V = randomData(H * S * D, 7), P = randomData(H * S * S, 8);
  for (const t of opt.threads)
    for (const qk of [true, false]) {
      const epi = qk ? 'qkT' : 'pv', M = S, N = qk ? S : D, K = qk ? D : S;
      const label = `attention M=${M} N=${N} K=${K}`;
      await measure({
        label, epi, t, flops: 2 * H * M * N * K,
        makeModel: () => attentionModel(H, S, D, qk),
        feeds: qk ? { Q: tensor(Q, [H, S, D]), K: tensor(Kk, [H, S, D]) }
          : { P: tensor(P, [H, S, S]), V: tensor(V, [H, S, D]) },
        fetches: { Y: tensor(new Float32Array(H * M * N), [H, M, N]) },
        checkOutput: (c, Y) => check(`case=${label} threads=${t} epilogue=${epi}`, Y, (idx) => {
          const h = Math.floor(idx / (M * N)), i = Math.floor(idx / N) % M, j = idx % N;
          const [v, m] = qk ? dotRef(Q, (h * S + i) * D, D, (k) => Kk[(h * S + j) * D + k])
            : dotRef(P, (h * S + i) * S, S, (k) => V[(h * S + k) * D + j]);
          return qk ? [0.125 * v, 0.125 * m] : [v, m];
        }),
      }, opt);
    }
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  const wants = (c) => opt.cases === 'all' || opt.cases.includes(c);
  const bertNK = [[768, 768], [2304, 768], [3072, 768], [768, 3072]];
  if (wants('bert'))
    for (const M of [128, 512])
      for (const [N, K] of bertNK) await denseCase('bert', M, N, K, opt, { withGelu: true });
  if (wants('lmhead')) await denseCase('lmhead', 128, 50257, 768, opt);
  if (wants('decode'))
    for (const [N, K] of bertNK) await denseCase('decode', 1, N, K, opt, { rotate: true });
  if (wants('attention'))
    for (const S of [128, 512]) await attentionCase(S, opt);
}

main().catch((e) => {
  console.error(`bench-ort-gemm: ${e.stack || e}`);
  process.exit(1);
});
