"""keras-nightly 3.16.0.dev2026102704: a model built under the mixed_float16 policy exports to
ONNX with a TensorFlow PartitionedCall left in the graph (GlobalAveragePooling2D's), which
onnxruntime refuses (INVALID_GRAPH); keras 3.15.1 exports the same model, within ~1e-4 of
its float16 inference. Found by the corpus's guide_mixed_precision_cnn through --formats=onnx on the
nightly. Exit 1: reproduced.
"""

import os
import sys
import tempfile

import keras
import numpy as np

keras.mixed_precision.set_global_policy("mixed_float16")
inputs = keras.Input((16, 16, 3))
x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
x = keras.layers.GlobalAveragePooling2D()(x)
model = keras.Model(inputs, keras.layers.Dense(2, dtype="float32")(x))
keras.mixed_precision.set_global_policy("float32")
x = np.random.RandomState(0).rand(2, 16, 16, 3).astype("float32")
expected = np.asarray(model(x, training=False))
path = os.path.join(tempfile.mkdtemp(), "model.onnx")
model.export(path, format="onnx", verbose=False)
import onnxruntime  # noqa: E402

try:
    session = onnxruntime.InferenceSession(path)
    got = session.run(None, {session.get_inputs()[0].name: x})[0]
except Exception as error:
    print(f"reproduced on keras {keras.__version__}: {type(error).__name__}: {str(error)[-160:]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}: max |diff| {np.abs(got - expected).max():.3g}")
