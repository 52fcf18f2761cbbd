"""Three models keras.Model.export(format="onnx") cannot give onnxruntime on the jax backend
(jax2onnx); the last two export and run on the tensorflow backend (tf2onnx):

  lookup        IntegerLookup -> Embedding: the export raises AttributeError (on tensorflow
                the export's LookupTableFindV2 node is refused by onnxruntime instead)
  reverse_gru   a masked Bidirectional(GRU): NotImplementedError "Reverse scan is not
                supported in IR pipeline"
  mixed         a mixed_float16 GlobalAveragePooling2D: onnxruntime cannot load the file
                (ReduceMean's output float where float16 is expected)

python jax_onnx_export.py NAME: exit 1 while it fails, 0 once it exports, loads and runs.
"""

import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402


def lookup():
    ids = keras.Input((4,), dtype="int64", name="ids")
    x = keras.layers.IntegerLookup(vocabulary=[3, 5, 7])(ids)
    x = keras.layers.Embedding(8, 2)(x)
    return keras.Model(ids, keras.layers.GlobalAveragePooling1D()(x)), np.array([[3, 5, 7, 9]])


def reverse_gru():
    tokens = keras.Input((5,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(10, 3, mask_zero=True)(tokens)
    x = keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True))(x)
    return keras.Model(tokens, x), np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]], "int32")


def mixed():
    inputs = keras.Input((8, 8, 3), name="image")
    x = keras.layers.Conv2D(4, 3, dtype="mixed_float16")(inputs)
    x = keras.layers.GlobalAveragePooling2D(dtype="mixed_float16")(x)
    model = keras.Model(inputs, keras.layers.Dense(2, dtype="float32")(x))
    return model, np.ones((2, 8, 8, 3), "float32")


model, x = {"lookup": lookup, "reverse_gru": reverse_gru, "mixed": mixed}[sys.argv[1]]()
model(x, training=False)
path = os.path.join(tempfile.mkdtemp(), "model.onnx")
where = "export"
try:
    model.export(path, format="onnx")
    where = "load"
    session = ort.InferenceSession(path)
    where = "run"
    session.run(None, {session.get_inputs()[0].name: x})
except Exception as error:
    first = (str(error).strip().splitlines() or [""])[0][:200]
    print(f"keras {keras.__version__} ({keras.backend.backend()}): {sys.argv[1]}: {where}: "
          f"{type(error).__name__}: {first}")
    sys.exit(1)
print(f"keras {keras.__version__} ({keras.backend.backend()}): {sys.argv[1]}: exports and runs")
sys.exit(0)
