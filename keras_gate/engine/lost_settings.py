"""Settings Keras's own classes are known to lose through ``get_config()``.

One table for two users: the sweep (``keras_gate.tools.sweep --check``: strict both ways,
red when a row no longer holds on a release it names, or a loss no row names) and the
plugin's built-in upstream entries (``engine.upstream``), which make a user's model that
holds such an object, with the setting away from what its config rebuilds, a strict
expected failure naming the row, its reproducer and the way out.

Each row was found by the sweep on keras 3.10.0 ... 3.15.1 and keras-nightly
3.16.0.dev2026102704 and reproduced in plain Keras (``docs/reproducers/sweep/``;
exit statuses in ``benchmarks/records/sweep/reproducer-exits.txt``). The sweep's oldest
release is 3.10.0, so every range starts there: older releases are judged raw.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LostSetting:
    """A constructor argument of Keras classes that a round trip through their config loses."""

    id: str
    """Short stable name (the built-in upstream entry is ``lost-setting-<id>``)."""
    family: str
    """The sweep's family: ``layers``, ``losses``, ``metrics``, ``initializers``, ..."""
    classes: str
    """Class names, ``|``-joined."""
    argument: str
    """Argument names, ``|``-joined."""
    keras: str
    """PEP 440 specifier of the releases seen losing it (the sweep's oldest is 3.10.0)."""
    reason: str
    raises: bool = False
    """The config does not rebuild the object at all (its ``from_config`` raises), rather
    than rebuilding it with the default."""

    def reproducers(self) -> list[str]:
        """The plain-Keras scripts (``docs/reproducers/sweep/``), one per class and argument."""
        return [
            f"docs/reproducers/sweep/{self.family}_{cls}_{argument}.py"
            for cls in self.classes.split("|")
            for argument in self.argument.split("|")
        ]


IMAGE_LAYERS = (
    "AugMix|AutoContrast|CutMix|Equalization|MaxNumBoundingBoxes|MixUp|RandAugment|"
    "RandomBrightness|RandomColorDegeneration|RandomColorJitter|RandomContrast|"
    "RandomElasticTransform|RandomErasing|RandomGaussianBlur|RandomGrayscale|RandomHue|"
    "RandomInvert|RandomPerspective|RandomPosterization|RandomSaturation|RandomSharpness|"
    "Solarization"
)

LOST_SETTINGS: tuple[LostSetting, ...] = (
    LostSetting(
        "image-layers-data-format",
        "layers",
        IMAGE_LAYERS,
        "data_format",
        ">=3.10.0,<3.15.0",
        "get_config() omitted data_format: a channels_first layer came back channels_last "
        "(fixed by keras PR #23023 in 3.15.0)",
    ),
    LostSetting(
        "augmix-chains-swapped",
        "layers",
        "AugMix",
        "chain_depth|num_chains",
        ">=3.10.0,<3.14.0",
        "get_config() swapped chain_depth and num_chains",
    ),
    LostSetting(
        "max-num-bounding-boxes-fill-value",
        "layers",
        "MaxNumBoundingBoxes",
        "fill_value",
        ">=3.10.0,<3.16.0.dev0",
        "get_config() omits fill_value",
    ),
    LostSetting(
        "random-shear-factor",
        "layers",
        "RandomShear",
        "x_factor|y_factor",
        ">=3.10.0",
        "get_config() writes x_factor=0.5 as (-0.5, 0.5), which the constructor refuses "
        "(a factor in [0, 1]): from_config raises TypeError",
        raises=True,
    ),
    LostSetting(
        "input-layer-optional",
        "layers",
        "InputLayer",
        "optional",
        ">=3.10.0,<3.13.0",
        "get_config() omitted optional: an optional input came back required",
    ),
    LostSetting(
        "category-encoding-sparse",
        "layers",
        "CategoryEncoding",
        "sparse",
        ">=3.10.0,<3.16.0.dev0",
        "get_config() omits sparse: a sparse output comes back dense",
    ),
    LostSetting(
        "identity-gain",
        "initializers",
        "Identity",
        "gain",
        ">=3.10.0,<3.16.0.dev0",
        "get_config() omits gain",
    ),
    LostSetting(
        "huber-delta",
        "losses",
        "Huber",
        "delta",
        ">=3.10.0,<3.16.0.dev0",
        "get_config() omits delta: evaluate and training use delta=1.0 after a reload",
    ),
    LostSetting(
        "loss-axis",
        "losses",
        "CosineSimilarity|SparseCategoricalCrossentropy",
        "axis",
        ">=3.10.0,<3.16.0.dev0",
        "get_config() omits axis",
    ),
    LostSetting(
        "cosine-similarity-metric-axis",
        "metrics",
        "CosineSimilarity",
        "axis",
        ">=3.10.0,<3.16.0.dev0",
        "get_config() omits axis",
    ),
)
"""Every lost setting the sweep found, each with its reproducers."""
