"""Which names a reload keeps: a model rebuilt by its own code renames what its
code did not name (Keras's automatic names count layers made in the process)."""

from __future__ import annotations

import re


def rebuilt_by_code(model) -> bool:
    """Whether a reload makes ``model``'s layers by running its own code."""
    from keras.src.models.functional import Functional
    from keras.src.models.sequential import Sequential

    return type(model) not in (Functional, Sequential)


def automatic_name(layer, name: str | None = None) -> bool:
    """Whether ``name`` (default: the layer's) is what Keras names such a layer
    when its code gives none: the class in snake case, maybe ``_<n>``."""
    from keras.src.utils.naming import to_snake_case

    pattern = rf"{re.escape(to_snake_case(type(layer).__name__))}(_\d+)?"
    return re.fullmatch(pattern, layer.name if name is None else name) is not None
