"""A model trained with any optimizer (plain SGD too, which has no slot variables),
saved as legacy .h5 and reloaded, cannot take another training step: the reload builds
its optimizer on the Functional's own (empty) variable list, so `train_on_batch` (and
`fit`) raises `Unknown variable` (on jax: `optimizer_variables` must correspond 1:1 to the
trainable variables). Exit 1: reproduced."""

import os
import sys
import tempfile

import numpy as np

import keras

inputs = keras.Input((4,))
model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Dense(8)(inputs)))
model.compile(optimizer=keras.optimizers.SGD(0.01), loss=keras.losses.MeanSquaredError())
x, y = np.ones((8, 4), "float32"), np.ones((8, 2), "float32")
model.fit(x, y, verbose=0)
path = os.path.join(tempfile.mkdtemp(), "model.h5")
model.save(path)
revived = keras.models.load_model(path)
try:
    revived.train_on_batch(x, y)
except ValueError as error:
    print(f"reproduced on keras {keras.__version__}: {str(error).splitlines()[0][:120]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}")
