"""Legacy .h5 reloads an adapted StringLookup (TextVectorization, IntegerLookup) with
its lookup table uninitialised: the reloaded model cannot predict. Exit 1: reproduced.
"""

import os
import sys
import tempfile

import keras
import numpy as np

lookup = keras.layers.StringLookup(output_mode="one_hot")
lookup.adapt(np.array(["paris", "lima", "oslo"]))
inputs = keras.Input((1,), dtype="string")
model = keras.Model(inputs, keras.layers.Dense(2)(lookup(inputs)))
x = np.array([["oslo"], ["lima"]])
path = os.path.join(tempfile.mkdtemp(), "model.h5")
model.save(path)
revived = keras.models.load_model(path)
try:
    same = np.array_equal(model(x), revived(x))
except Exception as error:
    table = [line.strip() for line in str(error).splitlines() if "Table" in line]
    print(f"reproduced on keras {keras.__version__}: {type(error).__name__}: {table[:1]}")
    sys.exit(1)
print(f"{'not ' if same else ''}reproduced on keras {keras.__version__}")
sys.exit(0 if same else 1)
