"""CategoryEncoding(sparse=True) comes back dense from .keras: its get_config() omits
`sparse`, so the reloaded layer takes the default (False) and the model returns a dense
tensor where the original returned a sparse one (same values). Exit 1: reproduced.
Seen on tensorflow, where Keras makes sparse tensors."""

import os
import sys
import tempfile

import keras
import numpy as np

inputs = keras.Input((3,), dtype="int32")
layer = keras.layers.CategoryEncoding(num_tokens=5, output_mode="multi_hot", sparse=True)
model = keras.Model(inputs, layer(inputs))
path = os.path.join(tempfile.mkdtemp(), "model.keras")
model.save(path)
revived = keras.models.load_model(path)
x = np.array([[0, 1, 4], [2, 2, 3]], "int32")
before, after = model(x, training=False), revived(x, training=False)
kinds = type(before).__name__, type(after).__name__
lost = layer.sparse != revived.layers[-1].sparse or kinds[0] != kinds[1]
print(
    f"{'' if lost else 'not '}reproduced on keras {keras.__version__} "
    f"({keras.backend.backend()}): sparse {layer.sparse} -> {revived.layers[-1].sparse}, "
    f"output {kinds[0]} -> {kinds[1]}"
)
sys.exit(1 if lost else 0)
