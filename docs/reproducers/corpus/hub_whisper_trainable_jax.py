import os, sys, tempfile
import keras, keras_hub
b = keras_hub.models.WhisperBackbone(vocabulary_size=64, num_layers=2, num_heads=2, hidden_dim=16, intermediate_dim=32, num_mels=8, max_encoder_sequence_length=16, max_decoder_sequence_length=8)
p = os.path.join(tempfile.mkdtemp(), "m.keras"); b.save(p); r = keras.models.load_model(p)
a = b.get_layer("encoder_position_embedding"); c = r.get_layer("encoder_position_embedding")
print(keras.backend.backend(), "trainable before", a.trainable, [v.trainable for v in a.weights], "after", c.trainable, [v.trainable for v in c.weights])
