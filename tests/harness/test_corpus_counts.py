"""The corpus's counts in docs/corpus.md are the code's (no keras-hub import needed)."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_corpus_counts_match_the_code(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "corpus"))
    for name in [m for m in sys.modules if m.startswith("corpus_models")]:
        monkeypatch.delitem(sys.modules, name)
    from corpus_models import applications, guides, hub, zoo

    from keras_gate import CORE_FORMATS
    from keras_gate.api import settings_of

    rows = hub.BACKBONES.values()
    counts = {
        "keras-hub models": len(hub.KERAS_HUB),
        "backbone rows": len(hub.BACKBONES),
        "distinct backbone classes": len({row[0] for row in rows}),
        "tasks": sum(1 for row in rows if row[2]),
        "Tasks with their tokenizer": len(hub.TOKENIZED),
        "applications": len(applications.APPLICATIONS),
        "idioms": len(guides.GUIDES),
        "models": len(zoo.MODELS),
        "round-trip cases": sum(
            len(settings_of(factory).formats or CORE_FORMATS) for factory in zoo.MODELS.values()
        ),
        "models, one per class": len(zoo.CI_SLICE),
    }
    text = " ".join((ROOT / "docs" / "corpus.md").read_text().split()).replace("*", "")
    for what, count in counts.items():
        assert re.search(rf"\b{count} {re.escape(what)}", text), f"docs/corpus.md: {count} {what}"
