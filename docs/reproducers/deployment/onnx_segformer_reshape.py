"""Keras's ONNX export of SegFormer's efficient attention (keras-hub MiTBackbone, which
SegFormer builds on) reshapes to a shape that does not fit: onnxruntime fails at the first
run with graph optimisations on and off. Run from ``corpus/``
(``python ../docs/reproducers/deployment/onnx_segformer_reshape.py``). Exit 1: reproduced.
"""

import os
import sys
import tempfile

import keras
import keras_hub
import numpy as np
import onnxruntime

sys.path.insert(0, ".")
from corpus_models.hub import BACKBONES  # the row's arguments only  # noqa: E402

model = keras_hub.models.MiTBackbone(**BACKBONES["mit"][1])
x = np.random.RandomState(0).rand(2, 32, 32, 3).astype("float32")
expected = np.asarray(model(x, training=False))
path = os.path.join(tempfile.mkdtemp(), "model.onnx")
model.export(path, format="onnx", verbose=False)
options = onnxruntime.SessionOptions()
options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
session = onnxruntime.InferenceSession(path, sess_options=options)
try:
    got = session.run(None, {session.get_inputs()[0].name: x})[0]
except Exception as error:
    print(f"reproduced on keras {keras.__version__}: {str(error).splitlines()[0][:200]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}: max |diff| {np.abs(got - expected).max()}")
