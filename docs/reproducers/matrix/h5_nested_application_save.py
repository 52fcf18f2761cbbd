"""keras 3.1.x: a model that nests a keras.applications base cannot be saved as legacy .h5.

Found by the compatibility matrix (docs/compatibility.md): every quick-tier .h5 case of
keras 3.1.1 fails at the save. Plain Keras, no gate:

    python h5_nested_application_save.py   # exit 1 where the save raises, 0 where it works

keras 3.1.1 + tensorflow-cpu 2.17.1: ValueError: Unable to synchronously create dataset
(name already exists). The base alone saves; so does a plain Dense model.
"""

import sys
import tempfile
from pathlib import Path

import keras

base = keras.applications.MobileNetV2(weights=None, include_top=False, input_shape=(96, 96, 3))
inputs = keras.Input((96, 96, 3))
model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(base(inputs))))
path = Path(tempfile.mkdtemp()) / "nested.h5"
try:
    model.save(path)
except ValueError as error:
    print(f"keras {keras.__version__}: reproduced: {type(error).__name__}: {error}")
    sys.exit(1)
print(f"keras {keras.__version__}: not reproduced: the nested model saved as .h5")
sys.exit(0)
