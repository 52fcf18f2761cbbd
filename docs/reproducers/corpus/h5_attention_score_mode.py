"""A functional model holding `keras.layers.Attention()` (score_mode "dot", the default)
does not reload from legacy .h5: the loader hands the constructor a function named `dot`
instead of the string ("Invalid value for argument score_mode"). score_mode="concat"
reloads. Exit 1: reproduced (3.14.0 ... 3.15.1 and keras-nightly 3.16.0.dev2026102704;
3.10.0 ... 3.13.2 and 3.5.0 load it)."""

import os
import sys
import tempfile

import keras

query, value = keras.Input((6, 4)), keras.Input((6, 4))
model = keras.Model([query, value], keras.layers.Attention()([query, value]))
path = os.path.join(tempfile.mkdtemp(), "model.h5")
model.save(path)
try:
    keras.models.load_model(path)
except Exception as error:  # TypeError: Error when deserializing class 'Attention' ...
    lines = str(error).splitlines()
    print(f"reproduced on keras {keras.__version__}: {lines[0][:120]} ... {lines[-1][:80]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}")
