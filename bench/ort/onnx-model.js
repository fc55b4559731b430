// onnx-model.js - a minimal ONNX ModelProto encoder (and op-type lister) for
// bench-ort-gemm.js, so the benchmark needs no Python `onnx` module.
//
// It writes only what the benchmark's models use: ModelProto (ir_version,
// opset_import, graph), GraphProto (node, name, initializer, input, output),
// NodeProto (input, output, name, op_type, attribute, domain),
// AttributeProto (float, int, ints), TensorProto (dims, FLOAT, raw_data) and
// ValueInfoProto (float tensor type with fixed dims). Field numbers follow
// onnx.proto. listOps() decodes just enough of a ModelProto to list its
// graph's node op types (for the models ORT writes to optimizedModelFilePath).
//
// Usage (library):
//   const onnx = require('./onnx-model');
//   const bytes = onnx.model({
//     name: 'mm',
//     nodes: [{ op: 'MatMul', inputs: ['A', 'W'], outputs: ['Y'] }],
//     initializers: [{ name: 'W', dims: [K, N], data: float32Array }],
//     inputs: [{ name: 'A', dims: [M, K] }],
//     outputs: [{ name: 'Y', dims: [M, N] }],
//   });                       // -> Uint8Array (a serialized ModelProto)
// Attributes: attrs: { perm: { ints: [0, 2, 1] }, alpha: { f: 0.125 },
//                      transB: { i: 1 } }.
'use strict';

// Protobuf wire types.
const VARINT = 0, LEN = 2, FIXED32 = 5;
// onnx.proto enums.
const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_INTS = 7; // AttributeProto.AttributeType
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
  throw new Error('onnx-model.js: big-endian host (raw_data must be little-endian)');

function varint(n) {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n; // int64 two's complement
  const out = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

const key = (field, wire) => varint(field * 8 + wire);
const int = (field, v) => Buffer.concat([key(field, VARINT), varint(v)]);
const bytes = (field, b) => Buffer.concat([key(field, LEN), varint(b.length), b]);
const str = (field, s) => bytes(field, Buffer.from(s, 'utf8'));
const msg = (field, parts) => bytes(field, Buffer.concat(parts));
function float(field, x) {
  const b = Buffer.alloc(4);
  b.writeFloatLE(x);
  return Buffer.concat([key(field, FIXED32), b]);
}

// AttributeProto: name=1, f=2, i=3, ints=8, type=20.
function attribute(name, a) {
  const parts = [str(1, name)];
  if (a.f !== undefined) parts.push(float(2, a.f), int(20, ATTR_FLOAT));
  else if (a.i !== undefined) parts.push(int(3, a.i), int(20, ATTR_INT));
  else if (a.ints !== undefined) {
    for (const v of a.ints) parts.push(int(8, v));
    parts.push(int(20, ATTR_INTS));
  } else throw new Error(`attribute ${name}: want {f}, {i} or {ints}`);
  return parts;
}

// NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7.
function node(n, idx) {
  const parts = [];
  for (const s of n.inputs) parts.push(str(1, s));
  for (const s of n.outputs) parts.push(str(2, s));
  parts.push(str(3, n.name || `${n.op}_${idx}`), str(4, n.op));
  for (const [k, v] of Object.entries(n.attrs || {})) parts.push(msg(5, attribute(k, v)));
  if (n.domain) parts.push(str(7, n.domain));
  return parts;
}

// TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian fp32).
function tensor(t) {
  const parts = t.dims.map((d) => int(1, d));
  parts.push(int(2, FLOAT), str(8, t.name));
  const f = Float32Array.from(t.data); // copy: raw_data is little-endian
  const raw = Buffer.from(f.buffer, f.byteOffset, f.byteLength);
  parts.push(bytes(9, raw));
  return parts;
}

// ValueInfoProto: name=1, type=2; TypeProto: tensor_type=1;
// TypeProto.Tensor: elem_type=1, shape=2; TensorShapeProto: dim=1;
// Dimension: dim_value=1.
function valueInfo(v) {
  const shape = v.dims.map((d) => msg(1, [int(1, d)]));
  const tensorType = [int(1, FLOAT), msg(2, shape)];
  return [str(1, v.name), msg(2, [msg(1, tensorType)])];
}

// GraphProto: node=1, name=2, initializer=5, input=11, output=12.
// ModelProto: ir_version=1, graph=7, opset_import=8;
// OperatorSetIdProto: domain=1, version=2.
function model(g) {
  const graph = [];
  g.nodes.forEach((n, i) => graph.push(msg(1, node(n, i))));
  graph.push(str(2, g.name || 'graph'));
  for (const t of g.initializers || []) graph.push(msg(5, tensor(t)));
  for (const v of g.inputs) graph.push(msg(11, valueInfo(v)));
  for (const v of g.outputs) graph.push(msg(12, valueInfo(v)));
  const opsets = g.opsets || [{ domain: '', version: 17 }];
  const parts = [int(1, g.irVersion || 8)];
  for (const o of opsets) {
    const os = o.domain ? [str(1, o.domain)] : [];
    os.push(int(2, o.version));
    parts.push(msg(8, os));
  }
  parts.push(msg(7, graph));
  const out = Buffer.concat(parts);
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

// --- decoding, just enough to list a model's node op types ---------------

/// Calls fn(field, wireType, value) for each field of the message in
/// buf[start, end); value is a number (varint), or [from, to) for LEN.
function fields(buf, start, end, fn) {
  let p = start;
  const readVarint = () => {
    let v = 0n, s = 0n;
    for (;;) {
      const b = buf[p++];
      v |= BigInt(b & 0x7f) << s;
      if (b < 0x80) return v;
      s += 7n;
    }
  };
  while (p < end) {
    const k = Number(readVarint());
    const field = k >>> 3, wire = k & 7;
    if (wire === VARINT) fn(field, wire, readVarint());
    else if (wire === LEN) {
      const len = Number(readVarint());
      fn(field, wire, [p, p + len]);
      p += len;
    } else if (wire === FIXED32) p += 4;
    else if (wire === 1) p += 8; // fixed64
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

/// The op types of a serialized ModelProto's graph nodes, in graph order,
/// as "domain:OpType" for non-default domains.
function listOps(u8) {
  const buf = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
  const ops = [];
  fields(buf, 0, buf.length, (f, w, v) => {
    if (f !== 7 || w !== LEN) return; // ModelProto.graph
    fields(buf, v[0], v[1], (gf, gw, gv) => {
      if (gf !== 1 || gw !== LEN) return; // GraphProto.node
      let op = '', domain = '';
      fields(buf, gv[0], gv[1], (nf, nw, nv) => {
        if (nw !== LEN) return;
        if (nf === 4) op = buf.toString('utf8', nv[0], nv[1]);
        if (nf === 7) domain = buf.toString('utf8', nv[0], nv[1]);
      });
      ops.push(domain ? `${domain}:${op}` : op);
    });
  });
  return ops;
}

module.exports = { model, listOps };
