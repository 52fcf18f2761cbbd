"""Find the first Keras release where a gate case's verdict changes.

    python -m keras_gate.bisect -m "efficientnetb0 and keras_v3" --range 3.0.0..3.15.1 [pytest args]

Runs pytest in the current directory (a project's config matrix, or the
EfficientNet suite with ``tests/regression`` among the pytest args).

Each release tried gets its own directory of Keras (``pip install --target``,
no dependencies) on top of this interpreter's backend and test stack, so a
release costs one small wheel, not a new environment. The selected cases run
raw (``--known-failures=off``) under that release; the verdict is ``pass`` or
``fail``. Releases come from ``pip index versions keras``; the search assumes
one verdict change inside the range (it checks both ends first and says so if
they agree).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from packaging.version import Version

DEFAULT_CACHE = Path(os.environ.get("KERAS_GATE_BISECT_CACHE", "~/.cache/keras-gate-bisect"))


def released_versions(low: Version, high: Version) -> list[Version]:
    """Final Keras releases in [low, high] that the package index offers."""
    output = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "keras"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next((ln for ln in output.splitlines() if ln.startswith("Available versions:")), "")
    found = [Version(v.strip()) for v in line.split(":", 1)[-1].split(",") if v.strip()]
    selected = sorted(v for v in found if low <= v <= high and not v.is_prerelease)
    if not selected:
        raise SystemExit(f"no keras release in {low}..{high} on the package index")
    return selected


def keras_dir(version: Version, cache: Path) -> Path:
    """A directory holding only Keras ``version``, installed once."""
    target = cache / f"keras-{version}"
    if (target / "keras").is_dir():
        return target
    partial = target.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)  # left by an interrupted install
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(partial),
            f"keras=={version}",
        ],
        check=True,
    )
    partial.rename(target)  # only complete installs are reused
    return target


def verdict(
    version: Version, selection: str, cache: Path, pytest_args: list[str]
) -> tuple[str, str]:
    """(signature, detail) of the selected cases under Keras ``version``.

    The signature is ``pass`` or ``fail: <exception classes>``, so a change of
    *how* a case fails (a load error turning into a state mismatch) counts too.
    """
    project = Path.cwd()
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(keras_dir(version, cache)), str(project)]),
        COLUMNS="400",  # room for the exception class in the short summary
    )
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-q",
        "-rf",
        "--known-failures=off",
        "-m",
        selection,
        *pytest_args,
    ]
    result = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    lines = result.stdout.strip().splitlines()
    tail = lines[-1] if lines else "(no output)"
    if result.returncode not in (0, 1):
        sys.stdout.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"keras {version}: pytest exited {result.returncode}: {tail}")
    if result.returncode == 0:
        return "pass", tail
    errors = sorted(set(re.findall(r"^FAILED \S+ - (?:[\w.]+\.)?(\w+)", result.stdout, re.M)))
    return f"fail: {', '.join(errors) or 'unknown'}", tail


def bisect(versions, judge) -> tuple[dict, Version | None]:
    """First version whose signature differs from the oldest one's; all results seen.

    ``judge(version) -> (signature, detail)``.
    """
    seen: dict[Version, tuple[str, str]] = {}

    def outcome(index: int) -> str:
        version = versions[index]
        if version not in seen:
            start = time.monotonic()
            seen[version] = judge(version)
            signature, detail = seen[version]
            print(
                f"keras {version}: {signature}  ({detail}) [{time.monotonic() - start:.0f} s]",
                flush=True,
            )
        return seen[version][0]

    low, high = 0, len(versions) - 1
    first = outcome(low)
    if outcome(high) == first:
        return seen, None
    while high - low > 1:
        middle = (low + high) // 2
        if outcome(middle) == first:
            low = middle
        else:
            high = middle
    return seen, versions[high]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-m",
        dest="selection",
        required=True,
        help="gate marker expression, e.g. 'efficientnetb0 and keras_v3'",
    )
    parser.add_argument(
        "--range",
        required=True,
        metavar="LOW..HIGH",
        help="Keras releases to search, inclusive, e.g. 3.0.0..3.15.1",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help=f"where per-release Keras directories live (default: {DEFAULT_CACHE})",
    )
    parser.add_argument("--json", type=Path, help="also write the verdicts here")
    args, pytest_args = parser.parse_known_args(argv)
    try:
        low, high = (Version(part) for part in args.range.split(".."))
    except ValueError:
        parser.error(f"--range {args.range!r}: expected LOW..HIGH, e.g. 3.0.0..3.15.1")
    cache = args.cache.expanduser()
    cache.mkdir(parents=True, exist_ok=True)
    versions = released_versions(low, high)
    print(f"{len(versions)} releases in {low}..{high}; selection -m {args.selection!r}")
    seen, changed = bisect(versions, lambda v: verdict(v, args.selection, cache, pytest_args))
    if changed is None:
        print(f"no verdict change: {versions[0]} and {versions[-1]} agree")
    else:
        before = versions[versions.index(changed) - 1]
        print(
            f"first release with a different verdict: keras {changed} "
            f"({seen[changed][0]}; keras {before}: {seen[before][0]})"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "selection": args.selection,
                    "range": args.range,
                    "first_change": str(changed) if changed else None,
                    "verdicts": {str(k): list(v) for k, v in sorted(seen.items())},
                },
                indent=2,
            )
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
