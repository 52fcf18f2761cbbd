"""Legacy .h5 cannot reload a functional model that holds a Keras op node.

`Embedding(mask_zero=True)` + an RNN, a `Masking` layer, or `keras.ops.abs(x)` in
the functional API put op nodes (`NotEqual`, `Absolute`) into the graph; .keras
reloads them, legacy .h5 raises `Unknown layer: 'NotEqual'`. Exit 1: reproduced.
"""

import os
import sys
import tempfile

import keras

inputs = keras.Input((6,), dtype="int32")
x = keras.layers.Embedding(10, 4, mask_zero=True)(inputs)
model = keras.Model(inputs, keras.layers.LSTM(3)(x))
path = os.path.join(tempfile.mkdtemp(), "model.h5")
model.save(path)
try:
    keras.models.load_model(path)
except ValueError as error:
    print(f"reproduced on keras {keras.__version__}: {str(error).splitlines()[0]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}: the .h5 file reloads")
