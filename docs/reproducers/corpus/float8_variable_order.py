"""A float8-quantized model's variables come back from .keras in another order
(each Dense's scales before its kernel), so `set_weights(original.get_weights())`
and anything else that pairs variables by position break. Exit 1: reproduced.
"""

import os
import sys
import tempfile

import keras

inputs = keras.Input((12,))
x = keras.layers.Dense(16, name="d")(inputs)
model = keras.Model(inputs, keras.layers.Dense(4, name="e")(x))
model.quantize("float8")
path = os.path.join(tempfile.mkdtemp(), "model.keras")
model.save(path)
revived = keras.models.load_model(path)
before = [v.path for v in model.trainable_variables]
after = [v.path for v in revived.trainable_variables]
if before != after:
    print(f"reproduced on keras {keras.__version__}: {before[:3]} -> {after[:3]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}")
