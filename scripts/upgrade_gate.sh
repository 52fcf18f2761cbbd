#!/usr/bin/env bash
# Gate a project's Keras models on a Keras upgrade: record a baseline on the Keras you
# run today, compare a candidate release (or keras-nightly) against it.
#
#   scripts/upgrade_gate.sh --project DIR --pinned 3.15.1 --candidate nightly \
#       [--gate SPEC] [--install "REQS"] [--out DIR] [--python python3] [-- PYTEST ARGS]
#
# --gate      what pip installs for the gate (default: this checkout)
# --install   the project's own requirements besides Keras, pip syntax
#             (default: tensorflow-cpu; add "." or ".[test]" for an installable project)
# --candidate a Keras release, or "nightly": keras-nightly, with keras-hub-nightly where
#             the project uses keras-hub (keras-hub releases do not import on the nightly)
#
# Each side gets its own venv under OUT. Writes OUT/baseline.json,
# OUT/{pinned,candidate}-report.{json,md,html} (reports), OUT/repro/ (reproducers of the
# candidate's failures) and OUT/comparison.md, which is also appended to
# $GITHUB_STEP_SUMMARY when that is set. The exit status is the candidate run's (red only
# on a new failure against the baseline, or on a failure outside the comparison), or the
# baseline run's when that failed outside its verdicts. The composite action (action.yml)
# runs exactly this script; .ci/run runs it on examples/.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
project="" pinned="" candidate="" gate="$here" install="tensorflow-cpu"
out="keras-gate-out" python="${PYTHON:-python3}"
while [ $# -gt 0 ]; do
    case "$1" in
        --project) project="$2"; shift 2 ;;
        --pinned) pinned="$2"; shift 2 ;;
        --candidate) candidate="$2"; shift 2 ;;
        --gate) gate="$2"; shift 2 ;;
        --install) install="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        --python) python="$2"; shift 2 ;;
        --) shift; break ;;
        *) echo "upgrade_gate.sh: unknown argument '$1' (see the header of $0)" >&2; exit 2 ;;
    esac
done
for name in project pinned candidate; do
    if [ -z "${!name}" ]; then
        echo "upgrade_gate.sh: --$name is required (see the header of $0)" >&2
        exit 2
    fi
done
project="$(cd "$project" && pwd)"
# A local gate (a checkout or a wheel) is installed from the project's directory.
if [ -e "$gate" ]; then gate="$(realpath "$gate")"; fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"
export PIP_DISABLE_PIP_VERSION_CHECK=1

# One venv per side: the project and the gate, then the side's Keras on top.
make_venv() {
    local side="$1" keras="$2" venv="$out/venv-$1"
    echo "::group::keras gate: install the $side side (keras $keras)"
    "$python" -m venv "$venv"
    # shellcheck disable=SC2086  # $install is a list of requirements
    (cd "$project" && "$venv/bin/pip" install -q "$gate" $install)
    if [ "$keras" = nightly ]; then
        local hub=""
        if "$venv/bin/pip" show -q keras-hub 2>/dev/null; then
            hub="keras-hub-nightly"
            "$venv/bin/pip" uninstall -q -y keras-hub
        fi
        "$venv/bin/pip" uninstall -q -y keras
        # shellcheck disable=SC2086
        "$venv/bin/pip" install -q keras-nightly $hub
        # keras-hub-nightly requires `keras`: pip puts the release over the nightly's
        # files; put the nightly back on top.
        "$venv/bin/pip" uninstall -q -y keras 2>/dev/null || true
        "$venv/bin/pip" install -q --force-reinstall --no-deps keras-nightly
    else
        "$venv/bin/pip" install -q "keras==$keras"
    fi
    "$venv/bin/python" -m pip list 2>/dev/null \
        | grep -iE '^(keras|keras-nightly|keras-hub|keras-hub-nightly|keras-serialization-gate|tensorflow-cpu|jax|torch) ' || true
    echo "::endgroup::"
}

make_venv pinned "$pinned"
make_venv candidate "$candidate"

status=0
echo "keras gate: baseline on keras $pinned"
(cd "$project" && "$out/venv-pinned/bin/python" -m pytest --save-verdicts="$out/baseline.json" \
    --fail-on=none --roundtrip-report="$out/pinned-report" "$@") || status=$?
if [ "$status" -ne 0 ] || [ ! -f "$out/baseline.json" ]; then
    echo "keras gate: the baseline run failed outside its verdicts (exit $status): fix that first" >&2
    exit "$((status ? status : 1))"
fi

echo "keras gate: keras $candidate against the baseline"
(cd "$project" && "$out/venv-candidate/bin/python" -m pytest \
    --compare-verdicts="$out/baseline.json" --roundtrip-report="$out/candidate-report" \
    --repro-dir="$out/repro" "$@") || status=$?

{
    echo "## Keras $candidate against keras $pinned"
    echo
    cat "$out/candidate-report.md"
} > "$out/comparison.md"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat "$out/comparison.md" >> "$GITHUB_STEP_SUMMARY"
fi
echo "keras gate: comparison in $out/comparison.md, report $out/candidate-report.html (exit $status)"
exit "$status"
