"""keras 3.15.1: indexing a tensor of unknown dimensions with a new axis
(`mask[:, None, :, :]`, as keras-hub's decoder attentions do to their combined padding and
causal mask: Llama, Mistral, Qwen, Phi-3, Mixtral, SmolLM3, GPT-OSS ... `_masked_softmax`)
exports to LiteRT as a Select TF op, `FlexStridedSlice`, which ai-edge-litert's interpreter
cannot run (it links no Flex delegate): the converter keeps a StridedSlice with a
new_axis_mask as a TensorFlow op when more than the batch dimension is unknown, int32 or
float32 alike. The same mask with known (query, key) dimensions converts to builtins, and
so does `keras.ops.expand_dims(mask, 1)` of unknown ones (the rewrite a model can take).
Found by the corpus's keras-hub decoders through --formats=litert (the op was listed in
LITERT_SELECT_OPS as "not located"). Exit 1: reproduced.
"""

import os
import sys
import tempfile

import keras
import numpy as np


class HeadsAxis(keras.layers.Layer):
    """What the attentions do: give the (batch, query, key) mask a heads axis."""

    def __init__(self, expand_dims=False):
        super().__init__()
        self.expand_dims = expand_dims

    def call(self, scores, mask):
        heads = keras.ops.expand_dims(mask, 1) if self.expand_dims else mask[:, None, :, :]
        return keras.ops.where(keras.ops.cast(heads, "bool"), scores, -1e9)


def select_ops(length, mask_dtype="int32", expand_dims=False):
    scores = keras.Input((2, length, length))
    mask = keras.Input((length, length), dtype=mask_dtype)
    model = keras.Model([scores, mask], HeadsAxis(expand_dims)(scores, mask))
    x = [np.ones((1, 2, 4, 4), "float32"), np.ones((1, 4, 4), mask_dtype)]
    model(x)
    path = os.path.join(tempfile.mkdtemp(), "model.tflite")
    model.export(path, format="litert", verbose=False)
    from ai_edge_litert.interpreter import Interpreter

    ops = {op["op_name"] for op in Interpreter(model_path=path)._get_ops_details()}
    return sorted(op for op in ops if op.startswith("Flex"))


print(f"known lengths, int32 mask: Select TF ops {select_ops(4)}")
print(f"unknown lengths, expand_dims: Select TF ops {select_ops(None, expand_dims=True)}")
print(f"unknown lengths, float32 mask: Select TF ops {select_ops(None, 'float32')}")
flex = select_ops(None)
if flex:
    print(f"reproduced on keras {keras.__version__}: mask[:, None] of unknown lengths needs {flex}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}: mask[:, None] stays a builtin")
