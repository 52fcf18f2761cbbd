"""TensorFlow's native start-up lines appear at most once per run.

A stand-in package writes to file descriptor 2 what TensorFlow 2.21's ``import
tensorflow`` writes there (each record twice, from two native libraries); the real
import takes seconds, the stand-in none.
"""

import os
import sys
import textwrap

import pytest

from keras_gate.engine.runtime import startup_lines
from keras_gate.engine.runtime.startup_lines import SHOWN_ENV, hold_startup_lines

# What `python -c "import tensorflow"` wrote on tensorflow-cpu 2.21.0 (shortened).
NATIVE = textwrap.dedent(
    """\
    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1796670146.066101    9598 port.cc:153] oneDNN custom operations are on.
    I0000 00:00:1796670146.399647    9598 cpu_feature_guard.cc:227] This binary is optimized.
    To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow.
    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1796670152.224594    9598 port.cc:153] oneDNN custom operations are on.
    """
)
OWN_LINE = "/site/noisy/__init__.py:3: UserWarning: a warning of the package's own\n"


@pytest.fixture
def noisy(tmp_path, monkeypatch):
    """A package ``noisy_native`` that writes TensorFlow's lines and one warning to fd 2."""
    package = tmp_path / "noisy_native"
    package.mkdir()
    (package / "__init__.py").write_text(
        f"import os\nos.write(2, {(NATIVE + OWN_LINE).encode()!r})\nVALUE = 42\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(SHOWN_ENV, "")  # set, so that teardown removes what the import sets
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    yield "noisy_native"
    sys.modules.pop("noisy_native", None)
    _forget_finder()


def _forget_finder():
    sys.meta_path[:] = [
        f for f in sys.meta_path if not isinstance(f, startup_lines._FirstImportFinder)
    ]


def _import(name):
    __import__(name)
    return sys.modules[name]


def test_without_the_gate_each_start_up_line_is_written_twice(noisy, capfd):
    _import(noisy)
    assert capfd.readouterr().err.count("oneDNN custom operations are on") == 2


def test_the_first_import_writes_each_start_up_line_once(noisy, capfd):
    assert not os.environ.get(SHOWN_ENV)
    hold_startup_lines(targets=(noisy,))
    assert _import(noisy).VALUE == 42
    err = capfd.readouterr().err
    assert err.count("oneDNN custom operations are on") == 1
    assert err.count("absl::InitializeLog") == 1
    assert "To enable the following instructions" in err  # a record's second line stays
    assert OWN_LINE in err
    assert os.environ[SHOWN_ENV] == "1"  # workers started after this one stay quiet


@pytest.mark.parametrize("worker, shown_before", [("gw1", None), ("gw0", "1"), (None, "1")])
def test_a_later_process_writes_only_its_own_lines(noisy, capfd, monkeypatch, worker, shown_before):
    if worker:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    if shown_before:
        monkeypatch.setenv(SHOWN_ENV, shown_before)
    hold_startup_lines(targets=(noisy,))
    _import(noisy)
    err = capfd.readouterr().err
    assert "oneDNN" not in err and "absl" not in err and "To enable" not in err
    assert err == OWN_LINE


def test_an_import_that_raises_still_writes_what_it_wrote(tmp_path, monkeypatch, capfd):
    (tmp_path / "broken_native.py").write_text(
        "import os\nos.write(2, b'E0000 00:00:1.0 1 loader.cc:9] cannot load libfoo.so\\n')\n"
        "raise ImportError('libfoo.so: cannot open shared object file')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv(SHOWN_ENV, "")
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    hold_startup_lines(targets=("broken_native",))
    try:
        with pytest.raises(ImportError, match="libfoo"):
            _import("broken_native")
    finally:
        _forget_finder()
    assert "cannot load libfoo.so" in capfd.readouterr().err
