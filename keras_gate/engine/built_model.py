"""The model under test: built once, with its input batch and reference predictions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from keras_gate.api import DEFAULT_VARIANT, ModelSettings
from keras_gate.engine.runtime.inputs import constant_batch, derive_inputs
from keras_gate.engine.runtime.outputs import inference_path, predict_outputs
from keras_gate.engine.runtime.seeds import stable_seed


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
    build_seed: int | None = None
    """The global seed its build started from (``runtime.seeds.build_seed``); None: built
    outside the gate's model holder."""
    tainted: str | None = None
    """Why ``model`` no longer is as built (a save changed it): rebuild before reuse."""
    inference: str = "graph walk"
    """How its predictions (and every reload's) are computed: ``graph walk``, or
    ``keras call (<why>)`` (``runtime.outputs.inference_path``, :meth:`verify_inference`)."""
    training_inference: str = ""
    """How its training-mode outputs are computed (the training-pass check), where not
    as :attr:`inference` says: ``keras call (<why>)`` once the walk was found to differ
    from ``model(x, training=True)`` (:meth:`verify_inference`)."""
    _revived: dict = field(default_factory=dict, repr=False)
    _reference: dict = field(default_factory=dict, repr=False)

    @property
    def constant_inputs(self):
        """The second input family: one constant example (``runtime.inputs``)."""
        return constant_batch(self.inputs)

    def reference(self, name: str, compute):
        """``compute(model)`` of the model as built, computed once per built model
        (variables, configs, derived state: what every case compares against).

        What it raised is raised again, without another attempt: the model as built
        either computes it or does not, for every case. A second attempt can succeed
        where the first failed (on jax, ``R2Score(num_regressors=1)`` raises in a fresh
        model's first ``evaluate`` only), and would then be compared with a reload's
        first attempt, which fails."""
        if name not in self._reference:
            try:
                self._reference[name] = compute(self.model)
            except Exception as error:
                self._reference[name] = _Raised(error)
        found = self._reference[name]
        if isinstance(found, _Raised):
            raise found.error
        return found

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

    def predict(self, model, inputs=None) -> dict[str, np.ndarray]:
        """``model``'s outputs (and probes) on both input families of ``inputs``
        (default: the model's batch), by the model's inference path."""
        keras_call = self.inference.startswith("keras call")
        return predict_families(
            lambda batch: predict_outputs(model, batch, self.settings.probes, keras_call),
            self.inputs if inputs is None else inputs,
        )

    def verify_inference(self) -> list[str]:
        """Prove the gate's predictions are ``model(x, training=False)`` bit for bit on
        this model's batch, and its training-mode outputs ``model(x, training=True)``;
        where they are not, use Keras's own call from now on (for the model and every
        reload), named in :attr:`inference` / :attr:`training_inference`. Returns the
        mismatches."""
        from keras_gate.engine.runtime.outputs import inference_mismatches

        if self.inference.startswith("keras call"):
            return []
        mismatches = inference_mismatches(self.model, both_families(self.inputs))
        if mismatches:
            self.inference = f"keras call (the graph walk differs: {mismatches[0]})"
            self.outputs = self.predict(self.model)
            return mismatches
        try:
            training = inference_mismatches(self.model, self.inputs, training=True)
        except Exception:  # noqa: BLE001 - it cannot run in training mode: no training pass
            return []
        if training:
            self.training_inference = f"keras call (the training walk differs: {training[0]})"
        return training


@dataclass(frozen=True)
class _Raised:
    """What a reference computation raised (``BuiltModel.reference``)."""

    error: Exception


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
    try:
        outputs = predict_families(lambda b: predict_outputs(model, b, settings.probes), batch)
    except Exception as error:
        raise ModelAsBuiltError(name, settings, batch, error) from error
    return BuiltModel(
        name, model, batch, outputs, variant, settings, inference=inference_path(model), **details
    )


class ModelAsBuiltError(Exception):
    """The model as built (before any save) cannot predict on its batch: a fault of
    the model or of its inputs, never a round-trip verdict."""

    def __init__(self, name: str, settings: ModelSettings, batch, error: BaseException):
        import keras

        shapes = keras.tree.map_structure(lambda a: f"{np.asarray(a).dtype}{np.shape(a)}", batch)
        lines = str(error).strip().splitlines()
        first = next((line for line in lines if line.strip()), "")
        source = "derived from model.inputs" if settings.inputs is None else "given by inputs="
        super().__init__(
            f"model {name!r} as built cannot predict on its batch ({source}: {shapes}): "
            f"{type(error).__name__}: {first.strip()}"
            + (
                "; give inputs= the model accepts (@keras_gate.model(inputs=...))"
                if settings.inputs is None
                else ""
            )
        )


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
    together = both_families(inputs)
    found = {}
    for name, value in predict(together).items():
        value = np.asanyarray(value)  # an Output keeps its tensor kind
        found[name] = value[:rows]
        found[f"{name}{CONSTANT}"] = value[rows:]
    return found


def both_families(inputs):
    """The seeded batch with its constant example as one more row (one structure)."""
    import keras

    return keras.tree.map_structure(
        lambda a, c: np.concatenate([np.asarray(a), c]), inputs, constant_batch(inputs)
    )


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
    has one (a traced graph), else the built model's outputs (an inference artifact's:
    without the probes)."""
    if fmt.reference is not None:
        names = reference_names(built)
        return predict_families(lambda b: fmt.reference(built.model, b, names), built.inputs)
    if not fmt.is_model:
        # An inference artifact has the model's outputs only, not the gate's probes.
        names = set(reference_names(built))
        return {k: v for k, v in built.outputs.items() if k.removesuffix(CONSTANT) in names}
    return built.outputs
