"""A float8-quantized model does not reload from legacy .h5 (a scale's saved shape
does not match). Exit 1: reproduced."""

import os
import sys
import tempfile

import keras

inputs = keras.Input((12,))
model = keras.Model(inputs, keras.layers.Dense(4, name="d")(inputs))
model.quantize("float8")
path = os.path.join(tempfile.mkdtemp(), "model.h5")
model.save(path)
try:
    keras.models.load_model(path)
except ValueError as error:
    print(f"reproduced on keras {keras.__version__}: {str(error).splitlines()[0]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}")
