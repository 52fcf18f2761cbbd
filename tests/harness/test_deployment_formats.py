"""The formats that leave Keras (ONNX, LiteRT, OpenVINO) and sharded weights: each runs
through its real runtime, and a fault injected into the artifact fails its case."""

import dataclasses

import numpy as np
import pytest

from keras_gate import PredictionMismatch, StateMismatch, get_format, prepare_model
from keras_gate.engine.roundtrip import check_round_trip
from keras_gate.engine.runtime.versions import keras_backend

keras = pytest.importorskip("keras")


def _tiny():
    inputs = keras.Input((6,), name="features")
    hidden = keras.layers.Dense(8, activation="relu", name="hidden")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3, name="out")(hidden))


def _sequential():
    return keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, name="out")])


def _string_lookup():
    # A string input: the call before export must not make up a NumPy "string" array.
    inputs = keras.Input((1,), dtype="string", name="city")
    ids = keras.layers.StringLookup(vocabulary=["paris", "rome"])(inputs)
    return keras.Model(inputs, keras.layers.Embedding(4, 3, name="out")(ids))


def test_a_never_called_string_model_is_called_once_with_empty_texts():
    from keras_gate.engine.formats.deployment import _called_once

    model = _string_lookup()
    assert not model._called
    _called_once(model)
    assert model._called


def _built(name="tiny", build=_tiny):
    batch = np.random.RandomState(0).rand(4, 6).astype("float32")
    return prepare_model(name, build(), inputs=batch)


def _runnable(name: str):
    fmt = get_format(name)
    why = fmt.unsupported_on(keras_backend())
    if why:  # the onnx/litert/openvino extras; .ci/run installs them
        pytest.skip(why)
    return fmt


@pytest.mark.parametrize("build", [_tiny, _sequential], ids=["functional", "sequential"])
@pytest.mark.parametrize("name", ["onnx", "litert", "openvino"])
def test_a_runtime_reproduces_keras_within_its_row_and_a_never_called_model_exports(
    name, build, tmp_path
):
    fmt = _runnable(name)
    built = _built(build=build)
    assert not built.model._called  # the exporter's precondition, met by the format
    tolerance = fmt.tolerance("float32", "cpu")
    differences = check_round_trip(built, fmt, tmp_path, tolerance)
    assert {d.name for d in differences} == {"out", "out (constant example)"}
    assert all(d.max_abs <= tolerance.atol for d in differences)


def _two_in_two_out():
    # Two inputs and two outputs of the same shapes: LiteRT orders its output tensors
    # otherwise than the model (``StatefulPartitionedCall:1`` first), so outputs taken by
    # position come back swapped (a false red the gate had, on examples/' ranking model).
    query = keras.Input((8,), dtype="int32", name="query")
    item = keras.Input((6,), name="item")
    pooled = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(50, 4)(query))
    x = keras.layers.Concatenate()([pooled, keras.layers.Dense(4, activation="relu")(item)])
    outputs = {
        "click": keras.layers.Dense(1, activation="sigmoid", name="click")(x),
        "dwell": keras.layers.Dense(1, name="dwell")(x),
    }
    model = keras.Model({"query": query, "item": item}, outputs)
    rng = np.random.RandomState(0)
    batch = {
        "query": rng.randint(0, 50, (4, 8)).astype("int32"),
        "item": rng.rand(4, 6).astype("float32"),
    }
    return prepare_model("ranker", model, inputs=batch)


@pytest.mark.parametrize("name", ["onnx", "litert", "openvino"])
def test_inputs_and_outputs_go_by_name_not_position(name, tmp_path):
    fmt = _runnable(name)
    differences = check_round_trip(
        _two_in_two_out(), fmt, tmp_path, fmt.tolerance("float32", "cpu")
    )
    assert {d.name for d in differences} >= {"click", "dwell"}


def _changed_initializer(path):
    import onnx

    graph = onnx.load(str(path))
    tensor = graph.graph.initializer[0]
    values = onnx.numpy_helper.to_array(tensor).copy()
    values += 0.5  # the whole tensor: one element may meet a dead unit
    tensor.CopyFrom(onnx.numpy_helper.from_array(values, tensor.name))
    onnx.save(graph, str(path))
    return tensor.name


def test_one_changed_onnx_initializer_fails_the_case_on_its_predictions(tmp_path):
    fmt = _runnable("onnx")
    changed = []

    def save_then_change(model, path):
        fmt.save(model, path)
        changed.append(_changed_initializer(path))

    faulty = dataclasses.replace(fmt, save=save_then_change)
    with pytest.raises(PredictionMismatch) as failure:
        check_round_trip(_built(), faulty, tmp_path / "faulty", fmt.tolerance("float32", "cpu"))
    assert changed, "the fault was not injected"
    assert [f.check for f in failure.value.findings] == ["predictions", "predictions"]
    assert "out: max|diff|" in str(failure.value)
    # The same model through the untouched format passes: the fault is what failed it.
    check_round_trip(_built(), fmt, tmp_path / "clean", fmt.tolerance("float32", "cpu"))


def _seeded_biases():
    # Seeded biases: the default zeros would be bytes found everywhere in a file.
    inputs = keras.Input((6,), name="features")
    # Seeds of their own: one seed gives both layers' biases the same first values.
    seeded = keras.initializers.RandomUniform
    hidden = keras.layers.Dense(8, "relu", name="hidden", bias_initializer=seeded(seed=1))
    out = keras.layers.Dense(3, name="out", bias_initializer=seeded(seed=2))
    return keras.Model(inputs, out(hidden(inputs)))


def _changed_bias_bytes(model, artifacts):
    """The ``out`` layer's bias, where the runtime's file keeps it as raw float32 (a
    flatbuffer buffer, an OpenVINO ``.bin`` constant): found exactly once and shifted."""
    bias = np.asarray(model.get_layer("out").bias, dtype="<f4")
    for path in artifacts:
        data = path.read_bytes()
        if data.count(bias.tobytes()) == 1:
            path.write_bytes(data.replace(bias.tobytes(), (bias + 0.5).tobytes()))
            return path.name
    raise AssertionError(f"the out bias is not in {[p.name for p in artifacts]} exactly once")


@pytest.mark.parametrize(("name", "weights_file"), [("litert", None), ("openvino", "model.bin")])
def test_one_changed_tensor_in_a_litert_or_openvino_file_fails_the_case(
    name, weights_file, tmp_path
):
    fmt = _runnable(name)
    changed = []

    def save_then_change(model, path):
        fmt.save(model, path)
        changed.append(_changed_bias_bytes(model, [path.parent / (weights_file or path.name)]))

    faulty = dataclasses.replace(fmt, save=save_then_change)
    tolerance = fmt.tolerance("float32", "cpu")
    with pytest.raises(PredictionMismatch) as failure:
        check_round_trip(_built(build=_seeded_biases), faulty, tmp_path / "faulty", tolerance)
    assert changed, "the fault was not injected"
    assert [f.check for f in failure.value.findings] == ["predictions", "predictions"]
    assert "out: max|diff|" in str(failure.value)
    check_round_trip(_built(build=_seeded_biases), fmt, tmp_path / "clean", tolerance)


def _loud():
    # sin of values near 1e5: a 1e-6 relative nudge of the inputs moves the outputs by
    # ~0.1 of their peak of 1, far above ONNX's row, its peak part included (a deep
    # network with random weights is the real case: EfficientNetV2L's logits moved by
    # 1.9e3 of 2.8e3).
    inputs = keras.Input((6,), name="features")
    dense = keras.layers.Dense(3, kernel_initializer=keras.initializers.Constant(3e4), name="big")
    return keras.Model(inputs, keras.layers.Lambda(keras.ops.sin, name="out")(dense(inputs)))


def _knife_edge():
    # Eight tied logits scaled by 1e9: the outputs hang on the biases' seventh digit and
    # not at all on the inputs (a zero kernel), as a saturated softmax of a deep network
    # with random weights does not move under an input nudge (EfficientNetV2L on
    # keras-nightly 3.16.0.dev2026102704) while a runtime's rounding flips a class.
    inputs = keras.Input((6,), name="features")
    tied = keras.layers.Dense(8, kernel_initializer="zeros", bias_initializer="ones", name="tie")
    scaled = keras.layers.Lambda(lambda t: (t - 1.0) * 1e9, name="scale")(tied(inputs))
    return keras.Model(inputs, keras.layers.Softmax(name="out")(scaled))


def _nudged_initializer(path, signed=False):
    import onnx

    graph = onnx.load(str(path))
    signs = np.random.RandomState(1)
    for tensor in graph.graph.initializer:
        values = onnx.numpy_helper.to_array(tensor).copy()
        # About a runtime's rounding: one factor for all, or a random sign per value.
        sign = signs.choice(np.array([-1.0, 1.0]), size=values.shape) if signed else 1.0
        values = (values * (1 + 1e-6 * sign)).astype(values.dtype)
        tensor.CopyFrom(onnx.numpy_helper.from_array(values, tensor.name))
    onnx.save(graph, str(path))


def test_a_model_whose_own_noise_is_above_the_tolerance_is_not_judged(tmp_path):
    from keras_gate.engine.conditioning import CannotJudge

    fmt = _runnable("onnx")
    faulty = dataclasses.replace(
        fmt, save=lambda model, path: (fmt.save(model, path), _nudged_initializer(path))
    )
    tolerance = fmt.tolerance("float32", "cpu")
    with pytest.raises(CannotJudge) as not_judged:
        check_round_trip(_built("loud", _loud), faulty, tmp_path / "loud", tolerance)
    assert "not judged: the model's own outputs move" in str(not_judged.value)
    assert not_judged.value.differences  # the runtime's figures, for the report
    # The same small change on a quiet model is within the row: it passes, judged.
    check_round_trip(_built(), faulty, tmp_path / "quiet", tolerance)


def test_a_model_that_hangs_on_its_variables_rounding_is_not_judged(tmp_path):
    from keras_gate.engine.conditioning import CannotJudge

    fmt = _runnable("onnx")
    faulty = dataclasses.replace(
        fmt, save=lambda model, path: (fmt.save(model, path), _nudged_initializer(path, True))
    )
    tolerance = fmt.tolerance("float32", "cpu")
    built = _built("knife_edge", _knife_edge)
    before = [keras.ops.convert_to_numpy(v) for v in built.model.weights]
    with pytest.raises(CannotJudge) as not_judged:
        check_round_trip(built, faulty, tmp_path / "knife_edge", tolerance)
    assert "when its float variables (a random sign each) move by 1e-06" in str(not_judged.value)
    # The probe gave the model its values back, bit for bit.
    after = [keras.ops.convert_to_numpy(v) for v in built.model.weights]
    assert all(np.array_equal(a, b) for a, b in zip(before, after, strict=True))
    check_round_trip(_built(), faulty, tmp_path / "quiet", tolerance)  # judged, passes


def test_sharded_weights_span_several_shards_and_a_changed_shard_is_named(tmp_path):
    fmt = _runnable("sharded_weights")
    built = _built()
    check_round_trip(built, fmt, tmp_path / "clean", fmt.tolerance("float32", "cpu"))
    shards = sorted((tmp_path / "clean").glob("model_*.weights.h5"))
    assert len(shards) >= 2, [p.name for p in (tmp_path / "clean").iterdir()]

    def save_then_change(model, path):
        import h5py

        fmt.save(model, path)
        with h5py.File(sorted(path.parent.glob("model_*.weights.h5"))[-1], "r+") as shard:
            names = []
            shard.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
            shard[names[0]][...] = shard[names[0]][...] + 1.0

    faulty = dataclasses.replace(fmt, save=save_then_change)
    with pytest.raises((PredictionMismatch, StateMismatch)) as failure:
        check_round_trip(_built(), faulty, tmp_path / "faulty", fmt.tolerance("float32", "cpu"))
    assert "variables" in {f.check for f in failure.value.findings}


def test_a_format_whose_runtime_or_release_is_missing_says_which():
    fmt = get_format("onnx")
    absent = dataclasses.replace(fmt, requires=("no_such_runtime_module",))
    assert absent.unsupported_on("tensorflow") == (
        "onnx needs no_such_runtime_module, not installed "
        "(pip install 'keras-serialization-gate[onnx]')"
    )
    future = dataclasses.replace(fmt, keras_min="99.0")
    assert future.unsupported_on("tensorflow").startswith("onnx needs keras >= 99.0; this is ")


def test_a_runtime_s_op_gap_is_the_format_s_limitation_naming_the_op():
    from keras_gate.engine.formats.deployment import _ONNX_OP_GAP

    found = "No Op registered for LookupTableFindV2 with domain_version of 15"
    onnx = _ONNX_OP_GAP(None, "load", RuntimeError(found))
    assert "the TensorFlow op LookupTableFindV2, which tf2onnx has no conversion for" in onnx
    # An op that is no known gap (keras-nightly left a PartitionedCall in a mixed-precision
    # model's export, which 3.15.1 inlines) is a failure, not a limitation; so is Erfc,
    # an exact gelu the exporter could write as ONNX's Erf (a known failure in corpus/).
    for op in ("PartitionedCall", "Erfc"):
        call = f"No Op registered for {op} with domain_version of 15"
        assert _ONNX_OP_GAP(None, "load", RuntimeError(call)) is None
    assert _ONNX_OP_GAP(None, "load", RuntimeError("Required inputs (['x']) are missing")) is None


def test_litert_s_select_ops_are_a_limitation_only_when_every_one_is_in_the_table():
    from keras_gate.engine.formats.deployment import _LITERT_OP_GAP, SelectOpsNeeded

    select = RuntimeError("Select TensorFlow op(s), included in the given model, is(are) not")
    known = SelectOpsNeeded(("FlexRoll", "FlexStridedSlice"), select)
    assert "(FlexRoll, FlexStridedSlice: Select TF ops)" in _LITERT_OP_GAP(None, "predict", known)
    # One op outside the table (a release whose export newly needs it): the case fails.
    new = SelectOpsNeeded(("FlexRoll", "FlexMatrixDiagV3"), select)
    assert _LITERT_OP_GAP(None, "predict", new) is None
    assert _LITERT_OP_GAP(None, "predict", select) is None  # no ops listed: not this gap


def test_a_fixed_batch_1_litert_artifact_answers_the_batch_one_sample_at_a_time(monkeypatch):
    """Keras's LiteRT export on torch writes each unknown dimension as 1: the artifact is
    fed one sample at a time; a fixed size the case's inputs lack is a limitation on
    torch only, and a red case on another backend."""
    from keras_gate.engine.formats.deployment import StaticSignature, _litert_gap, _static_batches

    feed = {"x": np.zeros((3, 5), "float32"), "y": np.ones((3, 2), "int32")}
    dynamic = {"x": {"shape_signature": [-1, 5]}, "y": {"shape_signature": [-1, 2]}}
    assert _static_batches(dynamic, feed) == [feed]
    fixed = {"x": {"shape_signature": [1, 5]}, "y": {"shape_signature": [1, 2]}}
    batches = _static_batches(fixed, feed)
    assert [b["x"].shape for b in batches] == [(1, 5)] * 3 and batches[2]["y"].shape == (1, 2)
    exact = {"x": {"shape_signature": [3, 5]}, "y": {"shape_signature": [3, 2]}}
    assert _static_batches(exact, feed) == [feed]
    short = {"x": {"shape_signature": [1, 1]}, "y": {"shape_signature": [1, 2]}}
    with pytest.raises(StaticSignature, match=r"x \(1, 1\).*x \(3, 5\)"):
        _static_batches(short, feed)

    error = StaticSignature({"x": (1, 1)}, {"x": (3, 5)})
    import keras_gate.engine.runtime.versions as versions

    monkeypatch.setattr(versions, "keras_backend", lambda: "torch")
    assert "writes each unknown input dimension as 1" in _litert_gap(None, "predict", error)
    monkeypatch.setattr(versions, "keras_backend", lambda: "tensorflow")
    assert _litert_gap(None, "predict", error) is None


def test_litert_s_torch_input_names_are_matched_to_the_model_s_by_name():
    from keras_gate.engine.formats.deployment import _feed

    batch = {"title": np.zeros((2, 6), "int32"), "tags": np.ones((2, 4), "float32")}
    try:  # the gate skips a case whose inputs it cannot place: here that is the bug
        fed = _feed(["args_0_tags", "args_0_title"], batch)  # litert-torch's names
    except pytest.skip.Exception as unplaced:
        pytest.fail(f"litert-torch's input names not matched: {unplaced}")
    assert fed["args_0_tags"].shape == (2, 4) and fed["args_0_title"].shape == (2, 6)
    # A model input that is itself named like a wrapped one keeps its name.
    assert set(_feed(["args_0_x"], {"args_0_x": np.zeros((2, 1))})) == {"args_0_x"}


def test_each_litert_export_on_torch_sees_jax_s_x64_mode_as_a_first_export_does(monkeypatch):
    """litert-torch's import turns jax's x64 mode on and Keras restores it after the first
    export: later exports of integer inputs fail to convert
    (docs/reproducers/deployment/litert_torch_second_int_export.py). Each export runs with
    the mode on, as the first one did, and leaves it as it found it."""
    import sys
    import types

    import keras_gate.engine.runtime.versions as versions
    from keras_gate.engine.formats.deployment import _as_in_a_fresh_process

    class Config:
        jax_enable_x64 = False

        def update(self, name, value):
            setattr(self, name, value)

    jax = types.SimpleNamespace(config=Config())
    monkeypatch.setitem(sys.modules, "jax", jax)
    monkeypatch.setitem(sys.modules, "litert_torch", types.ModuleType("litert_torch"))
    monkeypatch.setattr(versions, "keras_backend", lambda: "torch")
    with _as_in_a_fresh_process("litert"):
        assert jax.config.jax_enable_x64  # as litert-torch's import left it
    assert not jax.config.jax_enable_x64  # and back as it was
    for fmt, backend in (("onnx", "torch"), ("litert", "tensorflow")):
        monkeypatch.setattr(versions, "keras_backend", lambda backend=backend: backend)
        with _as_in_a_fresh_process(fmt):
            assert not jax.config.jax_enable_x64  # no other export is touched


def test_litert_torch_s_missing_lowerings_are_a_limitation_only_when_in_the_table():
    from keras_gate.engine.formats.deployment import _litert_gap

    def failure(op: str) -> RuntimeError:  # Keras's wording around litert-torch's error
        return RuntimeError(f"Failed to convert PyTorch model to LiteRT. Lowering not found: {op}")

    assert "no lowering for aten.complex.default" in _litert_gap(
        None, "save", failure("aten.complex.default")
    )
    assert _litert_gap(None, "save", failure("aten.bitwise_right_shift.Tensor_Scalar")) is None


def _mixed():
    inputs = keras.Input((6,))
    hidden = keras.layers.Dense(4, dtype="mixed_float16")(inputs)
    return keras.Model(inputs, keras.layers.Dense(2, dtype="float32", name="out")(hidden))


def test_a_runtime_judges_a_model_computing_in_float16_at_the_float16_row(tmp_path):
    from keras_gate.api import Tolerance
    from keras_gate.engine.tolerances import with_model_precision

    row = get_format("onnx").tolerance("float32", "cpu")
    assert with_model_precision(row, _tiny()) == row
    assert with_model_precision(row, _mixed()) == Tolerance(1e-3, 1e-3, row.peak_rtol)

    # A runtime that rounds 2e-4 away from Keras: within float16's row, beyond float32's.
    def rounding_runtime(revived, inputs, names):
        outputs = keras.tree.flatten(revived(inputs, training=False))
        return {n: keras.ops.convert_to_numpy(o) + 2e-4 for n, o in zip(names, outputs)}

    runtime = dataclasses.replace(
        get_format("clone"), name="rounding runtime", predict=rounding_runtime, deployment=True
    )
    check_round_trip(_built("mixed", _mixed), runtime, tmp_path / "mixed", row)
    with pytest.raises(PredictionMismatch):
        check_round_trip(_built(), runtime, tmp_path / "float32", row)


def test_openvino_s_unconverted_ops_are_a_limitation_only_when_every_one_is_in_the_table():
    from keras_gate.engine.formats.deployment import _openvino_op_gap

    def failure(ops: str) -> RuntimeError:  # the frontend's report, as OpenVINO 2026.4 words it
        return RuntimeError(
            "Check 'false' failed at src/frontends/common_translators/src/unconverted_ops_"
            "report.cpp:151:\nFrontEnd API failed with OpConversionFailure:\nModel wasn't "
            f"fully converted. ...\n\nSummary:\n-- Conversion is failed for: {ops}\n"
        )

    found = _openvino_op_gap(None, "save", failure("Bucketize"))
    assert "no conversion for this model's Bucketize" in found
    assert _openvino_op_gap(None, "save", failure("Bucketize, MatrixDiagV3")) is None
    # One report may name ops without a rule and ops whose conversion failed: all count.
    both = RuntimeError(
        "-- No conversion rule found for operations: ComplexTypeMark\n"
        "-- Conversion is failed for: FFT2D\n"
    )
    assert "this model's ComplexTypeMark, FFT2D" in _openvino_op_gap(None, "save", both)
    lookup = RuntimeError("Check 'unregistered_parameters.str().empty()' failed at model.cpp")
    assert "lookup-table parameters" in _openvino_op_gap(None, "save", lookup)


def test_on_jax_an_export_that_cannot_trace_the_model_is_a_limitation_naming_the_layer(
    monkeypatch,
):
    from keras_gate.engine.formats import deployment
    from keras_gate.engine.runtime import versions

    def traced(cause: Exception) -> Exception:  # Keras's wrapper over jax's own error
        try:
            try:
                raise cause
            except Exception as inner:
                raise ValueError(
                    "Exception encountered when calling PositionEmbedding.call().\n\n"
                    f"\x1b[1m{inner}\x1b[0m"
                ) from inner
        except ValueError as outer:
            return outer

    symbolic = traced(RuntimeError("Symbolic dimension comparison 'c' <= '16' is inconclusive."))
    monkeypatch.setattr(versions, "keras_backend", lambda: "jax")
    found = deployment._onnx_gap(None, "save", symbolic)
    assert "PositionEmbedding.call() compares a length" in found
    assert "PositionEmbedding" in deployment._openvino_op_gap(None, "save", symbolic)
    # A cause outside the table, a later stage, another backend: not a limitation.
    assert deployment._onnx_gap(None, "save", traced(RuntimeError("a new failure"))) is None
    assert deployment._onnx_gap(None, "predict", symbolic) is None
    monkeypatch.setattr(versions, "keras_backend", lambda: "tensorflow")
    assert deployment._onnx_gap(None, "save", symbolic) is None


def test_openvino_on_jax_names_jax2tf_s_one_op():
    from keras_gate.engine.formats.deployment import _openvino_op_gap

    report = RuntimeError("-- No conversion rule found for operations: XlaCallModule\n")
    assert "this model's XlaCallModule" in _openvino_op_gap(None, "save", report)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TFLite converter's own
def test_a_litert_file_s_select_ops_are_all_named(tmp_path):
    from keras_gate.engine.formats.deployment import SelectOpsNeeded

    fmt = _runnable("litert")
    if keras_backend() != "tensorflow":
        pytest.skip("string tensors: the tensorflow backend")
    inputs = keras.Input((1,), dtype="string", name="city")
    hashed = keras.layers.Hashing(num_bins=8)(inputs)
    model = keras.Model(inputs, keras.layers.Embedding(8, 2, name="out")(hashed))
    built = prepare_model("hashing", model, inputs=np.array([["oslo"], ["lima"]]))
    path = tmp_path / "model.tflite"
    fmt.save(built.model, path)
    with pytest.raises(SelectOpsNeeded) as raised:
        fmt.predict(fmt.load(path), built.inputs, ["out"])
    assert raised.value.ops == ("FlexStringToHashBucketFast",)


def test_an_adapted_vocabulary_is_no_variable_a_weights_file_holds(tmp_path):
    from keras_gate.engine.formats import FormatLimitation

    if keras_backend() != "tensorflow":
        pytest.skip("string tensors: the tensorflow backend")
    lookup = keras.layers.StringLookup(output_mode="one_hot")
    lookup.adapt(np.array(["paris", "lima", "oslo"]))
    inputs = keras.Input((1,), dtype="string", name="city")
    model = keras.Model(inputs, keras.layers.Dense(2, name="out")(lookup(inputs)))
    built = prepare_model("lookup", model, inputs=np.array([["oslo"], ["lima"]]))
    fmt = get_format("sharded_weights")
    with pytest.raises(FormatLimitation, match="an adapted lookup layer's vocabulary is an asset"):
        check_round_trip(built, fmt, tmp_path, fmt.tolerance("float32", "cpu"))
    check_round_trip(
        built, get_format("keras_v3"), tmp_path / "v3", fmt.tolerance("float32", "cpu")
    )


def test_a_user_s_batch_of_texts_gets_its_constant_example():
    # np.array(["oslo", ...]) is <U4: NumPy's max has no loop for it (the gate raised).
    from keras_gate.engine.runtime.inputs import constant_batch

    assert constant_batch(np.array([["lima"], ["oslo"]])).tolist() == [["oslo"]]
    assert constant_batch(np.array([[b"a"], [b"b"]], dtype=object)).tolist() == [[b"b"]]


def test_a_nudge_the_model_refuses_leaves_the_verdict_to_the_runtime_s_figures():
    # The guard measures; it never turns a case into a gate error of its own.
    from types import SimpleNamespace

    from keras_gate.engine.conditioning import judge_conditioning
    from keras_gate.engine.tolerances import Tolerance

    def refuses(model, inputs=None):
        raise ValueError("this batch, nudged, is out of the model's range")

    built = SimpleNamespace(
        name="m", model=None, inputs=np.ones((2, 3), "float32"), predict=refuses
    )
    assert judge_conditioning(built, {"out": np.ones(2)}, Tolerance(0.0, 1e-5), "onnx", ()) is None


def test_a_variable_the_probe_cannot_restore_makes_the_model_built_again():
    # Never a gate error, and never a nudged model serving the next case.
    from types import SimpleNamespace

    from keras_gate.engine.conditioning import judge_conditioning
    from keras_gate.engine.tolerances import Tolerance

    class Stuck:
        """A variable that takes one assignment and refuses the next."""

        dtype, assigned = "float32", 0

        def __array__(self, dtype=None, copy=None):
            return np.ones(3, "float32")

        def assign(self, value):
            self.assigned += 1
            if self.assigned > 1:
                raise ValueError("read-only now")

    def predict(model, inputs=None):
        return {"out": np.ones(2)}

    built = SimpleNamespace(
        name="m",
        model=SimpleNamespace(weights=[Stuck()]),
        inputs=np.ones((2, 3), "int32"),
        predict=predict,
        tainted=None,
    )
    assert judge_conditioning(built, {"out": np.ones(2)}, Tolerance(0.0, 1e-5), "onnx", ()) is None
    assert built.tainted == "the conditioning probe could not restore its variables"


def test_a_missing_exporter_is_a_skip_naming_the_package_and_the_extra(tmp_path):
    # Keras imports an exporter only when it exports (jax2onnx on jax): a missing one
    # is a skip naming the package and the extra, never a round-trip failure.
    import keras

    from keras_gate import prepare_model
    from keras_gate.engine.formats import FormatUnavailable, RoundTripFormat
    from keras_gate.engine.roundtrip import check_round_trip
    from keras_gate.engine.tolerances import tolerance_for

    def save(model, path):
        raise ImportError("This requires the jax2onnx module. You can install it via pip")

    fmt = RoundTripFormat(
        "fake_onnx", ".onnx", "an export whose exporter is missing", save=save, extra="onnx"
    )
    inputs = keras.Input((3,))
    built = prepare_model("tiny", keras.Model(inputs, keras.layers.Dense(2)(inputs)))
    with pytest.raises(FormatUnavailable, match=r"fake_onnx: save needs jax2onnx, not installed"):
        check_round_trip(built, fmt, tmp_path, tolerance_for("float32", "cpu"))


def test_onnx_names_what_each_backend_needs():
    from keras_gate.engine.formats import get_format

    onnx = get_format("onnx")
    assert onnx.backend_requires["jax"] == (("jax2onnx",), "onnx-jax")
    assert onnx.backend_requires["tensorflow"] == (("tf2onnx",), "onnx")
    assert onnx.backend_requires["torch"] == (("onnxscript",), "onnx-torch")


def test_litert_runs_on_torch_from_the_release_that_exports_it(monkeypatch):
    from keras_gate.engine.formats import get_format
    from keras_gate.engine.runtime import versions

    litert = get_format("litert")
    assert "jax" in litert.unsupported_on("jax")  # Keras has no LiteRT exporter for jax
    monkeypatch.setattr(versions, "keras_version", lambda: "3.14.1")
    assert litert.unsupported_on("torch") == "litert needs keras >= 3.15.0 on torch; this is 3.14.1"


def test_a_backend_s_own_exporter_is_named_with_its_extra():
    fmt = dataclasses.replace(
        get_format("onnx"), backend_requires={"jax": (("no_such_exporter",), "onnx-jax")}
    )
    assert fmt.unsupported_on("jax") == (
        "onnx needs no_such_exporter on jax, not installed "
        "(pip install 'keras-serialization-gate[onnx-jax]')"
    )
    assert fmt.unsupported_on("tensorflow") is None
