"""The built-in formats: one :class:`RoundTripFormat` entry each in :data:`FORMATS`.

Besides files, in-memory copies count as formats: users copy models with
``clone_model`` or ``from_config`` plus ``set_weights``, and those paths
restore state differently from the file loaders.
"""

from __future__ import annotations

from pathlib import Path

from keras_gate.engine.formats.protocol import RoundTripFormat


def _safe_mode(safe_mode: bool):
    """Keras's safe-mode scope, for loads that take no ``safe_mode`` argument."""
    from keras.src.saving.serialization_lib import SafeModeScope

    return SafeModeScope(safe_mode)


_ARCHITECTURE = "architecture.json"


def _save_weights(model, path: Path) -> None:
    model.save_weights(path)
    # What the user's build code knows: the architecture, kept beside the weights.
    (path.parent / _ARCHITECTURE).write_text(model.to_json())


def _load_weights_into_fresh_model(path: Path, custom_objects=None, safe_mode=True):
    import keras

    # The architecture rebuilt from its config (fresh initial weights), then the
    # weights file, as a user's own build code would.
    with _safe_mode(safe_mode):
        fresh = keras.models.model_from_json(
            (path.parent / _ARCHITECTURE).read_text(), custom_objects=custom_objects
        )
    fresh.load_weights(path)
    return fresh


SHARD_FRACTION = 4
"""``sharded_weights`` cuts the weights into shards of a quarter of their size (or of the
largest variable), so a model really spans several files (keras's unit is GB)."""


def _shard_bytes(model) -> float:
    """A quarter of the weights, or the largest variable if that is more (keras refuses
    a shard smaller than a variable)."""
    import numpy as np

    sizes = [int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in model.weights]
    return max(sum(sizes) / SHARD_FRACTION, max(sizes, default=1))


def _save_sharded_weights(model, path: Path) -> None:
    model.save_weights(path, max_shard_size=_shard_bytes(model) / 1e9)
    (path.parent / _ARCHITECTURE).write_text(model.to_json())


def _export_saved_model(model, path: Path) -> None:
    model.export(path)


def _load_saved_model(path: Path, custom_objects=None, safe_mode=True):
    import keras

    return keras.layers.TFSMLayer(path, call_endpoint="serve")


def _saved_model_signature(layer):
    """What the reloaded SavedModel's ``serve`` endpoint takes and returns."""
    from keras_gate.engine.runtime.signatures import Signature, spec_of

    served = layer._reloaded_obj.serve  # TFSMLayer's reloaded object: its tf.function
    inputs = tuple(spec_of(s) for s in served.input_signature)
    concrete = served.concrete_functions[0]
    structure = concrete.structured_outputs
    if isinstance(structure, dict):
        outputs = tuple(spec_of(structure[k], k) for k in sorted(structure))
    else:
        import keras

        outputs = tuple(spec_of(t, "") for t in keras.tree.flatten(structure))
    return Signature(inputs, outputs)


def _traced_reference(model, inputs, names: list[str]) -> dict:
    import keras

    # A SavedModel is a traced graph: Keras's own traced `predict` matches it bit
    # for bit, the gate's eager node-by-node pass only to ~6e-6.
    result = model.predict(inputs, batch_size=len(keras.tree.flatten(inputs)[0]), verbose=0)
    return dict(zip(names, keras.tree.flatten(result)))


def _predict_exported(layer, inputs, names: list[str]) -> dict:
    import keras
    import numpy as np

    output = layer(inputs)
    # The serving signature names outputs output_0, output_1, ... in the model's order.
    values = [output[k] for k in sorted(output)] if isinstance(output, dict) else [output]
    values = keras.tree.flatten(values)
    return {name: np.asarray(value) for name, value in zip(names, values)}


def _clone_with_weights(model, custom_objects=None, safe_mode=True):
    import keras

    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy


def _from_json_with_weights(model, custom_objects=None, safe_mode=True):
    import keras

    with _safe_mode(safe_mode):
        copy = keras.models.model_from_json(model.to_json(), custom_objects=custom_objects)
    copy.set_weights(model.get_weights())
    return copy


def _h5_unresolved_registered_class(model, stage: str, error: BaseException) -> str | None:
    """Legacy .h5 stores a layer's bare class name; a class registered under a package
    (``register_keras_serializable(package=...)``: all of keras-hub, most projects'
    own layers) is then unknown to the loader unless passed as a custom object."""
    import re

    found = re.search(r"Unknown (?:layer|object|class): '([^']+)'", str(error))
    if stage != "load" or found is None or model is None:
        return None
    name = found.group(1)
    import keras

    for layer in model._flatten_layers(include_self=True, recursive=True):
        cls = type(layer)
        registered = keras.saving.get_registered_name(cls)
        if cls.__name__ == name and ">" in registered:
            return (
                f"it stores the class name {name!r} without its package, and the class is "
                f"registered as {registered!r}, which the legacy loader does not look up "
                "(the .keras format does). To gate .h5 too, pass the class: "
                f"@keras_gate.model(custom_objects={{{name!r}: {cls.__module__}.{name}}}); "
                "or leave 'h5' out of this model's formats=[...]"
            )
    return None


def _weights_hold_no_vocabulary(model, stage: str, error: BaseException) -> str | None:
    """A weights file holds variables; an adapted StringLookup, IntegerLookup or
    TextVectorization keeps its vocabulary as an asset (the ``.keras`` archive carries
    it), so the model rebuilt from its config has an empty lookup table."""
    from keras_gate.engine.runtime.error_chain import chain_text

    # jax raises "Table not initialized" as the cause of its own error.
    if stage != "predict" or "Table not initialized" not in chain_text(error):
        return None
    return (
        "a weights file holds variables only, and an adapted lookup layer's vocabulary is "
        "an asset (model.save('m.keras') carries it): the model rebuilt from its config "
        "has none. Leave this format out of the model's formats"
    )


FORMATS: tuple[RoundTripFormat, ...] = (
    RoundTripFormat(
        "keras_v3",
        ".keras",
        "Keras 3 native archive (model.save('m.keras'))",
        carries_preprocessor=True,  # a Task's config and its tokenizer's assets
        repro=(
            'model.save(os.path.join(WORKDIR, "model.keras"))\n'
            'revived = keras.models.load_model(os.path.join(WORKDIR, "model.keras"))'
        ),
    ),
    RoundTripFormat(
        "h5",
        ".h5",
        "legacy full-model HDF5 (model.save('m.h5'))",
        limitation=_h5_unresolved_registered_class,
        repro=(
            'model.save(os.path.join(WORKDIR, "model.h5"))\n'
            'revived = keras.models.load_model(os.path.join(WORKDIR, "model.h5"))'
        ),
    ),
    RoundTripFormat(
        "weights_h5",
        ".weights.h5",
        "weights only: model.save_weights('m.weights.h5') into a model rebuilt from its config",
        save=_save_weights,
        load=_load_weights_into_fresh_model,
        limitation=_weights_hold_no_vocabulary,
        repro=(
            'model.save_weights(os.path.join(WORKDIR, "model.weights.h5"))\n'
            "revived = keras.models.model_from_json(model.to_json())\n"
            'revived.load_weights(os.path.join(WORKDIR, "model.weights.h5"))'
        ),
        # A weights file holds model variables only.
        carries_compile=False,
        carries_optimizer_state=False,
        core=False,
    ),
    RoundTripFormat(
        "sharded_weights",
        ".weights.json",
        "sharded weights: model.save_weights('m.weights.json', max_shard_size=a quarter of "
        "the weights) into a model rebuilt from its config",
        save=_save_sharded_weights,
        load=_load_weights_into_fresh_model,
        limitation=_weights_hold_no_vocabulary,
        repro=(
            "sizes = [np.prod(v.shape) * np.dtype(v.dtype).itemsize for v in model.weights]\n"
            'path = os.path.join(WORKDIR, "model.weights.json")\n'
            "model.save_weights(path, max_shard_size=max(sum(sizes) / 4, max(sizes)) / 1e9)\n"
            "revived = keras.models.model_from_json(model.to_json())\n"
            "revived.load_weights(path)"
        ),
        carries_compile=False,
        carries_optimizer_state=False,
        keras_min="3.10.0",
        core=False,
    ),
    RoundTripFormat(
        "export",
        "",
        "inference export: model.export(dir) (TF SavedModel) reloaded as keras.layers.TFSMLayer",
        save=_export_saved_model,
        load=_load_saved_model,
        repro=(
            'model.export(os.path.join(WORKDIR, "export"))\n'
            'revived = keras.layers.TFSMLayer(os.path.join(WORKDIR, "export"), '
            'call_endpoint="serve")'
        ),
        predict=_predict_exported,
        reference=_traced_reference,
        signature=_saved_model_signature,
        backends=("tensorflow",),
        core=False,
    ),
    RoundTripFormat(
        "clone",
        "",
        "in-memory copy: keras.models.clone_model + set_weights(get_weights())",
        copy=_clone_with_weights,
        repro=(
            "revived = keras.models.clone_model(model)\nrevived.set_weights(model.get_weights())"
        ),
        # clone_model recompiles from the compile config; set_weights copies model
        # weights only, so the optimizer starts afresh by design.
        carries_optimizer_state=False,
        core=False,
    ),
    RoundTripFormat(
        "from_config",
        "",
        "in-memory copy: model_from_json(to_json()) + set_weights(get_weights())",
        copy=_from_json_with_weights,
        repro=(
            "revived = keras.models.model_from_json(model.to_json())\n"
            "revived.set_weights(model.get_weights())"
        ),
        # to_json() records the compile config (recompiled on load); set_weights
        # copies model weights only, so the optimizer starts afresh by design.
        carries_optimizer_state=False,
        core=False,
    ),
)


def export_format(name: str, description: str = "", **arguments) -> RoundTripFormat:
    """The built-in ``export`` format made with the export arguments you ship with
    (``input_signature``, ``format``, ...): ``model.export(path, **arguments)``, reloaded
    as a ``TFSMLayer`` and held to ``input_signature`` where one is given. Register it
    from the ``pytest_keras_gate_formats`` hook and name it in ``formats=[...]``::

        def pytest_keras_gate_formats():
            return [keras_gate.export_format(
                "export_batch8", input_signature=[keras.InputSpec(shape=(8, 32))]
            )]
    """
    import dataclasses

    base = next(fmt for fmt in FORMATS if fmt.name == "export")
    shown = ", ".join(f"{key}=..." for key in arguments)

    def save(model, path: Path) -> None:
        model.export(path, **arguments)

    return dataclasses.replace(
        base,
        name=name,
        description=description or f"{base.description}, export({shown})",
        save=save,
        export_arguments=dict(arguments),
        repro=base.repro.replace(
            'model.export(os.path.join(WORKDIR, "export"))',
            'model.export(os.path.join(WORKDIR, "export"))  # the case exported with '
            f"{shown or 'no arguments'}",
        ),
    )
