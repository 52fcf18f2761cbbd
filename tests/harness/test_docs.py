"""The documentation says what the code does: reference pages generated from it, snippets
taken from files the tests run, commands that name real options, and the product's own
vocabulary (no development log)."""

import re
from pathlib import Path

import pytest

from keras_gate import plugin, reference
from keras_gate.engine.formats import RoundTripFormat
from keras_gate.engine.formats.registry import register_format, unregister_format

ROOT = Path(__file__).parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
# Where a snippet may come from: files that .ci/run's test command or example runs use.
SNIPPET_SOURCES = ("examples", "corpus", "tests", "scripts", "keras_gate")
FENCE = re.compile(
    r"^(?P<indent> *)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)


def _blocks(path: Path, languages: set[str]):
    for match in FENCE.finditer(path.read_text()):
        if match["lang"] in languages:
            yield match["body"]


def test_the_reference_pages_are_what_the_code_generates():
    directory = ROOT / "docs" / "reference"
    for name, text in reference.render().items():
        assert (directory / name).read_text() == text, (
            f"docs/reference/{name} is stale: run python -m keras_gate.reference "
            "--write docs/reference"
        )
    assert {p.name for p in directory.glob("*.md")} == set(reference.PAGES)


def test_an_option_added_without_its_page_changing_is_caught(monkeypatch):
    before = reference.options_page()
    original = plugin.pytest_addoption

    def with_one_more(parser):
        original(parser)
        parser.getgroup("keras-gate").addoption("--brand-new", help="a new option")

    monkeypatch.setattr(plugin, "pytest_addoption", with_one_more)
    after = reference.options_page()
    assert after != before and "`--brand-new=VALUE`" in after


def test_a_format_added_without_its_page_changing_is_caught():
    before = reference.formats_page()
    fmt = RoundTripFormat("brand_new", ".bn", "a new format")
    register_format(fmt)
    try:
        assert "`brand_new`" in reference.formats_page() != before
    finally:
        unregister_format("brand_new")


def _found_in_a_tested_file(snippet: str) -> bool:
    lines = snippet.rstrip("\n").split("\n")
    for directory in SNIPPET_SOURCES:
        for path in (ROOT / directory).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".toml", ".yml", ".yaml"):
                text = path.read_text().split("\n")
                for i in range(len(text) - len(lines) + 1):
                    if text[i : i + len(lines)] == lines:
                        return True
    return False


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_code_snippet_comes_from_a_file_that_runs(page):
    for body in _blocks(page, {"python", "toml", "yaml"}):
        include = re.fullmatch(r'--8<-- "([^":]+)(?::\d+:\d+)?"\n', body)
        if include:
            assert (ROOT / include[1]).is_file(), f"{page}: includes a missing {include[1]}"
            continue
        assert _found_in_a_tested_file(body), (
            f"{page.relative_to(ROOT)}: this snippet is in no file the tests run "
            f"(take it from one, or include one with --8<--):\n{body}"
        )


def test_a_snippet_edited_by_hand_is_caught():
    snippet = next(_blocks(ROOT / "README.md", {"toml"}))
    assert _found_in_a_tested_file(snippet)
    assert not _found_in_a_tested_file(snippet.replace("text_classifier", "text_clasifier"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_pytest_command_names_real_options(page, pytestconfig):
    parser = pytestconfig._parser  # every plugin this run loaded, the suite's options too
    known = {name for option in parser._anonymous.options for name in option.names()}
    known |= {name for group in parser._groups for o in group.options for name in o.names()}
    for body in _blocks(page, {"bash"}):
        for line in body.split("\n"):
            if re.match(r"\s*(\S*python\S* -m )?pytest\b", line):
                command = line.split("#")[0]
                used = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*)", command))
                assert used <= known, f"{page.relative_to(ROOT)}: {line!r}: {used - known}"


DEVELOPMENT_LOG = re.compile(r"\b[Ss]tops? \d+\b|(?<![\w/#-])(?<!layer )#\d{1,3}\b")
"""This project's own history: "stop 12", "#23" (an upstream reference names its
repository: keras#20147, pytest-dev/pytest-xdist#1378)."""


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_product_speaks_without_its_development_log(page):
    found = [m.group(0) for m in DEVELOPMENT_LOG.finditer(page.read_text())]
    assert found == [], f"{page.relative_to(ROOT)}: {found}"
