"""keras-nightly 3.16.0.dev2026102704: a model built under the mixed_float16 policy exports to
LiteRT with GlobalAveragePooling2D's mean left as a TensorFlow op (FlexMean), beside the float16
Conv2D/MatMul/BiasAdd/Relu that 3.15.1's export also keeps; keras 3.15.1 converts the mean to
LiteRT's builtin MEAN. The same nightly change as onnx_mixed_precision_nightly.py (there a
PartitionedCall). Found by the corpus's guide_mixed_precision_cnn through --formats=litert on
the nightly (the LiteRT op table, stop 10). Exit 1: reproduced.
"""

import os
import sys
import tempfile

import keras
import numpy as np

keras.mixed_precision.set_global_policy("mixed_float16")
inputs = keras.Input((16, 16, 3))
x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
x = keras.layers.GlobalAveragePooling2D()(x)
model = keras.Model(inputs, keras.layers.Dense(2, dtype="float32")(x))
keras.mixed_precision.set_global_policy("float32")
model(np.zeros((1, 16, 16, 3), "float32"))
path = os.path.join(tempfile.mkdtemp(), "model.tflite")
model.export(path, format="litert", verbose=False)
from ai_edge_litert.interpreter import Interpreter  # noqa: E402

ops = sorted({op["op_name"] for op in Interpreter(model_path=path)._get_ops_details()})
flex = [op for op in ops if op.startswith("Flex")]
if "FlexMean" in flex:
    print(f"reproduced on keras {keras.__version__}: the mean stays a TensorFlow op: {flex}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}: Select TF ops {flex}; ops {ops}")
