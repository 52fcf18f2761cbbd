# Standalone reproducer written by keras-serialization-gate.
# case: tests/regression/test_roundtrip.py::test_round_trip[EfficientNetB0-h5]
# stack: keras 3.15.1, backend tensorflow, tensorflow 2.21.0, numpy 2.4.6, h5py 3.14.0, python 3.11.7
# what failed (predictions):
#   EfficientNetB0 via h5 (synthetic weights): revived model predicts differently (rtol=1e-06, atol=1e-06)
#     head: max|diff|=0.909 max rel=1.03e+04 DIFFERS
#     features: max|diff|=13.6 max rel=4.5e+04 DIFFERS
# run: python this_file.py  -> exit 1 and the difference if the defect reproduces,
#      exit 0 if it does not, exit 2 if the script itself could not run.
# needs: keras, numpy and the backend only.

from __future__ import annotations

import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", 'tensorflow')

import numpy as np  # noqa: E402
import keras  # noqa: E402

import hashlib
from types import SimpleNamespace

ROOT_SEED = 'keras-serialization-gate/1'
TRAIN_STEPS = 2
CLASSES = 10


def stable_seed(*identity: object) -> int:
    """A 32-bit seed derived from ``identity`` (no Python hash randomisation)."""
    text = "/".join([ROOT_SEED, *map(str, identity)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


def random_state(*identity: object) -> np.random.RandomState:
    """A legacy ``RandomState``: its stream is frozen by NumPy's compatibility policy."""
    return np.random.RandomState(stable_seed(*identity))


def seeded_images(spec: ModelSpec, purpose: str, batch: int = 2) -> np.ndarray:
    """``batch`` float32 images at ``spec``'s native resolution, in its pixel range."""
    low, high = spec.pixel_range
    shape = (batch, spec.resolution, spec.resolution, 3)
    images = random_state(purpose, spec.constructor).uniform(low, high, size=shape)
    return images.astype("float32")


def _input_shape(spec) -> tuple[int, int, int]:
    return (spec.resolution, spec.resolution, 3)


def functional_head(base, spec, head):
    import keras

    inputs = keras.Input(_input_shape(spec))
    return keras.Model(inputs, head(base(inputs)), name=f"seed_{spec.constructor.lower()}")


def freeze(base, which: str) -> None:
    """Freeze ``none``, ``all`` or the ``first_half`` of ``base``'s layers."""
    if which == "all":
        base.trainable = False
    elif which == "first_half":
        for layer in base.layers[: len(base.layers) // 2]:
            layer.trainable = False
    elif which != "none":
        raise ValueError(f"unknown freeze setting {which!r}: none, all or first_half")


def compile_for_training(model) -> None:
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
        # Eager-graph steps, not XLA: compiling B0's train step with XLA on a CPU
        # worker costs more than the whole case.
        jit_compile=False,
    )


def training_batch(model, spec, purpose: str):
    """A seeded image batch and one-hot targets shaped like the model's output."""
    images = seeded_images(spec, purpose)
    shape = tuple(np.shape(model(images[:1], training=False)))
    labels = random_state(purpose, "labels", spec.constructor).randint(
        CLASSES, size=(len(images), *shape[1:-1])
    )
    return images, np.eye(CLASSES, dtype="float32")[labels]


def train(model, spec, purpose: str, steps: int = TRAIN_STEPS) -> None:
    images, targets = training_batch(model, spec, purpose)
    for _ in range(steps):
        model.train_on_batch(images, targets)


def apply_training_state(model, base, state, spec) -> None:
    """Bring a freshly built ``model`` into ``state`` (freeze, compile, train)."""
    freeze(base, state.frozen)
    if state.trained:
        compile_for_training(model)
        train(model, spec, "train")



WEIGHTS = '/work/cache/weights/efficientnetb0-keras3.15.1-tensorflow-synthetic1.h5'
SPEC = SimpleNamespace(
    constructor='EfficientNetB0', resolution=224, pixel_range=(0.0, 255.0)
)
TRAINING = SimpleNamespace(trained=False, frozen='none')
POLICY = 'float32'


def build_model():
    """keras.applications.EfficientNetB0(weights="imagenet") in the seed's head, with the
    ImageNet weight file served from WEIGHTS to Keras's own loading code."""
    from keras.src.utils import file_utils

    real_get_file = file_utils.get_file
    file_utils.get_file = lambda *args, **kwargs: WEIGHTS
    keras.mixed_precision.set_global_policy(POLICY)
    try:
        shape = (SPEC.resolution, SPEC.resolution, 3)
        base = keras.applications.EfficientNetB0(
            weights="imagenet", include_top=False, input_shape=shape
        )
        head = keras.layers.Dense(
            10,
            activation="softmax",
            name="head",
            kernel_initializer=keras.initializers.GlorotUniform(
                seed=stable_seed("head", SPEC.constructor)
            ),
            dtype="float32",
        )
        model = functional_head(base, SPEC, head)
        apply_training_state(model, base, TRAINING, SPEC)
    finally:
        file_utils.get_file = real_get_file
        keras.mixed_precision.set_global_policy("float32")
    return model


def make_inputs():
    return seeded_images(SPEC, "inputs")


WORKDIR = tempfile.mkdtemp(prefix="keras-repro-")
RTOL, ATOL = 1e-06, 1e-06
CARRIES_COMPILE, CARRIES_OPTIMIZER = True, True


def outputs(model, inputs):
    """Every output, flat: a model's eager call; a reloaded SavedModel's signature."""
    result = model(inputs, training=False) if isinstance(model, keras.Model) else model(inputs)
    if isinstance(result, dict) and not isinstance(model, keras.Model):
        result = [result[key] for key in sorted(result)]
    return [np.asarray(keras.ops.convert_to_numpy(x)) for x in keras.tree.flatten(result)]


def layers(model, prefix=""):
    """(path, layer) for every layer, nested models expanded; a subclassed model's
    layers by position (a reload names them anew)."""
    graph = hasattr(model, "_nodes_by_depth")
    for index, layer in enumerate(model.layers):
        path = prefix + (layer.name if graph else f"{type(layer).__name__}#{index}")
        yield path, layer
        if hasattr(layer, "layers"):
            yield from layers(layer, path + "/")


def state(model):
    found = {"model dtype policy": model.dtype_policy.name, "model trainable": model.trainable}
    for path, layer in layers(model):
        if type(layer).__name__ != "InputLayer":
            found[f"layer {path} trainable"] = layer.trainable
            found[f"layer {path} dtype policy"] = layer.dtype_policy.name
    if getattr(model, "compiled", False) and CARRIES_COMPILE:
        found["compile config"] = repr(model.get_compile_config())
        if CARRIES_OPTIMIZER and model.optimizer is not None:
            found["optimizer iterations"] = int(np.asarray(model.optimizer.iterations))
            found["optimizer variables"] = len(model.optimizer.variables)
    return found


def differences(what, before, after):
    return [
        f"{what}: {key}: {before.get(key)!r} -> {after.get(key)!r}"
        for key in dict.fromkeys([*before, *after])
        if before.get(key) != after.get(key)
    ]


def stale_normalization(model):
    """Normalization layers whose runtime mean/variance are not their stored weights."""
    found = []
    for path, layer in layers(model):
        if isinstance(layer, keras.layers.Normalization) and layer.input_mean is None:
            for runtime, stored in (("mean", "adapt_mean"), ("variance", "adapt_variance")):
                a = np.ravel(keras.ops.convert_to_numpy(getattr(layer, runtime)))
                b = np.ravel(keras.ops.convert_to_numpy(getattr(layer, stored)))
                if not np.allclose(a, b, rtol=1e-6, atol=0):
                    found.append(f"{path}: runtime {runtime} {a} != stored {stored} {b}")
    return found


def main():
    model = build_model()
    inputs = make_inputs()
    before = outputs(model, inputs)
    model.save(os.path.join(WORKDIR, "model.h5"))
    revived = keras.models.load_model(os.path.join(WORKDIR, "model.h5"))
    after = outputs(revived, inputs)
    worst = 0.0
    same = True
    for index, (a, b) in enumerate(zip(before, after)):
        delta = np.abs(a.astype("float64") - b.astype("float64"))
        worst = max(worst, float(delta.max(initial=0.0)))
        same &= bool(np.all(delta <= ATOL + RTOL * np.abs(a.astype("float64"))))
        print(f"output {index}: max|diff| = {float(delta.max(initial=0.0)):.3g}")
    if same:
        print("not reproduced: the reloaded model predicts the same")
        return 0
    print(f"reproduced: the reloaded model predicts differently (max|diff| = {worst:.3g})")
    return 1


if __name__ == "__main__":
    try:
        status = main()
    except Exception:  # the script broke: not a verdict on the defect
        import traceback

        traceback.print_exc()
        status = 2
    sys.exit(status)
