"""keras 3.15.1: an int8-quantized model (model.quantize("int8")) exported with
model.export(format="openvino") and run by the OpenVINO runtime (f32 precision) predicts
differently from Keras (the float model of the same layers agrees to 1e-7). Plain Keras +
openvino, no gate.

    pip install keras==3.15.1 tensorflow-cpu==2.21.0 openvino scipy
    python openvino_int8.py    # exit 1: reproduced, 0: not
"""

import sys
import tempfile

import keras
import numpy as np
import openvino

keras.utils.set_random_seed(0)
inputs = keras.Input((12,), name="features")
x = keras.layers.Dense(16, activation="relu")(inputs)
x = keras.layers.Dense(16, activation="relu")(x)
model = keras.Model(inputs, keras.layers.Dense(4)(x))
batch = np.random.RandomState(0).rand(4, 12).astype("float32")


def openvino_vs_keras(model):
    expected = np.asarray(model(batch, training=False))
    path = f"{tempfile.mkdtemp()}/model.xml"
    model.export(path, format="openvino", verbose=False)
    config = {"INFERENCE_PRECISION_HINT": "f32"}
    compiled = openvino.Core().compile_model(path, "CPU", config)
    return float(np.abs(compiled([batch])[compiled.outputs[0]] - expected).max())


before = openvino_vs_keras(model)
model.quantize("int8")
after = openvino_vs_keras(model)
print(
    f"keras {keras.__version__}, openvino {openvino.__version__}: max |openvino - keras| "
    f"float {before:.3g}, int8 {after:.3g}"
)
sys.exit(1 if after > 1e-3 else 0)
