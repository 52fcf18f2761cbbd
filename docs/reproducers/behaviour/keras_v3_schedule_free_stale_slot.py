"""A model compiled with ScheduleFreeAdamW and saved as .keras before its first step
trains differently after the reload: the reload builds the optimizer when it compiles the
rebuilt model, before the weights are loaded, and ScheduleFreeAdamW starts its slot from
the variables' values — the freshly initialised ones, not the saved weights. The
original, stepped, starts it from its real weights. Exit 1: reproduced (3.14.1, 3.15.0,
3.15.1 and keras-nightly 3.16.0.dev2026102704; the optimizer is new in 3.14)."""

import os
import sys
import tempfile

import numpy as np

import keras

keras.utils.set_random_seed(0)
inputs = keras.Input((4,))
model = keras.Model(inputs, keras.layers.Dense(4)(inputs))
model.compile(optimizer=keras.optimizers.ScheduleFreeAdamW(), loss=keras.losses.MeanSquaredError())
path = os.path.join(tempfile.mkdtemp(), "model.keras")
model.save(path)
revived = keras.models.load_model(path)
x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
model.train_on_batch(x, 2 * x)
revived.train_on_batch(x, 2 * x)
moved = max(
    float(np.abs(np.asarray(a) - np.asarray(b)).max())
    for a, b in zip(model.weights, revived.weights)
)
if moved > 0:
    print(f"reproduced on keras {keras.__version__}: weights after one step differ by {moved:.3g}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}")
