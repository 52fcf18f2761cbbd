"""Training steps run eagerly: no traced train step per model.

Keras traces a ``train_function`` per model the first time it trains. For the
gate's few steps that trace is most of the cost and memory: one EfficientNetB0
``fine_tuned`` case pair (train, save, reload as ``.keras`` and ``.h5``, one more
step on each) took 56.3 s and peaked at 2.17 GiB traced, 11.9 s and 1.10 GiB
eagerly (keras 3.5.0; ``docs/how-to/sharding.md``, "Memory"). Eager steps also put the
original and its reload on one code path, so a next-step comparison sees the
round trip and nothing else. ``run_eagerly`` is not part of the compile config
a model saves: the saved files are the same.
"""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def eager_steps(*models):
    """Within the block, ``models`` train and evaluate eagerly; their own setting and
    train and test functions come back after.

    A model keeps the train function it made first and ignores a later
    ``run_eagerly`` (Keras's ``make_train_function``), so that is set aside too:
    else a model that had trained traced steps the next one traced while its
    reload steps eagerly (seen: 1.5e-05 apart after one step).
    """
    previous = [(model.run_eagerly, model.train_function, model.test_function) for model in models]
    for model in models:
        model.run_eagerly = True
        model.train_function = model.test_function = None
    try:
        yield
    finally:
        for model, (setting, train, test) in zip(models, previous):
            model.run_eagerly = setting
            model.train_function, model.test_function = train, test
