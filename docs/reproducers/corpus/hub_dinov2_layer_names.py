"""keras-hub's DINOV2Backbone (and DINOV3Backbone) names its layers after the model's
name only once it has one: built without `name=`, its layers are `embeddings`,
`encoder`, `layernorm`; reloaded from .keras, `dinov2_backbone_embeddings`, ... so
`get_layer("layernorm")` and every variable path change. Exit 1: reproduced."""

import os
import sys
import tempfile

import keras

try:
    import keras_hub
except ImportError as error:  # exit 2: the script cannot run here
    print(f"cannot run on keras {keras.__version__}: keras_hub does not import: {error}")
    sys.exit(2)

backbone = keras_hub.models.DINOV2Backbone(
    patch_size=8, num_layers=2, hidden_dim=16, num_heads=2, intermediate_dim=32,
    image_shape=(32, 32, 3), position_embedding_shape=(32, 32, 3),
)
path = os.path.join(tempfile.mkdtemp(), "model.keras")
backbone.save(path)
revived = keras.models.load_model(path)
before = [layer.name for layer in backbone.layers]
after = [layer.name for layer in revived.layers]
if before != after:
    print(f"reproduced on keras {keras.__version__}, keras-hub {keras_hub.__version__}: "
          f"{before} -> {after}")
    sys.exit(1)
print(f"not reproduced on keras {keras.__version__}, keras-hub {keras_hub.__version__}")
