"""keras 3.15.1: model.export(format="onnx") refuses a functional model that was never
called, though its input signature is complete (keras.Input fixes it); one call on
any batch (or a TF SavedModel export first, which traces it) makes it work. Plain
Keras, no gate.

    pip install keras==3.15.1 tensorflow-cpu==2.21.0 onnx onnxruntime tf2onnx
    python onnx_never_called.py    # exit 1: reproduced, 0: not
"""

import sys
import tempfile

import keras
import numpy as np

inputs = keras.Input((8,), name="x")
model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
workdir = tempfile.mkdtemp()
try:
    model.export(f"{workdir}/model.onnx", format="onnx", verbose=False)
except ValueError as error:
    print(f"keras {keras.__version__}: onnx export of a never-called functional model: {error}")
    model(np.zeros((1, 8), "float32"))  # what users (and the gate) do first
    model.export(f"{workdir}/model.onnx", format="onnx", verbose=False)
    print("after one call the export works: reproduced")
    sys.exit(1)
print(f"keras {keras.__version__}: exported without a call: not reproduced")
