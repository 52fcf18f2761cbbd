"""Review classifier: token ids -> Embedding -> a custom attention pool -> 3 classes."""

import keras

import keras_gate

VOCABULARY = 5000
LENGTH = 24


@keras.saving.register_keras_serializable(package="shop_models")
class AttentionPool(keras.layers.Layer):
    """Softmax-weighted mean over the sequence, with a learned scoring vector."""

    def __init__(self, temperature=1.0, **kwargs):
        super().__init__(**kwargs)
        self.temperature = temperature

    def build(self, input_shape):
        self.score = self.add_weight(shape=(input_shape[-1],), initializer="glorot_uniform")

    def call(self, x):
        weights = keras.ops.softmax(keras.ops.matmul(x, self.score) / self.temperature, axis=-1)
        return keras.ops.sum(x * keras.ops.expand_dims(weights, -1), axis=1)

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}


@keras_gate.model(markers=["text"])
def text_classifier():
    tokens = keras.Input((LENGTH,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(VOCABULARY, 32, name="embedding")(tokens)
    x = AttentionPool(temperature=0.5, name="attention_pool")(x)
    x = keras.layers.Dense(32, activation="relu", name="hidden")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="sentiment")(x)
    return keras.Model(tokens, outputs, name="text_classifier")
