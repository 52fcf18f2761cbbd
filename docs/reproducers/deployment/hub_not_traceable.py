"""keras-hub 0.32.0: Qwen3.5's GatedDeltaNet and RWKV7's TimeMix cannot be traced into a
TensorFlow graph, so ``model.export`` fails for every runtime (ONNX shown). Run from
``corpus/`` (``python ../docs/reproducers/deployment/hub_not_traceable.py``). Exit 1:
reproduced.
"""

import os
import sys
import tempfile

import keras
import keras_hub
import numpy as np

sys.path.insert(0, ".")
from corpus_models.hub import BACKBONES  # the rows' arguments only  # noqa: E402

failed = []
for name in ("qwen3_5", "rwkv7"):
    cls, arguments = BACKBONES[name][0], BACKBONES[name][1]
    model = getattr(keras_hub.models, cls)(**arguments)
    ids = np.ones((1, 8), "int32")
    inputs = {"token_ids": ids, "padding_mask": np.ones((1, 8), "int32")}
    model(inputs, training=False)
    try:
        model.export(os.path.join(tempfile.mkdtemp(), "m.onnx"), format="onnx", verbose=False)
    except Exception as error:
        print(f"{cls}: export failed: {type(error).__name__}: {str(error).splitlines()[0][:150]}")
        failed.append(cls)
print(f"{'reproduced' if failed else 'not reproduced'} on keras {keras.__version__}")
sys.exit(1 if failed else 0)
