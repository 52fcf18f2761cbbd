"""Legacy .h5 cannot save a keras-hub T5Seq2SeqLM (tiny config): two weights of one
layer share a name ("Unable to synchronously create dataset (name already exists)").
Needs keras-hub. Exit 1: reproduced."""

import os
import sys
import tempfile

import keras

try:
    import keras_hub
except ImportError as error:  # exit 2: the script cannot run here
    print(f"cannot run on keras {keras.__version__}: keras_hub does not import: {error}")
    sys.exit(2)

backbone = keras_hub.models.T5Backbone(
    vocabulary_size=64, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32
)
model = keras_hub.models.T5Seq2SeqLM(backbone=backbone, preprocessor=None)
path = os.path.join(tempfile.mkdtemp(), "model.h5")
try:
    model.save(path)
except ValueError as error:
    print(f"reproduced on keras {keras.__version__}, keras-hub {keras_hub.__version__}: "
          f"{str(error).splitlines()[0]}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}, keras-hub {keras_hub.__version__}")
