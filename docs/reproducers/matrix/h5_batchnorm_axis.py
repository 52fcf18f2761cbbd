"""A full-model .h5 reload gives a BatchNormalization built with axis=3 the config axis=-1.

Found by the gate's config check on 3.5.0; the compatibility matrix (docs/compatibility.md)
showed the releases it spans. Plain Keras, no gate:

    python h5_batchnorm_axis.py   # exit 1 where the reloaded config says -1, 0 where 3
"""

import sys
import tempfile
from pathlib import Path

import keras

inputs = keras.Input((8, 8, 3))
outputs = keras.layers.BatchNormalization(axis=3, name="bn")(keras.layers.Conv2D(4, 3)(inputs))
model = keras.Model(inputs, outputs)
path = Path(tempfile.mkdtemp()) / "model.h5"
model.save(path)
before = model.get_layer("bn").get_config()["axis"]
after = keras.models.load_model(path).get_layer("bn").get_config()["axis"]
if before != after:
    print(f"keras {keras.__version__}: reproduced: BatchNormalization axis {before} -> {after}")
    sys.exit(1)
print(f"keras {keras.__version__}: not reproduced: axis {before} after the reload too")
sys.exit(0)
