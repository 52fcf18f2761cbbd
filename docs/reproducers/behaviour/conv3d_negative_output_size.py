"""A Conv3D whose output size is negative builds, and returns what memory held.

keras 3.10.0 (tensorflow-cpu 2.21.0) builds ``Conv3D(2, 3, dilation_rate=2)`` on a 4 x 4 x 4
volume (the dilated kernel spans 5), and two calls on the same batch return different
values (NaN, 1e+26, ...). keras 3.15.1 refuses to build it ("Computed output size would be
zero or negative"). Found by ``python -m keras_gate.tools.sweep --in-models`` on 3.10.0, where
the gate now says "not judged" for such a model instead of a round-trip difference.

Exit 1 while Keras builds it (what memory held is random: any two calls may agree, so
the script also says whether five calls differed), 0 once it is refused.
"""

import sys

import numpy as np

import keras

inputs = keras.Input((4, 4, 4, 2))
try:
    model = keras.Model(inputs, keras.layers.Conv3D(2, 3, dilation_rate=2)(inputs))
except ValueError as error:
    print(f"keras {keras.__version__}: refused: {str(error).splitlines()[0][:120]}")
    sys.exit(0)
batch = np.random.default_rng(0).uniform(size=(2, 4, 4, 4, 2)).astype("float32")
calls = [np.asarray(model(batch, training=False)) for _ in range(5)]
differ = any(call.tobytes() != calls[0].tobytes() for call in calls[1:])
print(
    f"keras {keras.__version__}: built, output shape {calls[0].shape} for a 5-wide dilated "
    f"kernel on 4 steps; five calls on one batch {'differ' if differ else 'agree'}"
)
sys.exit(1)
