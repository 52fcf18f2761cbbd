"""On the jax backend, Keras exports to ONNX (jax2onnx) and OpenVINO (jax2tf) by tracing
the model with jax, an unknown length as a symbolic dimension. A layer that compares such a
length (keras-hub's PositionEmbedding: `sequence_length <= 16`) cannot be traced:
`InconclusiveDimensionOperation`. Run with KERAS_BACKEND=jax. Usage: python
jax_export_symbolic_length.py [onnx|openvino]. Exit 1: reproduced (keras 3.15.1, jax
0.10.2, keras-hub 0.32.0); 2: keras-hub does not import here."""

import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras  # noqa: E402
import numpy as np  # noqa: E402

try:
    import keras_hub
except ImportError as error:
    print(f"cannot run: keras_hub does not import: {error}")
    sys.exit(2)

fmt = sys.argv[1] if len(sys.argv) > 1 else "onnx"
tokens = keras.Input((None, 8))
model = keras.Model(tokens, keras_hub.layers.PositionEmbedding(sequence_length=16)(tokens))
model(np.zeros((1, 4, 8), "float32"))  # the exporter refuses a model never called
path = os.path.join(tempfile.mkdtemp(), "model." + ("xml" if fmt == "openvino" else "onnx"))
try:
    model.export(path, format=fmt, verbose=False)
except Exception as error:
    chain, seen = [], error
    while seen is not None:
        chain.append(type(seen).__name__)
        seen = seen.__cause__ or seen.__context__
    print(f"reproduced on keras {keras.__version__} ({keras.backend.backend()}): {fmt}: {chain}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__} ({keras.backend.backend()}): {fmt}")
