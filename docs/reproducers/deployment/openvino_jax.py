"""On the jax backend no model exports to OpenVINO: Keras converts it through jax2tf, whose
native serialization is a single XlaCallModule op that OpenVINO's TensorFlow frontend has no
conversion for ("No conversion rule found for operations: XlaCallModule"). Run with
KERAS_BACKEND=jax. Exit 1: reproduced (keras 3.15.1, jax 0.10.2, openvino 2026.4.1)."""

import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402

inputs = keras.Input((8,))
model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Dense(4, activation="relu")(inputs)))
path = os.path.join(tempfile.mkdtemp(), "model.xml")
try:
    model.export(path, format="openvino", verbose=False)
except Exception as error:  # OpConversionFailure naming XlaCallModule
    found = "XlaCallModule" if "XlaCallModule" in str(error) else str(error).splitlines()[0]
    print(f"reproduced on keras {keras.__version__} ({keras.backend.backend()}): {found}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__} ({keras.backend.backend()})")
