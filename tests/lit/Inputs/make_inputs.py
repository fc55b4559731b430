"""Writes the small ONNX models the lit tests import.

Run with Debian's Python (python3-onnx): /usr/bin/python3 make_inputs.py
"""
import os

import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))


def save(name, nodes, inputs, outputs, opset=17, inits=()):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="make_inputs.py")
    onnx.save(m, os.path.join(HERE, name + ".onnx"))


f32 = TensorProto.FLOAT
vi = helper.make_tensor_value_info

# Several unsupported parts at once: all must be listed in one error.
loop_body = helper.make_graph([], "body", [], [])
save("unsupported",
     [helper.make_node("Relu", ["x"], ["a"], name="ok_relu"),
      helper.make_node("FancyOp", ["a"], ["b"], name="fancy"),
      helper.make_node("If", ["c"], ["d"], name="branch",
                       then_branch=loop_body, else_branch=loop_body),
      helper.make_node("Gemm", ["a", "a"], ["e"], name="gemm_bad_attr", foo=1),
      helper.make_node("MyOp", ["a"], ["f"], name="custom", domain="com.example")],
     [vi("x", f32, [2, 2]), vi("c", TensorProto.BOOL, [])],
     [vi("b", f32, None), vi("d", f32, None), vi("e", f32, None), vi("f", f32, None)])

# Shapes that do not fit: MatMul inner dims 3 vs 4.
save("bad_matmul",
     [helper.make_node("MatMul", ["x", "w"], ["y"], name="proj")],
     [vi("x", f32, ["batch", 3])], [vi("y", f32, None)],
     inits=[helper.make_tensor("w", f32, [4, 5], [0.0] * 20)])

# Old-opset forms: Squeeze axes attribute (opset 11), Softmax 2-D coercion.
save("opset11_upgrades",
     [helper.make_node("Squeeze", ["x"], ["s"], name="sq", axes=[1]),
      helper.make_node("Softmax", ["s"], ["y"], name="sm", axis=1)],
     [vi("x", f32, ["batch", 1, 4, 5])], [vi("y", f32, None)], opset=11)

# The exporters' shape chain: Reshape x[batch, seq, 64] -> [batch, seq, 2, 32].
shape_nodes = [
    helper.make_node("Shape", ["x"], ["shp"], name="shape"),
    helper.make_node("Constant", [], ["i0"], name="c0", value=helper.make_tensor("", TensorProto.INT64, [], [0])),
    helper.make_node("Constant", [], ["i1"], name="c1", value=helper.make_tensor("", TensorProto.INT64, [], [1])),
    helper.make_node("Gather", ["shp", "i0"], ["b"], name="g0", axis=0),
    helper.make_node("Gather", ["shp", "i1"], ["s"], name="g1", axis=0),
    helper.make_node("Constant", [], ["ax"], name="c2", value=helper.make_tensor("", TensorProto.INT64, [1], [0])),
    helper.make_node("Unsqueeze", ["b", "ax"], ["b1"], name="u0"),
    helper.make_node("Unsqueeze", ["s", "ax"], ["s1"], name="u1"),
    helper.make_node("Constant", [], ["tail"], name="c3", value=helper.make_tensor("", TensorProto.INT64, [2], [2, 32])),
    helper.make_node("Concat", ["b1", "s1", "tail"], ["target"], name="cat", axis=0),
    helper.make_node("Reshape", ["x", "target"], ["y"], name="split_heads"),
]
save("shape_chain", shape_nodes, [vi("x", f32, ["batch", "sequence", 64])], [vi("y", f32, None)])

# Malformed models: each must give a clear error, never a crash.
w_bad = helper.make_tensor("w", f32, [4, 5], [0.0] * 20)
w_bad.raw_data = b"\0" * 12  # 12 bytes for 20 floats
w_bad.ClearField("float_data")
save("bad_raw_data",
     [helper.make_node("MatMul", ["x", "w"], ["y"], name="proj")],
     [vi("x", f32, [2, 4])], [vi("y", f32, None)], inits=[w_bad])
save("undefined_input",
     [helper.make_node("Relu", ["nowhere"], ["y"], name="r")],
     [vi("x", f32, [2])], [vi("y", f32, None)])
save("missing_output",
     [helper.make_node("Relu", ["x"], ["y"], name="r")],
     [vi("x", f32, [2])], [vi("z", f32, None)])
save("bad_reshape",
     [helper.make_node("Constant", [], ["s"], name="c",
                       value=helper.make_tensor("", TensorProto.INT64, [2], [3, 3])),
      helper.make_node("Reshape", ["x", "s"], ["y"], name="to_3x3")],
     [vi("x", f32, [2, 4])], [vi("y", f32, None)])

# Weights in an external data file (the > 2 GB form of ONNX).
import numpy as np  # noqa: E402

ext_nodes = [helper.make_node("MatMul", ["x", "w"], ["y"], name="proj")]
ext_graph = helper.make_graph(
    ext_nodes, "external", [vi("x", f32, [1, 2])], [vi("y", f32, None)],
    initializer=[helper.make_tensor("w", f32, [2, 3],
                                   np.arange(1, 7, dtype=np.float32).tobytes(),
                                   raw=True)])
ext_model = helper.make_model(ext_graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save_model(ext_model, os.path.join(HERE, "external_data.onnx"),
                save_as_external_data=True, all_tensors_to_one_file=True,
                location="external_data.bin", size_threshold=0)
np.save(os.path.join(HERE, "ones_1x2.npy"), np.ones((1, 2), dtype=np.float32))
