"""keras 3.15.1: model.export(format="onnx") of a model with a gelu activation writes an
`Erfc` node, which is no ONNX operator: onnxruntime refuses the file (INVALID_GRAPH,
"No Op registered for Erfc"). Plain Keras, no gate.

    pip install keras==3.15.1 tensorflow-cpu==2.21.0 onnx onnxruntime tf2onnx
    python onnx_gelu_erfc.py    # exit 1: reproduced, 0: not
"""

import sys
import tempfile

import keras
import numpy as np
import onnxruntime

inputs = keras.Input((4,), name="x")
model = keras.Model(inputs, keras.layers.Dense(3, activation="gelu")(inputs))
x = np.random.RandomState(0).rand(2, 4).astype("float32")
expected = np.asarray(model(x, training=False))  # also: the exporter needs one call
path = f"{tempfile.mkdtemp()}/model.onnx"
model.export(path, format="onnx", verbose=False)
try:
    session = onnxruntime.InferenceSession(path)
except Exception as error:
    print(f"keras {keras.__version__}: onnxruntime cannot load the export: {error}")
    print("reproduced")
    sys.exit(1)
got = session.run(None, {session.get_inputs()[0].name: x})[0]
print(f"keras {keras.__version__}: loads; max |onnx - keras| = {np.abs(got - expected).max():.3g}")
