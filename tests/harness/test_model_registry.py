"""The model registry and the markers and ids derived from it."""

import pytest
from batched_runs import run_pytest_batch

from fixtures.model_registry import FAMILIES, MODELS, get_model
from fixtures.suite import SuiteOptions, suite_cases
from keras_gate.engine.formats import FORMATS


def test_registry_has_the_nineteen_models():
    names = [spec.constructor for spec in MODELS]
    assert len(names) == len(set(names)) == 19
    assert names[:8] == [f"EfficientNetB{i}" for i in range(8)]
    assert (
        {spec.family for spec in MODELS}
        == set(FAMILIES)
        == {"efficientnet", "efficientnetv2", "mobilenet"}
    )


def test_every_model_has_a_marker_of_its_own():
    # `mobilenet` is the family; MobileNet v1 alone is `mobilenetv1`.
    markers = [spec.marker for spec in MODELS]
    assert len(set(markers)) == len(MODELS)
    assert not set(FAMILIES) & set(markers)
    assert not {fmt.name for fmt in FORMATS} & set(markers)
    assert get_model("MobileNet").marker == "mobilenetv1"


def test_unknown_model_names_the_known_ones():
    with pytest.raises(KeyError, match="EfficientNetB0"):
        get_model("EfficientNetB9")


# One case per model: 48 s in one test left a worker alone at the end of the run.
@pytest.mark.parametrize("spec", MODELS, ids=[spec.constructor for spec in MODELS])
def test_registry_matches_what_keras_builds_and_requests(spec):
    """Constructor exists, native resolution accepted, official file name as Keras asks."""
    import keras

    from fixtures.weight_sources import intercept_weight_download

    class Requested(Exception):
        pass

    def capture(request, fetch):
        raise Requested(request.fname)

    constructor = getattr(keras.applications, spec.constructor)
    # In a StatelessScope Keras defers the variables' initial values, and leaving it
    # without initializing them skips making them at all: the architecture and the
    # request are what is checked here, not values (EfficientNetB7: 7.0 s -> 2.6 s).
    try:
        with intercept_weight_download(capture), pytest.raises(Requested) as seen:
            with keras.StatelessScope(initialize_variables=False):
                constructor(
                    weights="imagenet",
                    include_top=False,
                    input_shape=(spec.resolution, spec.resolution, 3),
                )
    finally:
        # Drops the variables left uninitialized: another scope's exit would make them.
        keras.backend.clear_session()
    assert str(seen.value) == spec.official_weights_file, spec.constructor


SEED = " and functional_head and fresh and float32 and unquantized"
"""Narrows an expression to the seed scenario (the other scenarios have their own tests)."""

EXPRESSIONS = [
    ("efficientnet and keras_v3" + SEED, [f"EfficientNetB{i}-keras_v3" for i in range(8)]),
    ("efficientnetb0 and keras_v3" + SEED, ["EfficientNetB0-keras_v3"]),
    ("mobilenetv3small", ["MobileNetV3Small-keras_v3", "MobileNetV3Small-h5"]),
    (
        "mobilenet and h5" + SEED,
        [f"{m}-h5" for m in ("MobileNet", "MobileNetV2", "MobileNetV3Small", "MobileNetV3Large")],
    ),
    (
        "efficientnetv2 and h5 and not heavy" + SEED,
        [f"EfficientNetV2{s}-h5" for s in ("B0", "B1", "B2", "B3", "S")],
    ),
    (
        "sequential and keras_v3",
        [f"{m}-sequential-keras_v3" for m in ("EfficientNetB0", "EfficientNetV2B0", "MobileNetV2")],
    ),
    ("efficientnetb0 and mixed_float16 and h5", ["EfficientNetB0-mixed_float16-h5"]),
    ("mobilenetv1", ["MobileNet-keras_v3", "MobileNet-h5"]),
]

COLLECT = ["--co", "-q", "tests/regression/test_roundtrip.py"]
MISSPELT = ["-m", "EfficientNetB3 and keras_v3"]
RUNS = {
    **{expression: [*COLLECT, "-m", expression] for expression, _ in EXPRESSIONS},
    "every": COLLECT,
    "not heavy": [*COLLECT, "-m", "not heavy"],
    "misspelt": [*COLLECT, *MISSPELT],
    "misspelt under xdist": [*COLLECT, *MISSPELT, "-n", "2"],
    "unknown -k": ["-q", "tests/regression", "-k", "EfficientNetB9"],
}
"""The pytest runs this module reads, made in one interpreter (``batched_runs``)."""


@pytest.fixture(scope="module")
def runs():
    return run_pytest_batch(RUNS)


def _ids(ran):
    return [line.split("[", 1)[1].rstrip("]") for line in ran.stdout.splitlines() if "::" in line]


@pytest.mark.parametrize(("expression", "expected"), EXPRESSIONS)
def test_marker_expressions_select_what_they_say(runs, expression, expected):
    result = runs[expression]
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(_ids(result)) == sorted(expected)


def test_not_heavy_drops_exactly_the_heavy_models(runs):
    every, light = _ids(runs["every"]), _ids(runs["not heavy"])
    heavy = {spec.constructor for spec in MODELS if spec.heavy}
    assert light == [i for i in every if i.split("-")[0] not in heavy]
    assert len(light) < len(every)


def test_cases_are_ordered_heaviest_first_and_grouped_by_built_model(runs):
    ids = _ids(runs["every"])
    options = SuiteOptions("synthetic", cache_dir=None)
    assert len(ids) == len([c for c in suite_cases(options) if c.check == "roundtrip"])
    built = [i.rsplit("-", 1)[0] for i in ids]  # model plus scenario: one build each
    groups = [b for i, b in enumerate(built) if i == 0 or built[i - 1] != b]
    assert len(groups) == len(set(built)), "a built model's cases must be adjacent"
    costs = [get_model(b.split("-")[0]).cost for b in groups]
    assert costs == sorted(costs, reverse=True)


@pytest.mark.parametrize("run", ["misspelt", "misspelt under xdist"], ids=["no-xdist", "xdist"])
def test_a_model_in_its_constructor_spelling_suggests_its_marker(runs, run):
    result = runs[run]
    assert result.returncode == pytest.ExitCode.USAGE_ERROR
    assert "'EfficientNetB3' is spelled 'efficientnetb3' as a marker" in result.stderr


def test_a_k_that_matches_no_model_names_the_models(runs):
    result = runs["unknown -k"]
    assert result.returncode == pytest.ExitCode.NO_TESTS_COLLECTED
    assert "-k 'EfficientNetB9' selected no case; the models are: EfficientNetB0" in result.stdout


def test_heavy_models_hold_activations_at_their_reduced_resolution_on_native_weights(
    monkeypatch,
):
    """A heavy model's trained or eagerly called scenario builds at ``reduced_resolution``;
    its weights stay the native row's (calibrated at the native resolution, one cache file)."""
    from fixtures import seed_model
    from fixtures.scenarios import TRAINING_STATES, WRAPPERS, Scenario

    asked = []

    class Built(Exception):
        pass

    def build_application(spec, weights, synthetic_weights, resolution=0, **options):
        asked.append((spec, resolution))
        raise Built

    monkeypatch.setattr(seed_model, "build_application", build_application)
    b7 = get_model("EfficientNetB7")
    scenarios = [Scenario(training=training) for training in TRAINING_STATES]
    scenarios += [Scenario(wrapper=wrapper) for wrapper in WRAPPERS[1:]]
    for scenario in scenarios:
        with pytest.raises(Built):
            seed_model.build_seed_model(b7, "synthetic", None, scenario)
    assert [spec for spec, _ in asked] == [b7] * len(scenarios)
    # fresh, frozen, partially_frozen, fine_tuned; sequential, training_false,
    # nested_twice (walked as a graph), subclassed (Keras's eager call).
    assert [resolution for _, resolution in asked] == [600, 224, 224, 224, 600, 600, 600, 224]
    assert {spec.reduced_resolution for spec in MODELS if spec.heavy} == {224}
    assert not any(spec.reduced_resolution for spec in MODELS if not spec.heavy)
    b0 = get_model("EfficientNetB0")
    assert b0.built_at(Scenario(training=TRAINING_STATES[-1])) == b0
