"""pytest plugin of the Keras serialization gate: options, hooks and fixtures only.

Registered through the ``pytest11`` entry point ``keras_gate``. Nothing here
imports Keras or TensorFlow at module level: the xdist controller never
builds a model, and each worker pins its device before TensorFlow loads.
The work lives in the packages named for it: ``engine`` (formats, round trip,
checks), ``collect`` (cases, sources, selection, one built model per worker),
``report`` (the case record, summary, files, baselines, reproducers),
``distribute`` (xdist groups, shards, devices); ``gate_tests`` holds the test
functions.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from keras_gate import hookspecs
from keras_gate._version import __version__
from keras_gate.collect.cases import (
    CASE_KINDS,
    case_of,
    case_param,
    fixture_case,
    is_gate_item,
    known_failure_table,
    known_failures_file,
    project_cases,
    remember_case,
    with_known_failures,
)
from keras_gate.collect.extensions import register_extensions, unregister_extensions
from keras_gate.collect.lifecycle import restore_global_policy
from keras_gate.collect.selection import (
    check_marker_expression,
    gate_markers,
    keyword_selection_message,
)
from keras_gate.collect.sources.entries import EntryError, parse_entries
from keras_gate.collect.sources.ini_matrix import (
    ENTRIES_KEY,
    FORMATS_OPTION_KEY,
    ConfigMatrix,
    collect_ini_file_with_testpaths,
    entry_cases,
    formats_option,
)
from keras_gate.distribute.devices import pin_process
from keras_gate.distribute.progress import report_progress
from keras_gate.distribute.scheduling import (
    CaseOrder,
    group_cases_by_model,
    plain_nodeid,
    plain_report_ids,
    tell_worker,
)
from keras_gate.distribute.sharding import SHARD_KEY, receive_plan, send_plan, take_over_split
from keras_gate.engine.runtime.notices import WARNING_FILTERS, silence_keras_notices
from keras_gate.engine.runtime.startup_lines import hold_startup_lines
from keras_gate.engine.runtime.versions import (
    keras_backend,
    keras_version,
    stack_versions,
    unsupported_keras,
)
from keras_gate.engine.tolerances import Tolerance, tolerance_for
from keras_gate.report.artifacts import artifacts_to_load
from keras_gate.report.longrepr import concise_longrepr
from keras_gate.report.record import (
    DETAIL_ATTRIBUTE,
    XPASS_STRICT_PROPERTY,
    failure_detail,
    failure_properties,
    figure_properties,
)
from keras_gate.report.repro import reproducer_property
from keras_gate.report.summary import SummaryCollector, SummaryOptions
from keras_gate.report.verdicts import CHANGES


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
        "--memory-guard",
        choices=("on", "off"),
        default="on",
        help="'on': a case whose format is measured to need more memory than the machine "
        "has free skips, with both figures, where the kernel would kill its worker; "
        "'off': run it anyway (default: on).",
    )
    group.addoption(
        "--verify-inference",
        action="store_true",
        default=False,
        help="once per built model, prove the gate's predictions equal "
        "model(x, training=False) bit for bit; where they do not, use Keras's own call "
        "for that model and its reloads (named in the report). Costs one more forward "
        "pass per model.",
    )
    group.addoption(
        "--formats",
        metavar="NAMES",
        default=None,
        help="config matrix: round-trip every keras_gate_models entry through these "
        "comma-separated formats instead of its own (e.g. onnx,litert,openvino to gate "
        "what you deploy without editing factories).",
    )
    group.addoption(
        "--roundtrip-report",
        metavar="PATH",
        default=None,
        help="also write the round-trip report as PATH.json, PATH.md and PATH.html "
        "(Markdown ready to append to a CI step summary; HTML: one self-contained page).",
    )
    group.addoption(
        "--save-verdicts",
        metavar="PATH",
        default=None,
        help="write every gate case's verdict, symptom, known-failure entries and figures, "
        "with the stack versions, to PATH (JSON): a baseline for --compare-verdicts.",
    )
    group.addoption(
        "--compare-verdicts",
        metavar="PATH",
        default=None,
        help="classify every gate case against the baseline at PATH "
        f"({', '.join(CHANGES)}) and print the table.",
    )
    group.addoption(
        "--fail-on",
        choices=("new", "any", "none"),
        default=None,
        help="what fails the run among the gate cases that have a baseline entry: 'new' = "
        "only a new failure against --compare-verdicts (the default when comparing), "
        "'any' = any failing case (the default otherwise), 'none' = no gate case's verdict "
        "(to record a --save-verdicts baseline on a release with known defects). Every "
        "other failure or error (plain tests, collection errors, failing cases new since "
        "the baseline) fails the run as pytest would.",
    )
    group.addoption(
        "--repro-dir",
        metavar="DIR",
        default=None,
        help="write DIR/<case id>-<check>.py for every failing case (known failures "
        "included): a standalone reproducer that needs only Keras, NumPy and the backend, "
        "exits 1 if the defect reproduces and 0 if not.",
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
        "without it that test is not collected.",
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


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # Before any conftest can import Keras: TensorFlow's start-up lines once per run.
    hold_startup_lines()


def pytest_configure(config):
    hold_startup_lines()  # where the plugin came too late for the hook above
    unsupported = unsupported_keras()
    if unsupported:
        raise pytest.UsageError(f"keras gate: {unsupported}")
    for line in WARNING_FILTERS:
        config.addinivalue_line("filterwarnings", line)
    silence_keras_notices()
    try:
        # Before the markers: a project's formats are markers too.
        config.stash[EXTENSIONS_KEY] = register_extensions(config)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    chosen = formats_option(config)
    if chosen is not None:
        config.stash[FORMATS_OPTION_KEY] = chosen
    try:
        root = Path(config.inipath).parent if config.inipath else Path(config.rootpath)
        config.stash[ENTRIES_KEY] = parse_entries(config.getini("keras_gate_models"), root)
    except EntryError as error:
        raise pytest.UsageError(str(error)) from None
    known_failures_file(config)  # a bad file: one line naming it, before any collection
    config.stash[MARKERS_KEY] = gate_markers(config, config.stash[ENTRIES_KEY])
    for name, text in config.stash[MARKERS_KEY].items():
        config.addinivalue_line("markers", f"{name}: {text}")
    if _is_xdist_controller(config) and not config.stash[ENTRIES_KEY]:
        # The controller collects nothing; a usage error in a worker would crash it.
        # (With keras_gate_models, a factory's own markers are known only in workers.)
        check_marker_expression(config, config.stash[MARKERS_KEY])
    config.stash[DEVICE_KEY] = pin_process(config)
    group_cases_by_model(config)
    plain_report_ids(config)
    report_progress(config)
    config.stash[ARTIFACTS_KEY] = artifacts_to_load(config.getoption("load_artifacts"))
    config.stash[SUMMARY_KEY] = SummaryCollector(SummaryOptions.from_config(config))
    config.pluginmanager.register(config.stash[SUMMARY_KEY], "keras_gate_summary")
    config.pluginmanager.register(CaseOrder(), "keras_gate_case_order")
    collect_ini_file_with_testpaths(config)


def _is_xdist_controller(config) -> bool:
    return not hasattr(config, "workerinput") and bool(
        config.getoption("numprocesses", default=None)
    )


MARKERS_KEY = pytest.StashKey[dict]()
EXTENSIONS_KEY = pytest.StashKey[object]()
SUMMARY_KEY = pytest.StashKey[SummaryCollector]()
ARTIFACTS_KEY = pytest.StashKey[list]()
DEVICE_KEY = pytest.StashKey[object]()


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node):
    tell_worker(node.config, node)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist=loadgroup`` (the gate's default under ``-n``) as xdist's, except that a
    run whose worker crashed still ends (``distribute/crash_safe.py``)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from keras_gate.distribute.crash_safe import CrashSafeLoadGroupScheduling

    return CrashSafeLoadGroupScheduling(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    receive_plan(node.config, node)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session):
    # After every plugin's pytest_configure: pytest-split registers its selection there.
    config = session.config
    workerinput = getattr(config, "workerinput", None)
    announce = None
    if workerinput is not None and workerinput.get("workerid") == "gw0":
        from keras_gate.collect.lifecycle import worker_announcer

        announce = worker_announcer(config)  # one worker says it for all
    take_over_split(config, announce)


def pytest_collect_file(file_path, parent):
    config = parent.config
    if config.stash.get(ENTRIES_KEY, None) and config.inipath and file_path == config.inipath:
        return ConfigMatrix.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):
    # Artifact checks exist only with --load-artifacts: not collected at all, so a run
    # without it has no "1 deselected" to explain.
    if not (name.startswith("test") and inspect.isfunction(obj)):
        return None
    wants = inspect.signature(obj).parameters
    if "artifact" in wants and not collector.config.getoption("load_artifacts"):
        return []
    # A kind of case the selection has none of (the oracle under --scenarios=deploy): no
    # "got empty parameter set" skip either.
    kinds = [kind for kind in CASE_KINDS if f"{kind}_case" in wants]
    if kinds:
        config = collector.config
        cases = (
            entry_cases(config) if isinstance(collector, ConfigMatrix) else project_cases(config)
        )
        if not any(case.check in kinds for case in cases):
            return []
    return None


def pytest_generate_tests(metafunc):
    config = metafunc.config
    if "artifact" in metafunc.fixturenames:
        found = config.stash[ARTIFACTS_KEY]
        metafunc.parametrize("artifact", found, ids=[a.id for a in found])
    for kind in CASE_KINDS:
        argname = f"{kind}_case"
        if argname not in metafunc.fixturenames:
            continue
        from_ini = isinstance(metafunc.definition.parent, ConfigMatrix)
        cases = entry_cases(config) if from_ini else project_cases(config)
        table, version, backend = known_failure_table(config), keras_version(), keras_backend()
        params = [
            case_param(with_known_failures(case, table, version, backend), backend)
            for case in cases
            if case.check == kind
        ]
        metafunc.parametrize(argname, params)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    # Before pytest's own -m filter: a model named in its constructor's spelling
    # gets the marker suggested, not pytest's bare "unknown marker".
    check_marker_expression(config, config.stash[MARKERS_KEY])
    for item in items:
        remember_case(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.excinfo is not None and getattr(call.excinfo.value, "keras_gate_entry", False):
        # Where pytest shows whole messages (CI, -vv) the summary would repeat the
        # project's traceback: the failure section above has it.
        crash = getattr(report.longrepr, "reprcrash", None)
        if crash is not None:
            crash.message = crash.message.splitlines()[0]
    case = case_of(item)
    if case is not None and call.when == "call" and call.excinfo is None and report.failed:
        # Nothing raised, yet the call failed: a strict xfail that passed.
        report.user_properties.append(XPASS_STRICT_PROPERTY)
    if (
        call.excinfo is None
        or not is_gate_item(item)
        or call.excinfo.errisinstance(pytest.skip.Exception)
    ):
        return report
    report.user_properties.extend(failure_properties(call.excinfo.value))
    setattr(report, DETAIL_ATTRIBUTE, failure_detail(call.excinfo.value))
    if report.failed:
        concise = concise_longrepr(call.excinfo, item.config)
        report.longrepr = concise if concise is not None else report.longrepr
    directory = item.config.getoption("repro_dir")
    built = getattr(item, "funcargs", {}).get("built_model")
    if directory and case is not None and built is not None and call.when == "call":
        written = reproducer_property(
            directory, case, built, call.excinfo.value, item, plain_nodeid(item.nodeid)
        )
        report.user_properties.append(written)
        if report.failed and hasattr(report.longrepr, "addsection"):
            report.longrepr.addsection("keras gate", f"{written[0]}: {written[1]}")
    return report


def pytest_unconfigure(config):
    unregister_extensions(config.stash.get(EXTENSIONS_KEY, None))


def pytest_sessionfinish(session, exitstatus):
    send_plan(session.config)
    summary = session.config.stash.get(SUMMARY_KEY, None)
    # Files and the exit status belong to the process that owns the run (not a worker).
    if summary is not None and not hasattr(session.config, "workerinput"):
        summary.finish(session, session.config.stash.get(SHARD_KEY, None))


def pytest_report_header(config):
    versions = ", ".join(f"{k} {v}" for k, v in stack_versions().items())
    lines = [f"keras gate {__version__}: {versions}"]
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


@pytest.fixture(scope="session")
def current_model(pytestconfig):
    """This process's one built model; a case of another model drops the previous one."""
    from keras_gate.collect.lifecycle import CurrentModel, Reclaimer, worker_announcer

    # Under -n the worker's output is not shown: one line per build tells the user
    # what a long silent stretch is (a cold build generates a large model's weights first).
    workerinput = getattr(pytestconfig, "workerinput", None)
    holder = CurrentModel(worker_announcer(pytestconfig) if workerinput else None)
    pytestconfig.stash[HOLDER_KEY] = holder
    reclaimer = Reclaimer(holder)
    pytestconfig.pluginmanager.register(reclaimer)
    yield holder
    pytestconfig.pluginmanager.unregister(reclaimer)
    holder.release()
    holder.reclaim()


@pytest.fixture
def built_model(request, current_model, record_property, device):
    """The built model of this case (a :class:`keras_gate.BuiltModel`), shared by its cases.

    Fails the case if it left Keras's global dtype policy changed (and restores it).
    """
    case = case_of(request.node)
    record_property("device", device)
    try:
        built, problem = current_model.get(case), None
    except EntryError as error:
        # A usage error: its message (and the project's frames, once per entry), not the
        # gate's traceback; raised outside the except block, so without the chain.
        built, problem = None, _entry_problem(error)
    if problem:
        failure = pytest.fail.Exception(problem, pytrace=False)
        failure.keras_gate_entry = True  # a Failed still: reports read "Failed: ..."
        raise failure
    if request.config.getoption("verify_inference"):
        built.verify_inference()
    record_property("inference", built.inference)
    record_property("weight_source", built.weight_source)
    record_property("weights_file", built.weights_file)
    record_property("build_seed", built.build_seed)
    if not built.settings.safe_mode:
        record_property("safe_mode", False)
    yield built
    left = restore_global_policy()
    if left:
        pytest.fail(f"the case left Keras's global dtype policy at {left!r} (now restored)")


def _entry_problem(error: EntryError) -> str:
    """The failure text of a case whose entry is unusable: the project's frames at its
    first case only (the holder re-raises the same error for the entry's other cases)."""
    if error.shown:
        return f"{error} (traceback above, at its first case)" if error.frames else str(error)
    error.shown = True
    return error.report()


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
    """Prediction tolerance of this case: the model's own, else its format's row for its
    compute dtype on this process's device, else that ``TOLERANCES`` row."""
    case = case_of(request.node)
    if case is None:
        return tolerance_for("float32", device.split(":")[0])
    if case.model.settings.tolerance is not None:
        return case.model.settings.tolerance
    dtype, kind = case.variant.compute_dtype, device.split(":")[0]
    return case.format.tolerance(dtype, kind) if case.is_format else tolerance_for(dtype, kind)


@pytest.fixture
def keras_roundtrip(request, tmp_path_factory, device, pytestconfig):
    """Round-trip a model inside any test: ``keras_roundtrip(model, inputs=None,
    formats=None, custom_objects=None, tolerance=None, targets=None)``.

    Saves and reloads (or copies) ``model`` through each format (default: the core
    formats), raises :class:`keras_gate.PredictionMismatch` /
    :class:`keras_gate.StateMismatch` (with localisation) or
    :class:`keras_gate.RoundTripError` on the first that fails, and returns
    ``{format: RoundTripResult}``. A format measured to need more memory than is free
    skips the test, saying so (``--memory-guard``).

    The test is a gate case named by its test id: the end-of-run table, the report
    files, ``--save-verdicts`` and ``--compare-verdicts`` hold it.
    """
    from keras_gate.engine.roundtrip_fixture import round_trip_model

    item = request.node
    fixture_case(item, plain_nodeid(item.nodeid))
    item.user_properties += [("weight_source", "as built"), ("device", device)]
    guard = pytestconfig.getoption("memory_guard") == "on"

    def run(model, inputs=None, formats=None, custom_objects=None, tolerance=None, targets=None):
        return round_trip_model(
            model,
            tmp_path_factory.mktemp("keras_roundtrip"),
            inputs=inputs,
            formats=formats,
            custom_objects=custom_objects,
            tolerance=tolerance or tolerance_for("float32", device.split(":")[0]),
            memory_guard=guard,
            targets=targets,
            record=record,
            note=lambda text: item.user_properties.append(("not_compared", text)),
        )

    def record(name, differences):
        if ("format", name) not in item.user_properties:
            item.user_properties.append(("format", name))
        item.user_properties.extend(figure_properties(differences))

    return run


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    summary = config.stash.get(SUMMARY_KEY, None)
    if summary is not None:
        summary.write_summary(terminalreporter)
    if SHARD_KEY in config.stash:
        terminalreporter.write_line(f"keras gate: {config.stash[SHARD_KEY].line()}")
    names = [entry.name for entry in config.stash.get(ENTRIES_KEY, [])]
    for found in config.hook.pytest_keras_gate_model_names(config=config):
        names += list(found)
    message = keyword_selection_message(config, exitstatus, names)
    if message:
        terminalreporter.section("keras gate: nothing selected", yellow=True)
        terminalreporter.write_line(message)
