"""Upstream knowledge ships with the plugin: a user's model that meets a known Keras
defect is a strict expected failure naming the defect and the way out, on its first run;
the way out is shown to pass; a project's own entries win; ``--known-failures=off`` runs
raw."""

import json

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from user_project import run_project

from keras_gate.engine import upstream
from keras_gate.engine.runtime.versions import keras_version

keras = pytest.importorskip("keras")

MODELS = """
import keras
import numpy as np


def text_model():
    tokens = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(50, 8, mask_zero=True)(tokens)
    x = keras.layers.LSTM(4)(x)
    return keras.Model(tokens, keras.layers.Dense(2)(x))


def trained_adam():
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Dense(8)(inputs)))
    model.compile(optimizer="adam", loss=keras.losses.MeanSquaredError())
    rows = np.random.RandomState(0).uniform(size=(8, 4)).astype("float32")
    model.fit(rows, rows[:, :2], verbose=0)
    return model


def plain_dense():
    inputs = keras.Input((4,))
    return keras.Model(inputs, keras.layers.Dense(2)(inputs))
"""

NOT_EQUAL_FIXED = Version(keras_version()) >= Version("3.16.0.dev0")


def _cases(tmp_path, *args, models=("text_model", "trained_adam", "plain_dense"), source=MODELS):
    ran = run_project(tmp_path, source, list(models), "-q", "-rx", "--roundtrip-report=r", *args)
    cases = json.loads((tmp_path / "r.json").read_text())["cases"]
    return ran, {(c["model"], c["subject"]): c for c in cases}


@pytest.mark.skipif(NOT_EQUAL_FIXED, reason="the NotEqual defect is fixed on this Keras")
def test_a_fresh_project_meets_known_defects_as_named_xfails(tmp_path):
    ran, cases = _cases(tmp_path)
    assert ran.returncode == 0, ran.stdout[-3000:]
    text = cases[("text_model", "h5")]
    assert text["verdict"] == "xfail"
    assert text["known_failures"] == ["h5-mask-op-layers-unknown"]
    assert "known [h5-mask-op-layers-unknown]: load: h5: load failed" in " ".join(
        ran.stdout.split()
    )
    # pytest's own xfail line (-rx) gives the defect's reason and the way out.
    assert "Way out: save as .keras" in ran.stdout
    trained = cases[("trained_adam", "h5")]
    assert trained["verdict"] == "xfail"
    assert set(trained["shown"]) == {
        "h5-save-edits-compile-config",
        "h5-optimizer-slots-lost",
        "h5-next-step-unknown-variable",
    }
    # The way out each names holds: the same models pass through .keras.
    assert cases[("text_model", "keras_v3")]["verdict"] == "pass"
    assert cases[("trained_adam", "keras_v3")]["verdict"] == "pass"
    assert cases[("plain_dense", "h5")]["known_failures"] == []  # no trigger: judged raw


@pytest.mark.skipif(NOT_EQUAL_FIXED, reason="the NotEqual defect is fixed on this Keras")
def test_known_failures_off_runs_raw(tmp_path):
    ran, cases = _cases(tmp_path, "--known-failures=off", models=("text_model",))
    assert ran.returncode == 1
    assert cases[("text_model", "h5")]["verdict"] == "FAIL"
    assert "Unknown layer: 'NotEqual'" in ran.stdout


@pytest.mark.skipif(NOT_EQUAL_FIXED, reason="the NotEqual defect is fixed on this Keras")
def test_a_projects_own_entry_wins(tmp_path):
    (tmp_path / "known.toml").write_text(
        '[[known_failure]]\nid = "ours"\nmodels = "text_model"\nformat = "h5"\n'
        'keras = ">=3.0"\nerror = "ValueError"\nmatch = "NotEqual"\nexplains = "load: *"\n'
        'reason = "our own note"\n'
    )
    run_project(
        tmp_path,
        MODELS,
        ["text_model"],
        "-q",
        "--roundtrip-report=r",
        extra_ini="keras_gate_known_failures = known.toml\n",
    )
    cases = json.loads((tmp_path / "r.json").read_text())["cases"]
    h5 = next(c for c in cases if c["subject"] == "h5")
    assert h5["known_failures"] == ["ours"]


def test_an_entry_that_no_longer_shows_fails_strictly(tmp_path, monkeypatch):
    always = upstream.UpstreamFailure(
        upstream._h5_entry(
            id="never-happens",
            keras=">=3.0",
            error="ValueError",
            match="nothing like this",
            reason="a defect this model does not have",
        ),
        lambda model: upstream.Met("every model"),
        "none needed",
    )
    monkeypatch.setattr(upstream, "UPSTREAM", (always,))
    ran, cases = _cases(tmp_path, models=("plain_dense",))
    assert ran.returncode == 1
    assert cases[("plain_dense", "h5")]["verdict"] == "XPASS(strict)"
    assert "never-happens did not show" in ran.stdout


def test_triggers_read_the_model():
    tokens = keras.Input((6,), dtype="int32")
    x = keras.layers.Embedding(50, 8, mask_zero=True)(tokens)
    masked = keras.Model(tokens, keras.layers.LSTM(4)(x))
    assert upstream.op_nodes(masked) == ["NotEqual"]
    inputs = keras.Input((4,))
    plain = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    assert upstream.op_nodes(plain) == []
    assert upstream.upstream_failures(plain, "h5", "3.15.1", "tensorflow") == ()
    ids = [e.id for e in upstream.upstream_failures(masked, "h5", "3.15.1", "tensorflow")]
    assert ids == ["h5-mask-op-layers-unknown"]
    assert upstream.upstream_failures(masked, "keras_v3", "3.15.1", "tensorflow") == ()


def test_an_operation_named_like_a_layer_is_no_trigger(tmp_path):
    # keras.ops.concatenate makes a Concatenate node, which legacy .h5 loads as the
    # layer of that name: a strict entry for it would be an XPASS on a sound model.
    import os

    a, b = keras.Input((4,)), keras.Input((4,))
    model = keras.Model([a, b], keras.layers.Dense(2)(keras.ops.concatenate([a, b], axis=-1)))
    assert upstream.op_nodes(model) == ["Concatenate"]
    assert upstream.upstream_failures(model, "h5", "3.15.1", "tensorflow") == ()
    path = os.path.join(tmp_path, "m.h5")
    model.save(path)
    keras.models.load_model(path)  # ... and it does load
    # An operation no layer is named like is one, its symptom narrowed to it.
    mixed = keras.Model([a, b], keras.ops.abs(keras.ops.transpose(a - b)))
    (entry,) = upstream.upstream_failures(mixed, "h5", "3.15.1", "tensorflow")
    assert entry.match == "Unknown layer: '(Absolute|Transpose)'"


@pytest.mark.parametrize(
    ("loss", "triggered"),
    [("mse", True), ("MAE", True), ("categorical_crossentropy", False), ("huber", False)],
)
def test_only_the_loss_aliases_h5_cannot_read_are_a_trigger(loss, triggered):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(inputs))
    model.compile(optimizer="adam", loss=loss)
    ids = {e.id for e in upstream.upstream_failures(model, "h5", "3.15.1", "tensorflow")}
    assert ("h5-loss-string-metric" in ids) is triggered


def test_an_entry_whose_checks_did_not_compare_cannot_be_an_xpass():
    from keras_gate.gate_tests import _could_show

    (step,) = [u.entry for u in upstream.UPSTREAM if u.entry.id == "h5-next-step-unknown-variable"]
    (load,) = [u.entry for u in upstream.UPSTREAM if u.entry.id == "h5-mask-op-layers-unknown"]
    idle = ["training step: not compared: no targets (a CTC loss)"]
    assert _could_show([step, load], idle) == [load]
    assert _could_show([step], []) == [step]


LOST = """
import keras


@keras.saving.register_keras_serializable(package="user")
class Huber(keras.losses.Huber):
    # The way out: a subclass whose config writes what Keras's leaves out.
    def __init__(self, delta=1.0, **kwargs):
        super().__init__(delta=delta, **kwargs)
        self.delta = delta

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


def regressor(loss):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss=loss)
    return model


def huber_delta():
    return regressor(keras.losses.Huber(delta=2.0))


def huber_default():
    return regressor(keras.losses.Huber())


def huber_written():
    return regressor(Huber(delta=2.0))
"""

HUBER = next(lost for lost in upstream.LOST_SETTINGS if lost.id == "huber-delta")
HUBER_LOST = Version(keras_version()) in SpecifierSet(HUBER.keras, prereleases=True)


@pytest.mark.skipif(not HUBER_LOST, reason="Huber's delta survives its config on this Keras")
def test_a_lost_setting_of_the_sweep_is_a_named_xfail_and_its_way_out_passes(tmp_path):
    models = ("huber_delta", "huber_default", "huber_written")
    ran, cases = _cases(tmp_path, "--formats=keras_v3,clone", models=models, source=LOST)
    assert ran.returncode == 0, ran.stdout[-3000:]
    for fmt in ("keras_v3", "clone"):
        lost = cases[("huber_delta", fmt)]
        assert (lost["verdict"], lost["known_failures"]) == ("xfail", ["lost-setting-huber-delta"])
        assert cases[("huber_default", fmt)]["verdict"] == "pass"  # no trigger at the default
        assert cases[("huber_written", fmt)]["verdict"] == "pass"  # the way out holds
    assert "this model has loss.delta (Huber) set away from what its config rebuilds" in (
        " ".join(ran.stdout.split())
    )
    assert "docs/reproducers/sweep/losses_Huber_delta.py" in ran.stdout
    off = run_project(
        tmp_path, LOST, ["huber_delta"], "-q", "--formats=keras_v3", "--known-failures=off"
    )
    assert off.returncode == 1
    assert "settings: loss.delta: 2.0 -> 1.0" in off.stdout


def test_a_setting_its_config_writes_wrongly_explains_the_configs_difference_too():
    # AugMix's get_config() swapped num_chains and chain_depth (3.10.0 ... 3.13.2): the
    # reload's config then differs from the original's in exactly those arguments.
    from keras_gate.engine.checks.protocol import Finding

    (swapped,) = [
        u.entry for u in upstream.UPSTREAM if u.entry.id.endswith("augmix-chains-swapped")
    ]
    for argument in ("chain_depth", "num_chains"):
        assert swapped.explains_finding(
            Finding("configs", f"layer aug_mix_12 (AugMix): {argument}: 4 -> 3")
        )
    assert not swapped.explains_finding(
        Finding("configs", "layer aug_mix_12 (AugMix): seed: 1 -> 2")
    )
    assert not swapped.explains_finding(
        Finding("configs", "layer dense (Dense): num_chains: 4 -> 3")
    )


@pytest.mark.parametrize(
    ("release", "named"), [("3.13.2", True), ("3.14.0", False), ("3.15.1", False)]
)
def test_muon_is_unreadable_from_h5_only_where_keras_could_not_read_it(monkeypatch, release, named):
    # docs/reproducers/corpus/h5_compile_objects.py muon: exit 1 on 3.10.0 ... 3.13.2.
    from keras_gate.engine.runtime import versions

    monkeypatch.setattr(versions, "keras_version", lambda: release)
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    model.compile(optimizer=keras.optimizers.Muon(), loss="mse")
    found = upstream.upstream_failures(model, "h5", release, "tensorflow")
    assert ("h5-compile-object-unknown" in [e.id for e in found]) is named


def test_a_lost_setting_triggers_where_the_object_s_own_config_loses_it():
    inputs = keras.Input((4,))
    kernel = keras.initializers.Identity(gain=2.0)
    dense = keras.layers.Dense(4, kernel_initializer=kernel, name="dense")  # not a counter's
    model = keras.Model(inputs, dense(inputs))
    lost = upstream.upstream_failures(model, "clone", "3.15.1", "tensorflow")
    rebuilt = type(kernel).from_config(kernel.get_config())
    if getattr(rebuilt, "gain", 1.0) == 2.0:  # a Keras that writes gain: no trigger
        assert lost == ()
    else:
        (entry,) = lost
        assert entry.id == "lost-setting-identity-gain"
        assert entry.match == r"settings: (dense\.kernel_initializer\.gain): "
    # A setting its config keeps is no trigger, whatever the release range says.
    images = keras.Input((3, 8, 8))
    kept = keras.layers.RandomContrast(0.5, data_format="channels_first")
    layer = type(kept).from_config(kept.get_config())
    contrast = keras.Model(images, kept(images))
    found = upstream.upstream_failures(contrast, "keras_v3", "3.14.1", "tensorflow")
    assert bool(found) is (layer.data_format != "channels_first")


FOUND_INSIDE_MODELS = """
import keras


def _dense(**compile_args):
    inputs = keras.Input((4,))
    model = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    if compile_args:
        model.compile(loss=keras.losses.MeanSquaredError(), **compile_args)
    return model


def schedule_free():
    return _dense(optimizer=keras.optimizers.ScheduleFreeAdamW())


def schedule_free_built():
    model = schedule_free()
    model.optimizer.build(model.trainable_variables)  # the way out
    return model


def brightness():
    images = keras.Input((8, 8, 3))
    return keras.Model(images, keras.layers.RandomBrightness(0.2)(images))
"""


@pytest.mark.skipif(
    not hasattr(keras.optimizers, "ScheduleFreeAdamW"), reason="no ScheduleFreeAdamW here"
)
def test_defects_the_sweep_found_inside_models_are_named_and_their_way_out_passes(tmp_path):
    models = ("schedule_free", "schedule_free_built", "brightness")
    ran, cases = _cases(
        tmp_path, "--formats=keras_v3,h5", models=models, source=FOUND_INSIDE_MODELS
    )
    stale = cases[("schedule_free", "keras_v3")]
    assert stale["known_failures"] == ["keras-v3-schedule-free-stale-slot"], ran.stdout[-3000:]
    assert stale["verdict"] == "xfail"
    assert cases[("schedule_free_built", "keras_v3")]["verdict"] == "pass"
    assert cases[("brightness", "h5")]["known_failures"] == ["h5-image-layer-save-pickle"]
    assert cases[("brightness", "keras_v3")]["verdict"] == "pass"  # the way out
    assert ran.returncode == 0, ran.stdout[-3000:]


def test_a_backend_s_exporter_gap_applies_on_that_backend_only():
    images = keras.Input((8, 8, 3))
    pooled = keras.Model(images, keras.layers.MaxPooling2D()(images))
    on_jax = upstream.upstream_failures(pooled, "onnx", "3.15.1", "jax")
    assert [e.id for e in on_jax] == ["jax-onnx-maxpool"]
    assert "max_pooling2d" in on_jax[0].reason  # names the layer that meets it
    assert upstream.upstream_failures(pooled, "onnx", "3.15.1", "tensorflow") == ()
