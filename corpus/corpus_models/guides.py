"""Models in the idioms of the keras.io guides, each as a guide writes it.

Augmentation in front of a CNN, masking RNNs, every adapted preprocessing layer,
quantized and LoRA-enabled layers, compiled and trained models, mixed precision,
subclassed models, multiple inputs and outputs, shared layers, a custom
``train_step``. Data for ``adapt`` and ``fit`` is seeded: every build is the same.
"""

from __future__ import annotations

import numpy as np

import keras_gate

WORDS = "the a gate model keras saves loads reload predict same weights config layer".split()


STRINGS = keras_gate.model(backends=["tensorflow"])
"""String tensors exist on the TensorFlow backend only (Keras's other backends have none)."""


def _rng(name: str) -> np.random.RandomState:
    return np.random.RandomState(sum(map(ord, name)))


def _sentences(rng, count=32, length=6) -> np.ndarray:
    return np.array([" ".join(rng.choice(WORDS, size=length)) for _ in range(count)])


def _image_inputs(keras, size=32):
    return keras.Input((size, size, 3), name="image")


def _small_cnn(keras, x, classes=4):
    x = keras.layers.Conv2D(8, 3, activation="relu")(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(16, 3, activation="relu")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.layers.Dense(classes, activation="softmax")(x)


def augmented_cnn():
    """ "Image classification from scratch": augmentation layers in front of a CNN."""
    import keras

    inputs = _image_inputs(keras)
    x = keras.layers.RandomFlip("horizontal")(inputs)
    x = keras.layers.RandomRotation(0.1)(x)
    x = keras.layers.RandomZoom(0.1)(x)
    x = keras.layers.Rescaling(1.0 / 255)(x)
    return keras.Model(inputs, _small_cnn(keras, x), name="augmented_cnn")


def augmentation_block_cnn():
    """The guides' ``data_augmentation = keras.Sequential([...])`` nested in a model."""
    import keras

    augmentation = keras.Sequential(
        [keras.layers.RandomFlip("horizontal"), keras.layers.RandomContrast(0.2)],
        name="data_augmentation",
    )
    inputs = _image_inputs(keras)
    x = augmentation(inputs)
    x = keras.layers.Rescaling(1.0 / 255)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Dropout(0.2)(x)
    return keras.Model(inputs, _small_cnn(keras, x), name="augmentation_block_cnn")


def masked_lstm():
    """ "Masking and padding": ``Embedding(mask_zero=True)`` into an LSTM."""
    import keras

    inputs = keras.Input((None,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(50, 8, mask_zero=True)(inputs)
    x = keras.layers.LSTM(8)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs, name="masked_lstm")


def masked_bidirectional_gru():
    """A masked bidirectional GRU returning sequences, then a TimeDistributed head."""
    import keras

    inputs = keras.Input((10,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(40, 8, mask_zero=True)(inputs)
    x = keras.layers.Bidirectional(keras.layers.GRU(6, return_sequences=True))(x)
    outputs = keras.layers.TimeDistributed(keras.layers.Dense(3))(x)
    return keras.Model(inputs, outputs, name="masked_bidirectional_gru")


def masking_layer_rnn():
    """``keras.layers.Masking`` over float sequences into a SimpleRNN."""
    import keras

    inputs = keras.Input((7, 4), name="sequence")
    x = keras.layers.Masking(mask_value=0.0)(inputs)
    x = keras.layers.SimpleRNN(5)(x)
    return keras.Model(inputs, keras.layers.Dense(2)(x), name="masking_layer_rnn")


@STRINGS
def text_vectorization_classifier():
    """ "Text classification from scratch": strings in, an adapted TextVectorization."""
    import keras

    vectorize = keras.layers.TextVectorization(max_tokens=30, output_sequence_length=8)
    vectorize.adapt(_sentences(_rng("text")))
    inputs = keras.Input((1,), dtype="string", name="text")
    x = vectorize(inputs)
    x = keras.layers.Embedding(31, 8)(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="text_vectorization_classifier")


@STRINGS
def string_lookup_one_hot():
    """An adapted ``StringLookup`` with one-hot output, into a Dense layer."""
    import keras

    lookup = keras.layers.StringLookup(output_mode="one_hot")
    lookup.adapt(np.array(WORDS[:6]))
    inputs = keras.Input((1,), dtype="string", name="category")
    outputs = keras.layers.Dense(3)(lookup(inputs))
    return keras.Model(inputs, outputs, name="string_lookup_one_hot")


def integer_lookup_embedding():
    """An adapted ``IntegerLookup`` feeding an Embedding."""
    import keras

    lookup = keras.layers.IntegerLookup()
    lookup.adapt(np.array([3, 7, 11, 19, 42, 99]))
    inputs = keras.Input((4,), dtype="int64", name="codes")
    x = keras.layers.Embedding(lookup.vocabulary_size(), 4)(lookup(inputs))
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(x))
    return keras.Model(inputs, outputs, name="integer_lookup_embedding")


@STRINGS
def hashing_embedding():
    """``Hashing`` string features into bins, then an Embedding."""
    import keras

    inputs = keras.Input((3,), dtype="string", name="tags")
    x = keras.layers.Hashing(num_bins=16)(inputs)
    x = keras.layers.Embedding(16, 4)(x)
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(x))
    return keras.Model(inputs, outputs, name="hashing_embedding")


def discretization_category_encoding():
    """An adapted ``Discretization`` into ``CategoryEncoding``."""
    import keras

    bins = keras.layers.Discretization(num_bins=5)
    bins.adapt(_rng("bins").uniform(-1, 1, size=(64, 1)).astype("float32"))
    inputs = keras.Input((1,), name="amount")
    x = keras.layers.CategoryEncoding(num_tokens=5, output_mode="one_hot")(bins(inputs))
    outputs = keras.layers.Dense(2)(x)
    return keras.Model(inputs, outputs, name="discretization_category_encoding")


def normalization_regressor():
    """ "Structured data": an adapted ``Normalization`` in front of a regressor."""
    import keras

    norm = keras.layers.Normalization()
    norm.adapt(_rng("norm").normal(3.0, 2.0, size=(64, 5)).astype("float32"))
    inputs = keras.Input((5,), name="features")
    x = keras.layers.Dense(8, activation="relu")(norm(inputs))
    return keras.Model(inputs, keras.layers.Dense(1)(x), name="normalization_regressor")


@STRINGS
def structured_data_classifier():
    """ "Structured data classification": numeric, string and integer features, a dict."""
    import keras

    rng = _rng("structured")
    age = keras.Input((1,), name="age")
    city = keras.Input((1,), dtype="string", name="city")
    rooms = keras.Input((1,), dtype="int64", name="rooms")
    norm = keras.layers.Normalization()
    norm.adapt(rng.uniform(18, 90, size=(64, 1)).astype("float32"))
    cities = keras.layers.StringLookup(output_mode="one_hot")
    cities.adapt(np.array(["paris", "lima", "oslo", "kyiv"]))
    room_ids = keras.layers.IntegerLookup(output_mode="one_hot")
    room_ids.adapt(np.array([1, 2, 3, 4, 5]))
    x = keras.layers.concatenate([norm(age), cities(city), room_ids(rooms)])
    x = keras.layers.Dense(8, activation="relu")(x)
    x = keras.layers.Dropout(0.5)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(
        {"age": age, "city": city, "rooms": rooms}, outputs, name="structured_data_classifier"
    )


def _mlp(keras, name):
    inputs = keras.Input((12,), name="features")
    x = keras.layers.Dense(16, activation="relu")(inputs)
    x = keras.layers.Dense(16, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(4)(x), name=name)


def _quantized(mode: str):
    def build():
        import keras

        model = _mlp(keras, f"quantized_{mode}")
        model.quantize(mode)
        return model

    build.__name__ = build.__qualname__ = f"quantized_{mode}"
    return build


def lora_dense():
    """LoRA-enabled Dense layers ("parameter-efficient fine-tuning" guides)."""
    import keras

    model = _mlp(keras, "lora_dense")
    for layer in model.layers[1:3]:
        layer.enable_lora(rank=2)
        # A LoRA update that is not zero, as after fine-tuning.
        layer.lora_kernel_b.assign(_rng(layer.name).normal(0, 0.1, layer.lora_kernel_b.shape))
    return model


def _data(model, rows=16):
    rng = _rng(model.name)
    x = rng.uniform(-1, 1, size=(rows, *model.input_shape[1:])).astype("float32")
    y = rng.randint(0, model.output_shape[-1], size=(rows,))
    return x, y


def compiled_untrained():
    """Compiled with an optimizer, a loss and metrics, never fitted."""
    import keras

    model = _mlp(keras, "compiled_untrained")
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


def _trained(optimizer: str):
    def build():
        import keras

        model = _mlp(keras, f"trained_{optimizer}")
        model.compile(
            optimizer=keras.optimizers.get(optimizer),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=[keras.metrics.SparseCategoricalAccuracy()],
        )
        x, y = _data(model)
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        return model

    build.__name__ = build.__qualname__ = f"trained_{optimizer}"
    return build


def mixed_precision_cnn():
    """ "Mixed precision": a ``mixed_float16`` policy per layer, a float32 output."""
    import keras

    inputs = _image_inputs(keras, 16)
    x = keras.layers.Conv2D(8, 3, activation="relu", dtype="mixed_float16")(inputs)
    x = keras.layers.GlobalAveragePooling2D(dtype="mixed_float16")(x)
    x = keras.layers.Dense(8, activation="relu", dtype="mixed_float16")(x)
    outputs = keras.layers.Dense(3, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="mixed_precision_cnn")


def multi_input_multi_output():
    """ "The Functional API": a ticket ranker with two inputs and two named outputs."""
    import keras

    title = keras.Input((6,), dtype="int32", name="title")
    tags = keras.Input((4,), name="tags")
    x = keras.layers.Embedding(30, 8)(title)
    x = keras.layers.GlobalAveragePooling1D()(x)
    x = keras.layers.concatenate([x, tags])
    priority = keras.layers.Dense(1, name="priority")(x)
    department = keras.layers.Dense(3, activation="softmax", name="department")(x)
    return keras.Model(
        {"title": title, "tags": tags},
        {"priority": priority, "department": department},
        name="multi_input_multi_output",
    )


def shared_layers_siamese():
    """Shared layers: one encoder applied to two inputs, their distance out."""
    import keras

    encoder = keras.layers.Dense(6, activation="tanh", name="shared_encoder")
    left = keras.Input((5,), name="left")
    right = keras.Input((5,), name="right")
    distance = keras.layers.Subtract()([encoder(left), encoder(right)])
    outputs = keras.layers.Dense(1)(keras.ops.abs(distance))
    return keras.Model([left, right], outputs, name="shared_layers_siamese")


def conv1d_timeseries():
    """ "Timeseries classification from scratch": Conv1D, BatchNormalization, ReLU."""
    import keras

    inputs = keras.Input((20, 1), name="series")
    x = inputs
    for _ in range(2):
        x = keras.layers.Conv1D(8, 3, padding="same")(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.ReLU()(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(x), name="conv1d")


def conv_autoencoder():
    """A convolutional autoencoder with Conv2DTranspose (the denoising guide)."""
    import keras

    inputs = keras.Input((16, 16, 1), name="image")
    x = keras.layers.Conv2D(8, 3, activation="relu", padding="same")(inputs)
    x = keras.layers.MaxPooling2D(2, padding="same")(x)
    x = keras.layers.Conv2DTranspose(8, 3, strides=2, activation="relu", padding="same")(x)
    outputs = keras.layers.Conv2D(1, 3, activation="sigmoid", padding="same")(x)
    return keras.Model(inputs, outputs, name="conv_autoencoder")


def sequential_mlp():
    """A ``keras.Sequential`` model with an ``Input``, compiled (the Sequential guide)."""
    import keras

    model = keras.Sequential(
        [
            keras.Input((8,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(2),
        ],
        name="sequential_mlp",
    )
    model.compile("rmsprop", "mse")
    return model


def transformer_text_classifier():
    """ "Text classification with Transformer": custom embedding and block layers."""
    import keras

    from corpus_models.layers import TokenAndPositionEmbedding, TransformerBlock

    inputs = keras.Input((12,), dtype="int32", name="tokens")
    x = TokenAndPositionEmbedding(12, 40, 16)(inputs)
    x = TransformerBlock(16, 2, 32)(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(2, activation="softmax")(x)
    return keras.Model(inputs, outputs, name="transformer_text_classifier")


def custom_train_step():
    """ "Customizing what happens in fit()": a Model subclass with its own train_step."""
    import keras

    from corpus_models.layers import CustomTrainStepModel

    inputs = keras.Input((6,), name="features")
    x = keras.layers.Dense(8, activation="relu")(inputs)
    model = CustomTrainStepModel(inputs, keras.layers.Dense(1)(x), name="custom_train_step")
    model.compile(optimizer="adam", loss="mse")
    x, _ = _data(model)
    model.fit(x, x[:, :1], batch_size=8, epochs=1, verbose=0, shuffle=False)
    return model


@keras_gate.model(safe_mode=False)  # a Lambda holds Python code: Keras asks for it
def lambda_rescale():
    """ "The Functional API" / "Making new layers": a ``Lambda`` rescaling pixels."""
    import keras

    inputs = _image_inputs(keras, 16)
    x = keras.layers.Lambda(lambda t: t / 255.0 - 0.5, name="rescale")(inputs)
    return keras.Model(inputs, _small_cnn(keras, x), name="lambda_rescale")


@keras_gate.model(formats=["keras_v3", "h5", "clone", "from_config"])
def trained_sgd_schedule():
    """ "Learning rate schedules": SGD with momentum on an ExponentialDecay, trained;
    ``clone`` and ``from_config`` start the optimizer afresh, the schedule stays."""
    import keras

    model = _mlp(keras, "trained_sgd_schedule")
    schedule = keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=1, decay_rate=0.5)
    model.compile(
        optimizer=keras.optimizers.SGD(schedule, momentum=0.9),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    x, y = _data(model)
    model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    return model


def dropout_noise_regressor():
    """Regularisation as the guides write it: GaussianNoise, Dropout and
    BatchNormalization in a regressor trained with Adam (training-mode randomness)."""
    import keras

    inputs = keras.Input((12,), name="features")
    x = keras.layers.GaussianNoise(0.1)(inputs)
    x = keras.layers.Dense(16, activation="relu")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Dropout(0.3)(x)
    model = keras.Model(inputs, keras.layers.Dense(2)(x), name="dropout_noise_regressor")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=keras.losses.MeanAbsoluteError())
    rng = _rng("dropout_noise_regressor")
    x = rng.uniform(-1, 1, size=(16, 12)).astype("float32")
    model.fit(x, x[:, :2] * 3.0, batch_size=8, epochs=1, verbose=0, shuffle=False)
    return model


def _subclassed_inputs(seed):
    return np.random.RandomState(seed).uniform(-1, 1, size=(2, 6)).astype("float32")


@keras_gate.model(inputs=_subclassed_inputs)
def subclassed_with_build():
    """A subclassed model whose ``build`` creates its weights, built by a call."""
    from corpus_models.layers import ResidualRegressor

    model = ResidualRegressor(units=8)
    model(_subclassed_inputs(0))
    return model


GUIDES = {
    **{
        f"guide_{factory.__name__}": factory
        for factory in (
            augmented_cnn,
            augmentation_block_cnn,
            masked_lstm,
            masked_bidirectional_gru,
            masking_layer_rnn,
            text_vectorization_classifier,
            string_lookup_one_hot,
            integer_lookup_embedding,
            hashing_embedding,
            discretization_category_encoding,
            normalization_regressor,
            structured_data_classifier,
            _quantized("int8"),
            _quantized("float8"),
            _quantized("int4"),
            lora_dense,
            compiled_untrained,
            _trained("adam"),
            _trained("sgd"),
            _trained("rmsprop"),
            _trained("adamw"),
            mixed_precision_cnn,
            multi_input_multi_output,
            shared_layers_siamese,
            conv1d_timeseries,
            conv_autoencoder,
            sequential_mlp,
            transformer_text_classifier,
            custom_train_step,
            lambda_rescale,
            trained_sgd_schedule,
            dropout_noise_regressor,
        )
    },
    "guide_subclassed_with_build": subclassed_with_build,
}
"""``{model name: factory}`` for every idiom."""
