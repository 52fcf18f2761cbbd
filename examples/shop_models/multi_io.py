"""Ranking model: a dict of inputs (query tokens, item features), two named outputs."""

import keras

import keras_gate


@keras_gate.model(formats=["keras_v3", "h5", "weights_h5", "from_config", "npz_weights"])
def ranking_model():
    query = keras.Input((8,), dtype="int32", name="query")
    item = keras.Input((6,), name="item")
    q = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(1000, 16)(query))
    x = keras.layers.Concatenate()([q, keras.layers.Dense(16, activation="relu")(item)])
    x = keras.layers.BatchNormalization()(x)
    outputs = {
        "click": keras.layers.Dense(1, activation="sigmoid", name="click")(x),
        "dwell": keras.layers.Dense(1, name="dwell")(x),
    }
    return keras.Model({"query": query, "item": item}, outputs, name="ranking_model")
