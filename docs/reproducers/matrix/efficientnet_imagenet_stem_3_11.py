"""keras 3.11.x: EfficientNetB0(weights="imagenet") cannot load an ImageNet weight file
that keras 3.10 and 3.12 load: the stem is built for 1 input channel.

Found by the compatibility matrix (docs/compatibility.md): every EfficientNet case of
keras 3.11.3 errors while the model is built. Plain Keras, no gate; WEIGHTS is a weight
file in the official `efficientnetb0_notop.h5` layout (the gate's synthetic stand-in,
written by keras 3.10.0; the official file is not downloadable here):

    python efficientnet_imagenet_stem_3_11.py WEIGHTS   # exit 1 where the build raises
"""

import sys

import keras
from keras.src.utils import file_utils

file_utils.get_file = lambda *args, **kwargs: sys.argv[1]  # serve WEIGHTS to Keras's loader
try:
    keras.applications.EfficientNetB0(
        weights="imagenet", include_top=False, input_shape=(224, 224, 3)
    )
except ValueError as error:
    print(f"keras {keras.__version__}: reproduced: {type(error).__name__}: {error}")
    sys.exit(1)
print(f"keras {keras.__version__}: not reproduced: the weights loaded")
sys.exit(0)
