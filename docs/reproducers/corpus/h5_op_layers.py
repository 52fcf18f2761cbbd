"""Legacy .h5 cannot reload a functional model that holds a Keras op node.

`Embedding(mask_zero=True)` + an RNN (or a `Masking` layer) puts a `NotEqual` node into
the graph, `keras.ops.abs(x)` in the functional API an `Absolute` node; .keras reloads
both, legacy .h5 raises `Unknown layer: '<op>'`. Exit 1: reproduced (for either).
"""

import os
import sys
import tempfile

import keras


def masked():
    inputs = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(10, 4, mask_zero=True)(inputs)
    return keras.Model(inputs, keras.layers.LSTM(3)(x))


def absolute():
    inputs = keras.Input((5,))
    return keras.Model(inputs, keras.layers.Dense(1)(keras.ops.abs(inputs)))


failed = []
for build in (masked, absolute):
    path = os.path.join(tempfile.mkdtemp(), "model.h5")
    build().save(path)
    try:
        keras.models.load_model(path)
    except ValueError as error:
        failed.append(f"{build.__name__}: {str(error).split('.')[0]}")
print(f"{'reproduced' if failed else 'not reproduced'} on keras {keras.__version__}: {failed}")
sys.exit(1 if failed else 0)
