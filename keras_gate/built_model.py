"""The model under test: built once, with its input batch and reference predictions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from keras_gate.api import DEFAULT_VARIANT, ModelSettings
from keras_gate.runtime.inputs import constant_batch, derive_inputs
from keras_gate.runtime.outputs import predict_outputs
from keras_gate.runtime.seeds import stable_seed


@dataclass
class BuiltModel:
    """A built model, the batch it is compared on, and what it predicted before saving."""

    name: str
    model: object
    inputs: object
    outputs: dict[str, np.ndarray]
    variant: object = DEFAULT_VARIANT
    settings: ModelSettings = ModelSettings()
    weight_source: str = "as built"
    """Where the weights came from (``imagenet``, ``synthetic``, ``as built``, ``file``)."""
    weights_file: str | None = None
    next_step: Callable | None = None
    """``next_step(model)``: one more training step, for models saved mid-training."""
    tainted: str | None = None
    """Why ``model`` no longer is as built (a save changed it): rebuild before reuse."""
    _revived: dict = field(default_factory=dict, repr=False)
    _reference: dict = field(default_factory=dict, repr=False)

    @property
    def constant_inputs(self):
        """The second input family: one constant example (``runtime.inputs``)."""
        return constant_batch(self.inputs)

    def reference(self, name: str, compute):
        """``compute(model)`` of the model as built, computed once per built model
        (variables, configs, derived state: what every case compares against)."""
        if name not in self._reference:
            self._reference[name] = compute(self.model)
        return self._reference[name]

    def revived(self, fmt, directory: Path):
        """``self.model`` saved with ``fmt`` and loaded back, once per format.

        Cases of one format (a round trip, an oracle check: adjacent in the run,
        ``matrix.order_cases``) share one reload; a load that failed fails again,
        without another attempt. Only the latest format's reload is kept: a
        revived model (with what it traced) costs as much memory as the original.
        """
        if fmt not in self._revived:
            self._revived.clear()
            try:
                self._revived[fmt] = fmt.round_trip(
                    self.model,
                    directory,
                    custom_objects=self.settings.custom_objects,
                    safe_mode=self.settings.safe_mode,
                )
            except Exception as error:
                self._revived[fmt] = error
                raise
        found = self._revived[fmt]
        if isinstance(found, Exception):
            raise found
        return found

    def predict(self, model) -> dict[str, np.ndarray]:
        """``model``'s outputs (and probes) on both input families."""
        return predict_families(
            lambda batch: predict_outputs(model, batch, self.settings.probes), self.inputs
        )


def resolve_inputs(model, name: str, settings: ModelSettings):
    """The batch of ``settings.inputs`` (arrays or a callable taking a seed), else derived."""
    given = settings.inputs
    if given is None:
        return derive_inputs(model, name)
    if callable(given):
        return given(stable_seed("inputs", name))
    return given


def prepare_model(
    name: str,
    model,
    *,
    inputs=None,
    settings: ModelSettings | None = None,
    variant=DEFAULT_VARIANT,
    **details,
) -> BuiltModel:
    """Wrap a built ``model``: resolve its batch and record its predictions now.

    ``inputs`` wins over ``settings.inputs``; ``details`` are further
    :class:`BuiltModel` fields (``weight_source``, ``weights_file``, ``next_step``).
    """
    settings = settings or ModelSettings()
    batch = inputs if inputs is not None else resolve_inputs(model, name, settings)
    outputs = predict_families(lambda b: predict_outputs(model, b, settings.probes), batch)
    return BuiltModel(name, model, batch, outputs, variant, settings, **details)


CONSTANT = " (constant example)"
"""Suffix of an output's name on the second input family."""


def predict_families(predict, inputs) -> dict[str, np.ndarray]:
    """``predict`` on the seeded batch and the constant example, in one pass.

    The constant example rides along as one more row (each row of a batch is
    computed independently): one node-by-node walk instead of two, which is most of
    the second family's cost. Its outputs come back under ``<name> (constant example)``.
    """
    import keras

    rows = len(keras.tree.flatten(inputs)[0])
    together = keras.tree.map_structure(
        lambda a, c: np.concatenate([np.asarray(a), c]), inputs, constant_batch(inputs)
    )
    found = {}
    for name, value in predict(together).items():
        value = np.asarray(value)
        found[name] = value[:rows]
        found[f"{name}{CONSTANT}"] = value[rows:]
    return found


def predict_revived(fmt, built: BuiltModel, revived) -> dict[str, np.ndarray]:
    """Outputs of what ``fmt`` gave back: a model's outputs, or the format's own
    prediction (an exported SavedModel has only the model's outputs)."""
    if fmt.is_model:
        return built.predict(revived)
    names = reference_names(built)
    return predict_families(lambda batch: fmt.predict(revived, batch, names), built.inputs)


def reference_names(built: BuiltModel) -> list[str]:
    """The model's own output names (no probes): what an inference export returns."""
    probes = set(built.settings.probes)
    return [n for n in built.outputs if n not in probes and not n.endswith(CONSTANT)]


def reference_outputs(fmt, built: BuiltModel) -> dict[str, np.ndarray]:
    """What ``fmt``'s revived object must predict: the format's own reference where it
    has one (a traced graph), else the built model's outputs."""
    if fmt.reference is not None:
        names = reference_names(built)
        return predict_families(lambda b: fmt.reference(built.model, b, names), built.inputs)
    return built.outputs
