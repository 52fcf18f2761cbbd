"""The suite's counts in README.md and docs/how-to/suite.md come from the code.

The suite page's blocks are generated (``python -m fixtures.suite_counts --write
docs/how-to/suite.md`` makes them anew); a page that says another count than the suite
collects fails here, and so does a README whose figures name other counts.
"""

import re
import subprocess
import sys
from pathlib import Path

from fixtures import suite_counts
from fixtures.model_registry import MODELS

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()
SUITE_PAGE = (ROOT / "docs" / "how-to" / "suite.md").read_text()


def test_the_suite_page_blocks_are_what_the_code_generates():
    assert set(suite_counts.block_names(SUITE_PAGE)) == set(suite_counts.BLOCKS)
    assert suite_counts.render(SUITE_PAGE) == SUITE_PAGE, (
        "docs/how-to/suite.md's generated blocks are stale: run python -m "
        "fixtures.suite_counts --write docs/how-to/suite.md"
    )


def test_a_wrong_count_on_the_suite_page_is_caught():
    block = SUITE_PAGE[SUITE_PAGE.index("<!-- suite_counts:scenarios -->") :]
    right = re.search(r"\| (\d+) \|", block).group(1)
    wrong = SUITE_PAGE.replace(f"| {right} |", f"| {int(right) + 1} |", 1)
    assert suite_counts.render(wrong) != wrong
    assert suite_counts.render(wrong) == SUITE_PAGE


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
    assert f"on all {len(MODELS)} models" in SUITE_PAGE


def test_the_readme_counts_the_default_run_as_collected():
    cases = suite_counts.cases("default")
    built = {case.build_key for case in cases}
    assert f"`-n auto tests/regression`: {len(cases)} cases, {len(built)} built models" in README
