"""int8 and fp16 variants of an fp32 ONNX model with python3-onnx only (Python onnxruntime is not installable here).

quantize_dynamic() reproduces what onnxruntime.quantization.quantize_dynamic writes for MatMul with a constant
weight (its defaults: QInt8 weights, symmetric, per tensor, no reduce_range): the activation goes through
DynamicQuantizeLinear (uint8, per tensor, computed at run time), the weight is stored int8 with a zero point of 0,
MatMulInteger gives int32, Cast to float and a Mul by (activation scale × weight scale) rescale it. ONNX Runtime's
graph optimiser fuses that pattern into DynamicQuantizeMatMul / MatMulIntegerToFloat at load time.
Other nodes (Conv patch embedding, Gather, attention products between activations) stay fp32, as there.

to_fp16() turns every float tensor (initializers, constants, inputs, outputs, Cast targets) into float16, as
onnxconverter_common.float16.convert_float_to_float16(keep_io_types=False) does for the public *_fp16 files.

  quantize.py int8|fp16 IN.onnx OUT.onnx [--per-channel] [--reduce-range]
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize_dynamic(src, dst, per_channel=False, reduce_range=False):
    m = onnx.load(src)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    new_nodes = []
    quantized_inputs = {}
    removed = set()
    count = 0
    qmax = 63 if reduce_range else 127
    for node in g.node:
        w = inits.get(node.input[1]) if node.op_type == "MatMul" and len(node.input) == 2 else None
        if w is None or w.data_type != TensorProto.FLOAT or len(w.dims) != 2:
            new_nodes.append(node)
            continue
        count += 1
        a = node.input[0]
        if a not in quantized_inputs:
            q = (a + "_quantized", a + "_scale", a + "_zero_point")
            new_nodes.append(helper.make_node("DynamicQuantizeLinear", [a], list(q), name=a + "_QuantizeLinear"))
            quantized_inputs[a] = q
        aq, ascale, azp = quantized_inputs[a]
        wf = numpy_helper.to_array(w).astype(np.float32)
        amax = np.abs(wf).max(axis=0) if per_channel else np.array(np.abs(wf).max(), dtype=np.float32)
        scale = (np.maximum(amax, 1e-12) / qmax).astype(np.float32)
        wq = np.clip(np.rint(wf / scale), -qmax, qmax).astype(np.int8)
        wn = w.name
        zp = np.zeros(scale.shape, dtype=np.int8)
        g.initializer.extend([numpy_helper.from_array(wq, wn + "_quantized"), numpy_helper.from_array(scale, wn + "_scale"),
                              numpy_helper.from_array(zp, wn + "_zero_point")])
        removed.add(wn)
        out = node.output[0]
        new_nodes += [
            helper.make_node("MatMulInteger", [aq, wn + "_quantized", azp, wn + "_zero_point"], [out + "_output_quantized"], name=node.name + "_quant"),
            helper.make_node("Cast", [out + "_output_quantized"], [out + "_output_quantized_cast_output"], to=TensorProto.FLOAT,
                             name=node.name + "_quant_cast"),
            helper.make_node("Mul", [ascale, wn + "_scale"], [out + "_scales_mul"], name=node.name + "_scales_mul"),
            helper.make_node("Mul", [out + "_output_quantized_cast_output", out + "_scales_mul"], [out], name=node.name + "_output_scale_mul"),
        ]
    still_used = {i for n in new_nodes for i in n.input}
    keep = [i for i in g.initializer if i.name not in removed or i.name in still_used]
    del g.initializer[:]
    g.initializer.extend(keep)
    del g.node[:]
    g.node.extend(new_nodes)
    del g.value_info[:]
    onnx.save(m, dst)
    print(f"  {dst}: {count} MatMul quantized", flush=True)


def _f16(t):
    if t.data_type == TensorProto.FLOAT:
        arr = numpy_helper.to_array(t).astype(np.float16)
        t.CopyFrom(numpy_helper.from_array(arr, t.name))


def to_fp16(src, dst):
    m = onnx.load(src)
    g = m.graph
    for t in g.initializer:
        _f16(t)
    for n in g.node:
        for attr in n.attribute:
            if attr.type == onnx.AttributeProto.TENSOR:
                _f16(attr.t)
            if n.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT:
                attr.i = TensorProto.FLOAT16
            if n.op_type == "ConstantOfShape" and attr.name == "value":
                _f16(attr.t)
    for v in list(g.input) + list(g.output):
        if v.type.tensor_type.elem_type == TensorProto.FLOAT:
            v.type.tensor_type.elem_type = TensorProto.FLOAT16
    del g.value_info[:]
    onnx.save(m, dst)
    print(f"  {dst}: fp16", flush=True)


if __name__ == "__main__":
    kind, src, dst = sys.argv[1:4]
    if kind == "int8":
        quantize_dynamic(src, dst, "--per-channel" in sys.argv, "--reduce-range" in sys.argv)
    else:
        to_fp16(src, dst)
