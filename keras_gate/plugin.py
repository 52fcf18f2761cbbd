"""pytest plugin of the Keras serialization gate: options, hooks and fixtures only.

Registered through the ``pytest11`` entry point ``keras_gate``. Nothing here
imports Keras or TensorFlow at module level: the xdist controller never
builds a model, and each worker pins its device before TensorFlow loads.
The work lives in the modules named for it: ``matrix`` (cases, markers,
order), ``sources`` (where models come from), ``lifecycle`` (one built model
per worker), ``gate_tests`` (the test functions), ``summary`` (the report).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from keras_gate import hookspecs
from keras_gate.artifacts import ArtifactError, find_artifacts
from keras_gate.checks.predictions import Tolerance, tolerance_for
from keras_gate.formats import FORMATS
from keras_gate.known_failures import KnownFailuresFileError, load_known_failures
from keras_gate.matrix import CHECKS, case_of, case_param, order_cases, remember_case
from keras_gate.matrix import with_known_failures as _with_known_failures
from keras_gate.runtime.devices import (
    DeviceAssignment,
    assign_device,
    count_nvidia_gpus,
    visible_gpus,
)
from keras_gate.selection import check_marker_expression, keyword_selection_message
from keras_gate.sources.config_matrix import ENTRIES_KEY, ConfigMatrix, entry_cases
from keras_gate.sources.entries import EntryError, parse_entries
from keras_gate.summary import SummaryCollector
from keras_gate.versions import keras_backend, keras_version, stack_versions


def pytest_addhooks(pluginmanager):
    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser):
    parser.addini(
        "keras_gate_models",
        type="linelist",
        default=[],
        help="models the gate round-trips: package.module:factory (a zero-argument "
        "callable returning a built keras.Model) or a path to a saved .keras / .h5 file, "
        "one per line",
    )
    parser.addini(
        "keras_gate_known_failures",
        type="string",
        default="",
        help="TOML file of [[known_failure]] entries for your models (strict xfails)",
    )
    group = parser.getgroup("keras-gate", "Keras serialization gate")
    group.addoption(
        "--known-failures",
        choices=("on", "off"),
        default="on",
        help="'on': cases in a known-failures table are strict xfails; "
        "'off': every case runs raw (default: on).",
    )
    group.addoption(
        "--roundtrip-report",
        metavar="PATH",
        default=None,
        help="also write the round-trip report as PATH.json and PATH.md "
        "(Markdown ready to append to a CI step summary).",
    )
    group.addoption(
        "--save-artifacts",
        metavar="DIR",
        default=None,
        help="write each file-format round trip's saved model, input batch, reference "
        "outputs and a manifest (Keras, backend, weights, hashes) to DIR/<case id>/.",
    )
    group.addoption(
        "--load-artifacts",
        metavar="DIR",
        default=None,
        help="load every artifact in DIR (written by --save-artifacts, usually under "
        "another Keras) and compare with its stored outputs (test_load_artifact); "
        "without it those cases are deselected.",
    )
    group.addoption(
        "--workers-per-gpu",
        metavar="N",
        type=int,
        default=2,
        help="xdist workers sharing one GPU; workers beyond GPUs x N run on CPU (default: 2).",
    )
    group.addoption(
        "--cpu-workers",
        metavar="N",
        type=int,
        default=0,
        help="keep the first N xdist workers on CPU even when GPUs are visible (default: 0).",
    )


def gate_markers(config) -> dict[str, str]:
    """Every marker known before collection, with its help text."""
    markers = {fmt.name: f"cases on {fmt.description}" for fmt in FORMATS}
    markers.update(CHECKS)
    for entry in config.stash.get(ENTRIES_KEY, []):
        markers[entry.marker] = f"cases of {entry.text}"
    for found in config.hook.pytest_keras_gate_markers(config=config):
        markers.update(found)
    return markers


KERAS_WARNINGS = (
    # Keras's own notice when a model is saved as legacy .h5: the gate does it on purpose.
    "ignore:You are saving your model as an HDF5 file:UserWarning",
    # Keras's TensorFlow backend on NumPy 2 (keras/src/backend/tensorflow/core.py).
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning",
)


def pytest_configure(config):
    for line in KERAS_WARNINGS:
        config.addinivalue_line("filterwarnings", line)
    try:
        root = Path(config.inipath).parent if config.inipath else Path(config.rootpath)
        config.stash[ENTRIES_KEY] = parse_entries(config.getini("keras_gate_models"), root)
    except EntryError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[MARKERS_KEY] = gate_markers(config)
    for name, text in config.stash[MARKERS_KEY].items():
        config.addinivalue_line("markers", f"{name}: {text}")
    config.stash[DEVICE_KEY] = _pin_device(config)
    config.stash[ARTIFACTS_KEY] = _artifacts_to_load(config)
    config.stash[SUMMARY_KEY] = SummaryCollector()
    config.pluginmanager.register(config.stash[SUMMARY_KEY], "keras_gate_summary")
    _collect_ini_file_with_testpaths(config)


MARKERS_KEY = pytest.StashKey[dict]()
SUMMARY_KEY = pytest.StashKey[SummaryCollector]()
ARTIFACTS_KEY = pytest.StashKey[list]()
DEVICE_KEY = pytest.StashKey["DeviceAssignment | None"]()
KNOWN_FAILURES_KEY = pytest.StashKey[tuple]()


def _collect_ini_file_with_testpaths(config) -> None:
    # A plain `pytest` collects `testpaths` only: the ini file that names the
    # models must be among them for its cases to run.
    if not (config.stash[ENTRIES_KEY] and config.inipath):
        return
    if config.args_source == pytest.Config.ArgsSource.TESTPATHS:
        ini = str(config.inipath)
        if ini not in config.args:
            config.args.append(ini)


def _artifacts_to_load(config) -> list:
    directory = config.getoption("load_artifacts")
    if not directory:
        return []
    try:
        return find_artifacts(Path(directory).expanduser())
    except ArtifactError as error:
        raise pytest.UsageError(str(error)) from None


def _pin_device(config) -> DeviceAssignment | None:
    """In a process that runs cases, pin it to its device before TensorFlow loads."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None and config.getoption("numprocesses", default=None):
        return None  # the xdist controller runs no case and must not hide GPUs from workers
    worker = workerinput["workerid"] if workerinput else "master"
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    gpus = visible_gpus(visible, count_nvidia_gpus() if visible is None else 0)
    try:
        assignment = assign_device(
            worker, gpus, config.getoption("workers_per_gpu"), config.getoption("cpu_workers")
        )
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    if "tensorflow" in sys.modules:
        raise pytest.UsageError("TensorFlow was imported before the gate could pin the device")
    os.environ.update(assignment.environment)
    return assignment


def pytest_collect_file(file_path, parent):
    config = parent.config
    if config.stash.get(ENTRIES_KEY, None) and config.inipath and file_path == config.inipath:
        return ConfigMatrix.from_parent(parent, path=file_path)
    return None


def _known_failures(config) -> tuple:
    """Every known-failure entry in force: the projects' tables and the TOML file."""
    if KNOWN_FAILURES_KEY not in config.stash:
        entries = []
        if config.getoption("known_failures") == "on":
            for table in config.hook.pytest_keras_gate_known_failures(config=config):
                entries += list(table)
            name = config.getini("keras_gate_known_failures")
            if name:
                path = Path(config.inipath).parent / name if config.inipath else Path(name)
                try:
                    entries += load_known_failures(path)
                except KnownFailuresFileError as error:
                    raise pytest.UsageError(f"keras_gate_known_failures: {error}") from None
        config.stash[KNOWN_FAILURES_KEY] = tuple(entries)
    return config.stash[KNOWN_FAILURES_KEY]


def _project_cases(config) -> list:
    if PROJECT_CASES_KEY not in config.stash:
        found = []
        for cases in config.hook.pytest_keras_gate_cases(config=config):
            found += list(cases)
        config.stash[PROJECT_CASES_KEY] = found
    return config.stash[PROJECT_CASES_KEY]


PROJECT_CASES_KEY = pytest.StashKey[list]()


def pytest_generate_tests(metafunc):
    config = metafunc.config
    if "artifact" in metafunc.fixturenames:
        found = config.stash[ARTIFACTS_KEY]
        metafunc.parametrize("artifact", found, ids=[a.id for a in found])
    for check in CHECKS:
        argname = f"{check}_case"
        if argname not in metafunc.fixturenames:
            continue
        from_ini = isinstance(metafunc.definition.parent, ConfigMatrix)
        cases = entry_cases(config) if from_ini else _project_cases(config)
        table, version, backend = _known_failures(config), keras_version(), keras_backend()
        params = [
            case_param(_with_known_failures(case, table, version, backend), backend)
            for case in cases
            if case.check == check
        ]
        metafunc.parametrize(argname, params)


def pytest_collection_modifyitems(session, config, items):
    check_marker_expression(config, config.stash[MARKERS_KEY])
    if not config.getoption("load_artifacts"):
        # Artifact checks exist only with --load-artifacts: deselect, don't skip.
        idle = [item for item in items if "artifact" in getattr(item, "fixturenames", ())]
        if idle:
            config.hook.pytest_deselected(items=idle)
            items[:] = [item for item in items if item not in idle]
    for item in items:
        remember_case(item)
    order_cases(items)


def pytest_sessionfinish(session, exitstatus):
    summary = session.config.stash.get(SUMMARY_KEY, None)
    if summary and summary.outcomes.nothing_ran and exitstatus == 0:
        # A gate whose every case was skipped proved nothing: it must not pass.
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_report_header(config):
    versions = ", ".join(f"{k} {v}" for k, v in stack_versions().items())
    lines = [f"keras gate: {versions}"]
    entries = config.stash.get(ENTRIES_KEY, [])
    if entries:
        lines.append(f"keras gate: models from keras_gate_models: {len(entries)}")
    return lines


def pytest_runtest_teardown(item, nextitem):
    # Drop a model as soon as its last case is done, so a worker's memory does
    # not hold a finished model while the next one is built.
    case, following = case_of(item), case_of(nextitem) if nextitem else None
    holder = item.config.stash.get(HOLDER_KEY, None)
    if case and holder and (following is None or following.build_key != case.build_key):
        holder.release()


HOLDER_KEY = pytest.StashKey["CurrentModel"]()


class _Reclaimer:
    """Frees a released model once pytest has dropped the case's fixture values too."""

    def __init__(self, holder):
        self.holder = holder

    def pytest_runtest_logfinish(self, nodeid, location):
        self.holder.reclaim()


@pytest.fixture(scope="session")
def current_model(pytestconfig):
    """This process's one built model; a case of another model drops the previous one."""
    from keras_gate.lifecycle import CurrentModel

    holder = CurrentModel()
    pytestconfig.stash[HOLDER_KEY] = holder
    reclaimer = _Reclaimer(holder)
    pytestconfig.pluginmanager.register(reclaimer)
    yield holder
    pytestconfig.pluginmanager.unregister(reclaimer)
    holder.release()
    holder.reclaim()


@pytest.fixture
def gate_subject(request, current_model, record_property, device):
    """The built model of this case (a :class:`keras_gate.Subject`), shared by its cases.

    Fails the case if it left Keras's global dtype policy changed (and restores it).
    """
    case = case_of(request.node)
    record_property("device", device)
    subject = current_model.get(case)
    record_property("weight_source", subject.weight_source)
    record_property("weights_file", subject.weights_file)
    if not subject.settings.safe_mode:
        record_property("safe_mode", False)
    yield subject
    _check_global_policy_restored()


def _check_global_policy_restored() -> None:
    import keras

    policy = keras.mixed_precision.global_policy().name
    if policy != "float32":
        keras.mixed_precision.set_global_policy("float32")
        pytest.fail(f"the case left Keras's global dtype policy at {policy!r} (now restored)")


@pytest.fixture(scope="session")
def artifact_target(pytestconfig) -> Path | None:
    """``--save-artifacts`` directory, or None."""
    target = pytestconfig.getoption("save_artifacts")
    return Path(target).expanduser() if target else None


@pytest.fixture(scope="session")
def device(pytestconfig) -> str:
    """This process's device: ``cpu`` or ``gpu:<id>`` (see ``--workers-per-gpu``)."""
    assignment = pytestconfig.stash.get(DEVICE_KEY, None)
    return assignment.device if assignment else "cpu"


@pytest.fixture
def tolerance(request, device) -> Tolerance:
    """Prediction tolerance of this case: the model's own, else the ``TOLERANCES`` row
    of its compute dtype on this process's device."""
    case = case_of(request.node)
    if case is not None and case.model.settings.tolerance is not None:
        return case.model.settings.tolerance
    dtype = case.variant.compute_dtype if case else "float32"
    return tolerance_for(dtype, device.split(":")[0])


@pytest.fixture
def keras_roundtrip(tmp_path_factory, device):
    """Round-trip a model inside any test: ``keras_roundtrip(model, inputs=None,
    formats=None, custom_objects=None)``.

    Saves and reloads (or copies) ``model`` through each format (default: the core
    formats), raises :class:`keras_gate.PredictionMismatch` /
    :class:`keras_gate.StateMismatch` (with localisation) or
    :class:`keras_gate.RoundTripError` on the first that fails, and returns
    ``{format: RoundTripResult}``.
    """
    from keras_gate.roundtrip_fixture import round_trip_model

    def run(model, inputs=None, formats=None, custom_objects=None, tolerance=None):
        return round_trip_model(
            model,
            tmp_path_factory.mktemp("keras_roundtrip"),
            inputs=inputs,
            formats=formats,
            custom_objects=custom_objects,
            tolerance=tolerance or tolerance_for("float32", device.split(":")[0]),
        )

    return run


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    summary = config.stash.get(SUMMARY_KEY, None)
    if summary is not None:
        summary.write_summary(terminalreporter, config.getoption("roundtrip_report"))
    names = [entry.name for entry in config.stash.get(ENTRIES_KEY, [])]
    for found in config.hook.pytest_keras_gate_model_names(config=config):
        names += list(found)
    message = keyword_selection_message(config, exitstatus, names)
    if message:
        terminalreporter.section("keras gate: nothing selected", yellow=True)
        terminalreporter.write_line(message)
