"""The compatibility matrix: which Keras releases are safe for which models and formats.

    python -m keras_gate.tools.compatibility verdicts/*.json --out docs/compatibility

Each input is a ``--save-verdicts`` file (or a ``--roundtrip-report`` JSON) of one
run: one Keras release on one backend. Writes ``OUT.md`` (a table: a row per model,
check and format; a column per release and backend, oldest first) and, with
matplotlib installed (the ``report`` extra), ``OUT.png``: the same as a heatmap.
A cell is ``pass``, ``known: <entry ids>`` (a strict xfail: the known-failure entry
that explains it), ``FAIL`` (a failure no entry explains: new), ``ERROR``,
``fixed: <entry ids>`` (a strict XPASS: the entry no longer reproduces), ``skip`` or
``-`` (not run there).

Exit status: 0; 2 for input that cannot be read (the message names the file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from packaging.version import InvalidVersion, Version

from keras_gate.report.record import CaseRecord, RecordsFileError, Verdict, read_records

KINDS = {
    # cell kind: (colour, meaning)
    "pass": ("#2e7d32", "passes"),
    "known": ("#f9a825", "fails as a known-failure entry says (an upstream defect)"),
    "FAIL": ("#c62828", "fails, explained by no entry: new"),
    "ERROR": ("#6a1b9a", "the case could not run (setup failed)"),
    "fixed": ("#1565c0", "a known-failure entry no longer reproduces (fixed upstream)"),
    "skip": ("#bdbdbd", "skipped (the format or backend cannot run it)"),
    "-": ("#ffffff", "not run with this release"),
}


def cell(record: CaseRecord | None) -> tuple[str, str]:
    """``(kind, text)`` of one case's cell (``KINDS``)."""
    if record is None:
        return "-", "-"
    verdict = record.verdict
    if verdict is Verdict.XFAIL:
        return "known", f"known: {', '.join(record.shown) or 'limitation'}"
    if verdict is Verdict.XPASS_STRICT:
        return "fixed", f"fixed: {', '.join(record.known_failures)}"
    if verdict in (Verdict.FAIL, Verdict.ERROR):
        return str(verdict), str(verdict)
    if verdict is Verdict.SKIP:
        return "skip", "skip"
    return "pass", "pass"


def _release_key(column: tuple[str, str]):
    keras, backend = column
    try:
        return (0, Version(keras), backend)
    except InvalidVersion:
        return (1, Version("0"), f"{keras} {backend}")


def load_runs(paths: list[Path]) -> tuple[dict, dict]:
    """``({(keras, backend): {case key: record}}, {(keras, backend): stack})``, oldest
    release first; ``RecordsFileError`` naming a file that cannot be read or repeats a
    release and backend."""
    runs: dict[tuple[str, str], dict[tuple, CaseRecord]] = {}
    stacks: dict[tuple[str, str], dict] = {}
    origin: dict[tuple[str, str], Path] = {}
    for path in paths:
        payload, records = read_records(path)
        stack = payload.get("stack", {})
        column = (str(stack.get("keras", "?")), str(stack.get("backend", "?")))
        if column in runs:
            raise RecordsFileError(
                f"{path}: keras {column[0]} on {column[1]} is also in {origin[column]}"
            )
        runs[column], stacks[column], origin[column] = {r.key: r for r in records}, stack, path
    order = sorted(runs, key=_release_key)
    return {c: runs[c] for c in order}, {c: stacks[c] for c in order}


def table(runs) -> tuple[list[tuple[str, str]], list[tuple], list[list[tuple[str, str]]]]:
    """Columns (release, backend), rows (case keys) and the cells, row by row."""
    columns = list(runs)
    keys = sorted(
        {key for records in runs.values() for key in records},
        key=lambda k: (k.model, k.check != "roundtrip", k.scenario != "default", k.scenario, k),
    )
    cells = [[cell(runs[column].get(key)) for column in columns] for key in keys]
    return columns, keys, cells


def markdown(runs, stacks: dict, picture: str | None = None) -> str:
    columns, keys, cells = table(runs)
    head = ["case", *(f"{keras} ({backend})" for keras, backend in columns)]
    lines = [
        "# Compatibility matrix",
        "",
        "Written by `python -m keras_gate.tools.compatibility` from one verdict file per Keras",
        "release and backend. A cell: "
        + "; ".join(f"`{kind}` {meaning}" for kind, (_, meaning) in KINDS.items())
        + ".",
        "",
    ]
    if picture:
        lines += [f"![compatibility matrix]({picture})", ""]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, row in zip(keys, cells):
        lines.append("| " + " | ".join([key.label, *(text for _, text in row)]) + " |")
    lines += ["", "## The stacks", "", "| column | stack (from its verdicts file) |", "|---|---|"]
    for (keras, backend), stack in stacks.items():
        shown = ", ".join(f"{k} {v}" for k, v in stack.items())
        lines.append(f"| {keras} ({backend}) | {shown} |")
    return "\n".join(lines) + "\n"


def heatmap(runs, path: Path) -> Path:
    """The table as a picture (matplotlib: the ``report`` extra)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    columns, keys, cells = table(runs)
    kinds = list(KINDS)
    values = [[kinds.index(kind) for kind, _ in row] for row in cells]
    figure, axes = plt.subplots(
        figsize=(2.2 + 0.55 * len(columns), 1.2 + 0.28 * len(keys)), dpi=110
    )
    axes.imshow(
        values,
        cmap=ListedColormap([colour for colour, _ in KINDS.values()]),
        vmin=0,
        vmax=len(kinds) - 1,
        aspect="auto",
    )
    axes.set_xticks(
        range(len(columns)),
        [f"{k} {b}" for k, b in columns],
        fontsize=7,
        rotation=45,
        ha="right",
        rotation_mode="anchor",
    )
    axes.set_yticks(range(len(keys)), [key.label for key in keys], fontsize=7)
    axes.set_xticks([x - 0.5 for x in range(1, len(columns))], minor=True)
    axes.set_yticks([y - 0.5 for y in range(1, len(keys))], minor=True)
    axes.grid(which="minor", color="white", linewidth=0.8)
    axes.tick_params(which="minor", length=0)
    axes.set_title("Keras serialization gate: verdict per release", fontsize=9)
    figure.legend(
        handles=[Patch(color=c, label=k) for k, (c, _) in KINDS.items() if k != "-"],
        loc="lower center",
        ncol=6,
        fontsize=7,
        frameon=False,
    )
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("verdicts", nargs="+", type=Path, help="one verdicts file per release")
    parser.add_argument("--out", required=True, type=Path, help="writes OUT.md (and OUT.png)")
    args = parser.parse_args(argv)
    try:
        runs, stacks = load_runs(args.verdicts)
    except RecordsFileError as error:
        print(f"keras_gate.tools.compatibility: {error}", file=sys.stderr)
        return 2
    out = args.out.with_suffix("") if args.out.suffix in (".md", ".png") else args.out
    picture = None
    try:
        picture = heatmap(runs, out.with_name(out.name + ".png"))
    except ImportError:
        print("keras_gate.tools.compatibility: no matplotlib (the 'report' extra): Markdown only")
    markdown_path = out.with_name(out.name + ".md")
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    markdown_path.write_text(markdown(runs, stacks, picture.name if picture else None))
    for path in (markdown_path, picture):
        if path is not None:
            print(f"written: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
