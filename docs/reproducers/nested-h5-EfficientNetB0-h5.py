# Standalone reproducer written by keras-serialization-gate.
# case: tests/regression/test_roundtrip.py::test_round_trip[EfficientNetB0-h5]
# stack: keras 3.15.1, backend tensorflow, tensorflow 2.21.0, numpy 2.4.6, h5py 3.14.0, python 3.11.7
# what the gate found (predictions, derived state):
#   EfficientNetB0 via h5 (synthetic weights): revived model predicts differently (rtol=0, atol=0)
#     predictions: head: max|diff|=0.893 max rel=1.03e+04 DIFFERS
#     predictions: head (constant example): max|diff|=1 max rel=inf DIFFERS
#     predictions: features: max|diff|=13.6 max rel=4.5e+04 DIFFERS
#     predictions: features (constant example): max|diff|=5.13e+03 max rel=inf DIFFERS
#     derived state: layer efficientnetb0/normalization (Normalization): runtime mean [0.485, 0.456, 0.406] -> [0., 0., 0.]
#     derived state: layer efficientnetb0/normalization (Normalization): runtime variance [0.229, 0.224, 0.225] -> [1., 1., 1.]
# run: python this_file.py  -> checks each of them again and says which reproduce;
#      exit 1 if any does, 0 if none does, 2 if the script itself could not run.
# needs: keras, numpy and the backend only.

from __future__ import annotations

import json
import os
import sys
import tempfile
from types import SimpleNamespace

os.environ.setdefault("KERAS_BACKEND", 'tensorflow')

import numpy as np  # noqa: E402
import keras  # noqa: E402

import contextlib
import hashlib
from types import SimpleNamespace

ROOT_SEED = 'keras-serialization-gate/1'
TRAIN_STEPS = 2
TRAIN_IMAGES = 1
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
    images = seeded_images(spec, purpose, batch=TRAIN_IMAGES)
    shape = tuple(np.shape(model(images[:1], training=False)))
    labels = random_state(purpose, "labels", spec.constructor).randint(
        CLASSES, size=(len(images), *shape[1:-1])
    )
    return images, np.eye(CLASSES, dtype="float32")[labels]


@contextlib.contextmanager
def eager_steps(*models):
    """Within the block, ``models`` train eagerly; their own setting and train
    function come back after.

    A model keeps the train function it made first and ignores a later
    ``run_eagerly`` (Keras's ``make_train_function``), so that is set aside too:
    else a model that had trained traced steps the next one traced while its
    reload steps eagerly (seen: 1.5e-05 apart after one step).
    """
    previous = [(model.run_eagerly, model.train_function) for model in models]
    for model in models:
        model.run_eagerly = True
        model.train_function = None
    try:
        yield
    finally:
        for model, (setting, function) in zip(models, previous):
            model.run_eagerly = setting
            model.train_function = function


def train(model, spec, purpose: str, steps: int = TRAIN_STEPS) -> None:
    """``steps`` steps on a seeded batch, eagerly: tracing the train step would cost
    more time and memory than the whole case (``keras_gate.eager_steps``)."""
    images, targets = training_batch(model, spec, purpose)
    with eager_steps(model):
        for _ in range(steps):
            model.train_on_batch(images, targets)


def apply_training_state(model, base, state, spec) -> None:
    """Bring a freshly built ``model`` into ``state`` (freeze, compile, train)."""
    freeze(base, state.frozen)
    if state.trained:
        compile_for_training(model)
        train(model, spec, "train")



WEIGHTS = '/tmp/suite/cache/efficientnetb0-keras3.15.1-tensorflow-synthetic1.h5'
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
    return seeded_images(SPEC, "inputs", batch=1)


def round_trip(model):
    model.save(os.path.join(WORKDIR, "model.h5"))
    revived = keras.models.load_model(os.path.join(WORKDIR, "model.h5"))
    return revived


WORKDIR = tempfile.mkdtemp(prefix="keras-repro-")
RTOL, ATOL = 0.0, 0.0
CARRIES_COMPILE, CARRIES_OPTIMIZER = True, True
REPORTED = ['predictions', 'derived state']
"""What the gate found on the release that wrote this file: each is checked again here."""
CONFIG_LAYERS = []
"""The layers whose config the gate found changed."""
GROUND_TRUTH = False
"""Whether the case was an oracle case: the model against its own stored statistics."""


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


def weights(model):
    """Every weight by its place: layer path, sublayer and variable position."""
    found = {}
    for path, layer in layers(model):
        if hasattr(layer, "layers"):
            continue  # a nested model: its layers are listed themselves
        for j, sub in enumerate(layer._flatten_layers(include_self=True, recursive=True)):
            for i, v in enumerate([*sub._trainable_variables, *sub._non_trainable_variables]):
                found[f"{path}/{j}/{i}"] = v
    return found


def described(variable):
    value = np.asarray(keras.ops.convert_to_numpy(variable))
    return value.dtype.str, value.shape, bool(variable.trainable), value.tobytes()


def loss_name(loss):
    if isinstance(loss, str):
        try:
            loss = keras.losses.get(loss)
        except (ValueError, TypeError):
            return loss
    return getattr(loss, "__name__", None) or getattr(loss, "name", None) or type(loss).__name__


def state(model):
    found = {"model dtype policy": model.dtype_policy.name}
    for path, layer in layers(model):
        if type(layer).__name__ != "InputLayer":
            found[f"layer {path} trainable"] = layer.trainable
            found[f"layer {path} dtype policy"] = layer.dtype_policy.name
    if getattr(model, "compiled", False) and CARRIES_COMPILE:
        optimizer = model.optimizer
        found["optimizer"] = type(optimizer).__name__ if optimizer is not None else None
        found["loss"] = loss_name(getattr(model, "loss", None))
        if CARRIES_OPTIMIZER and optimizer is not None:
            found["optimizer iterations"] = int(np.asarray(optimizer.iterations))
            if getattr(optimizer, "built", True):
                found["optimizer variables"] = [
                    np.asarray(v).tobytes() for v in optimizer.variables
                ]
    return found


def compile_config(model):
    return model.get_compile_config() if getattr(model, "compiled", False) else {}


def short(value):
    text = repr(value) if not isinstance(value, list) else f"[{len(value)} values]"
    return text if len(text) <= 80 else text[:77] + "..."


def differences(what, before, after):
    return [
        f"{what}: {key}: {short(before.get(key))} -> {short(after.get(key))}"
        for key in dict.fromkeys([*before, *after])
        if before.get(key) != after.get(key)
    ]


def compare_weights(model, revived):
    ours = {k: described(v) for k, v in weights(model).items()}
    theirs = {k: described(v) for k, v in weights(revived).items()}
    lines = [f"{k}: missing after reload" for k in ours if k not in theirs]
    lines += [f"{k}: new after reload" for k in theirs if k not in ours]
    for key, mine in ours.items():
        if key in theirs and theirs[key] != mine:
            what = "values" if theirs[key][:3] == mine[:3] else "dtype, shape or trainable"
            lines.append(f"{key}: {what} differ")
    return lines


def runtime_statistics(model):
    found = {}
    for path, layer in layers(model):
        if isinstance(layer, keras.layers.Normalization) and layer.built:
            for name in ("mean", "variance"):
                value = keras.ops.convert_to_numpy(getattr(layer, name))
                found[f"{path} {name}"] = np.asarray(value).tobytes()
    return found


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


def summarise(found):
    reproduced = [kind for kind in REPORTED if found.get(kind)]
    for kind in REPORTED:
        if found.get(kind):
            print(f"reproduced {kind}:")
            for line in found[kind][:10]:
                print(f"  {line}")
        else:
            print(f"not reproduced {kind}: the same here")
    also = [kind for kind, lines in found.items() if lines and kind not in REPORTED]
    if also:
        print(f"(also different here, not what the gate reported: {', '.join(also)})")
    if reproduced:
        print(f"reproduced: {', '.join(reproduced)} (of {', '.join(REPORTED)})")
        return 1
    print(f"not reproduced: none of {', '.join(REPORTED)}")
    return 0


def main():
    model = build_model()
    inputs = make_inputs()
    ctx = SimpleNamespace(
        model=model,
        inputs=inputs,
        before=outputs(model, inputs),
        before_state=state(model),
        before_compile=compile_config(model),
        revived=None,
        load_error=[],
    )
    try:
        ctx.revived = round_trip(model)
        outputs(ctx.revived, inputs)
    except Exception as error:  # the save, load or first prediction raised
        first = (str(error).strip().splitlines() or [""])[0]
        ctx.load_error = [f"{type(error).__name__}: {first}"]
    found = {}
    if GROUND_TRUTH and not ctx.load_error:
        found["ground truth"] = stale_normalization(ctx.revived)
    for kind, check in CHECKS.items():  # the gate's registry order: next step (it trains) last
        if kind == "load" or not ctx.load_error:
            found[kind] = check(ctx)
    return summarise(found)

def check_load(ctx):
    return ctx.load_error  # the save, load or first prediction raised (main() tried it)


def check_variables(ctx):
    return compare_weights(ctx.model, ctx.revived)


def check_configs(ctx):
    ours, theirs = dict(layers(ctx.model)), dict(layers(ctx.revived))
    lines = []
    for path in CONFIG_LAYERS:  # the layers the gate found changed
        if path not in ours or path not in theirs:
            continue
        a = json.loads(json.dumps(ours[path].get_config(), default=repr, sort_keys=True))
        b = json.loads(json.dumps(theirs[path].get_config(), default=repr, sort_keys=True))
        keys = [k for k in sorted({*a, *b}) if a.get(k) != b.get(k)]
        if "#" in path.rsplit("/", 1)[-1]:
            keys = [k for k in keys if k != "name"]  # made anew by code, named anew
        lines += [f"layer {path}: {k}: {short(a.get(k))} -> {short(b.get(k))}" for k in keys]
    return lines


def check_predictions(ctx):
    lines = []
    for index, (a, b) in enumerate(zip(ctx.before, outputs(ctx.revived, ctx.inputs))):
        if a.shape != b.shape:
            lines.append(f"output {index}: shape {b.shape} != {a.shape}")
            continue
        delta = np.abs(a.astype("float64") - b.astype("float64"))
        if not np.all(delta <= ATOL + RTOL * np.abs(a.astype("float64"))):
            lines.append(f"output {index}: max|diff| = {float(delta.max(initial=0.0)):.3g}")
    return lines


def check_derived_state(ctx):
    ours, theirs = runtime_statistics(ctx.model), runtime_statistics(ctx.revived)
    changed = [k for k in ours if theirs.get(k, ours[k]) != ours[k]]
    return [f"layer {k}: runtime value changed" for k in changed]


def check_state(ctx):
    return differences("revived", ctx.before_state, state(ctx.revived))


def check_original(ctx):
    lines = differences("changed by saving", ctx.before_state, state(ctx.model))
    before, after = ctx.before_compile, compile_config(ctx.model)
    lines += [f"changed by saving: compile config lost {k!r}" for k in before if k not in after]
    changed = [k for k in before if k in after and before[k] != after[k]]
    return lines + [f"changed by saving: compile config {k!r} changed" for k in changed]


def check_next_step(ctx):
    step = globals().get("next_step")  # the model source's, for a model saved mid-training
    model, revived = ctx.model, ctx.revived
    if step is None or not getattr(model, "compiled", False):
        return []
    theirs = dict(layers(revived))
    for path, layer in layers(model):  # the same dropout masks for both
        other = getattr(theirs.get(path), "_seed_generators", ())
        for a, b in zip(getattr(layer, "_seed_generators", ()), other):
            b.state.assign(a.state)
    step(model)
    try:
        step(revived)
    except Exception as error:  # the step itself fails on the reload
        first = (str(error).strip().splitlines() or [""])[0]
        return [f"the step raised {type(error).__name__}: {first[:200]}"]
    lines = compare_weights(model, revived)
    ours = [np.asarray(v).tobytes() for v in model.optimizer.variables]
    if ours != [np.asarray(v).tobytes() for v in revived.optimizer.variables]:
        lines.append("optimizer variables differ after the step")
    return lines


CHECKS = {
    'load': check_load,
    'variables': check_variables,
    'configs': check_configs,
    'predictions': check_predictions,
    'derived state': check_derived_state,
    'state': check_state,
    'original': check_original,
    'next step': check_next_step,
}


if __name__ == "__main__":
    try:
        status = main()
    except Exception:  # the script broke: not a verdict on the defect
        import traceback

        traceback.print_exc()
        status = 2
    sys.exit(status)
