"""The sweep of Keras's classes (``keras_gate.tools.sweep``): a class whose get_config
forgets an argument is found through both paths, one that keeps it is not, and ``--check``
is red on a lost setting no entry knows and on an entry whose setting is kept now."""

import pytest

from keras_gate.tools import sweep

keras = pytest.importorskip("keras")


class Scaled(keras.layers.Layer):
    def __init__(self, factor=1.0, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.factor, self.offset = factor, offset

    def get_config(self):
        return {**super().get_config(), "offset": self.offset}  # forgets factor


def test_a_forgotten_argument_is_found_through_both_paths(monkeypatch):
    monkeypatch.setitem(keras.saving.get_custom_objects(), "Scaled", Scaled)
    findings, counts = sweep.sweep_class("layers", Scaled)
    lost = {(f.argument, f.path, f.attribute, f.before, f.after) for f in findings}
    assert lost == {
        ("factor", "from_config", "factor", 0.5, 1.0),
        ("factor", "serialize", "factor", 0.5, 1.0),
    }
    assert counts["arguments"] >= 2  # offset varied too, and kept


def _result(version, *lost, swept=("layers.RandomContrast", "losses.Huber")):
    findings = [{"family": f, "cls": c, "argument": a} for f, c, a in lost]
    return {"keras": version, "findings": findings, "swept": list(swept)}


def test_check_knows_the_data_format_loss_up_to_3_14_1_only():
    lost = ("layers", "RandomContrast", "data_format")
    huber = ("losses", "Huber", "delta")
    assert sweep.check(_result("3.14.1", lost, huber)) == []
    # the same loss where its entry says it is fixed: a new regression
    assert sweep.check(_result("3.15.1", lost, huber)) == [
        "new: layers.RandomContrast(data_format=...) is lost on keras 3.15.1"
    ]
    # an entry that no longer holds (Huber kept on a release inside its range): red too
    (problem,) = sweep.check(_result("3.15.1"))
    assert problem.startswith("kept: losses.Huber(delta=...) is no longer lost on keras 3.15.1")


def test_a_reproducer_is_plain_keras_and_exits_1_while_lost(tmp_path, monkeypatch):
    result = {
        "findings": [
            {
                "family": "losses",
                "cls": "Huber",
                "argument": "delta",
                "value": 0.5,
                "path": "from_config",
                "attribute": "delta",
            }
        ]
    }
    (script,) = sweep.write_reproducers(result, tmp_path)
    text = script.read_text()
    assert "keras_gate" not in text.replace("keras_gate.tools.sweep", "")
    namespace = {"__name__": "__main__"}
    with pytest.raises(SystemExit) as exit_status:
        exec(compile(text, str(script), "exec"), namespace)
    revived = keras.losses.Huber.from_config(keras.losses.Huber(delta=0.5).get_config())
    lost_here = revived._fn_kwargs.get("delta") != 0.5
    assert exit_status.value.code == (1 if lost_here else 0)


def test_the_published_table_is_what_the_records_give():
    import json
    from pathlib import Path

    root = Path(__file__).parents[2]
    records = root / "benchmarks" / "records" / "sweep"
    order = [*(f"sweep-3.{minor}" for minor in ("10.0", "11.3", "12.4", "13.2")), "sweep-3.14.0"]
    order += ["sweep-3.14.1", "sweep-3.15.0", "sweep-3.15.1", "sweep-nightly"]
    results = [json.loads((records / f"{name}.json").read_text()) for name in order]
    page = (root / "docs" / "sweep.md").read_text()
    block = page.split("<!-- sweep:table -->\n")[1].split("<!-- /sweep:table -->")[0]
    assert block == sweep.table(results)
    # PR #23023's data_format: lost up to 3.14.1, kept from 3.15.0
    row = next(line for line in block.splitlines() if "`RandomContrast` | `data_format`" in line)
    cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
    assert cells[-9:] == ["lost"] * 6 + ["", "", ""]  # 3.10.0 ... 3.14.1; 3.15.0, 3.15.1, nightly


class Hidden(keras.layers.Layer):
    """Keeps its argument under a private name, which no settings comparison can see, and
    forgets it in get_config: only what the layer computes shows the loss."""

    def __init__(self, gain=1.0, **kwargs):
        super().__init__(**kwargs)
        self._gain = gain

    def call(self, x):
        return x * self._gain

    def get_config(self):
        config = super().get_config()  # Keras's own capture of the constructor's arguments
        config.pop("gain", None)
        return config


def test_a_loss_only_behaviour_shows_is_found_inside_a_model(monkeypatch):
    from keras_gate.tools import sweep_models

    monkeypatch.setitem(keras.saving.get_custom_objects(), "Hidden", Hidden)
    findings, counts = sweep.sweep_class("layers", Hidden)
    assert findings == [] and counts["unobservable"] == 1  # the first stage cannot see it
    rows, counts = sweep_models.sweep_class_in_models("layers", Hidden, [("gain", 2.0)], {})
    seen = {(r["argument"], r["format"], r["check"]) for r in rows}
    assert {("gain", "keras_v3", "predictions"), ("gain", "h5", "predictions")} <= seen
    assert all(r["argument"] == "gain" and r["known"] == [] for r in rows)
    assert counts["judged"] == 2
    placed = [{"family": "layers", "cls": "Hidden", **row} for row in rows]
    result = {"keras": "3.15.1", "findings": [], "swept": [], "in_models": {"findings": placed}}
    assert any(p.startswith("new in a model: layers.Hidden(gain=2.0)") for p in sweep.check(result))


def test_the_published_in_models_table_is_what_the_records_give():
    import json
    from pathlib import Path

    root = Path(__file__).parents[2]
    records = root / "benchmarks" / "records" / "sweep"
    order = ["3.10.0", "3.11.3", "3.12.4", "3.13.2", "3.14.0", "3.14.1", "3.15.0", "3.15.1"]
    paths = [records / f"in-models-{name}.json" for name in [*order, "nightly"]]
    results = [json.loads(path.read_text()) for path in paths]
    page = (root / "docs" / "sweep.md").read_text()
    block = page.split("<!-- sweep:in-models -->\n")[1].split("<!-- /sweep:in-models -->")[0]
    assert block == sweep.in_models_table(results)
    # Every finding on every release is explained by a built-in entry.
    unexplained = [sum(not f["known"] for f in r["in_models"]["findings"]) for r in results]
    assert unexplained == [0] * len(results)
