"""Every layer of a model by a path that a reload keeps: the tree the checks walk.

A graph model built by Keras from its config (plain ``Functional`` /
``Sequential``) gets its layers' names back from the file, so a layer is known
by its name. A model that a reload rebuilds by running its own Python code (a
subclassed model, a keras-hub backbone or task, any ``Functional`` subclass with
a constructor of its own) makes its layers anew: a layer its code did not name
gets Keras's next automatic name (``layer_normalization_13`` where it was
``layer_normalization_4``), which depends on how many layers the process made
before, not on the model. Such a layer is known by its place (``Dense#2``).
"""

from __future__ import annotations

from keras_gate.runtime.naming import automatic_name, rebuilt_by_code
from keras_gate.runtime.outputs import has_graph

__all__ = ["automatic_name", "rebuilt_by_code"]


def layer_key(layer, index: int, container, by_code: bool | None = None) -> str:
    """``layer``'s name within ``container``, or its place where the name is Keras's.

    ``by_code``: whether a reload makes ``container``'s layers by running code
    (default: the container's own class says; a container inside such a model
    is made by code too, whatever its class).
    """
    if not has_graph(container):
        return f"{type(layer).__name__}#{index}"  # subclassed: its layers by place
    if by_code is None:
        by_code = rebuilt_by_code(container)
    if by_code and automatic_name(layer):
        return f"{type(layer).__name__}#{index}"
    return layer.name


def root_key(model) -> str:
    """The model's own key: its name, or its class where a reload renames it."""
    if rebuilt_by_code(model) and automatic_name(model):
        return f"{type(model).__name__}#0"
    return model.name


def layers_with_paths(model, prefix: str = "", by_code: bool = False):
    """``(path, layer)`` for every layer, nested models expanded, in model order."""
    by_code = by_code or rebuilt_by_code(model)
    for index, layer in enumerate(model.layers):
        path = f"{prefix}{layer_key(layer, index, model, by_code)}"
        yield path, layer
        if hasattr(layer, "layers"):
            yield from layers_with_paths(layer, prefix=f"{path}/", by_code=by_code)


def configured_layers(model, prefix: str = ""):
    """``(path, layer)`` for the layers a reload restores from their own config:
    the layers of plain graph models (each is an entry of the saved config). A
    model rebuilt by its code is restored from its own config alone; what its
    code makes is covered by its variables, state and predictions."""
    if rebuilt_by_code(model):
        return
    for index, layer in enumerate(model.layers):
        path = f"{prefix}{layer_key(layer, index, model, False)}"
        yield path, layer
        if hasattr(layer, "layers"):
            yield from configured_layers(layer, prefix=f"{path}/")
