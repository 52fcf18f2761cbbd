"""Keras on torch: the second LiteRT export of a model with an int32 input in one process fails.

The first export converts; the second (the same architecture, built afresh) fails in
litert-torch's MLIR verification: "operand type mismatch: expected tensor<1x6xi32>, but
provided tensor<1x6xi64>". Exit 1 while it does, 0 when both convert.
Run: KERAS_BACKEND=torch python litert_torch_second_int_export.py
"""

import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras  # noqa: E402


def model():
    inputs = keras.Input((6,), dtype="int32")
    return keras.Model(inputs, keras.layers.Embedding(10, 4)(inputs))


workdir = tempfile.mkdtemp()
failed = 0
for attempt in (1, 2):
    try:
        model().export(os.path.join(workdir, f"m{attempt}.tflite"), format="litert", verbose=False)
        print(f"export {attempt}: converted")
    except RuntimeError as error:
        print(f"export {attempt}: {str(error).splitlines()[0][:160]} ...")
        failed = 1
print("keras", keras.__version__, "backend", keras.backend.backend())
sys.exit(failed)
