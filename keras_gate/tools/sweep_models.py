"""The sweep's second stage: each object inside a small model, through the gate's checks.

The first stage compares an object with what its own config rebuilds. This one puts the
object where a user has it — a layer in a functional model, a loss, metric, optimizer or
learning-rate schedule in the compile setup, an initializer, regularizer or constraint on
a Dense kernel — and runs the gate's own round trip (every check: settings, predictions,
training pass, evaluate, training step, ...) through ``.keras`` and legacy ``.h5``. So a
setting whose loss only behaviour shows is found, and ``.h5``'s own path is covered.

Findings are the variant's minus its class's at the defaults (by :attr:`Finding.key`,
figures left out): what the defaults already show through a format (a legacy ``.h5``
defect of the whole model) is reported once per class, not under each argument.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

FORMATS = ("keras_v3", "h5")
"""The formats the stage runs: the two a model is saved in."""

INPUT_SHAPES = (
    (8, 8, 3),
    (6, 4),
    (8,),
    (4, 4, 4, 2),
    (3, 4, 4, 4, 2),
    (4,),
    ("pair", (6, 4)),
    ("pair", (8,)),
    ("two", (6, 4)),
)
"""Inputs a layer is tried on, in order (images, sequences, vectors, volumes, sequences
of volumes; two inputs of one shape for merging and attention layers): the first on
which the layer's model predicts. A variant is tried on its default's first. ``pair``:
called on a list of two; ``two``: called with two arguments (query and value)."""


def _layer_model(make, shape):
    import keras
    import numpy as np

    kind, dims = shape if isinstance(shape[0], str) else ("one", shape)
    inputs = keras.Input(dims) if kind == "one" else [keras.Input(dims), keras.Input(dims)]
    outputs = make()(*inputs) if kind == "two" else make()(inputs)
    if not all(isinstance(t, keras.KerasTensor) for t in keras.tree.flatten(outputs)):
        raise TypeError("not a symbolic output")
    model = keras.Model(inputs, outputs)
    batch = np.random.default_rng(0).uniform(size=(2, *dims)).astype("float32")
    model(batch if kind == "one" else [batch, batch], training=False)  # it predicts on it
    return model


def _dense_model(**dense):
    import keras

    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(4, **dense)(inputs))


def _compiled(model, **compile_args):
    import keras

    compile_args.setdefault("optimizer", keras.optimizers.SGD(0.01))
    compile_args.setdefault("loss", keras.losses.MeanSquaredError())
    model.compile(**compile_args)
    return model


def _classifier():
    import keras

    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))


PLACEMENTS = {
    "losses": lambda make, shape: _compiled(_classifier(), loss=make()),
    "metrics": lambda make, shape: _compiled(_classifier(), metrics=[make()]),
    "optimizers": lambda make, shape: _compiled(_dense_model(), optimizer=make()),
    "schedules": lambda make, shape: _compiled(
        _dense_model(), optimizer=__import__("keras").optimizers.SGD(learning_rate=make())
    ),
    "initializers": lambda make, shape: _dense_model(kernel_initializer=make()),
    "regularizers": lambda make, shape: _compiled(_dense_model(kernel_regularizer=make())),
    "constraints": lambda make, shape: _compiled(_dense_model(kernel_constraint=make())),
    "layers": _layer_model,
}
"""Family: ``place(make, shape) -> model`` holding a fresh object from ``make()``."""


def placed(family: str, make, shape=None):
    """``(model, shape)`` holding the object, or ``(None, why)``. A layer is tried on
    ``shape`` (its default's) or each of :data:`INPUT_SHAPES`."""
    if family != "layers":
        shapes = (None,)
    else:  # the default's shape first
        shapes = ((shape,) if shape is not None else ()) + tuple(
            s for s in INPUT_SHAPES if s != shape
        )
    last = None
    for candidate in shapes:
        try:
            return PLACEMENTS[family](make, candidate), candidate
        except Exception as error:  # noqa: BLE001 - the next shape, or none fits
            last = error
    return None, _first_line(last)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:160] if lines else ''}"


NOT_JUDGED = "not judged"
"""The check of a ``judged`` finding whose model's outputs cannot be judged
(``conditioning.CannotJudge``): counted per class, never a finding."""


_BUILT: list = []
"""The last ``(model, BuiltModel)``: a model's formats share one, as a gated run's cases do
(what the model as built computed, or raised, holds for each)."""


def _built_once(model, name: str):
    from keras_gate.engine.built_model import prepare_model

    if not (_BUILT and _BUILT[0][0] is model):
        _BUILT[:] = [(model, prepare_model(name, model))]
    return _BUILT[0][1]


def judged(model, name: str, fmt_name: str) -> list:
    """The gate's findings for ``model`` through ``fmt_name`` (empty: it came back as it
    was); a model that cannot predict as built gives one ``model`` finding, one whose
    outputs cannot be judged one ``not judged`` finding (counted, not a lost setting).
    A model's formats share one built model, as a gated run's cases do."""
    from keras_gate.engine.built_model import ModelAsBuiltError
    from keras_gate.engine.checks.protocol import Finding
    from keras_gate.engine.conditioning import CannotJudge
    from keras_gate.engine.formats import get_format
    from keras_gate.engine.formats.protocol import FormatLimitation, RoundTripError
    from keras_gate.engine.roundtrip import check_round_trip

    fmt = get_format(fmt_name)
    try:
        built = _built_once(model, name)
    except ModelAsBuiltError as error:
        return [Finding("model", f"cannot predict as built: {str(error).splitlines()[0]}")]
    with tempfile.TemporaryDirectory() as directory:
        try:
            check_round_trip(built, fmt, Path(directory), fmt.tolerance("float32", "cpu"), False)
        except CannotJudge as error:
            return [Finding(NOT_JUDGED, str(error).strip().splitlines()[0][:240])]
        except (RoundTripError, FormatLimitation) as error:
            cause = error.__cause__ or error
            what = f"{getattr(error, 'stage', 'load')} raised {type(cause).__name__}"
            return [Finding("load", str(error).strip().splitlines()[0][:240], what=what)]
        except Exception as error:  # noqa: BLE001 - StateMismatch / PredictionMismatch
            findings = getattr(error, "findings", None)
            if findings is None:
                raise
            return list(findings)
    return []


def sweep_class_in_models(family: str, cls, variants, required) -> tuple[list[dict], dict]:
    """Findings of one class's variants inside models (each a dict: argument, value,
    format, check, text), and counts: models judged, and values no model could hold."""
    name = cls.__name__
    counts = {"judged": 0, "not_placed": 0}
    model, shape = placed(family, functools.partial(_make, cls, required))
    if model is None:
        counts["not_placed_class"] = shape
        return [], counts
    rows, defaults = [], {}

    def judge(model, fmt, argument, value) -> list | None:
        """Its findings, or None where it cannot be judged (counted as such)."""
        found = judged(model, name, fmt)
        if any(finding.check == NOT_JUDGED for finding in found):
            counts.setdefault("not_judged", []).append(
                f"{argument}={value!r} through {fmt}: {found[0].text}"
            )
            return None
        return found

    for fmt in FORMATS:
        found = judge(model, fmt, "(defaults)", None) or []
        defaults[fmt] = {f.key for f in found}
        rows += [_row("(defaults)", None, fmt, f, _explained(model, fmt, f)) for f in found]
    for argument, value in variants:
        arguments = {**required, argument: value}
        model, _ = placed(family, functools.partial(_make, cls, arguments), shape)
        if model is None:
            counts["not_placed"] += 1
            continue
        for fmt in FORMATS:
            found = judge(model, fmt, argument, value)
            if found is None:
                continue
            counts["judged"] += 1
            for finding in found:
                if finding.key in defaults[fmt]:
                    continue
                rows.append(_row(argument, value, fmt, finding, _explained(model, fmt, finding)))
    return rows, counts


def _row(argument, value, fmt: str, finding, known: list[str]) -> dict:
    return {
        "argument": argument,
        "value": value,
        "format": fmt,
        "check": finding.check,
        "text": finding.text,
        "known": known,
    }


def _explained(model, fmt: str, finding) -> list[str]:
    """The plugin's built-in upstream entries that apply to ``model`` through ``fmt`` on
    this Keras and explain ``finding``: what a user's project would see as known."""
    from keras_gate.engine.runtime.versions import keras_backend, keras_version
    from keras_gate.engine.upstream import upstream_failures

    entries = upstream_failures(model, fmt, keras_version(), keras_backend())
    return [entry.id for entry in entries if entry.explains_finding(finding)]


def _make(cls, arguments: dict):
    from keras_gate.tools.sweep import made

    return cls(**made(arguments))
