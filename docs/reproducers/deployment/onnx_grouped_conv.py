"""keras 3.15.1: a grouped Conv2D (groups > 1; ConvNeXt's depthwise convolutions are
`Conv2D(groups=C)`) exports to ONNX with a TensorFlow StatefulPartitionedCall left in the
graph, which onnxruntime refuses (INVALID_GRAPH). Keras's TensorFlow backend runs grouped
convolutions through a `tf.function(jit_compile=True)` (keras/src/backend/tensorflow/nn.py,
`conv`: "grouped convolutions are broken on CPU without XLA"), and tf2onnx does not inline
that function. The same layer with groups=1 exports and runs. Found by the corpus's
app_convnext* through --formats=onnx. Exit 1: reproduced.
"""

import os
import sys
import tempfile

import keras
import numpy as np

x = np.random.RandomState(0).rand(2, 16, 16, 8).astype("float32")


def export_and_run(groups):
    model = keras.Sequential(
        [keras.Input((16, 16, 8)), keras.layers.Conv2D(8, 7, padding="same", groups=groups)]
    )
    expected = np.asarray(model(x, training=False))
    path = os.path.join(tempfile.mkdtemp(), "model.onnx")
    model.export(path, format="onnx", verbose=False)
    import onnxruntime

    session = onnxruntime.InferenceSession(path)
    got = session.run(None, {session.get_inputs()[0].name: x})[0]
    return float(np.abs(got - expected).max())


print(f"groups=1: max |diff| {export_and_run(1):.3g}")
try:
    diff = export_and_run(8)
except Exception as error:
    print(f"reproduced on keras {keras.__version__}: {type(error).__name__}: {str(error)[:200]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}: groups=8 max |diff| {diff:.3g}")
