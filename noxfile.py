"""Local matrix: the gate against any Keras release and backend, each in its own venv.

    nox -s gate                                   # pinned Keras, TensorFlow, quick tier
    KERAS=3.5.0 nox -s "gate(backend='tensorflow')" -- -m quick
    KERAS=latest nox -s "gate(backend='jax')" -- tests/regression
    nox -s bisect -- --range 3.0.0..3.15.1 -k round_trip \\
        -m "efficientnetb0 and keras_v3 and functional_head and fresh and float32 and unquantized"

``KERAS`` is a release (``3.9.0``), ``pinned`` (.ci/constraints.txt, the default),
``latest`` or ``nightly``. Arguments after ``--`` go to pytest (default: the
self-tests and the quick tier) or, for ``bisect``, to ``python -m keras_gate.bisect``.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox
from packaging.version import Version

nox.options.sessions = ["gate"]
nox.options.default_venv_backend = "venv"

ROOT = Path(__file__).parent
PINNED = dict(
    line.strip().split("==")
    for line in (ROOT / ".ci/constraints.txt").read_text().splitlines()
    if "==" in line and not line.startswith("#")
)

# The newest TensorFlow a Keras release runs on in this gate (older Keras with a
# newer TensorFlow is untested); numpy<2 for TensorFlow 2.17.
TENSORFLOW_FOR_KERAS = (
    (Version("3.6.0"), ["tensorflow-cpu==2.17.1", "numpy<2"]),
    (None, [f"tensorflow-cpu=={PINNED['tensorflow-cpu']}"]),
)
BACKEND_PACKAGES = {"jax": ["jax[cpu]"], "torch": ["torch"]}


def keras_requirement(keras: str) -> str:
    if keras == "pinned":
        return f"keras=={PINNED['keras']}"
    if keras == "latest":
        return "keras"
    if keras == "nightly":
        return "keras-nightly"
    return f"keras=={Version(keras)}"


def backend_requirements(keras: str, backend: str) -> list[str]:
    if backend != "tensorflow":
        return BACKEND_PACKAGES[backend]
    release = Version(PINNED["keras"] if keras in ("pinned", "latest", "nightly") else keras)
    for below, packages in TENSORFLOW_FOR_KERAS:
        if below is None or release < below:
            return packages
    raise AssertionError("unreachable: the last row has no bound")


@nox.session
@nox.parametrize("backend", ["tensorflow", "jax", "torch"])
def gate(session: nox.Session, backend: str) -> None:
    """The gate under Keras $KERAS (default: pinned) on one backend."""
    keras = os.environ.get("KERAS", "pinned")
    session.env["KERAS_BACKEND"] = backend
    session.install("-e", ".", *backend_requirements(keras, backend))
    if keras == "nightly":
        session.run("pip", "uninstall", "-y", "keras")
    session.install(keras_requirement(keras))
    session.run("python", "-c", "import keras; print('keras', keras.__version__)")
    args = session.posargs or ["-n", "auto", "-m", "harness or quick"]
    session.run("python", "-m", "pytest", *args)


@nox.session
def bisect(session: nox.Session) -> None:
    """First Keras release where the selected cases' verdict changes (TensorFlow 2.17.1)."""
    # One backend stack for every release tried; releases before 3.2 need dm-tree.
    session.install("-e", ".", "tensorflow-cpu==2.17.1", "numpy<2", "dm-tree")
    session.run("python", "-m", "keras_gate.bisect", "tests/regression", *session.posargs)
