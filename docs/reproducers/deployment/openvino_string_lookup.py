"""keras 3.15.1: a model with a string input (StringLookup on a tf.string input) exports to
ONNX and LiteRT, but model.export(format="openvino") raises (RuntimeError: Check
'unregistered_parameters.str().empty()' failed). Plain Keras + openvino, no gate.

    pip install keras==3.15.1 tensorflow-cpu==2.21.0 openvino scipy onnx tf2onnx ai-edge-litert
    python openvino_string_lookup.py    # exit 1: reproduced (openvino fails), 0: not
"""

import sys
import tempfile

import keras
import numpy as np

inputs = keras.Input((1,), dtype="string", name="city")
ids = keras.layers.StringLookup(vocabulary=["paris", "rome"])(inputs)
model = keras.Model(inputs, keras.layers.Embedding(4, 2)(ids))
model(np.array([["paris"]]))  # the exporters need one call
failed = []
for fmt, name in (("onnx", "m.onnx"), ("litert", "m.tflite"), ("openvino", "m.xml")):
    try:
        model.export(f"{tempfile.mkdtemp()}/{name}", format=fmt, verbose=False)
        print(f"keras {keras.__version__}: {fmt}: exported")
    except Exception as error:
        print(f"keras {keras.__version__}: {fmt}: {type(error).__name__}: {str(error)[:160]}")
        failed.append(fmt)
sys.exit(1 if "openvino" in failed else 0)
