"""Legacy .h5 reloads an adapted IntegerLookup with its table uninitialised: the reloaded
model cannot predict (tensorflow: FailedPreconditionError "Table not initialized"; jax:
RuntimeError from IntegerLookup.call). Exit 1: reproduced."""

import os
import sys
import tempfile

import keras
import numpy as np

lookup = keras.layers.IntegerLookup()
lookup.adapt(np.array([3, 7, 11, 42]))
inputs = keras.Input((2,), dtype="int64")
x = keras.layers.Embedding(lookup.vocabulary_size(), 2)(lookup(inputs))
model = keras.Model(inputs, keras.layers.Flatten()(x))
data = np.array([[3, 42], [7, 11]])
path = os.path.join(tempfile.mkdtemp(), "model.h5")
model.save(path)
revived = keras.models.load_model(path)
try:
    same = np.array_equal(model(data), revived(data))
except Exception as error:
    print(f"reproduced on keras {keras.__version__} ({keras.backend.backend()}): "
          f"{type(error).__name__}")
    sys.exit(1)
print(f"{'not ' if same else ''}reproduced on keras {keras.__version__} ({keras.backend.backend()})")
sys.exit(0 if same else 1)
