"""A model compiled with keras.losses.Huber(delta=2.0), saved as .keras and reloaded,
evaluates with delta=1.0: Huber.get_config() omits `delta`, so both configs agree while
the reloaded loss computes another value. Exit 1: reproduced (evaluate differs)."""

import os
import sys
import tempfile

import keras
import numpy as np

inputs = keras.Input((4,))
model = keras.Model(inputs, keras.layers.Dense(1, kernel_initializer="ones")(inputs))
model.compile(optimizer="sgd", loss=keras.losses.Huber(delta=2.0))
path = os.path.join(tempfile.mkdtemp(), "model.keras")
model.save(path)
revived = keras.models.load_model(path)
x, y = np.full((4, 4), 3.0, "float32"), np.zeros((4, 1), "float32")
before, after = model.evaluate(x, y, verbose=0), revived.evaluate(x, y, verbose=0)
print(
    f"{'' if before != after else 'not '}reproduced on keras {keras.__version__} "
    f"({keras.backend.backend()}): evaluate {before:.6g} -> {after:.6g}"
)
sys.exit(1 if before != after else 0)
