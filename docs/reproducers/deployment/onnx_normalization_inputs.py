"""keras 3.15.1: model.export(format="onnx") of a model with a Normalization layer
(mean/variance given, as keras.applications' EfficientNet and EfficientNetV2 build it)
gives an ONNX graph whose normalisation constants are extra *required inputs*: onnxruntime
refuses to run it on the model's own input alone. Plain Keras, no gate.

    pip install keras==3.15.1 tensorflow-cpu==2.21.0 onnx onnxruntime tf2onnx
    python onnx_normalization_inputs.py    # exit 1: reproduced, 0: not
"""

import sys
import tempfile

import keras
import numpy as np
import onnxruntime

inputs = keras.Input((4,), name="x")
norm = keras.layers.Normalization(mean=[0.5, 0.5, 0.5, 0.5], variance=[0.25, 0.25, 0.25, 0.25])
model = keras.Model(inputs, norm(inputs))
x = np.random.RandomState(0).rand(2, 4).astype("float32")
expected = np.asarray(model(x, training=False))  # also: the exporter needs one call
path = f"{tempfile.mkdtemp()}/model.onnx"
model.export(path, format="onnx", verbose=False)
session = onnxruntime.InferenceSession(path)
names = [i.name for i in session.get_inputs()]
print(f"keras {keras.__version__}: the ONNX graph's inputs: {names}")
if len(names) > 1:
    try:
        session.run(None, {names[0]: x})
    except Exception as error:  # onnxruntime: "Required inputs (...) are missing"
        print(f"running it on the model's input alone: {type(error).__name__}: {error}")
    print("reproduced: the normalisation constants became inputs")
    sys.exit(1)
got = session.run(None, {names[0]: x})[0]
print(f"one input; max |onnx - keras| = {np.abs(got - expected).max():.3g}: not reproduced")
