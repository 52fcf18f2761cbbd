"""Keras notices that every gated run would print, silenced where the gate runs.

The gate saves legacy ``.h5`` on purpose, so Keras's "considered legacy" notice
(``absl`` logging, not a Python warning, on every Keras 3 release) says nothing
to a user of the gate; the NumPy-2 ``__array__`` deprecation comes from Keras's
TensorFlow backend. Nothing else is filtered: a warning about the user's model is
theirs to see.
"""

from __future__ import annotations

import logging

H5_SAVE_NOTICE = "You are saving your model as an HDF5 file"

WARNING_FILTERS = (
    # Older releases raised the .h5 notice as a UserWarning.
    f"ignore:{H5_SAVE_NOTICE}:UserWarning",
    # Keras's TensorFlow backend on NumPy 2 (keras/src/backend/tensorflow/core.py).
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning",
)
"""``filterwarnings`` lines, as pytest's ini option takes them."""


class DropKerasNotices(logging.Filter):
    """Drops the ``.h5`` save notice from the ``absl`` logger Keras writes it to."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(H5_SAVE_NOTICE)


def silence_keras_notices() -> None:
    """Installs the log filter once per process (the logger is stdlib's: no Keras import)."""
    logger = logging.getLogger("absl")
    if not any(isinstance(f, DropKerasNotices) for f in logger.filters):
        logger.addFilter(DropKerasNotices())


REPRODUCER_LINES = f"""
import logging  # noqa: E402

# The gate saves legacy .h5 on purpose: Keras's notice about it says nothing here.
logging.getLogger("absl").addFilter(
    lambda record: not str(record.msg).startswith({H5_SAVE_NOTICE!r})
)
"""
"""The same filter, in a reproducer's preamble (it needs nothing of the gate)."""
