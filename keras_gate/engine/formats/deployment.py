"""Formats that leave Keras: the model exported for another runtime and run there.

``model.export(path, format=...)`` to ONNX (run with onnxruntime), LiteRT (the
TFLite flatbuffer, run with ai-edge-litert's interpreter) and OpenVINO (run with
the OpenVINO runtime). Each is an inference artifact: it promises the model's
outputs only, held against the built model's outputs (Keras's inference, as every
round trip is) within the runtime's measured tolerance row. Each needs its runtime (an extra of
this package) and a Keras release that exports to it; elsewhere its cases skip,
saying which. Opt-in: a model names them in ``formats=[...]``; the suite runs
them with ``--scenarios=deploy``.
"""

from __future__ import annotations

import re
from pathlib import Path

from keras_gate.api import Tolerance
from keras_gate.engine.formats.protocol import RoundTripFormat


def _called_once(model) -> None:
    """Keras's ONNX exporter refuses a model that was never called ("The model provided
    has never called"), even a functional one whose input signature is complete: the
    format calls it once first, as a user does before exporting (batch 1 of zeros, in
    inference: no state changes). The upstream behaviour has its plain-Keras
    reproducer in docs/reproducers/deployment/onnx_never_called.py."""
    if getattr(model, "_called", True):
        return
    import keras
    import numpy as np

    # A functional model's input structure; a Sequential's one input.
    structure = getattr(model, "_inputs_struct", None)
    if structure is None:
        inputs = getattr(model, "inputs", None) or []
        if len(inputs) != 1:
            return  # nothing to build zeros from: the exporter says what it needs
        structure = inputs[0]

    def zeros(tensor):
        shape = [1] + [d if d is not None else 1 for d in tensor.shape[1:]]
        if tensor.dtype == "string":  # NumPy has no "string" dtype: empty texts
            return np.full(shape, "", dtype=object)
        return np.zeros(shape, dtype=tensor.dtype)

    model(keras.tree.map_structure(zeros, structure), training=False)


def _as_in_a_fresh_process(fmt: str):
    """Each export runs as it would first in a process. Keras's LiteRT export on torch
    imports litert-torch, whose import turns jax's x64 mode on for its lowering, and then
    restores the mode it found: from the second export in a process on, a model with an
    integer input fails to convert ("operand type mismatch: ... i32 ... i64"), so a case's
    verdict would hang on which cases its worker ran before
    (docs/reproducers/deployment/litert_torch_second_int_export.py: exit 1)."""
    import contextlib
    import sys

    from keras_gate.engine.runtime.versions import keras_backend

    if fmt != "litert" or keras_backend() != "torch" or "litert_torch" not in sys.modules:
        return contextlib.nullcontext()
    import jax

    @contextlib.contextmanager
    def x64_as_litert_torch_imports_it():
        before = jax.config.jax_enable_x64
        jax.config.update("jax_enable_x64", True)
        try:
            yield
        finally:
            jax.config.update("jax_enable_x64", before)

    return x64_as_litert_torch_imports_it()


def _exporter(fmt: str):
    def save(model, path: Path) -> None:
        _called_once(model)
        with _as_in_a_fresh_process(fmt):
            model.export(str(path), format=fmt, verbose=False)

    return save


def _feed(names: list[str], inputs) -> dict:
    """The case's batch by the runtime's input names. A dict of inputs goes by name:
    the runtime's name is the Keras input's, maybe wrapped by the exporter
    (``serving_default_query:0``); never by position, which can differ (LiteRT orders
    them by name). A single input or a list goes in the model's input order. A runtime
    input that is no model input (a constant the exporter turned into one) is left for
    the runtime to name; a model input the gate cannot place skips the case, saying so:
    that is the gate's limit, not the artifact's verdict."""
    import keras
    import numpy as np
    import pytest

    if not isinstance(inputs, dict):
        return dict(zip(names, (np.asarray(x) for x in keras.tree.flatten(inputs))))
    # LiteRT's names on torch carry the argument's: args_0_title for the input "title".
    wrapping = r"^(serving_default_)?(args_\d+_)?|:\d+$"
    bare = {name: name if name in inputs else re.sub(wrapping, "", name) for name in names}
    unplaced = sorted(set(inputs) - set(bare.values()))
    if unplaced:
        pytest.skip(
            f"the gate cannot tell which of the runtime's inputs {names} are the model's "
            f"{unplaced}: not checked"
        )
    return {name: np.asarray(inputs[bare[name]]) for name in names if bare[name] in inputs}


def _by_name(names: list[str], produced: list[tuple[set, object]]) -> dict:
    """The runtime's outputs (each with the names it carries) under the model's output
    names: by name where every output carries one of them, else in order (a single
    output, or names like ``Identity:0`` that say nothing)."""
    import numpy as np

    bare = [{re.sub(r":\d+$", "", n) for n in carried} for carried, _ in produced]
    if all(any(name in found for found in bare) for name in names):
        return {
            name: np.asarray(next(v for found, (_, v) in zip(bare, produced) if name in found))
            for name in names
        }
    return {name: np.asarray(value) for name, (_, value) in zip(names, produced)}


def _load_onnx(path: Path, custom_objects=None, safe_mode=True):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # deterministic reductions, and no oversubscription
    return onnxruntime.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )


def _onnx_signature(session):
    """The ONNX graph's inputs as onnxruntime reads them (a symbolic dimension is
    ``None``); its outputs are paired with the model's by name, not position: not read."""
    from keras_gate.engine.runtime.signatures import Signature, Spec

    dtypes = {
        "tensor(float)": "float32",
        "tensor(double)": "float64",
        "tensor(int32)": "int32",
        "tensor(int64)": "int64",
        "tensor(float16)": "float16",
        "tensor(bool)": "bool",
        "tensor(string)": "string",
        "tensor(uint8)": "uint8",
        "tensor(int8)": "int8",
    }
    inputs = tuple(
        Spec(
            "",
            dtypes.get(i.type, i.type),
            tuple(d if isinstance(d, int) else None for d in i.shape),
        )
        for i in session.get_inputs()
    )
    return Signature(inputs)


def _predict_onnx(session, inputs, names: list[str]) -> dict:
    feed = _feed([i.name for i in session.get_inputs()], inputs)
    values = session.run(None, feed)
    return _by_name(names, [({o.name}, v) for o, v in zip(session.get_outputs(), values)])


def _load_litert(path: Path, custom_objects=None, safe_mode=True):
    from ai_edge_litert.interpreter import Interpreter

    return Interpreter(model_path=str(path), num_threads=1)


class SelectOpsNeeded(RuntimeError):
    """A LiteRT file holds TensorFlow ops outside LiteRT's builtins (Select TF ops), which
    only an interpreter with the Flex delegate runs; ``ops``: every one of them."""

    def __init__(self, ops: tuple[str, ...], error: BaseException):
        self.ops = ops
        first = (str(error).strip().splitlines() or [""])[0]
        super().__init__(f"the file holds Select TF ops {', '.join(ops)}: {first}")


def _select_ops(interpreter, error: BaseException) -> tuple[str, ...]:
    """Every Flex op of the file: the main graph's listing (the error names only the first
    op that failed), and the one the error names (it may sit in another subgraph, as a
    tokenizer's table initialiser does)."""
    found = set(re.findall(r"\((Flex\w+)\) failed to prepare", str(error)))
    try:
        found |= {op["op_name"] for op in interpreter._get_ops_details()}
    except Exception:  # an interpreter without the listing: the op the error names
        pass
    return tuple(sorted(op for op in found if op.startswith("Flex")))


def _predict_litert(interpreter, inputs, names: list[str]) -> dict:
    # The serving signature names inputs and outputs as Keras does; the tensors' own
    # order is by name, not the model's (a dict of inputs would be fed swapped).
    import numpy as np

    (key, signature), *_ = interpreter.get_signature_list().items()
    runner = interpreter.get_signature_runner(key)
    feed = _feed(list(signature["inputs"]), inputs)
    try:
        batches = _static_batches(runner.get_input_details(), feed)
        results = [runner(**batch) for batch in batches]
    except RuntimeError as error:
        ops = _select_ops(interpreter, error) if "Select TensorFlow op" in str(error) else ()
        if ops:
            raise SelectOpsNeeded(ops, error) from error
        raise
    result = {k: np.concatenate([r[k] for r in results]) for k in results[0]}
    ordered = sorted(result, key=lambda k: (len(k), k))  # output_0, output_1, ..., output_10
    return _by_name(names, [({k}, result[k]) for k in ordered])


class StaticSignature(RuntimeError):
    """The artifact's inputs have fixed shapes that the case's batch does not fit."""

    def __init__(self, fixed: dict, given: dict):
        self.fixed, self.given = fixed, given
        super().__init__(
            "the artifact takes inputs of fixed shapes "
            + ", ".join(f"{name} {shape}" for name, shape in fixed.items())
            + "; the case's batch is "
            + ", ".join(f"{name} {shape}" for name, shape in given.items())
        )


def _static_batches(details: dict, feed: dict) -> list[dict]:
    """The feed as the artifact can take it. An input signature without unknown
    dimensions is what the artifact promises: Keras's LiteRT export on torch writes every
    ``None`` of the model's inputs as 1, as its ``export`` documents. A batch-1 artifact
    answers the case's batch one sample at a time (what a user of it does); a fixed size
    other than the batch that the case's inputs do not have is :class:`StaticSignature`."""
    fixed = {
        name: tuple(int(d) for d in detail["shape_signature"])
        for name, detail in details.items()
        if name in feed and len(detail["shape_signature"]) and min(detail["shape_signature"]) > 0
    }
    if len(fixed) < len(feed) or all(fixed[n] == feed[n].shape for n in feed):
        return [feed]  # unknown dimensions, or the batch fits as it is
    given = {name: tuple(feed[name].shape) for name in feed}
    sizes = {shape[0] for shape in given.values() if shape}
    fits_per_sample = len(sizes) == 1 and all(
        fixed[n][:1] == (1,) and fixed[n][1:] == given[n][1:] for n in feed
    )
    if not fits_per_sample:
        raise StaticSignature(fixed, given)
    return [{name: value[i : i + 1] for name, value in feed.items()} for i in range(sizes.pop())]


def _load_openvino(path: Path, custom_objects=None, safe_mode=True):
    import openvino

    # f32 asked for: on a CPU with bf16 units (AVX512_BF16, AMX) the CPU plugin's default
    # precision is bf16 (measured: 3.6e-3 on a single Dense), which is not the model.
    config = {"INFERENCE_NUM_THREADS": "1", "INFERENCE_PRECISION_HINT": "f32"}
    return openvino.Core().compile_model(str(path), "CPU", config)


def _predict_openvino(compiled, inputs, names: list[str]) -> dict:
    feed = _feed([port.any_name for port in compiled.inputs], inputs)
    result = compiled(feed)
    return _by_name(names, [(set(port.get_names()), result[port]) for port in compiled.outputs])


def _op_gap(patterns: tuple[tuple[str, str], ...]):
    """A runtime's documented op coverage: an error matching one of ``patterns``
    (``(regex, explanation)``, the explanation may name the regex's first group) is a
    limitation of the format for this model, not a defect of the round trip."""

    def limitation(model, stage: str, error: BaseException) -> str | None:
        text = str(error)
        for pattern, explanation in patterns:
            found = re.search(pattern, text)
            if found:
                op = found.group(1) if found.groups() else ""
                return (
                    explanation.format(op=op) + " (or leave this format out of the model's formats)"
                )
        return None

    return limitation


ONNX_UNCONVERTED_OPS = (
    "LookupTableFindV2",  # StringLookup, IntegerLookup, TextVectorization tables
    "StringToHashBucketFast",  # Hashing
    "StaticRegexReplace",  # TextVectorization's standardisation
    "Bucketize",  # Discretization
    "StatelessRandomUniformV2",  # the augmentation layers' random ops
    "Complex",  # FFT (keras-hub FNet)
)
"""TensorFlow ops tf2onnx 1.17 has no conversion for, each seen in the corpus (one line
each, with the layer that makes it). Any other op left in an ONNX file (a function call
the exporter did not inline, say) is no known gap: its case fails."""

_ONNX_OP_GAP = _op_gap(
    (
        (
            rf"No Op registered for ({'|'.join(ONNX_UNCONVERTED_OPS)}) with domain_version",
            "the exported file holds the TensorFlow op {op}, which tf2onnx has no conversion "
            "for and onnxruntime no kernel",
        ),
    )
)


JAX_TRACE_GAPS = (
    # keras-hub's PositionEmbedding, Resizing: `length <= sequence_length` on a length
    # the exporter traces as symbolic (docs/reproducers/deployment/jax_export_symbolic_length.py)
    (
        r"InconclusiveDimensionOperation|Symbolic dimension comparison .* is inconclusive",
        "compares a length the exporter traces as a symbolic dimension",
    ),
    # keras-hub decoders' ops.arange(length) where the traced length is unknown
    (
        r"Error interpreting argument to jax\.numpy\.arange|canonicalize_value\(\): "
        r"incompatible|In arange with non-constant arguments",
        "makes a range of a length the exporter traces as unknown",
    ),
    # keras-hub DeiT, DINOV2 / DINOV3 embeddings
    (
        r"Triggering __jax_array__\(\) during abstractification",
        "hands jax a Keras variable to convert implicitly, which jax's tracing refuses",
    ),
    (r"TracerArrayConversionError", "converts a traced array to NumPy"),
    # keras-hub decoders (Llama, Qwen, Mistral, ...): the padding and causal masks' lengths,
    # RoFormerV2's two inputs: each unknown length becomes its own symbol
    (
        r"[Ii]ncompatible shapes for broadcasting",
        "combines lengths the exporter traces as unrelated symbolic dimensions",
    ),
    # keras-hub DeBERTa-v3's Softmax mask check over the same unrelated lengths
    (
        r"must be broadcastable to `inputs`\. Each mask dimension must be 1",
        "checks a mask against lengths the exporter traces as unrelated symbolic dimensions",
    ),
    (
        r"Symbolic dimension .* used in a context that requires a constant",
        "needs as a constant a size the exporter traces as a symbolic dimension",
    ),
    # keras-hub Swin's window partition
    (
        r"reshape with symbolic dimensions requires mapping to input axes",
        "reshapes by a length the exporter traces as a symbolic dimension",
    ),
)
"""Why Keras's exporters on jax (jax2onnx for ONNX, jax2tf for OpenVINO) cannot trace a
model, by the root cause jax raises inside a layer's call, each seen in the corpus
(``docs/corpus.md``); any other cause fails its case."""


def _jax_trace_gap(model, stage: str, error: BaseException) -> str | None:
    """On jax, an export whose trace of the model raised one of :data:`JAX_TRACE_GAPS`
    (named with the layer whose call raised it, where Keras says): the exporter cannot
    trace this model, a limitation."""
    from keras_gate.engine.runtime.error_chain import chain_text
    from keras_gate.engine.runtime.versions import keras_backend

    if stage != "save" or keras_backend() != "jax":
        return None
    text = chain_text(error)
    layer = re.search(r"Exception encountered when calling (\w+)\.call\(\)", text)
    where = f"{layer.group(1)}.call()" if layer else "the model"
    for pattern, why in JAX_TRACE_GAPS:
        if re.search(pattern, text):
            return (
                f"Keras's export on jax traces the model with jax, and {where} {why} "
                "(or leave this format out of the model's formats on jax)"
            )
    return None


def _listed_ops_gap(ops_of, known: tuple[str, ...], explanation: str):
    """A runtime's op coverage where its error lists the ops: a limitation when
    ``ops_of(error)`` names ops and every one is in ``known``; an op outside the table
    (a release that newly needs one) fails its case."""

    def limitation(model, stage: str, error: BaseException) -> str | None:
        ops = ops_of(error)
        if not ops or not set(ops) <= set(known):
            return None
        return (
            explanation.format(ops=", ".join(ops))
            + " (or leave this format out of the model's formats)"
        )

    return limitation


LITERT_SELECT_OPS = (
    # keras-hub decoders' mask[:, None, :, :] of unknown lengths (Llama, Mistral, Qwen, ...):
    # a new-axis StridedSlice (docs/reproducers/deployment/litert_new_axis_slice.py)
    "FlexStridedSlice",
    "FlexTensorListReserve",  # masked RNNs (LSTM, GRU, Masking): the loop's TensorList
    "FlexTensorListStack",  # the same loops' stacked outputs
    "FlexHashTableV2",  # StringLookup, IntegerLookup, TextVectorization tables
    "FlexLookupTableFindV2",  # the same tables' lookups
    "FlexStringToHashBucketFast",  # Hashing
    "FlexStringLower",  # TextVectorization's standardisation
    "FlexStaticRegexReplace",  # the same standardisation's punctuation strip
    "FlexStringSplitV2",  # TextVectorization's split
    "FlexRaggedTensorToTensor",  # the same split, padded
    "FlexAbs",  # DeBERTa-v3's relative-position buckets
    "FlexSign",  # the same buckets
    "FlexComplex",  # FNet's Fourier transform
    "FlexFFT2D",  # the same transform
    "FlexRoll",  # Swin Transformer's shifted windows
    "FlexConv2D",  # mixed_float16: its float16 Conv2D, MatMul, BiasAdd and Relu stay
    "FlexMatMul",  # TensorFlow ops in the converted file
    "FlexBiasAdd",
    "FlexRelu",
)
"""Select TF ops the corpus's LiteRT exports hold (``docs/corpus.md``), one line each with
what makes it. The interpreter of ai-edge-litert links no Flex delegate, so a file holding
only these is the format's limitation; any other Select op fails its case."""

_LITERT_OP_GAP = _listed_ops_gap(
    lambda error: getattr(error, "ops", ()),
    LITERT_SELECT_OPS,
    "the export holds TensorFlow ops outside LiteRT's builtins ({ops}: Select TF ops), "
    "whose Flex delegate ai-edge-litert's interpreter does not link",
)


LITERT_TORCH_UNLOWERED_OPS = (
    "aten.bucketize.Tensor",  # Discretization
    "aten.complex.default",  # keras-hub FNet's Fourier transform
    "aten._assert_async.msg",  # keras-hub's mixture-of-experts routers (Mixtral, Qwen MoE, GPT-OSS)
)
"""PyTorch ops litert-torch 0.10 has no LiteRT lowering for, each seen in the corpus on the
torch backend; any other fails its case."""

_LITERT_TORCH_LOWERING_GAP = _op_gap(
    (
        (
            rf"Lowering not found: ({'|'.join(map(re.escape, LITERT_TORCH_UNLOWERED_OPS))})\b",
            "litert-torch, Keras's LiteRT converter on torch, has no lowering for {op}",
        ),
    )
)

STATIC_SHAPE_BACKENDS = ("torch",)
"""Backends on which Keras's LiteRT export writes every unknown input dimension as 1
(documented in ``keras.src.export.litert``: "dynamic input shapes are not supported");
elsewhere an artifact that lost an unknown dimension fails its case."""


def _litert_gap(model, stage: str, error: BaseException) -> str | None:
    from keras_gate.engine.runtime.versions import keras_backend

    if isinstance(error, StaticSignature) and keras_backend() in STATIC_SHAPE_BACKENDS:
        return (
            f"Keras's LiteRT export on {keras_backend()} writes each unknown input "
            f"dimension as 1, as it documents, and {error} (or give the model inputs of "
            "fixed shapes, or leave this format out of the model's formats on torch)"
        )
    return _LITERT_OP_GAP(model, stage, error) or _LITERT_TORCH_LOWERING_GAP(model, stage, error)


def _unconverted_openvino_ops(error: BaseException) -> tuple[str, ...]:
    """The ops OpenVINO's frontend report names: those it has no rule for and those whose
    conversion failed (one report may list both)."""
    listed = re.findall(
        r"(?:Conversion is failed for|No conversion rule found for operations?):? ([^\n]+)",
        str(error),
    )
    return tuple(sorted({op.strip() for line in listed for op in line.split(",") if op.strip()}))


OPENVINO_UNCONVERTED_OPS = (
    "Bucketize",  # Discretization
    "StringToHashBucketFast",  # Hashing
    "LookupTableFindV2",  # StringLookup / IntegerLookup inside a larger model
    "TensorList",  # masked RNNs (LSTM, GRU, Masking): the loop's TensorList
    "StatelessRandomUniformV2",  # the augmentation layers' random ops
    "StatelessRandomGetKeyCounter",  # the same ops' seeds
    "ImageProjectiveTransformV3",  # RandomRotation / RandomZoom / RandomTranslation
    "FFT2D",  # FNet's Fourier transform
    "ComplexTypeMark",  # the same transform's complex values
    "Imag",  # the same
    # keras.ops.slice_update on TensorFlow: Swin's shifted-window attention mask
    # (docs/reproducers/deployment/openvino_slice_update.py)
    "XlaDynamicUpdateSlice",
    # Every model on jax: Keras's OpenVINO export converts it through jax2tf, whose native
    # serialization is one XlaCallModule op (docs/reproducers/deployment/openvino_jax.py)
    "XlaCallModule",
)
"""TensorFlow ops OpenVINO's TensorFlow frontend has no conversion for, each seen in the
corpus (``docs/corpus.md``), one line each with the layer that makes it; any other fails
its case."""

_OPENVINO_CONVERSION_GAP = _listed_ops_gap(
    _unconverted_openvino_ops,
    OPENVINO_UNCONVERTED_OPS,
    "OpenVINO's TensorFlow frontend has no conversion for this model's {ops}",
)
_OPENVINO_PARAMETERS_GAP = _op_gap(
    (
        (
            r"unregistered_parameters",
            "OpenVINO's converter cannot take this model's lookup-table parameters",
        ),
    )
)


def _openvino_op_gap(model, stage: str, error: BaseException) -> str | None:
    return (
        _OPENVINO_CONVERSION_GAP(model, stage, error)
        or _OPENVINO_PARAMETERS_GAP(model, stage, error)
        or _jax_trace_gap(model, stage, error)
    )


def _onnx_gap(model, stage: str, error: BaseException) -> str | None:
    return _ONNX_OP_GAP(model, stage, error) or _jax_trace_gap(model, stage, error)


def _export_repro(fmt: str, file_name: str, load: str) -> str:
    return (
        "if not model._called:  # the exporter refuses a model never called\n"
        "    model(keras.tree.map_structure(\n"
        "        lambda t: np.zeros([1] + [d or 1 for d in t.shape[1:]], t.dtype),\n"
        "        model._inputs_struct), training=False)\n"
        f'model.export(os.path.join(WORKDIR, "{file_name}"), format="{fmt}", verbose=False)\n'
        f"{load}"
    )


PEAK_RTOL = 6e-6
"""Every runtime row's part relative to the output's largest magnitude
(``Tolerance.peak_rtol``): float32 runtimes reorder sums, so a faithful export's outputs
move with the scale of the whole output. Measured on the logits of one application per
family (``classifier_activation=None``, inputs uniform in [-128, 128], one build each):
the row is at least twice the largest |runtime - Keras| / max |Keras| measured there
(``docs/results.md``, with the command). The absolute rows alone failed
NASNetMobile's faithful ONNX export (logits up to 822, a difference of 4.1e-4)."""


def _onnx_export_memory(model) -> int:
    """tf2onnx holds many copies of the weights while it converts. The export's peak RSS
    above the built model, measured on seven applications (keras 3.15.1, tf2onnx 1.17;
    ``docs/reproducers/deployment/onnx_export_memory.py``, docs/results.md), is
    1.0-14.5 GiB, at most 1.2 GiB + 30.1 x the parameter bytes (EfficientNetV2L); 32 x
    leaves a margin. ConvNeXtLarge by it: 24.8 GiB (it was OOM-killed at 24.3 GB on this
    23 GiB machine)."""
    from keras_gate.engine.runtime.memory import GIB, parameter_bytes

    return 32 * parameter_bytes(model) + int(1.2 * GIB)


DEPLOYMENT_FORMATS: tuple[RoundTripFormat, ...] = (
    RoundTripFormat(
        "onnx",
        ".onnx",
        "ONNX export: model.export('m.onnx', format='onnx') run with onnxruntime",
        save=_exporter("onnx"),
        load=_load_onnx,
        predict=_predict_onnx,
        signature=_onnx_signature,
        limitation=_onnx_gap,
        memory=_onnx_export_memory,
        requires=("onnxruntime", "onnx"),
        extra="onnx",
        # Keras exports through tf2onnx on tensorflow, jax2onnx on jax and torch.onnx's
        # dynamo exporter (which imports onnxscript) on torch.
        backend_requires={
            "tensorflow": (("tf2onnx",), "onnx"),
            "jax": (("jax2onnx",), "onnx-jax"),
            "torch": (("onnxscript",), "onnx-torch"),
        },
        keras_min="3.8.0",
        core=False,
        deployment=True,
        repro=_export_repro(
            "onnx",
            "model.onnx",
            "import onnxruntime\n"
            'session = onnxruntime.InferenceSession(os.path.join(WORKDIR, "model.onnx"))\n'
            "def revived(x):\n"
            "    flat = [np.asarray(v) for v in keras.tree.flatten(x)]\n"
            "    return session.run(None, dict(zip([i.name for i in session.get_inputs()], flat)))",
        ),
        tolerances={("float32", "cpu"): Tolerance(rtol=0.0, atol=3e-5, peak_rtol=PEAK_RTOL)},
    ),
    RoundTripFormat(
        "litert",
        ".tflite",
        "LiteRT export: model.export('m.tflite', format='litert') run with ai-edge-litert",
        save=_exporter("litert"),
        load=_load_litert,
        predict=_predict_litert,
        limitation=_litert_gap,
        requires=("ai_edge_litert",),
        extra="litert",
        keras_min="3.13.0",
        # Keras has no LiteRT exporter for jax; on torch it converts with litert-torch.
        backends=("tensorflow", "torch"),
        backend_requires={"torch": (("litert_torch",), "litert-torch")},
        backend_keras_min={"torch": "3.15.0"},
        core=False,
        deployment=True,
        repro=_export_repro(
            "litert",
            "model.tflite",
            "from ai_edge_litert.interpreter import Interpreter\n"
            'interpreter = Interpreter(model_path=os.path.join(WORKDIR, "model.tflite"))\n'
            "def revived(x):\n"
            "    flat = [np.asarray(v) for v in keras.tree.flatten(x)]\n"
            "    for detail, value in zip(interpreter.get_input_details(), flat):\n"
            '        interpreter.resize_tensor_input(detail["index"], value.shape)\n'
            "    interpreter.allocate_tensors()\n"
            "    for detail, value in zip(interpreter.get_input_details(), flat):\n"
            '        interpreter.set_tensor(detail["index"], value)\n'
            "    interpreter.invoke()\n"
            "    details = interpreter.get_output_details()\n"
            '    return [interpreter.get_tensor(d["index"]) for d in details]',
        ),
        tolerances={("float32", "cpu"): Tolerance(rtol=0.0, atol=2.6e-3, peak_rtol=PEAK_RTOL)},
    ),
    RoundTripFormat(
        "openvino",
        ".xml",
        "OpenVINO export: model.export('m.xml', format='openvino') run with the OpenVINO runtime",
        save=_exporter("openvino"),
        load=_load_openvino,
        predict=_predict_openvino,
        limitation=_openvino_op_gap,
        requires=("openvino",),
        extra="openvino",
        keras_min="3.11.0",
        core=False,
        deployment=True,
        repro=_export_repro(
            "openvino",
            "model.xml",
            "import openvino\n"
            'compiled = openvino.Core().compile_model(os.path.join(WORKDIR, "model.xml"), "CPU", '
            '{"INFERENCE_PRECISION_HINT": "f32"})\n'
            "def revived(x):\n"
            "    result = compiled([np.asarray(v) for v in keras.tree.flatten(x)])\n"
            "    return [result[port] for port in compiled.outputs]",
        ),
        tolerances={("float32", "cpu"): Tolerance(rtol=0.0, atol=1.8e-3, peak_rtol=PEAK_RTOL)},
    ),
)
"""The runtimes' formats. Tolerance rows (float32, CPU): twice the largest difference
measured against Keras's inference on the suite's models (``pytest tests/regression
--scenarios=deploy``), over the settings that change Keras's own float32 result: under
``-n 2`` (one thread per worker) and in one process (two threads), oneDNN on and off
(docs/results.md): onnx 1.33e-5
(MobileNetV2; the EfficientNets cannot run, see ``onnx-normalization-inputs``), litert
1.26e-3 (EfficientNetV2B0, one process, oneDNN off) and openvino 8.89e-4 (EfficientNetV2B0,
one process, oneDNN on). EfficientNetV2B0's own output moves by about 1e-3 between these
settings, so a row from one setting (6.93e-4 and 5.41e-4) was a false red waiting
for another runner."""
