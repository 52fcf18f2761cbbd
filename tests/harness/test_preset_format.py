"""keras-hub's preset format: a Task with its tokenizer goes through save_to_preset /
from_preset whole, a changed vocabulary or weight fails its case, and a model that is
no keras-hub model skips saying so."""

import dataclasses

import pytest

from keras_gate import StateMismatch, get_format, prepare_model
from keras_gate.engine.checks.preprocessing import preprocessor_outputs
from keras_gate.engine.roundtrip import check_round_trip

keras = pytest.importorskip("keras")
# keras-hub imported by these tests, on one worker, not by every worker's collection (1.5 s).
pytestmark = pytest.mark.xdist_group("keras-hub")


def _keras_hub():
    return pytest.importorskip("keras_hub")


@pytest.fixture(autouse=True)
def _needs_keras_hub():
    _keras_hub()  # every test here skips without keras-hub (the hub extra), at run time


VOCABULARY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "quick", "fox", "."]
VOCABULARY += [f"w{i}" for i in range(23)]


def _tokenized_task():
    keras_hub = _keras_hub()
    tokenizer = keras_hub.tokenizers.BertTokenizer(vocabulary=VOCABULARY)
    preprocessor = keras_hub.models.BertTextClassifierPreprocessor(tokenizer, sequence_length=8)
    backbone = keras_hub.models.BertBackbone(
        vocabulary_size=len(VOCABULARY),
        num_layers=1,
        num_heads=2,
        hidden_dim=8,
        intermediate_dim=16,
        max_sequence_length=8,
    )
    task = keras_hub.models.BertTextClassifier(backbone, num_classes=2, preprocessor=preprocessor)
    return prepare_model("tokenized_bert", task)


def _swapping_vocabulary(fmt):
    """The preset format, then two words of the saved vocabulary swapped: the config
    still compares equal, the tokenizer no longer does."""

    def save(model, path):
        fmt.save(model, path)
        (vocabulary,) = path.glob("assets/tokenizer/vocabulary.txt")
        words = vocabulary.read_text().splitlines()
        words[5], words[6] = words[6], words[5]  # "the" <-> "quick"
        vocabulary.write_text("\n".join(words) + "\n")

    return dataclasses.replace(fmt, save=save)


def test_a_task_and_its_tokenizer_come_back_whole(tmp_path):
    built = _tokenized_task()
    before = preprocessor_outputs(built.model)
    assert before is not None and any(before["tokenizer"])  # the check has texts to read
    fmt = get_format("preset")
    check_round_trip(built, fmt, tmp_path, fmt.tolerance("float32", "cpu"))
    assert {"task.json", "tokenizer.json", "model.weights.h5"} <= {
        p.name for p in (tmp_path / fmt.file_name).iterdir()
    }


def test_a_changed_vocabulary_fails_the_case_on_its_tokenizer(tmp_path):
    built = _tokenized_task()
    fmt = get_format("preset")
    with pytest.raises(StateMismatch) as failure:
        check_round_trip(
            built, _swapping_vocabulary(fmt), tmp_path, fmt.tolerance("float32", "cpu")
        )
    text = str(failure.value)
    assert "preprocessing: tokenizer differs on" in text, text
    assert "preprocessing: preprocessor['token_ids'] differs" in text, text


def test_a_changed_weight_in_the_preset_fails_the_case(tmp_path):
    built = _tokenized_task()
    fmt = get_format("preset")

    def save(model, path):
        fmt.save(model, path)
        import h5py

        with h5py.File(path / "model.weights.h5", "r+") as weights:
            found = []
            weights.visititems(
                lambda k, v: found.append(v) if isinstance(v, h5py.Dataset) else None
            )
            found[0][...] = found[0][...] + 1.0

    with pytest.raises(Exception, match="variables: ") as failure:
        check_round_trip(
            built, dataclasses.replace(fmt, save=save), tmp_path, fmt.tolerance("float32", "cpu")
        )
    assert type(failure.value).__name__ in {"PredictionMismatch", "StateMismatch"}


def test_a_model_that_is_no_keras_hub_model_is_not_for_the_preset_format():
    inputs = keras.Input((4,))
    plain = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    why = get_format("preset").unsupported_model(plain)
    assert why.startswith("preset (keras-hub's save_to_preset / from_preset) holds keras-hub")
    assert "Functional" in why
    assert get_format("preset").unsupported_model(_tokenized_task().model) is None
