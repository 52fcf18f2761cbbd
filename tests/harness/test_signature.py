"""An exported artifact serves the signature the model declares: names, dtypes and
shapes with the batch dimension; and a user exports with the arguments they ship."""

import dataclasses

import pytest

from keras_gate import StateMismatch, Tolerance, export_format, get_format, prepare_model
from keras_gate.engine import checks as registry
from keras_gate.engine.roundtrip import check_round_trip
from keras_gate.engine.runtime.signatures import Signature, Spec, signature_differences
from keras_gate.engine.runtime.versions import keras_backend

keras = pytest.importorskip("keras")
pytestmark = pytest.mark.skipif(keras_backend() != "tensorflow", reason="SavedModel export")
TOL = Tolerance(1e-5, 1e-5)


def _model(batch_size=None):
    inputs = keras.Input((8,), batch_size=batch_size, name="features")
    return keras.Model(inputs, {"score": keras.layers.Dense(2, name="score")(inputs)})


def test_a_dynamic_batch_export_serves_what_the_model_declares(tmp_path):
    check_round_trip(prepare_model("m", _model()), get_format("export"), tmp_path, TOL)


def test_an_export_that_loses_a_fixed_batch_dimension_is_caught(tmp_path):
    # Keras (3.13.0 on) exports a model built for batches of 4 with a None batch: the
    # predictions on the gate's batch agree, a serving client meets another signature.
    built = prepare_model("m", _model(batch_size=4))
    with pytest.raises(StateMismatch) as error:
        check_round_trip(built, get_format("export"), tmp_path, TOL)
    found = [str(f) for f in error.value.findings]
    assert "signature: input features: shape (4, 8) -> (None, 8)" in found, found


def test_without_the_signature_check_that_export_passes(tmp_path, monkeypatch):
    kept = tuple(c for c in registry.CHECKS if c.name != "signature")
    monkeypatch.setattr(registry, "CHECKS", kept)
    check_round_trip(prepare_model("m", _model(4)), get_format("export"), tmp_path, TOL)


def test_the_export_a_user_ships_is_held_to_its_own_input_signature(tmp_path):
    shipped = [keras.InputSpec(shape=(None, 8), dtype="float32", name="features")]
    fmt = export_format("export_dynamic", input_signature=shipped)
    assert fmt.export_arguments == {"input_signature": shipped}
    check_round_trip(prepare_model("m", _model(batch_size=4)), fmt, tmp_path, TOL)
    # ... and a signature the export does not serve is a finding.
    wrong = dataclasses.replace(
        fmt, export_arguments={"input_signature": [keras.InputSpec(shape=(2, 8))]}
    )
    with pytest.raises(StateMismatch, match=r"shape \(2, 8\) -> \(None, 8\)"):
        check_round_trip(prepare_model("m", _model()), wrong, tmp_path / "w", TOL)


def test_names_dtypes_and_counts_are_compared():
    ours = Signature(
        (Spec("features", "float32", (None, 8)),), (Spec("score", "float32", (None, 2)),)
    )
    theirs = Signature((Spec("feats", "float16", (None, 8)),), ())
    lines = [str(line) for line in signature_differences(ours, theirs)]
    assert lines == [
        "input features: name 'features' -> 'feats'",
        "input features: dtype float32 -> float16",
        "1 outputs declared, 0 served",
    ]


@keras.saving.register_keras_serializable(package="harness_signature")
class SubclassedNet(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(2)

    def call(self, x):
        return self.dense(x)


def test_a_subclassed_model_declares_no_signature_and_the_record_says_so(tmp_path):
    import numpy as np

    model = SubclassedNet()
    batch = np.ones((2, 8), "float32")
    model(batch)
    notes = []
    built = prepare_model("sub", model, inputs=batch)
    check_round_trip(built, get_format("export"), tmp_path, TOL, notes=notes)
    assert notes == [
        "signature: not compared: the model declares no inputs (a subclassed model); "
        "give the export an input_signature (keras_gate.export_format)"
    ]
