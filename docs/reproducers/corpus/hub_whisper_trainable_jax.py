"""On jax, keras-hub's WhisperBackbone comes back from .keras (or, with the argument
`preset`, from save_to_preset / from_preset; with `config`, rebuilt from its JSON config as
the weights-only formats do) with its frozen encoder position embedding trainable (on
tensorflow it stays frozen). Run with KERAS_BACKEND=jax.
Exit 1: reproduced; 2: keras-hub does not import here."""

import os
import sys
import tempfile

import keras

try:
    import keras_hub
except ImportError as error:
    print(f"cannot run on keras {keras.__version__}: keras_hub does not import: {error}")
    sys.exit(2)

backbone = keras_hub.models.WhisperBackbone(
    vocabulary_size=64, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32,
    num_mels=8, max_encoder_sequence_length=16, max_decoder_sequence_length=8,
)
if sys.argv[1:] == ["config"]:
    revived = keras.models.model_from_json(backbone.to_json())
elif sys.argv[1:] == ["preset"]:
    path = tempfile.mkdtemp()
    backbone.save_to_preset(path)
    revived = keras_hub.models.Backbone.from_preset(path)
else:
    path = os.path.join(tempfile.mkdtemp(), "model.keras")
    backbone.save(path)
    revived = keras.models.load_model(path)
before = backbone.get_layer("encoder_position_embedding").trainable
after = revived.get_layer("encoder_position_embedding").trainable
where = f"keras {keras.__version__} ({keras.backend.backend()}), keras-hub {keras_hub.__version__}"
if before != after:
    print(f"reproduced on {where}: encoder_position_embedding trainable {before} -> {after}")
    sys.exit(1)
print(f"not reproduced on {where}")
