"""A model compiled with the loss CategoricalGeneralizedCrossEntropy, or with the
optimizer Lamb or Muon, does not reload from legacy .h5 ("Could not interpret loss
identifier: categorical_generalized_cross_entropy", "... optimizer identifier: lamb").
Exit 1: reproduced (loss and optimizer on 3.10.0 ... 3.15.1, neither on keras-nightly
3.16.0.dev2026102704; muon on 3.10.0 ... 3.13.2, not from 3.14.0).
Usage: python h5_compile_objects.py loss|optimizer|muon"""

import os
import sys
import tempfile

import keras

what = sys.argv[1] if len(sys.argv) > 1 else "loss"
inputs = keras.Input((4,))
model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
if what == "loss":
    model.compile(optimizer="sgd", loss=keras.losses.CategoricalGeneralizedCrossEntropy())
elif what == "muon":
    model.compile(optimizer=keras.optimizers.Muon(), loss=keras.losses.MeanSquaredError())
else:
    model.compile(optimizer=keras.optimizers.Lamb(), loss=keras.losses.MeanSquaredError())
path = os.path.join(tempfile.mkdtemp(), "model.h5")
model.save(path)
try:
    keras.models.load_model(path)
except Exception as error:  # ValueError: Could not interpret ... identifier
    print(f"reproduced on keras {keras.__version__}: {what}: {str(error).splitlines()[0]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}: {what}")
