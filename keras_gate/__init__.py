"""keras_gate: a pytest regression gate for Keras model serialization.

Installed, it is a pytest plugin (entry point ``keras_gate``). Point it at your
models with the ini option ``keras_gate_models``, or call the
``keras_roundtrip`` fixture in any test. Everything a project needs is
importable from here; nothing here imports Keras until a model is built.
"""

from keras_gate._version import __version__
from keras_gate.api import DEFAULT_VARIANT, GateModel, ModelSettings, Variant, model
from keras_gate.collect.cases import ORIGINAL, GateCase
from keras_gate.engine.built_model import BuiltModel, prepare_model
from keras_gate.engine.checks import CHECKS, Check, Finding
from keras_gate.engine.checks.failures import PredictionMismatch, StateMismatch
from keras_gate.engine.checks.predictions import OutputDifference, output_difference
from keras_gate.engine.formats import (
    CORE_FORMATS,
    DEPLOYMENT_FORMATS,
    FORMATS,
    HUB_FORMATS,
    RoundTripError,
    RoundTripFormat,
    all_formats,
    export_format,
    get_format,
    register_format,
)
from keras_gate.engine.known_failures import (
    KnownFailure,
    KnownFailureReproduced,
    expected_failure,
    load_known_failures,
)
from keras_gate.engine.oracle import (
    GroundTruthViolation,
    check_against_weights,
    register_weight_oracle,
)
from keras_gate.engine.roundtrip import RoundTripResult, check_round_trip
from keras_gate.engine.runtime.eager_steps import eager_steps
from keras_gate.engine.runtime.graph_walk import run_graph, walk_graph
from keras_gate.engine.runtime.inputs import derive_inputs
from keras_gate.engine.runtime.outputs import (
    inference_mismatches,
    inference_path,
    predict_outputs,
)
from keras_gate.engine.runtime.seeds import random_state, stable_seed
from keras_gate.engine.runtime.versions import keras_backend, keras_version, stack_versions
from keras_gate.engine.runtime.weight_cache import (
    CACHE_ENV,
    WeightCache,
    WeightCacheError,
    default_cache_dir,
)
from keras_gate.engine.tolerances import TOLERANCES, Tolerance, tolerance_for
from keras_gate.engine.upstream import UPSTREAM, upstream_entry

__all__ = [
    "__version__",
    "eager_steps",
    "CACHE_ENV",
    "CHECKS",
    "Check",
    "Finding",
    "all_formats",
    "output_difference",
    "OutputDifference",
    "register_format",
    "register_weight_oracle",
    "CORE_FORMATS",
    "DEPLOYMENT_FORMATS",
    "DEFAULT_VARIANT",
    "FORMATS",
    "HUB_FORMATS",
    "ORIGINAL",
    "TOLERANCES",
    "GateCase",
    "GateModel",
    "GroundTruthViolation",
    "KnownFailure",
    "KnownFailureReproduced",
    "ModelSettings",
    "PredictionMismatch",
    "RoundTripError",
    "RoundTripFormat",
    "RoundTripResult",
    "StateMismatch",
    "BuiltModel",
    "Tolerance",
    "Variant",
    "WeightCache",
    "WeightCacheError",
    "check_against_weights",
    "check_round_trip",
    "export_format",
    "default_cache_dir",
    "derive_inputs",
    "expected_failure",
    "UPSTREAM",
    "upstream_entry",
    "get_format",
    "inference_mismatches",
    "inference_path",
    "keras_backend",
    "keras_version",
    "load_known_failures",
    "predict_outputs",
    "prepare_model",
    "model",
    "random_state",
    "run_graph",
    "stable_seed",
    "stack_versions",
    "tolerance_for",
    "walk_graph",
]
