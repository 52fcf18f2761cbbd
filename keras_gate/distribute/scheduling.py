"""xdist scheduling: one group per built model, so a worker builds each model once.

Cases carry ``xdist_group`` marks (``matrix``); groups only count under
``--dist=loadgroup``, which the gate makes the default under ``-n`` unless the
user chose a ``--dist`` themselves.
"""

from __future__ import annotations

import re
import shlex

import pytest

from keras_gate.collect.cases import order_cases

GROUPED = "keras_gate_loadgroup"
"""Key in a worker's ``workerinput``: the controller schedules by group."""


def group_cases_by_model(config) -> None:
    """In the xdist controller: ``--dist=loadgroup`` unless the user chose a ``--dist``.

    In a worker: honour the controller's choice (a worker parses the command line
    anew and would not add the group to its node ids otherwise).
    """
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        if workerinput.get(GROUPED):
            config.option.loadgroup = True
        return
    if not getattr(config.option, "numprocesses", None):
        return
    given = [*config.invocation_params.args, *shlex.split(" ".join(config.getini("addopts")))]
    if not any(arg == "-d" or arg.startswith("--dist") for arg in given):
        config.option.dist = "loadgroup"


def tell_worker(config, node) -> None:
    """Pass the controller's scheduling to a worker being set up."""
    node.workerinput[GROUPED] = config.getvalue("dist") == "loadgroup"


_GROUP_SUFFIX = re.compile(r"@[^@\[\]/:]*$")


def plain_nodeid(nodeid: str) -> str:
    """``nodeid`` without xdist's ``@<group>`` suffix."""
    return _GROUP_SUFFIX.sub("", nodeid)


def group_of(nodeid: str) -> str | None:
    """The xdist group a worker's node id ends in (``@<group>``), or None."""
    found = _GROUP_SUFFIX.search(nodeid)
    return found.group(0)[1:] if found else None


class PlainReportIds:
    """In the xdist controller: every report names its test as a run without ``-n`` does.

    The ``@<group>`` suffix is how the controller groups cases
    (:func:`apply_group_suffix`); the reports are what the terminal, JUnit, ``--lf``
    and durations see, and a CI dashboard must see one test, not two, whether or not
    the run used ``-n``. Done as reports arrive (a worker checks its reports' node ids
    against its items); the controller tracks tests by index, not by a report's id.
    """

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_logreport(self, report):
        report.nodeid = plain_nodeid(report.nodeid)
        return (yield)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_collectreport(self, report):
        report.nodeid = plain_nodeid(report.nodeid)
        return (yield)


def plain_report_ids(config) -> None:
    """Register :class:`PlainReportIds` in the xdist controller."""
    if getattr(config, "workerinput", None) is None and getattr(
        config.option, "numprocesses", None
    ):
        config.pluginmanager.register(PlainReportIds(), "keras_gate_plain_report_ids")


def apply_group_suffix(config, items) -> None:
    """In a worker: make sure each grouped case's node id ends in ``@<group>``.

    That suffix is how the xdist controller groups cases. pytest-xdist 3.8 adds it
    by setting ``item._nodeid``; pytest 9 keeps node ids in ``item._id``, so the
    assignment changes nothing and ``--dist=loadgroup`` silently degrades to
    ``load`` (measured: every model built on both workers). Applied here where it
    did not take; a no-op where xdist's own suffix works.
    """
    if getattr(config, "workerinput", None) is None or not config.getvalue("loadgroup"):
        return
    for item in items:
        groups = sorted(
            {
                str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                for mark in item.iter_markers("xdist_group")
            }
        )
        if not groups or "@" in item.nodeid.rsplit("]", 1)[-1] or not hasattr(item, "_id"):
            continue
        from _pytest.nodeid import NodeId  # pytest >= 9 only

        node = item._id
        # The suffix goes in the last name, not the params: a NodeId rebuilt from its
        # parts (a report sent to the controller) must read back the same string.
        params = f"[{node.params}]" if node.params is not None else ""
        last = f"{node.names[-1]}{params}@{'_'.join(groups)}"
        item._id = NodeId(path=node.path, names=(*node.names[:-1], last))


class CaseOrder:
    """After every other plugin has filtered the items: costliest models first, a
    built model's cases adjacent, and each case's xdist group in its node id."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, session, config, items):
        order_cases(items)
        apply_group_suffix(config, items)
