#!/usr/bin/python3
"""Writes the malformed-model corpus: models/*.onnx, *.npy and cases.json.

Each case is a well-formed protobuf with one wrong field (or a bad file, or
a bad command line) and the exit code and message words txc must give. The
generated files are committed; run_cases.py (no onnx package needed) runs
every case. Regenerate with Debian's Python (apt-get install python3-onnx):

  /usr/bin/python3 tests/malformed/make_corpus.py
"""
import json
import os
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.join(HERE, "models")
f32, i64 = TensorProto.FLOAT, TensorProto.INT64
vi = helper.make_tensor_value_info
node = helper.make_node
CASES = []
shutil.rmtree(MODELS, ignore_errors=True)
os.makedirs(MODELS)


def bare_tensor(name, dtype, dims):
    """A TensorProto with dims but no data (make_tensor checks the count)."""
    t = TensorProto()
    t.name, t.data_type = name, dtype
    t.dims.extend(dims)
    return t


def model(name, nodes, inputs, outputs, opset=17, inits=(), check=False):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="make_corpus.py")
    m.ir_version = 8
    if check:
        onnx.checker.check_model(m)
    return m


def save(name, m):
    with open(os.path.join(MODELS, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())


def case(name, args, exit_code, words, **extra):
    """args: the txc command line; {m} is the models folder, {t} a fresh
    temporary folder. words: all must appear in stderr (stdout too when
    'stdout' is given)."""
    c = {"name": name, "args": args, "exit": exit_code, "stderr": words}
    c.update(extra)
    CASES.append(c)


def import_case(name, m, words, exit_code=1, cls="structure"):
    save(name, m)
    case(name, ["import", "{m}/" + name + ".onnx"], exit_code, words, cls=cls)


relu_io = ([vi("x", f32, [2, 3])], [vi("y", f32, None)])

# --- Graph structure ---------------------------------------------------------
import_case("empty_operand_name",
            model("g", [node("Relu", [""], ["y"], name="r")], *relu_io),
            ["node 'r' (Relu)", "input #0 'X' is required", "empty"])
import_case("missing_operand",
            model("g", [node("Add", ["x"], ["y"], name="add")], *relu_io),
            ["node 'add' (Add)", "input #1 'B' is required"])
import_case("dangling_name",
            model("g", [node("Relu", ["nowhere"], ["y"], name="r")], *relu_io),
            ["node 'r' (Relu)", "'nowhere' is not defined"])
import_case("cycle",
            model("g", [node("Add", ["x", "b"], ["a"], name="first"),
                        node("Relu", ["a"], ["b"], name="second"),
                        node("Identity", ["a"], ["y"], name="out")], *relu_io),
            ["node 'first' (Add)", "'b' is defined by node 'second' (Relu)",
             "the graph has a cycle"])
import_case("self_loop",
            model("g", [node("Add", ["x", "y"], ["y"], name="loop")], *relu_io),
            ["node 'loop' (Add)", "itself", "cycle"])
import_case("not_topological",
            model("g", [node("Relu", ["a"], ["y"], name="late"),
                        node("Relu", ["x"], ["a"], name="early")], *relu_io),
            ["node 'late' (Relu)", "a later node", "not in topological order"])
import_case("defined_twice_nodes",
            model("g", [node("Relu", ["x"], ["y"], name="one"),
                        node("Neg", ["x"], ["y"], name="two")], *relu_io),
            ["value 'y' is defined twice", "node 'one' (Relu)", "node 'two' (Neg)"])
import_case("defined_twice_node_and_input",
            model("g", [node("Relu", ["x"], ["x"], name="shadow"),
                        node("Relu", ["x"], ["y"], name="r")], *relu_io),
            ["value 'x' is defined twice", "graph input #0", "node 'shadow' (Relu)"])
import_case("defined_twice_inputs",
            model("g", [node("Relu", ["x"], ["y"], name="r")],
                  [vi("x", f32, [2]), vi("x", f32, [3])], [vi("y", f32, None)]),
            ["value 'x' is defined twice", "graph input #0", "graph input #1"])
import_case("duplicate_output_names",
            model("g", [node("Relu", ["x"], ["y"], name="r")], relu_io[0],
                  [vi("y", f32, None), vi("y", f32, None)]),
            ["graph output 'y' is listed twice"])
import_case("output_not_produced",
            model("g", [node("Relu", ["x"], ["y"], name="r")], relu_io[0],
                  [vi("z", f32, None)]),
            ["graph output 'z' is not produced by any node"])
import_case("empty_input_name",
            model("g", [node("Relu", ["x"], ["y"], name="r")],
                  [vi("x", f32, [2]), vi("", f32, [2])], [vi("y", f32, None)]),
            ["graph input #1 has an empty name"])
import_case("node_without_outputs",
            model("g", [node("Relu", ["x"], [], name="r"),
                        node("Relu", ["x"], ["y"], name="r2")], *relu_io),
            ["node 'r' (Relu): has no outputs"])
import_case("split_num_outputs_zero",
            model("g", [node("Split", ["x"], ["y"], name="split", axis=0,
                             num_outputs=0)], *relu_io, opset=18),
            ["node 'split' (Split)", "'num_outputs' must be positive, is 0"])
import_case("split_num_outputs_mismatch",
            model("g", [node("Split", ["x"], ["y", "z"], name="split", axis=1,
                             num_outputs=3)], relu_io[0],
                  [vi("y", f32, None), vi("z", f32, None)], opset=18),
            ["node 'split' (Split)", "num_outputs is 3 but the node has 2 outputs"])
gn_inputs = [vi("x", f32, [1, 4, 2]), vi("s", f32, [4]), vi("b", f32, [4])]
import_case("group_norm_num_groups_zero",
            model("g", [node("GroupNormalization", ["x", "s", "b"], ["y"], name="gn",
                             num_groups=0)], gn_inputs, [vi("y", f32, None)], opset=21),
            ["node 'gn' (GroupNormalization)", "'num_groups' must be positive, is 0"])
att_inputs = [vi("q", f32, [1, 4, 8]), vi("k", f32, [1, 4, 8]), vi("v", f32, [1, 4, 8])]
import_case("attention_num_heads_zero",
            model("g", [node("Attention", ["q", "k", "v"], ["y"], name="att",
                             q_num_heads=0, kv_num_heads=0)],
                  att_inputs, [vi("y", f32, None)], opset=23),
            ["node 'att' (Attention)", "'q_num_heads' must be positive",
             "'kv_num_heads' must be positive"])
import_case("depth_to_space_blocksize_zero",
            model("g", [node("DepthToSpace", ["x"], ["y"], name="d2s", blocksize=0)],
                  [vi("x", f32, [1, 4, 2, 2])], [vi("y", f32, None)]),
            ["node 'd2s' (DepthToSpace)", "'blocksize' must be positive"])
import_case("attr_wrong_kind",
            model("g", [node("Gemm", ["x", "x"], ["y"], name="gemm", alpha="big",
                             transB=1)], *relu_io),
            ["node 'gemm' (Gemm)", "attribute 'alpha' must be FLOAT, is STRING"])
import_case("attr_ints_for_int",
            model("g", [node("Softmax", ["x"], ["y"], name="sm", axis=[1, 2])],
                  *relu_io),
            ["node 'sm' (Softmax)", "attribute 'axis' must be INT, is INTS"])
import_case("attr_required_missing",
            model("g", [node("Cast", ["x"], ["y"], name="cast")], *relu_io),
            ["node 'cast' (Cast)", "attribute 'to' is required"])
dup2 = node("LeakyRelu", ["x"], ["y"], name="lrelu", alpha=0.1)
dup2.attribute.extend([helper.make_attribute("alpha", 0.2)])
import_case("attr_given_twice", model("g", [dup2], *relu_io),
            ["node 'lrelu' (LeakyRelu)", "attribute 'alpha' is given twice"])
import_case("legacy_attr_missing",
            model("g", [node("Slice", ["x"], ["y"], name="slice", axes=[0])],
                  *relu_io, opset=9),
            ["node 'slice' (Slice)", "attribute 'starts' is required at opset 9",
             "attribute 'ends' is required at opset 9"])
import_case("legacy_topk_k_missing",
            model("g", [node("TopK", ["x"], ["y", "i"], name="topk")], relu_io[0],
                  [vi("y", f32, None), vi("i", i64, None)], opset=9),
            ["node 'topk' (TopK)", "attribute 'k' is required at opset 9"])
import_case("legacy_attr_wrong_kind",
            model("g", [node("Squeeze", ["x"], ["y"], name="sq", axes=1)],
                  *relu_io, opset=11),
            ["node 'sq' (Squeeze)", "attribute 'axes' must be INTS, is INT"])
import_case("constant_without_value",
            model("g", [node("Constant", [], ["c"], name="c"),
                        node("Add", ["x", "c"], ["y"], name="add")], *relu_io),
            ["node 'c' (Constant)", "needs exactly one value attribute, has 0"])
import_case("constant_wrong_kind",
            model("g", [node("Constant", [], ["c"], name="c", value_float=[1.0, 2.0]),
                        node("Add", ["x", "c"], ["y"], name="add")], *relu_io),
            ["node 'c' (Constant)", "attribute 'value_float' must be FLOAT, is FLOATS"])
import_case("constant_with_inputs",
            model("g", [node("Constant", ["x"], ["c"], name="c", value_float=1.0),
                        node("Add", ["x", "c"], ["y"], name="add")], *relu_io),
            ["node 'c' (Constant)", "takes no inputs"])
import_case("too_many_inputs",
            model("g", [node("Relu", ["x", "x"], ["y"], name="r")], *relu_io),
            ["node 'r' (Relu, opset 17)", "has 2 inputs, txc supports 1"])
import_case("too_many_outputs",
            model("g", [node("Relu", ["x"], ["y", "z"], name="r")], relu_io[0],
                  [vi("y", f32, None), vi("z", f32, None)]),
            ["node 'r' (Relu, opset 17)", "output #1 ('z') is not supported"])
import_case("concat_no_inputs",
            model("g", [node("Concat", [], ["c"], name="cat", axis=0),
                        node("Add", ["x", "c"], ["y"], name="add")], *relu_io),
            ["node 'cat' (Concat)", "needs at least 1 input, has 0"])
import_case("variadic_empty_name",
            model("g", [node("Sum", ["x", ""], ["y"], name="sum")], *relu_io),
            ["node 'sum' (Sum)", "input #1 has an empty name"])
import_case("unsupported_domain",
            model("g", [node("Foo", ["x"], ["y"], name="foo", domain="com.example")],
                  *relu_io),
            ["node 'foo' (Foo, opset 17)", "domain 'com.example' are not supported"],
            cls="unsupported")
ms = model("g", [node("Gelu", ["x"], ["y"], name="gelu", domain="com.microsoft")], *relu_io)
ms.opset_import.extend([helper.make_opsetid("com.microsoft", 1)])
save("microsoft_gelu", ms)
case("microsoft_gelu", ["run", "--reference", "{m}/microsoft_gelu.onnx"], 0, [],
     stdout=["y: float32 [2,3]"], cls="unsupported")
ms = model("g", [node("MatMulNBits", ["x"], ["y"], name="mm4", domain="com.microsoft")],
           *relu_io)
ms.opset_import.extend([helper.make_opsetid("com.microsoft", 1)])
import_case("microsoft_unsupported", ms,
            ["node 'mm4' (MatMulNBits, opset 17)", "domain 'com.microsoft' are not supported",
             "txc accepts Gelu and SimplifiedLayerNormalization"], cls="unsupported")
import_case("opset_too_new",
            model("g", [node("Relu", ["x"], ["y"], name="r")], *relu_io, opset=99),
            ["ONNX opset 99 is not supported"], cls="unsupported")
import_case("negative_input_dim",
            model("g", [node("Relu", ["x"], ["y"], name="r")],
                  [vi("x", f32, [2, -3])], [vi("y", f32, None)]),
            ["input 'x'", "dim -3 is negative"], cls="sizes")

# --- Sizes ------------------------------------------------------------------
big = bare_tensor("w", f32, [1 << 40, 1 << 40])
import_case("initializer_overflow",
            model("g", [node("Add", ["x", "w"], ["y"], name="add")], relu_io[0],
                  [vi("y", f32, None)], inits=[big]),
            ["initializer 'w'", "[1099511627776,1099511627776]", "more than 2^64",
             "--max-tensor-bytes"], cls="sizes")
huge = bare_tensor("w", f32, [1 << 20, 1 << 20])
import_case("initializer_above_limit",
            model("g", [node("Add", ["x", "w"], ["y"], name="add")], relu_io[0],
                  [vi("y", f32, None)], inits=[huge]),
            ["initializer 'w'", "[1048576,1048576]", "4398046511104 bytes",
             "above the limit"], cls="sizes")
import_case("input_above_limit",
            model("g", [node("Relu", ["x"], ["y"], name="r")],
                  [vi("x", f32, [1 << 31, 1 << 31, 1 << 10])], [vi("y", f32, None)]),
            ["input 'x'", "2147483648x2147483648x1024", "more than 2^64"], cls="sizes")
shape_const = helper.make_tensor("shape", i64, [2], [1 << 30, 1 << 30])
import_case("intermediate_above_limit",
            model("g", [node("ConstantOfShape", ["shape"], ["y"], name="fill")], [],
                  [vi("y", f32, None)], inits=[shape_const]),
            ["node 'fill'", "result #0 of shape [1073741824x1073741824]",
             "above the limit"], cls="sizes")
expand_shape = helper.make_tensor("shape", i64, [3], [1 << 40, 1 << 40, 1 << 40])
import_case("intermediate_overflow",
            model("g", [node("Expand", ["x", "shape"], ["y"], name="expand")],
                  [vi("x", f32, [1, 1, 1])], [vi("y", f32, None)], inits=[expand_shape]),
            ["node 'expand'", "more than 2^64"], cls="sizes")
w200 = helper.make_tensor("w", f32, [50], np.ones(50, np.float32).tobytes(), raw=True)
save("weights_200_bytes",
     model("g", [node("Add", ["x", "w"], ["y"], name="add")], [vi("x", f32, [1])],
           [vi("y", f32, None)], inits=[w200]))
case("max_tensor_bytes", ["import", "--max-tensor-bytes=100", "{m}/weights_200_bytes.onnx"],
     1, ["initializer 'w'", "shape [50]", "200 bytes, above the limit of 100"], cls="sizes")
case("max_tensor_bytes_ok", ["import", "--max-tensor-bytes=1K", "{m}/weights_200_bytes.onnx"],
     0, [], stdout=["txc.add"], cls="sizes")
case("max_tensor_bytes_bad_value", ["import", "--max-tensor-bytes=lots",
                                    "{m}/weights_200_bytes.onnx"],
     2, ["--max-tensor-bytes expects a positive byte count"], cls="usage")
case("max_tensor_bytes_zero", ["import", "--max-tensor-bytes", "0",
                               "{m}/weights_200_bytes.onnx"],
     2, ["--max-tensor-bytes expects a positive byte count"], cls="usage")
bad_raw = bare_tensor("w", f32, [4])
bad_raw.raw_data = np.ones(3, np.float32).tobytes()
import_case("raw_data_short",
            model("g", [node("Add", ["x", "w"], ["y"], name="add")], [vi("x", f32, [4])],
                  [vi("y", f32, None)], inits=[bad_raw]),
            ["initializer 'w'", "raw_data has 12 bytes, expected 16"], cls="sizes")
typed = bare_tensor("w", f32, [4])
typed.float_data.extend([1.0, 2.0])
import_case("typed_data_short",
            model("g", [node("Add", ["x", "w"], ["y"], name="add")], [vi("x", f32, [4])],
                  [vi("y", f32, None)], inits=[typed]),
            ["initializer 'w'", "tensor has 2 values for 4 elements"], cls="sizes")


# --- Files: external data confined to the model's folder ------------------------
def external(name, location, offset=None, length=None, dims=(2, 3)):
    t = bare_tensor("w", f32, list(dims))
    t.data_location = TensorProto.EXTERNAL
    kv = [("location", location)]
    if offset is not None:
        kv.append(("offset", offset))
    if length is not None:
        kv.append(("length", length))
    for k, v in kv:
        e = t.external_data.add()
        e.key, e.value = k, v
    m = model("g", [node("Add", ["x", "w"], ["y"], name="add")],
              [vi("x", f32, list(dims))], [vi("y", f32, None)], inits=[t])
    save(name, m)


with open(os.path.join(MODELS, "weights.bin"), "wb") as f:
    f.write(np.arange(6, dtype=np.float32).tobytes())
external("external_ok", "weights.bin")
case("external_ok", ["run", "--reference", "{m}/external_ok.onnx", "--dim", "x=1"], 0, [],
     stdout=["y: float32 [2,3]"], cls="files")
external("external_sub", "sub/weights.bin")
external("external_absolute", "/etc/passwd", dims=(4,))
case("external_absolute", ["import", "--print-weights", "{m}/external_absolute.onnx"], 1,
     ["initializer 'w'", "'/etc/passwd' is refused", "absolute path"],
     stdout_absent=["root"], cls="files")
external("external_dotdot", "../../../../../../../../etc/passwd", dims=(4,))
case("external_dotdot", ["import", "--print-weights", "{m}/external_dotdot.onnx"], 1,
     ["initializer 'w'", "is refused", "'..' leads out of the model's folder"],
     stdout_absent=["root"], cls="files")
external("external_inner_dotdot", "sub/../../models/weights.bin")
case("external_inner_dotdot", ["import", "{m}/external_inner_dotdot.onnx"], 1,
     ["'..' leads out"], cls="files")
external("external_symlink", "link.bin", dims=(4,))
case("external_symlink", ["import", "--print-weights", "{t}/external_symlink.onnx"], 1,
     ["initializer 'w'", "'link.bin' is refused", "outside the model's folder",
      "symlink"],
     setup=[["copy", "{m}/external_symlink.onnx", "{t}/external_symlink.onnx"],
            ["symlink", "/etc/passwd", "{t}/link.bin"]],
     stdout_absent=["root"], cls="files")
external("external_directory", ".", dims=(4,))
case("external_directory", ["import", "{m}/external_directory.onnx"], 1,
     ["'.' is refused", "the model's folder itself, not a regular file"], cls="files")
external("external_dev_zero", "zero", dims=(4,))
case("external_dev_zero", ["import", "{t}/external_dev_zero.onnx"], 1,
     ["'zero' is refused", "resolves to '/dev/zero', outside the model's folder"],
     setup=[["copy", "{m}/external_dev_zero.onnx", "{t}/external_dev_zero.onnx"],
            ["symlink", "/dev/zero", "{t}/zero"]], cls="files")
case("external_fifo", ["import", "{t}/external_dev_zero.onnx"], 1,
     ["'zero' is refused", "not a regular file"],
     setup=[["copy", "{m}/external_dev_zero.onnx", "{t}/external_dev_zero.onnx"],
            ["mkfifo", "{t}/zero"]], cls="files")
case("external_subfolder_ok", ["run", "--reference", "{t}/external_sub.onnx", "--dim", "x=1"],
     0, [], stdout=["y: float32 [2,3]"],
     setup=[["copy", "{m}/external_sub.onnx", "{t}/external_sub.onnx"], ["mkdir", "{t}/sub"],
            ["copy", "{m}/weights.bin", "{t}/sub/weights.bin"]], cls="files")
external("external_bad_offset", "weights.bin", offset="12abc")
case("external_bad_offset", ["import", "{m}/external_bad_offset.onnx"], 1,
     ["initializer 'w'", "offset '12abc' is not a non-negative integer"], cls="files")
external("external_negative_offset", "weights.bin", offset="-8")
case("external_negative_offset", ["import", "{m}/external_negative_offset.onnx"], 1,
     ["offset '-8' is not a non-negative integer"], cls="files")
external("external_offset_past_end", "weights.bin", offset="16")
case("external_offset_past_end", ["import", "{m}/external_offset_past_end.onnx"], 1,
     ["initializer 'w'", "has 24 bytes, too short for 24 bytes at offset 16"], cls="files")
external("external_huge_offset", "weights.bin", offset="999999999999999999")
case("external_huge_offset", ["import", "{m}/external_huge_offset.onnx"], 1,
     ["too short"], cls="files")
external("external_length_mismatch", "weights.bin", length="8")
case("external_length_mismatch", ["import", "{m}/external_length_mismatch.onnx"], 1,
     ["external data length 8 does not match the tensor size 24"], cls="files")
external("external_missing_file", "nothere.bin")
case("external_missing_file", ["import", "{m}/external_missing_file.onnx"], 1,
     ["cannot open external data file", "nothere.bin"], cls="files")

# Special files given as the model.
case("model_dev_zero", ["import", "/dev/zero"], 1,
     ["'/dev/zero' is not a regular file (a device)"], cls="files")
case("model_dev_zero_onnx", ["import", "{t}/zero.onnx"], 1,
     ["is not a regular file (a device)"],
     setup=[["symlink", "/dev/zero", "{t}/zero.onnx"]], cls="files")
case("model_directory", ["import", "{t}/dir.onnx"], 1,
     ["is not a regular file (a directory)"], setup=[["mkdir", "{t}/dir.onnx"]],
     cls="files")
case("model_fifo", ["import", "{t}/fifo.onnx"], 1,
     ["is not a regular file (a FIFO)"], setup=[["mkfifo", "{t}/fifo.onnx"]], cls="files")
case("mlir_fifo", ["run", "--reference", "{t}/fifo.mlir"], 1,
     ["is not a regular file (a FIFO)"], setup=[["mkfifo", "{t}/fifo.mlir"]], cls="files")
case("mlir_deep_nesting", ["run", "--reference", "{t}/deep.mlir"], 1,
     ["deep.mlir", "nests deeper than 256 levels"],
     setup=[["deep_mlir", "{t}/deep.mlir", 200000]], cls="files")
case("mlir_deep_nesting_compile", ["compile", "{t}/deep.mlir"], 1,
     ["nests deeper than 256 levels"],
     setup=[["deep_mlir", "{t}/deep.mlir", 5000]], cls="files")
case("model_missing", ["import", "{t}/nothere.onnx"], 1, ["cannot open"], cls="files")

# --- Run inputs ---------------------------------------------------------------
save("add_batch",
     model("g", [node("Add", ["x", "x"], ["y"], name="add")],
           [vi("x", f32, ["batch", 3])], [vi("y", f32, None)]))
np.save(os.path.join(MODELS, "x_2x3_f32.npy"), np.ones((2, 3), np.float32))
np.save(os.path.join(MODELS, "x_2x3_i64.npy"), np.ones((2, 3), np.int64))
np.save(os.path.join(MODELS, "x_6_f32.npy"), np.ones((6,), np.float32))
np.save(os.path.join(MODELS, "x_2x4_f32.npy"), np.ones((2, 4), np.float32))
AB = "{m}/add_batch.onnx"
case("run_ok", ["run", "--reference", AB, "--input", "x={m}/x_2x3_f32.npy"], 0, [],
     stdout=["y: float32 [2,3] [2, 2, 2"], cls="run")
case("run_wrong_dtype", ["run", "--reference", AB, "--input", "x={m}/x_2x3_i64.npy"], 1,
     ["input 'x'", "has dtype int64, expected float32"], cls="run")
case("run_wrong_rank", ["run", "--reference", AB, "--input", "x={m}/x_6_f32.npy"], 1,
     ["input 'x'", "has shape [6], expected rank 2"], cls="run")
case("run_wrong_dim", ["run", "--reference", AB, "--input", "x={m}/x_2x4_f32.npy"], 1,
     ["input 'x'", "has shape [2,4], expected"], cls="run")
case("run_unknown_input", ["run", "--reference", AB, "--input", "x={m}/x_2x3_f32.npy",
                           "--input", "z={m}/x_2x3_f32.npy"], 1,
     ["the model has no input named 'z'"], cls="run")
case("run_missing_input", ["run", "--reference", AB], 1,
     ["cannot generate inputs without the size of", "input 'x' dim batch"], cls="run")
case("run_dim_zero", ["run", "--reference", AB, "--dim", "batch=0"], 2,
     ["--dim expects name=N with N a positive integer"], cls="usage")
case("run_dim_negative", ["run", "--reference", AB, "--dim", "batch=-2"], 2,
     ["--dim expects name=N"], cls="usage")
case("run_dim_text", ["run", "--reference", AB, "--dim", "batch=two"], 2,
     ["--dim expects name=N"], cls="usage")
case("run_dim_huge", ["run", "--reference", AB, "--dim", "batch=99999999999"], 2,
     ["below 2^31"], cls="usage")
case("run_dim_twice", ["run", "--reference", AB, "--dim", "batch=2", "--dim", "batch=3"], 2,
     ["--dim batch is given twice"], cls="usage")
case("run_input_empty_file", ["run", "--reference", AB, "--input", "x="], 2,
     ["--input expects name=file.npy"], cls="usage")
case("run_input_twice", ["run", "--reference", AB, "--input", "x={m}/x_2x3_f32.npy",
                         "--input", "x={m}/x_2x3_f32.npy"], 2,
     ["--input 'x' is given twice"], cls="usage")
case("run_generated_too_big", ["run", "--reference", "--max-tensor-bytes=1M",
                               "{m}/add_batch.onnx", "--dim", "batch=1000000"], 1,
     ["cannot generate input 'x'", "[1000000,3]", "above the limit"], cls="run")
case("run_input_fifo", ["run", "--reference", AB, "--input", "x={t}/x.npy"], 1,
     ["input 'x'", "is not a regular file"], setup=[["mkfifo", "{t}/x.npy"]], cls="run")


def npy(name, header, data=b""):
    h = header.encode()
    pad = (64 - (10 + len(h) + 1) % 64) % 64
    h = h + b" " * pad + b"\n"
    with open(os.path.join(MODELS, name), "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + len(h).to_bytes(2, "little") + h + data)


npy("npy_huge_shape.npy",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000, 1000000000000), }")
case("run_npy_huge_shape", ["run", "--reference", AB, "--input", "x={m}/npy_huge_shape.npy"],
     1, ["input 'x'", "npy_huge_shape.npy", "[1000000000000,1000000000000]",
         "above the limit"], cls="run")
npy("npy_overflow_shape.npy",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 16), }")
case("run_npy_overflow_shape",
     ["run", "--reference", AB, "--input", "x={m}/npy_overflow_shape.npy"], 1,
     ["input 'x'", "more than 2^64"], cls="run")
npy("npy_negative_shape.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }")
case("run_npy_negative_shape",
     ["run", "--reference", AB, "--input", "x={m}/npy_negative_shape.npy"], 1,
     ["input 'x'", "bad shape"], cls="run")
npy("npy_truncated.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
    b"\0" * 10)
case("run_npy_truncated", ["run", "--reference", AB, "--input", "x={m}/npy_truncated.npy"],
     1, ["input 'x'", "truncated data (expected 24 bytes", "the file has 10"], cls="run")
npy("npy_bad_dtype.npy", "{'descr': '<c8', 'fortran_order': False, 'shape': (2, 3), }")
case("run_npy_bad_dtype", ["run", "--reference", AB, "--input", "x={m}/npy_bad_dtype.npy"],
     1, ["input 'x'", "unsupported dtype '<c8'"], cls="run")
with open(os.path.join(MODELS, "not_npy.npy"), "wb") as f:
    f.write(b"hello")
case("run_not_npy", ["run", "--reference", AB, "--input", "x={m}/not_npy.npy"], 1,
     ["input 'x'", "is not a .npy file"], cls="run")

save("colliding_outputs",
     model("g", [node("Relu", ["x"], ["a/b"], name="r1"),
                 node("Neg", ["x"], ["a_b"], name="r2")],
           [vi("x", f32, [2])], [vi("a/b", f32, None), vi("a_b", f32, None)]))
case("run_colliding_output_names",
     ["run", "--reference", "{m}/colliding_outputs.onnx", "--output-dir", "{t}/out"], 0,
     ["output 'a_b' is written to 'a_b_1.npy'"],
     files=["{t}/out/a_b.npy", "{t}/out/a_b_1.npy"], cls="run")

# --- Errors: summaries, usage ----------------------------------------------------
case("many_unsupported_nodes", ["import", "{t}/many.onnx"], 1,
     ["the model has 100000 unsupported parts", "and 99980 more; by kind:",
      "100000 x Frobnicate: unknown or unsupported operator"],
     setup=[["many_unsupported", "{t}/many.onnx", 100000]], max_stderr_bytes=20000,
     cls="errors")
case("many_inputs_outputs", ["import", "{t}/wide.onnx"], 0, [],
     setup=[["many_io", "{t}/wide.onnx", 30000]], max_seconds=60, max_rss_mb=1500,
     cls="errors")
case("usage_no_model", ["import"], 2, ["expected exactly one model file"], cls="usage")
case("usage_unknown_option", ["run", "--reference", AB, "--bogus"], 2,
     ["unknown option '--bogus'"], cls="usage")

if __name__ == "__main__":
    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump(CASES, f, indent=1)
        f.write("\n")
    print(f"{len(CASES)} cases, {len(os.listdir(MODELS))} files in {MODELS}")
