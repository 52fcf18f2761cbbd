"""README.md's numbers and options come from the code: generated blocks, checked here.

A README that says another count than the suite collects, or names an option pytest
does not know (or leaves one out), fails; ``python -m fixtures.suite_counts --write
README.md`` makes the blocks anew.
"""

import re
import subprocess
import sys
from pathlib import Path

from fixtures import suite_counts
from fixtures.model_registry import MODELS

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()


def test_the_readme_blocks_are_what_the_code_generates():
    assert set(suite_counts.block_names(README)) == set(suite_counts.BLOCKS)
    assert suite_counts.render(README) == README, (
        "README.md's generated blocks are stale: run python -m fixtures.suite_counts "
        "--write README.md"
    )


def test_a_wrong_count_in_the_readme_is_caught():
    block = README[README.index("<!-- suite_counts:scenarios -->") :]
    right = re.search(r"\| (\d+) \|", block).group(1)
    wrong = README.replace(f"| {right} |", f"| {int(right) + 1} |", 1)
    assert suite_counts.render(wrong) != wrong
    assert suite_counts.render(wrong) == README


def test_the_counted_cases_are_the_collected_ones():
    # The generator counts the suite's own case table; pytest must collect exactly those.
    expression = suite_counts.EXAMPLES[1][0]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--co", "-q"]
        + ["tests/regression", "-m", expression],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    collected = sorted(line for line in result.stdout.splitlines() if "::" in line)
    test_of = {
        "roundtrip": "test_roundtrip.py::test_round_trip",
        "oracle": "test_state_oracle.py::test_state_oracle",
    }
    counted = sorted(
        f"tests/regression/{test_of[case.check]}[{case.id}]"
        for case in suite_counts.selected(expression)
    )
    assert collected == counted, result.stdout[-2000:] + result.stderr[-2000:]


def test_the_readme_names_the_models_as_counted():
    assert f"({len(MODELS)} `keras.applications` models" in README


def test_the_options_table_lists_every_option_and_only_real_ones(pytestconfig):
    parser = pytestconfig._parser  # the options as --help lists them
    ours = {
        name
        for group in parser._groups
        if group.name in ("keras-gate", "keras-gate-suite")
        for option in group.options
        for name in option.names()
        if name.startswith("--")
    }
    known = {name for option in parser._anonymous.options for name in option.names()}
    known |= {name for group in parser._groups for o in group.options for name in o.names()}
    table = README[README.index("## Options") : README.index("## Markers and test ids")]
    listed = set(re.findall(r"`(--[a-z-]+)", table))
    assert ours - listed == set(), "options missing from README's table"
    assert listed - known == set(), "README's table names options pytest does not know"


def test_the_readme_counts_the_default_run_as_collected():
    cases = suite_counts.cases("default")
    built = {case.build_key for case in cases}
    assert f"`-n auto tests/regression`: {len(cases)} cases, {len(built)} built models" in README
