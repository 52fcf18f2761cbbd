"""The preprocessing check: a keras-hub Task's preprocessor comes back making the same
features of the same texts (its tokenizer's vocabulary and merges are assets beside the
config, so a config that compares equal can still tokenize differently).

For formats that promise the preprocessor (``RoundTripFormat.carries_preprocessor``:
keras-hub presets) and models that have one with a tokenizer; elsewhere nothing to do.
"""

from __future__ import annotations

import numpy as np

from keras_gate.engine.checks.protocol import Check, Difference, Finding

TEXT_SEED = 0
"""Seed of the texts the tokenizer is asked to read (words of its own vocabulary)."""
FIXED_TEXTS = ("The quick brown fox jumps over the lazy dog.", "", "zzqx unseen-word 12345")
"""Texts every tokenizer reads besides the seeded ones: plain English, the empty text and
words no small vocabulary has."""


def seeded_texts(tokenizer, count: int = 3, words: int = 8) -> list[str]:
    """``count`` texts of ``words`` words drawn (seeded) from the tokenizer's own
    vocabulary, then :data:`FIXED_TEXTS`."""
    rng = np.random.default_rng(TEXT_SEED)
    vocabulary = [str(token) for token in tokenizer.get_vocabulary()]
    texts = [
        " ".join(rng.choice(vocabulary, size=words).tolist()) if vocabulary else ""
        for _ in range(count)
    ]
    return texts + list(FIXED_TEXTS)


def _plain(value):
    """Nested lists of Python numbers (a ragged tensor's rows keep their lengths)."""
    if isinstance(value, dict):
        return {key: _plain(value[key]) for key in sorted(value)}
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if hasattr(value, "to_list"):  # tf.RaggedTensor
        return value.to_list()
    return np.asarray(value).tolist()


def preprocessor_outputs(model) -> dict | None:
    """What the model's preprocessor and its tokenizer make of the seeded texts:
    ``{"texts", "tokenizer", "preprocessor"}``; None where there is no tokenizer.

    Every draw seeded alike: a masked-LM preprocessor masks at random by design, and
    two calls under one seed mask alike, as a user's own would."""
    from keras_gate.engine.runtime.trial import same_randomness

    preprocessor = getattr(model, "preprocessor", None)
    tokenizer = getattr(preprocessor, "tokenizer", None)
    if tokenizer is None:
        return None
    texts = seeded_texts(tokenizer)
    with same_randomness(TEXT_SEED):
        tokens = _plain(tokenizer(texts))
    with same_randomness(TEXT_SEED):
        features = _plain(preprocessor(texts))
    return {"texts": texts, "tokenizer": tokens, "preprocessor": features}


def preprocessing_differences(before: dict | None, after: dict | None) -> list[Difference]:
    if before is None:
        return []
    if after is None:
        return [
            Difference("the preprocessor's tokenizer did not come back", "tokenizer", "missing")
        ]
    lines = []
    for part in ("tokenizer", "preprocessor"):
        if before[part] == after[part]:
            continue
        if isinstance(before[part], dict):
            keys = [k for k in before[part] if before[part][k] != after[part].get(k)]
        else:
            keys = [""]
        for key in keys:
            where = f"{part}[{key!r}]" if key else part
            was = before[part][key] if key else before[part]
            now = after[part].get(key) if key else after[part]
            # One row per text (a tokenizer's ids, a classifier's features); a causal LM's
            # preprocessor gives (x, y, sample_weight): no text to name, shown whole.
            per_text = isinstance(was, list) and len(was) == len(before["texts"])
            row = next((i for i, (a, b) in enumerate(zip(was, now)) if a != b), None)
            row = row if per_text else None
            on = f" on {before['texts'][row]!r}" if row is not None else ""
            lines.append(
                Difference(
                    f"{where} differs{on}: {_short(was, row)} -> {_short(now, row)}",
                    where,
                    "values",
                )
            )
    return lines


def _short(value, row):
    shown = value[row] if row is not None and row < len(value) else value
    text = repr(shown)
    return text if len(text) <= 80 else text[:77] + "..."


class Preprocessing(Check):
    """The preprocessor's tokenizer and features on seeded texts, before and after."""

    name = "preprocessing"
    # The texts from this module's constants (the same texts as the check reads).
    repro = f"""
    def reproduce(ctx):
        tok = getattr(getattr(ctx.model, "preprocessor", None), "tokenizer", None)
        if tok is None:
            return []
        rng = np.random.default_rng({TEXT_SEED})
        vocabulary = [str(t) for t in tok.get_vocabulary()]
        texts = [" ".join(rng.choice(vocabulary, size=8).tolist()) for _ in range(3)]
        texts += {list(FIXED_TEXTS)!r}
        def plain(v):
            if isinstance(v, dict):
                return {{k: plain(v[k]) for k in sorted(v)}}
            if isinstance(v, (tuple, list)):
                return [plain(item) for item in v]
            return v.to_list() if hasattr(v, "to_list") else np.asarray(v).tolist()
        lines = []
        for part, of in (("tokenizer", lambda m: m.preprocessor.tokenizer),
                         ("preprocessor", lambda m: m.preprocessor)):
            if plain(of(ctx.model)(texts)) != plain(of(ctx.revived)(texts)):
                lines.append(f"preprocessing: {{part}} differs on seeded texts")
        return lines
    """

    def applies_to(self, fmt) -> bool:
        return bool(getattr(fmt, "carries_preprocessor", False))

    def record(self, trip):
        try:
            return preprocessor_outputs(trip.built.model)
        except Exception:  # the model as built cannot read them: nothing to compare
            return None

    def findings(self, trip) -> list[Finding]:
        before = trip.recorded.get(self.name)
        if before is None:
            return []
        try:
            after = preprocessor_outputs(trip.revived)
        except Exception as error:  # the original read them: the round trip broke it
            line = f"the revived preprocessor raised {type(error).__name__}: {error}"
            return [Finding(self.name, line.splitlines()[0], "preprocessor", "raises")]
        lines = preprocessing_differences(before, after)
        if lines and preprocessing_differences(before, preprocessor_outputs(trip.built.model)):
            # The original itself reads them otherwise on a second seeded call:
            # randomness the gate cannot hold still, not the round trip.
            trip.notes.append(
                f"{self.name}: not compared: the model as built makes other features of "
                "the same texts on two seeded calls"
            )
            return []
        return [Finding.of(self.name, line) for line in lines]
