"""keras.layers.MaxPooling2D exported to ONNX on the jax backend (jax2onnx): onnxruntime
refuses to run the MaxPool node ("Unsupported pooling size"). The same model exports and runs
on the tensorflow backend (tf2onnx). Exit 1 while it is refused, 0 once it runs and matches."""

import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402

inputs = keras.Input((8, 8, 3), name="image")
model = keras.Model(inputs, keras.layers.MaxPooling2D()(inputs))
x = np.random.default_rng(0).uniform(size=(2, 8, 8, 3)).astype("float32")
expected = keras.ops.convert_to_numpy(model(x, training=False))
path = os.path.join(tempfile.mkdtemp(), "model.onnx")
model.export(path, format="onnx")
session = ort.InferenceSession(path)
try:
    (got,) = session.run(None, {session.get_inputs()[0].name: x})
except Exception as error:
    print(f"keras {keras.__version__} ({keras.backend.backend()}): {type(error).__name__}: {error}")
    sys.exit(1)
print(f"keras {keras.__version__}: runs, max|diff| = {np.abs(got - expected).max():.3g}")
sys.exit(0 if np.allclose(got, expected, atol=1e-5) else 1)
