"""Every ``keras.applications`` constructor, at a small input size, untrained.

``weights=None`` (no downloads): the architecture and its built-in preprocessing
layers are what is gated here; the EfficientNet suite of the repository gates the
``weights="imagenet"`` path. Sizes are the smallest each constructor accepts
(32 unless it refuses).
"""

from __future__ import annotations

MINIMUM_SIZE = {"InceptionV3": 75, "InceptionResNetV2": 75, "Xception": 71}
"""Constructors that refuse 32 x 32 inputs, with the smallest size they take."""
CLASSES = 10

CONSTRUCTORS = (
    "ConvNeXtBase ConvNeXtLarge ConvNeXtSmall ConvNeXtTiny ConvNeXtXLarge "
    "DenseNet121 DenseNet169 DenseNet201 "
    "EfficientNetB0 EfficientNetB1 EfficientNetB2 EfficientNetB3 EfficientNetB4 "
    "EfficientNetB5 EfficientNetB6 EfficientNetB7 "
    "EfficientNetV2B0 EfficientNetV2B1 EfficientNetV2B2 EfficientNetV2B3 "
    "EfficientNetV2L EfficientNetV2M EfficientNetV2S "
    "InceptionResNetV2 InceptionV3 MobileNet MobileNetV2 MobileNetV3Large MobileNetV3Small "
    "NASNetLarge NASNetMobile ResNet101 ResNet101V2 ResNet152 ResNet152V2 ResNet50 ResNet50V2 "
    "VGG16 VGG19 Xception"
).split()


def _factory(constructor: str):
    def build():
        import keras

        size = MINIMUM_SIZE.get(constructor, 32)
        return getattr(keras.applications, constructor)(
            weights=None, input_shape=(size, size, 3), classes=CLASSES
        )

    build.__name__ = build.__qualname__ = constructor.lower()
    return build


APPLICATIONS = {f"app_{name.lower()}": _factory(name) for name in CONSTRUCTORS}
"""``{model name: factory}`` for every constructor."""
