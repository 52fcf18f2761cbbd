"""A model built for batches of 4 (`keras.Input((8,), batch_size=4)`) is exported with a
`None` batch dimension in its serving signature: a client of the SavedModel meets another
signature than the model declares. Exit 1: reproduced."""

import os
import sys
import tempfile

import keras
import tensorflow as tf

inputs = keras.Input((8,), batch_size=4, name="features")
model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
path = os.path.join(tempfile.mkdtemp(), "export")
model.export(path, verbose=False)
served = tf.saved_model.load(path).serve.input_signature[0]
declared = tuple(model.inputs[0].shape)
if tuple(served.shape) != declared:
    print(f"reproduced on keras {keras.__version__}: declared {declared}, served {served.shape}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}: served {served.shape}")
