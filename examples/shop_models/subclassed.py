"""A subclassed model: no symbolic inputs, so the gate is told what to feed it."""

import keras
import numpy as np

import keras_gate


@keras.saving.register_keras_serializable(package="shop_models")
class ResidualMLP(keras.Model):
    def __init__(self, width=16, blocks=2, **kwargs):
        super().__init__(**kwargs)
        self.width, self.blocks = width, blocks
        self.project = keras.layers.Dense(width)
        self.hidden = [keras.layers.Dense(width, activation="gelu") for _ in range(blocks)]
        self.out = keras.layers.Dense(4)

    def call(self, x):
        x = self.project(x)
        for layer in self.hidden:
            x = x + layer(x)
        return self.out(x)

    def get_config(self):
        return {**super().get_config(), "width": self.width, "blocks": self.blocks}


def features(seed):
    return np.random.default_rng(seed).normal(size=(4, 10)).astype("float32")


@keras_gate.model(inputs=features, formats=["keras_v3", "weights_h5"])
def residual_mlp():
    model = ResidualMLP(name="residual_mlp")
    model(features(0))  # build
    return model
