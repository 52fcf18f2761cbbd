"""Keras's eager call of a functional model keeps every intermediate tensor until it returns.

Not a wrong result: the memory a user's `model(x, training=False)` needs. EfficientNetB7 at
its native 600 x 600 on two images (the gate's test batch), keras 3.15.1 + tensorflow-cpu
2.21.0, TF_ENABLE_ONEDNN_OPTS=0, this 2-core machine (stop 11):

    python eager_call_holds_intermediates.py 600   # built: peak 1.02 GiB; call: peak 8.64 GiB

The gate walks a functional model's graph itself and frees each tensor after its last use
(`keras_gate/engine/runtime/graph_walk.py`, proven equal bit for bit); a subclassed model has
no graph to walk, so it is predicted by this very call: the heavy models' `subclassed`
scenario builds at 224 x 224 for it (`reduced_resolution` in `fixtures/model_registry.py`).
Exit 0 always; it prints the peaks.
"""

import resource
import sys

import numpy as np

import keras


def peak_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


resolution = int(sys.argv[1]) if len(sys.argv) > 1 else 600
base = keras.applications.EfficientNetB7(
    weights=None, include_top=False, input_shape=(resolution, resolution, 3)
)
images = np.random.RandomState(0).uniform(0, 255, (2, resolution, resolution, 3))
print(f"built: peak {peak_gib():.2f} GiB")
base(images.astype("float32"), training=False)
print(f"model(x, training=False) at {resolution} x {resolution}: peak {peak_gib():.2f} GiB")
