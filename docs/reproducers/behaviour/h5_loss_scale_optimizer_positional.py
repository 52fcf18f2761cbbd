"""A model compiled with a LossScaleOptimizer (as mixed_float16 training uses) and saved
as legacy .h5 before its first step reloads with the optimizer's variables restored by
position onto a longer list: its dynamic loss scale holds the inner optimizer's learning
rate (0.01) instead of 32768. Exit 1: reproduced."""

import os
import sys
import tempfile

import numpy as np

import keras

inputs = keras.Input((4,))
model = keras.Model(inputs, keras.layers.Dense(4)(inputs))
optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.01))
model.compile(optimizer=optimizer, loss=keras.losses.MeanSquaredError())
path = os.path.join(tempfile.mkdtemp(), "model.h5")
model.save(path)
revived = keras.models.load_model(path)
scale = float(np.asarray(revived.optimizer.dynamic_scale))
if scale != 2.0**15:
    print(f"reproduced on keras {keras.__version__}: dynamic_scale {scale} (32768 expected)")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}: dynamic_scale {scale}")
