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


LOGITS_CONSTRUCTORS = (
    "ConvNeXtTiny DenseNet121 EfficientNetB0 EfficientNetV2B0 InceptionResNetV2 InceptionV3 "
    "MobileNet MobileNetV2 MobileNetV3Large NASNetMobile ResNet50 ResNet50V2 VGG16 Xception"
).split()
"""One constructor per family, also built with ``classifier_activation=None``: with random
weights the softmax is close to uniform (EfficientNetB0: 0.1000005 per class), so a runtime's
difference there says little; its logits show it. (MobileNetV3Large, not Small: a CI-slice
name must not be a prefix of another.)"""


def _factory(constructor: str, classifier_activation: str | None = "softmax"):
    def build():
        import keras

        size = MINIMUM_SIZE.get(constructor, 32)
        return getattr(keras.applications, constructor)(
            weights=None,
            input_shape=(size, size, 3),
            classes=CLASSES,
            classifier_activation=classifier_activation,
        )

    suffix = "" if classifier_activation else "_logits"
    build.__name__ = build.__qualname__ = constructor.lower() + suffix
    return build


APPLICATIONS = {f"app_{name.lower()}": _factory(name) for name in CONSTRUCTORS} | {
    f"app_{name.lower()}_logits": _factory(name, classifier_activation=None)
    for name in LOGITS_CONSTRUCTORS
}
"""``{model name: factory}``: every constructor, and the logits of one per family."""
