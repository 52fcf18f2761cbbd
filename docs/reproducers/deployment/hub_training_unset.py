"""keras-hub 0.32.0: DeepLabV3 and SegFormer compute another function when called without
``training=`` than with ``training=False``; Keras's ONNX and OpenVINO exports trace the call
without it, so the deployed model is not the model's inference. Run from ``corpus/`` (the
tiny configs are its table's rows: ``python ../docs/reproducers/deployment/
hub_training_unset.py``). Exit 1: reproduced.
"""

import sys

import keras
import keras_hub
import numpy as np

sys.path.insert(0, ".")
from corpus_models.hub import BACKBONES  # the rows' arguments only  # noqa: E402

x = np.random.RandomState(0).rand(2, 32, 32, 3).astype("float32")
encoders = {
    "deeplab_v3": keras_hub.models.ResNetBackbone(**BACKBONES["resnet"][1]),
    "segformer": keras_hub.models.MiTBackbone(**BACKBONES["mit"][1]),
}
found = []
for name, encoder in encoders.items():
    cls, arguments = BACKBONES[name][0], dict(BACKBONES[name][1], image_encoder=encoder)
    model = getattr(keras_hub.models, cls)(**arguments)
    differs = float(np.abs(np.asarray(model(x)) - np.asarray(model(x, training=False))).max())
    print(f"{cls}: model(x) vs model(x, training=False): max |diff| {differs:.3g}")
    found += [cls] if differs else []
print(
    f"{'reproduced' if found else 'not reproduced'} on keras {keras.__version__}, "
    f"keras-hub {keras_hub.__version__}"
)
sys.exit(1 if found else 0)
