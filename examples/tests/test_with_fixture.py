"""The keras_roundtrip fixture inside an ordinary test of the project."""

import keras
import pytest
from shop_models.text import text_classifier

import keras_gate


def test_the_text_classifier_survives_every_format(keras_roundtrip):
    results = keras_roundtrip(text_classifier(), formats=["keras_v3", "h5", "from_config"])
    assert set(results) == {"keras_v3", "h5", "from_config"}
    assert all(result.max_abs == 0.0 for result in results.values())


@keras.saving.register_keras_serializable(package="shop_models_tests")
class Scale(keras.layers.Layer):
    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return super().get_config()  # forgets `factor`: a reload scales by 1.0


def test_a_layer_that_forgets_its_config_is_caught(keras_roundtrip):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, Scale(3.0, name="scale")(keras.layers.Dense(2)(inputs)))
    with pytest.raises(keras_gate.PredictionMismatch, match="first diverging layer: scale"):
        keras_roundtrip(model, formats=["keras_v3"])
