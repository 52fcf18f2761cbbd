"""A model compiled with `loss="mse"` does not reload from legacy .h5
("Could not deserialize 'keras.metrics.mse'"). Exit 1: reproduced."""

import os
import sys
import tempfile

import keras

model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
model.compile("rmsprop", "mse")
path = os.path.join(tempfile.mkdtemp(), "model.h5")
model.save(path)
try:
    keras.models.load_model(path)
except Exception as error:  # the load fails (ValueError; TypeError on 3.5.0)
    print(f"reproduced on keras {keras.__version__}: {str(error).splitlines()[0]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}")
