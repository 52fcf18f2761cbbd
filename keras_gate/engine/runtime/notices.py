"""Keras notices that every gated run would print, silenced where the gate runs.

The gate saves legacy ``.h5`` (and reloads models never compiled) on purpose, so
Keras's "considered legacy" and "no training configuration" notices (``absl``
logging, not Python warnings, on every Keras 3 release) say nothing to a user of
the gate; the NumPy-2 ``__array__`` deprecation comes from Keras's
TensorFlow backend. Nothing else is filtered: a warning about the user's model is
theirs to see.
"""

from __future__ import annotations

import logging

H5_SAVE_NOTICE = "You are saving your model as an HDF5 file"
UNCOMPILED_LOAD_NOTICE = "No training configuration found in the save file"
NOTICES = (H5_SAVE_NOTICE, UNCOMPILED_LOAD_NOTICE)
"""Keras's ``absl`` log lines about what the gate does on purpose: saving legacy
``.h5`` and loading a model that was never compiled."""

WARNING_FILTERS = (
    # Older releases raised the .h5 notice as a UserWarning.
    f"ignore:{H5_SAVE_NOTICE}:UserWarning",
    # Keras's TensorFlow backend on NumPy 2 (keras/src/backend/tensorflow/core.py).
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning",
)
"""``filterwarnings`` lines, as pytest's ini option takes them."""


class DropKerasNotices(logging.Filter):
    """Drops :data:`NOTICES` from the ``absl`` logger Keras writes them to."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(NOTICES)


def silence_keras_notices() -> None:
    """Installs the log filter once per process (the logger is stdlib's: no Keras import)."""
    logger = logging.getLogger("absl")
    if not any(isinstance(f, DropKerasNotices) for f in logger.filters):
        logger.addFilter(DropKerasNotices())


REPRODUCER_LINES = f"""
import logging  # noqa: E402

# Legacy .h5 and uncompiled models on purpose: Keras's notices about them say nothing here.
logging.getLogger("absl").addFilter(
    lambda record: not str(record.msg).startswith({NOTICES!r})
)
"""
"""The same filter, in a reproducer's preamble (it needs nothing of the gate)."""
