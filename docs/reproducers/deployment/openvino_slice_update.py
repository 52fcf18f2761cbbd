"""keras 3.15.1: `keras.ops.slice_update` is `XlaDynamicUpdateSlice` on the TensorFlow
backend (keras/src/backend/tensorflow/core.py: `dynamic_update_slice`), and OpenVINO's
TensorFlow frontend has no conversion for it, so `model.export(format="openvino")` fails.
keras-hub's Swin Transformer builds its shifted-window attention mask with it
(swin_transformer_layers.py, `SwinTransformerBlock.call`). Found by the corpus's
hub_swin_transformer_* through --formats=openvino (the op was listed in
OPENVINO_UNCONVERTED_OPS as "not located"). Exit 1: reproduced.
"""

import os
import sys
import tempfile

import keras
import numpy as np


class MarkCorner(keras.layers.Layer):
    """Swin's idiom: write a block of ones into a zero mask."""

    def call(self, x):
        mask = keras.ops.slice_update(
            keras.ops.zeros((1, 4, 4, 1)), [0, 2, 2, 0], keras.ops.ones((1, 2, 2, 1))
        )
        return x * mask


model = keras.Sequential([keras.Input((4, 4, 1)), MarkCorner()])
model(np.ones((1, 4, 4, 1), "float32"))
try:
    model.export(os.path.join(tempfile.mkdtemp(), "model.xml"), format="openvino", verbose=False)
except Exception as error:
    print(f"reproduced on keras {keras.__version__}: {type(error).__name__}: {str(error)[:300]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}: the export converted")
