"""A model holding RandomBrightness, RandomColorDegeneration, RandomPosterization,
RandomSaturation, RandomSharpness or Solarization cannot be saved as legacy .h5:
`model.save("m.h5")` raises `TypeError: cannot pickle 'module' object`. Exit 1: reproduced
(RandomBrightness and Solarization on 3.5.0, 3.10.0, 3.13.2, 3.14.1, 3.15.0, 3.15.1 and
keras-nightly 3.16.0.dev2026102704; the other four on 3.15.1). Usage: python
h5_image_layer_save.py [LAYER]"""

import os
import sys
import tempfile

import keras

name = sys.argv[1] if len(sys.argv) > 1 else "RandomBrightness"
arguments = {"Solarization": (), "RandomPosterization": (4,)}.get(name, (0.2,))
images = keras.Input((8, 8, 3))
model = keras.Model(images, getattr(keras.layers, name)(*arguments)(images))
path = os.path.join(tempfile.mkdtemp(), "model.h5")
try:
    model.save(path)
except Exception as error:  # TypeError: cannot pickle 'module' object
    print(f"reproduced on keras {keras.__version__}: {name}: {type(error).__name__}: {error}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}: {name}")
