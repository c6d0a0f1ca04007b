"""Writes an ONNX graph of one fp32 MatMul (C = A @ B, dynamic sizes) for measuring ONNX Runtime's sgemm peak."""
import sys

import onnx
from onnx import TensorProto, helper

g = helper.make_graph([helper.make_node("MatMul", ["A", "B"], ["C"])], "matmul",
                      [helper.make_tensor_value_info("A", TensorProto.FLOAT, ["m", "k"]),
                       helper.make_tensor_value_info("B", TensorProto.FLOAT, ["k", "n"])],
                      [helper.make_tensor_value_info("C", TensorProto.FLOAT, ["m", "n"])])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 14)])
m.ir_version = 7
onnx.save(m, sys.argv[1])
