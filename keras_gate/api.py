"""What a project declares to the gate: its models, their settings, their variants.

Pure data, importable without Keras: the xdist controller and collection use it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


def did_you_mean(name: str, known) -> str:
    """`` (did you mean 'x'?)`` for a name close to one of ``known``, else ``""``."""
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.7)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True)
class Tolerance:
    """Elementwise bound ``|revived - original| <= atol + rtol * |original| + peak_rtol * P``,
    P the largest finite ``|original|`` of that output."""

    rtol: float
    atol: float
    peak_rtol: float = 0.0
    """Relative to the output's largest magnitude: a float32 runtime reorders sums, so its
    error grows with the scale of the whole output, also at entries near zero beside large
    ones, where an elementwise ``rtol`` allows nothing (``docs/results.md``)."""

    @property
    def exact(self) -> bool:
        return self.rtol == self.atol == self.peak_rtol == 0.0

    def __str__(self) -> str:
        text = f"rtol={self.rtol:g}, atol={self.atol:g}"
        return text + (f", peak_rtol={self.peak_rtol:g}" if self.peak_rtol else "")


SETTINGS_ATTRIBUTE = "__keras_gate__"
"""Where :func:`model` leaves a factory's :class:`ModelSettings`."""


@dataclass(frozen=True)
class ModelSettings:
    """Per-model settings of the gate (see :func:`model`)."""

    custom_objects: dict | None = None
    """Passed to every load (``keras.models.load_model(..., custom_objects=...)``)."""
    inputs: object = None
    """The batch to predict on: arrays (one, a list or a dict), a callable taking a
    seed and returning them, or None to derive seeded inputs from ``model.inputs``."""
    formats: tuple[str, ...] | None = None
    """Format names to round-trip through (None: the core formats)."""
    tolerance: Tolerance | None = None
    """Prediction tolerance overriding the ``TOLERANCES`` row of the case."""
    markers: tuple[str, ...] = ()
    """Extra markers on every case of the model."""
    safe_mode: bool = True
    """Keras's ``safe_mode`` on load; off only when the user turns it off (reported)."""
    probes: dict[str, str] = field(default_factory=dict)
    """Name -> layer: that layer's input is compared too (graph models)."""
    backends: tuple[str, ...] = ()
    """Keras backends the model can run on (empty: all); elsewhere its cases skip with
    the reason (a model with string inputs needs tensorflow)."""
    targets: object = None
    """The targets of a compiled model's loss for the batch of ``inputs`` (arrays in
    the outputs' structure, or a callable taking a seed and returning them), for the
    ``evaluate`` and ``training step`` checks; None: derived from the loss and the
    outputs (``engine.runtime.targets``)."""


def model(
    *,
    custom_objects: dict | None = None,
    inputs: object = None,
    formats: Sequence[str] | None = None,
    tolerance: Tolerance | tuple[float, float] | None = None,
    markers: Sequence[str] = (),
    safe_mode: bool = True,
    probes: dict[str, str] | None = None,
    backends: Sequence[str] = (),
    targets: object = None,
):
    """Decorate a zero-argument model factory with its gate settings.

    ::

        @keras_gate.model(custom_objects={"Attention": Attention}, formats=["keras_v3"])
        def text_classifier():
            return build_text_classifier()

    ``tolerance`` is a :class:`Tolerance` or ``(rtol, atol)``. ``targets`` are what a
    compiled model's loss compares its outputs with on the batch of ``inputs`` (arrays,
    or a callable taking a seed); without them they are derived from the loss.
    """
    for name, value in (("formats", formats), ("markers", markers), ("backends", backends)):
        if isinstance(value, str):
            raise TypeError(
                f"@keras_gate.model({name}=...) takes a list of names, not the string "
                f"{value!r}: write {name}=[{value!r}]"
            )
    if isinstance(tolerance, tuple):
        if len(tolerance) != 2:
            raise TypeError(
                f"@keras_gate.model(tolerance=...) takes (rtol, atol), not {tolerance!r}"
            )
        tolerance = Tolerance(*tolerance)
    settings = ModelSettings(
        custom_objects=dict(custom_objects) if custom_objects else None,
        inputs=inputs,
        formats=tuple(formats) if formats is not None else None,
        tolerance=tolerance,
        markers=tuple(markers),
        safe_mode=bool(safe_mode),
        probes=dict(probes or {}),
        backends=tuple(backends),
        targets=targets,
    )

    def decorate(factory: Callable) -> Callable:
        if not callable(factory):
            raise TypeError(f"@keras_gate.model(...) decorates a factory, not {factory!r}")
        setattr(factory, SETTINGS_ATTRIBUTE, settings)
        return factory

    return decorate


def settings_of(factory) -> ModelSettings:
    """The settings :func:`model` attached to ``factory``, else the defaults."""
    return getattr(factory, SETTINGS_ATTRIBUTE, None) or ModelSettings()


@dataclass(frozen=True)
class Variant:
    """One way of building a model (a project's scenarios: wrapped, trained, another
    dtype policy); the default variant is the model as its source gives it."""

    id: str = ""
    """Test-id part ("" for the default variant)."""
    names: tuple[str, ...] = ()
    """Markers of the variant, matched by known failures' ``scenario`` patterns."""
    compute_dtype: str = "float32"
    """Row of the tolerance table."""

    @property
    def is_default(self) -> bool:
        return not self.id

    def unsupported(self) -> str | None:
        """Why this variant cannot be built with the Keras installed (found without
        importing it), or None; its cases skip, saying so."""
        return None


DEFAULT_VARIANT = Variant()


def marker_name(name: str) -> str:
    """A model's marker: its name in lowercase, other characters as ``_``."""
    marker = re.sub(r"\W", "_", name.lower())
    return marker if not marker[:1].isdigit() else f"m_{marker}"


@dataclass(frozen=True, eq=False)
class GateModel:
    """One model the gate checks: a name and how to build it in a worker.

    ``build(variant) -> BuiltModel`` runs where cases run (an xdist worker), never in
    the controller. Compared by identity: one object per model per run.
    """

    name: str
    """Test-id part, e.g. ``EfficientNetB0`` or a factory's name."""
    build: Callable
    markers: tuple[str, ...] = ()
    """Markers besides the model's own (family, tier, the user's)."""
    cost: float = 0.0
    """Relative build cost: the costliest models start first."""
    settings: ModelSettings = ModelSettings()
    origin: str = ""
    """Where the model was declared, for messages (an ini entry, a registry row)."""
    model_marker: str = ""
    """The model's own marker if not its lowercase name (see :func:`marker_name`)."""
    reproducer: Callable | None = None
    """``reproducer(variant, built) -> str``: standalone code (Keras, NumPy only) that
    defines ``build_model()`` and optionally ``make_inputs()``, for ``--repro-dir``."""

    @property
    def marker(self) -> str:
        return self.model_marker or marker_name(self.name)
