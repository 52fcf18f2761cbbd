"""Registered Keras classes whose ``get_config()`` forgets a constructor argument: the
faults the settings and behaviour checks exist for, shared by their tests."""

import keras


@keras.saving.register_keras_serializable(package="gate_harness")
class ForgetfulNoise(keras.layers.Layer):
    """Adds noise in training only; ``get_config`` forgets ``stddev`` (a reload takes
    the default, 0.1)."""

    def __init__(self, stddev=0.1, **kwargs):
        super().__init__(**kwargs)
        self.stddev = stddev
        self.seed_generator = keras.random.SeedGenerator(1)

    def call(self, x, training=False):
        if training:
            return x + keras.random.normal(
                keras.ops.shape(x), stddev=self.stddev, seed=self.seed_generator
            )
        return x

    def get_config(self):
        return super().get_config()  # forgets `stddev`
