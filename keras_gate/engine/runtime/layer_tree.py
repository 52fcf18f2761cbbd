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

import re

from keras_gate.engine.runtime.naming import automatic_name, rebuilt_by_code
from keras_gate.engine.runtime.outputs import has_graph

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


def layers_by_path(model) -> dict[str, object]:
    """``model`` (by its name) and every layer under it, keyed by path (nesting kept)."""
    found = {root_key(model): model}
    for path, layer in layers_with_paths(model):
        # No variables, no computation; clone_model renames input layers after
        # their tensors ("keras_tensor_154"), which is not a defect.
        if type(layer).__name__ != "InputLayer":
            found[path] = layer
    return found


def variable_keys(layers: dict[str, object]) -> dict[int, str]:
    """``id(variable)`` -> ``<layer path>/<variable name>``, by place in the layer tree.

    Not ``Variable.path``: that records the name scope active when a layer was
    built, which a reload changes for Sequential and subclassed models
    (``seed_x/head/kernel`` becomes ``head/kernel``) without changing the model.
    A custom layer's own sublayers (made in its ``__init__``, saved by nothing
    but their order) are followed too, each by :func:`sublayer_key`: an
    automatic name is Keras's global counter (``conv2d_3`` on reload where it
    was ``conv2d``), not a property of the model.
    """
    keys: dict[int, str] = {}
    listed = {id(layer) for layer in layers.values()}

    def visit(path, layer, seen):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        variables = [*layer._trainable_variables, *layer._non_trainable_variables]
        for index, variable in enumerate(variables):
            # add_weight() without a name: "variable", "variable_3" - a counter
            # that a reload advances; such a variable is known by its position.
            name = variable.name
            if re.fullmatch(r"variable(_\d+)?", name):
                name = f"variable#{index}"
            keys.setdefault(id(variable), f"{path}/{name}")
        for index, generator in enumerate(getattr(layer, "_seed_generators", ())):
            keys.setdefault(id(generator.state), f"{path}/seed_generator#{index}")
        if hasattr(layer, "layers") and id(layer) in listed:
            return  # a model of the tree: its layers are entries of ``layers`` themselves
        # A custom layer's sublayers, and the layers of a model it made: made by code.
        inner = layer.layers if hasattr(layer, "layers") else _sublayers(layer)
        for index, sublayer in enumerate(inner):
            visit(f"{path}/{sublayer_key(sublayer, index)}", sublayer, seen)

    seen: set[int] = set()
    for path, layer in layers.items():
        visit(path, layer, seen)
    return keys


def _sublayers(layer) -> list:
    flatten = getattr(layer, "_flatten_layers", None)
    return list(flatten(include_self=False, recursive=False)) if flatten else []


def sublayer_key(layer, index: int) -> str:
    """A custom layer's sublayer by name where its code named it, else by place
    (``Dense#2``): an automatic name depends on how many layers were made before."""
    return f"{type(layer).__name__}#{index}" if automatic_name(layer) else layer.name


def variable_values(model, seed_states: bool = True) -> dict:
    """All of ``model``'s variables by place in the layer tree (``seed_states=False``:
    weights only, without RNG states such as Dropout's)."""
    import keras

    keys = variable_keys(layers_by_path(model))
    variables = model.variables if seed_states else model.weights
    return {keys.get(id(v), v.path): keras.ops.convert_to_numpy(v) for v in variables}
