"""keras-hub's own format: a Backbone or Task as a preset directory.

``model.save_to_preset(dir)`` writes the config (``config.json``, ``task.json``), the
weights (``model.weights.h5``, ``task.weights.h5``) and, where the Task has a
preprocessor, its config and the tokenizer's assets (``preprocessor.json``,
``tokenizer.json``, ``assets/``); the model comes back with its own class's
``from_preset(dir)``, as a user loads it. A Keras model in every respect (variables,
configs and predictions are checked as for ``.keras``) that also promises its
preprocessor back (the ``preprocessing`` check); not its compile setup (a preset holds
none). For keras-hub models only: any other model's case skips, saying so.
"""

from __future__ import annotations

import json
from pathlib import Path

from keras_gate.engine.formats.protocol import RoundTripFormat


def _not_a_hub_model(model) -> str | None:
    try:
        import keras_hub
    except ImportError as error:  # installed, but not importable with this Keras
        return f"preset needs keras_hub, which does not import here: {error}"
    if isinstance(model, (keras_hub.models.Backbone, keras_hub.models.Task)):
        return None
    return (
        f"preset (keras-hub's save_to_preset / from_preset) holds keras-hub Backbones and "
        f"Tasks; this model is a {type(model).__name__}: not checked"
    )


def _save_preset(model, path: Path) -> None:
    model.save_to_preset(str(path))


def _load_preset(path: Path, custom_objects=None, safe_mode=True):
    import keras

    from keras_gate.engine.formats.builtin import _safe_mode

    # The class the preset names (a Task's task.json, else the backbone's config.json):
    # what the user's own `SomeTask.from_preset(dir)` is.
    config_file = path / "task.json" if (path / "task.json").exists() else path / "config.json"
    config = json.loads(config_file.read_text())
    cls = keras.saving.get_registered_object(config["registered_name"], custom_objects)
    if cls is None:
        raise ValueError(f"{config_file.name} names {config['registered_name']!r}, not registered")
    if safe_mode:
        # As the user calls it: from_preset takes no safe_mode, and Keras's own scope
        # (set, it refuses the tokenizer's vocabulary file beside the config) is unset.
        return cls.from_preset(str(path))
    with _safe_mode(False):
        return cls.from_preset(str(path))


HUB_FORMATS: tuple[RoundTripFormat, ...] = (
    RoundTripFormat(
        "preset",
        "",
        "keras-hub preset: model.save_to_preset(dir), back with its class's from_preset(dir)",
        save=_save_preset,
        load=_load_preset,
        repro=(
            'model.save_to_preset(os.path.join(WORKDIR, "preset"))\n'
            'revived = type(model).from_preset(os.path.join(WORKDIR, "preset"))'
        ),
        carries_compile=False,
        carries_optimizer_state=False,
        carries_preprocessor=True,
        unsupported_model=_not_a_hub_model,
        requires=("keras_hub",),
        extra="hub",
        core=False,
    ),
)
"""keras-hub's formats (opt-in: a model names ``preset`` in its formats)."""
