"""A keras.applications base with our own head, fine-tuned for two steps.

Built with weights=None so the example runs offline; with weights="imagenet"
it is the same code path the EfficientNet suite gates.
"""

import keras
import numpy as np

SIZE = 96


def product_photos():
    base = keras.applications.MobileNetV2(
        input_shape=(SIZE, SIZE, 3), alpha=0.35, include_top=False, weights=None
    )
    inputs = keras.Input((SIZE, SIZE, 3), name="photo")
    x = keras.layers.GlobalAveragePooling2D()(base(inputs))
    outputs = keras.layers.Dense(5, activation="softmax", name="category")(x)
    model = keras.Model(inputs, outputs, name="product_photos")
    for layer in base.layers[:40]:
        layer.trainable = False
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    rng = np.random.default_rng(7)
    images = rng.uniform(-1, 1, size=(4, SIZE, SIZE, 3)).astype("float32")
    labels = np.eye(5, dtype="float32")[rng.integers(0, 5, size=4)]
    for _ in range(2):
        model.train_on_batch(images, labels)
    return model
