//===- Attention.cpp - Reference kernels: Attention, RotaryEmbedding ------===//
//
// attention implements ONNX Attention (opset 23/24, as revised in ONNX 1.22):
//
//   scores = scale * Q K^T                      (qk_matmul_output_mode 0)
//   scores = softcap * tanh(scores / softcap)   (if softcap > 0; mode 1)
//   scores += attn_mask + causal + nonpad masks (mode 2)
//   probs = softmax(scores)                     (mode 3)
//   Y = probs V
//
// K and V are first extended with past_key/past_value along the sequence
// axis (the results are present_key/present_value). With is_causal, query i
// may attend key j iff j <= i + past_sequence_length. Query head h uses
// key/value head h / (q_num_heads / kv_num_heads) (GQA). A boolean mask is
// true where attention is allowed; a float mask is added. A mask whose last
// dimension is shorter than the total sequence length is padded with
// -inf / false. A row whose keys are all masked gives NaN, as softmax of
// all -inf does in the ONNX function body. Everything is computed in double.
//
//===----------------------------------------------------------------------===//

#include "../Kernel.h"
#include "KernelUtil.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace txc::ref {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

using detail::fromDoubleVec;
using detail::toDoubleVec;

/// Q/K/V in [batch, heads, seq, headSize] layout, as doubles.
struct Heads {
  int64_t b = 0, h = 0, s = 0, d = 0;
  std::vector<double> v;
  double at(int64_t bi, int64_t hi, int64_t si, int64_t di) const {
    return v[((bi * h + hi) * s + si) * d + di];
  }
};

Heads toHeads(const Tensor &t, int64_t numHeadsAttr, const char *what) {
  if (!isFloat(t.dtype()))
    throw EvalError(std::string("attention: ") + what +
                    " must be a float tensor, got " + dtypeName(t.dtype()));
  Heads r;
  if (t.rank() == 4) {
    r.b = t.dim(0);
    r.h = t.dim(1);
    r.s = t.dim(2);
    r.d = t.dim(3);
    r.v = toDoubleVec(t);
    return r;
  }
  if (t.rank() != 3)
    throw EvalError(std::string("attention: ") + what +
                    " must be 3-D or 4-D, got shape " +
                    shapeToString(t.shape()));
  if (numHeadsAttr <= 0)
    throw EvalError(std::string("attention: 3-D ") + what +
                    " needs a positive q_num_heads/kv_num_heads attribute");
  if (t.dim(2) % numHeadsAttr != 0)
    throw EvalError(std::string("attention: hidden size ") +
                    std::to_string(t.dim(2)) + " of " + what +
                    " is not divisible by the number of heads " +
                    std::to_string(numHeadsAttr));
  r.b = t.dim(0);
  r.s = t.dim(1);
  r.h = numHeadsAttr;
  r.d = t.dim(2) / numHeadsAttr;
  std::vector<double> src = toDoubleVec(t);
  r.v.resize(src.size());
  // [b, s, h, d] -> [b, h, s, d]
  for (int64_t bi = 0; bi < r.b; ++bi)
    for (int64_t si = 0; si < r.s; ++si)
      for (int64_t hi = 0; hi < r.h; ++hi)
        for (int64_t di = 0; di < r.d; ++di)
          r.v[((bi * r.h + hi) * r.s + si) * r.d + di] =
              src[((bi * r.s + si) * r.h + hi) * r.d + di];
  return r;
}

/// Concatenates past (4-D [b, h, p, d]) and cur along the sequence axis.
Heads withPast(const Tensor &past, const Heads &cur, const char *what) {
  if (past.isNull())
    return cur;
  if (past.rank() != 4 || past.dim(0) != cur.b || past.dim(1) != cur.h ||
      past.dim(3) != cur.d)
    throw EvalError(std::string("attention: ") + what + " of shape " +
                    shapeToString(past.shape()) +
                    " does not match [batch=" + std::to_string(cur.b) +
                    ", kv_heads=" + std::to_string(cur.h) + ", *, head_size=" +
                    std::to_string(cur.d) + "]");
  Heads r = cur;
  int64_t p = past.dim(2);
  r.s = p + cur.s;
  r.v.assign(r.b * r.h * r.s * r.d, 0.0);
  std::vector<double> pv = toDoubleVec(past);
  for (int64_t bi = 0; bi < r.b; ++bi)
    for (int64_t hi = 0; hi < r.h; ++hi)
      for (int64_t si = 0; si < r.s; ++si)
        for (int64_t di = 0; di < r.d; ++di)
          r.v[((bi * r.h + hi) * r.s + si) * r.d + di] =
              si < p ? pv[((bi * r.h + hi) * p + si) * r.d + di]
                     : cur.at(bi, hi, si - p, di);
  return r;
}

std::vector<Tensor> attentionKernel(const KernelArgs &args) {
  const Tensor &Qt = args.required(0, "attention: input Q");
  const Tensor &Kt = args.required(1, "attention: input K");
  const Tensor &Vt = args.required(2, "attention: input V");
  const Tensor &mask = args.input(3);
  const Tensor &pastK = args.input(4);
  const Tensor &pastV = args.input(5);
  const Tensor &nonpad = args.input(6);
  const Attrs &at = args.attrs;
  int64_t isCausal = at.getInt("is_causal", 0);
  int64_t qHeadsAttr = at.getInt("q_num_heads", 0);
  int64_t kvHeadsAttr = at.getInt("kv_num_heads", 0);
  int64_t mode = at.getInt("qk_matmul_output_mode", 0);
  double softcap = at.getFloat("softcap", 0.0);
  if (mode < 0 || mode > 3)
    throw EvalError("attention: qk_matmul_output_mode must be 0..3, got " +
                    std::to_string(mode));
  if (Kt.dtype() != Vt.dtype())
    throw EvalError("attention: K and V dtypes differ");
  if ((pastK.isNull()) != (pastV.isNull()))
    throw EvalError("attention: past_key and past_value must both be given "
                    "or both be absent");

  Heads q = toHeads(Qt, qHeadsAttr, "Q");
  Heads k = toHeads(Kt, kvHeadsAttr, "K");
  Heads v = toHeads(Vt, kvHeadsAttr, "V");
  if (k.b != q.b || v.b != q.b)
    throw EvalError("attention: Q, K and V batch sizes differ");
  if (k.d != q.d)
    throw EvalError("attention: Q head size " + std::to_string(q.d) +
                    " differs from K head size " + std::to_string(k.d));
  if (v.h != k.h || v.s != k.s)
    throw EvalError("attention: K and V differ in heads or sequence length");
  if (k.h <= 0 || q.h % k.h != 0)
    throw EvalError("attention: q_num_heads " + std::to_string(q.h) +
                    " is not a multiple of kv_num_heads " + std::to_string(k.h));
  int64_t pastLen = pastK.isNull() ? 0 : pastK.dim(2);
  Heads pk = withPast(pastK, k, "past_key");
  Heads pv = withPast(pastV, v, "past_value");
  if (pk.s != pv.s)
    throw EvalError("attention: past_key and past_value sequence lengths "
                    "differ");
  const int64_t B = q.b, Hq = q.h, Sq = q.s, D = q.d, T = pk.s, Dv = pv.d;
  const int64_t group = Hq / k.h;
  double scale = at.has("scale") ? at.getFloat("scale")
                                 : 1.0 / std::sqrt(static_cast<double>(D));

  // Mask, right-aligned against [B, Hq, Sq, T]; its last dim may be short.
  Shape ms;
  std::vector<double> maskVals;
  bool maskBool = false;
  if (!mask.isNull()) {
    if (mask.rank() < 1 || mask.rank() > 4)
      throw EvalError("attention: attn_mask must have rank 1..4, got " +
                      shapeToString(mask.shape()));
    ms = mask.shape();
    while (ms.size() < 4)
      ms.insert(ms.begin(), 1);
    const int64_t full[3] = {B, Hq, Sq};
    for (int d = 0; d < 3; ++d)
      if (ms[d] != 1 && ms[d] != full[d])
        throw EvalError("attention: attn_mask of shape " +
                        shapeToString(mask.shape()) +
                        " cannot be broadcast to [" + std::to_string(B) + "," +
                        std::to_string(Hq) + "," + std::to_string(Sq) + "," +
                        std::to_string(T) + "]");
    if (ms[3] > T)
      throw EvalError("attention: attn_mask last dimension " +
                      std::to_string(ms[3]) +
                      " exceeds the total sequence length " +
                      std::to_string(T));
    maskBool = mask.dtype() == DType::Bool;
    if (!maskBool && !isFloat(mask.dtype()))
      throw EvalError(std::string("attention: attn_mask must be bool or "
                                  "float, got ") + dtypeName(mask.dtype()));
    maskVals = toDoubleVec(mask);
  }
  std::vector<int64_t> nonpadLens;
  if (!nonpad.isNull()) {
    if (nonpad.rank() != 1 || nonpad.dim(0) != B)
      throw EvalError("attention: nonpad_kv_seqlen must have shape [" +
                      std::to_string(B) + "], got " +
                      shapeToString(nonpad.shape()));
    nonpadLens = nonpad.toInts();
  }

  std::vector<double> y(B * Hq * Sq * Dv, 0.0);
  std::vector<double> qk(B * Hq * Sq * T, 0.0);
  std::vector<double> row(T);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < Hq; ++h) {
      int64_t hk = h / group;
      for (int64_t i = 0; i < Sq; ++i) {
        const double *qrow = &q.v[((b * Hq + h) * Sq + i) * D];
        for (int64_t j = 0; j < T; ++j) {
          const double *krow = &pk.v[((b * pk.h + hk) * T + j) * D];
          double s = 0;
          for (int64_t d = 0; d < D; ++d)
            s += qrow[d] * krow[d];
          row[j] = s * scale;
        }
        double *qkrow = &qk[((b * Hq + h) * Sq + i) * T];
        if (mode == 0)
          std::copy(row.begin(), row.end(), qkrow);
        if (softcap > 0)
          for (int64_t j = 0; j < T; ++j)
            row[j] = softcap * std::tanh(row[j] / softcap);
        if (mode == 1)
          std::copy(row.begin(), row.end(), qkrow);
        for (int64_t j = 0; j < T; ++j) {
          double bias = 0;
          if (!maskVals.empty()) {
            if (j >= ms[3]) {
              bias = kNegInf;
            } else {
              int64_t mi = (((ms[0] == 1 ? 0 : b) * ms[1] +
                             (ms[1] == 1 ? 0 : h)) * ms[2] +
                            (ms[2] == 1 ? 0 : i)) * ms[3] + j;
              bias = maskBool ? (maskVals[mi] != 0 ? 0.0 : kNegInf)
                              : maskVals[mi];
            }
          }
          if (isCausal && j > i + pastLen)
            bias += kNegInf;
          if (!nonpadLens.empty() && j >= nonpadLens[b])
            bias += kNegInf;
          row[j] += bias;
        }
        if (mode == 2)
          std::copy(row.begin(), row.end(), qkrow);
        double mx = kNegInf;
        for (int64_t j = 0; j < T; ++j)
          mx = std::max(mx, row[j]);
        double sum = 0;
        for (int64_t j = 0; j < T; ++j) {
          row[j] = std::exp(row[j] - mx); // all -inf: NaN, as in ONNX
          sum += row[j];
        }
        for (int64_t j = 0; j < T; ++j)
          row[j] /= sum;
        if (mode == 3)
          std::copy(row.begin(), row.end(), qkrow);
        double *yrow = &y[((b * Hq + h) * Sq + i) * Dv];
        for (int64_t j = 0; j < T; ++j) {
          double p = row[j];
          if (p == 0)
            continue;
          const double *vrow = &pv.v[((b * pv.h + hk) * T + j) * Dv];
          for (int64_t d = 0; d < Dv; ++d)
            yrow[d] += p * vrow[d];
        }
      }
    }

  std::vector<Tensor> out;
  if (Qt.rank() == 3) {
    std::vector<double> y3(y.size());
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < Hq; ++h)
        for (int64_t i = 0; i < Sq; ++i)
          for (int64_t d = 0; d < Dv; ++d)
            y3[((b * Sq + i) * Hq + h) * Dv + d] =
                y[((b * Hq + h) * Sq + i) * Dv + d];
    out.push_back(fromDoubleVec(Qt.dtype(), {B, Sq, Hq * Dv}, y3));
  } else {
    out.push_back(fromDoubleVec(Qt.dtype(), {B, Hq, Sq, Dv}, y));
  }
  if (args.numOutputs > 1)
    out.push_back(fromDoubleVec(Kt.dtype(), {B, pk.h, T, D}, pk.v));
  if (args.numOutputs > 2)
    out.push_back(fromDoubleVec(Vt.dtype(), {B, pv.h, T, Dv}, pv.v));
  if (args.numOutputs > 3)
    out.push_back(fromDoubleVec(Qt.dtype(), {B, Hq, Sq, T}, qk));
  return out;
}

std::vector<Tensor> rotaryEmbeddingKernel(const KernelArgs &args) {
  const Tensor &X = args.required(0, "rotary_embedding: input X");
  const Tensor &cosC = args.required(1, "rotary_embedding: cos_cache");
  const Tensor &sinC = args.required(2, "rotary_embedding: sin_cache");
  const Tensor &pos = args.input(3);
  int64_t interleaved = args.attrs.getInt("interleaved", 0);
  int64_t numHeads = args.attrs.getInt("num_heads", 0);
  int64_t rotDim = args.attrs.getInt("rotary_embedding_dim", 0);
  if (!isFloat(X.dtype()))
    throw EvalError(std::string("rotary_embedding: X must be float, got ") +
                    dtypeName(X.dtype()));
  // Work in [B, S, H, D] layout; remember how to map back.
  int64_t B, S, H, D;
  bool fourD = X.rank() == 4;
  if (fourD) { // [B, H, S, D]
    B = X.dim(0);
    H = X.dim(1);
    S = X.dim(2);
    D = X.dim(3);
  } else if (X.rank() == 3) { // [B, S, H*D]
    if (numHeads <= 0)
      throw EvalError("rotary_embedding: 3-D input needs a positive num_heads");
    if (X.dim(2) % numHeads != 0)
      throw EvalError("rotary_embedding: hidden size " +
                      std::to_string(X.dim(2)) +
                      " is not divisible by num_heads " +
                      std::to_string(numHeads));
    B = X.dim(0);
    S = X.dim(1);
    H = numHeads;
    D = X.dim(2) / numHeads;
  } else {
    throw EvalError("rotary_embedding: X must be 3-D or 4-D, got " +
                    shapeToString(X.shape()));
  }
  if (rotDim == 0)
    rotDim = D;
  if (rotDim < 0 || rotDim > D || rotDim % 2 != 0)
    throw EvalError("rotary_embedding: rotary_embedding_dim " +
                    std::to_string(rotDim) +
                    " must be even and at most the head size " +
                    std::to_string(D));
  int64_t half = rotDim / 2;
  if (cosC.shape() != sinC.shape())
    throw EvalError("rotary_embedding: cos_cache and sin_cache shapes differ");
  std::vector<int64_t> posIds;
  int64_t cacheRows = 0, cacheW = cosC.rank() ? cosC.dim(-1) : 0;
  if (!pos.isNull()) {
    if (pos.shape() != Shape{B, S})
      throw EvalError("rotary_embedding: position_ids must have shape [" +
                      std::to_string(B) + "," + std::to_string(S) + "], got " +
                      shapeToString(pos.shape()));
    if (cosC.rank() != 2)
      throw EvalError("rotary_embedding: with position_ids the caches must be "
                      "2-D [max_position, rotary_dim/2], got " +
                      shapeToString(cosC.shape()));
    cacheRows = cosC.dim(0);
    posIds = pos.toInts();
    for (int64_t p : posIds)
      if (p < 0 || p >= cacheRows)
        throw EvalError("rotary_embedding: position id " + std::to_string(p) +
                        " is out of range for a cache of " +
                        std::to_string(cacheRows) + " positions");
  } else if (cosC.rank() != 3 || cosC.dim(0) != B || cosC.dim(1) != S) {
    throw EvalError("rotary_embedding: without position_ids the caches must "
                    "have shape [" + std::to_string(B) + "," +
                    std::to_string(S) + ", rotary_dim/2], got " +
                    shapeToString(cosC.shape()));
  }
  if (cacheW < half)
    throw EvalError("rotary_embedding: cache width " + std::to_string(cacheW) +
                    " is smaller than rotary_dim/2 = " + std::to_string(half));
  std::vector<double> xs = toDoubleVec(X), cs = toDoubleVec(cosC),
                      ss = toDoubleVec(sinC);
  std::vector<double> ys = xs;
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s) {
      int64_t crow = posIds.empty() ? (b * S + s) : posIds[b * S + s];
      const double *c = &cs[crow * cacheW];
      const double *sn = &ss[crow * cacheW];
      for (int64_t h = 0; h < H; ++h) {
        int64_t base = fourD ? ((b * H + h) * S + s) * D : ((b * S + s) * H + h) * D;
        for (int64_t i = 0; i < half; ++i) {
          int64_t i1 = interleaved ? 2 * i : i;
          int64_t i2 = interleaved ? 2 * i + 1 : i + half;
          double x1 = xs[base + i1], x2 = xs[base + i2];
          ys[base + i1] = c[i] * x1 - sn[i] * x2;
          ys[base + i2] = sn[i] * x1 + c[i] * x2;
        }
      }
    }
  return {fromDoubleVec(X.dtype(), X.shape(), ys)};
}

} // namespace

void registerAttentionKernels(KernelRegistry &r) {
  r.add("attention", attentionKernel);
  r.add("rotary_embedding", rotaryEmbeddingKernel);
}

} // namespace txc::ref
