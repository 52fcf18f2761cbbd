"""Merging sharded runs' durations: each shard's machine speed is fitted out."""

import json

import pytest

from keras_gate.tools import durations

pytestmark = pytest.mark.harness

TRUE = {f"t{i}": 1.0 + i for i in range(12)}  # seconds on a mean-speed machine
# sorted(TRUE): t0 t1 t10 t11 t2 ... t9; the base holds 100.0, a value no shard measures


def _write(path, data):
    path.write_text(json.dumps(data))
    return str(path)


def _run(tmp_path, name, base, parts, speeds):
    """One sharded run: shard k measures ``parts[k]`` at ``speeds[k]`` times true."""
    paths = [_write(tmp_path / f"{name}-base.json", base)]
    for k, (tests, speed) in enumerate(zip(parts, speeds)):
        copy = dict(base) | {t: TRUE[t] * speed for t in tests}
        paths.append(_write(tmp_path / f"{name}-{k}.json", copy))
    return paths


def test_shard_speeds_are_recovered_and_fitted_out(tmp_path, capsys):
    tests = sorted(TRUE)
    base = {t: 100.0 for t in tests} | {"only-in-base": 7.0}
    # Two runs that split the tests differently, so every speed is identifiable.
    a = _run(tmp_path, "a", base, [tests[:6], tests[6:]], [1.5, 0.5])
    b = _run(tmp_path, "b", base, [tests[::2], tests[1::2]], [1.2, 0.8])
    out = tmp_path / "all.json"
    assert durations.main(["--run", *a, "--run", *b, "--out", str(out)]) == 0
    merged = json.loads(out.read_text())
    speeds = [1.5, 0.5, 1.2, 0.8]
    mean = sum(speeds) / 4
    geo = (1.5 * 0.5 * 1.2 * 0.8) ** 0.25
    for t in tests:  # in the seconds of a shard of mean speed
        assert merged[t] == pytest.approx(TRUE[t] * mean, rel=1e-9)
    assert merged["only-in-base"] == 7.0
    err = capsys.readouterr().err
    assert f"a-0.json: 6 tests, speed {1.5 / geo:.3f}" in err
    assert "13 tests: 12 fitted, 1 kept from a base" in err
    assert "share no test" not in err


def test_a_slow_shard_does_not_make_its_tests_look_long(tmp_path):
    # The fault the tool exists for: run a's first shard ran at half speed, so a naive
    # merge doubles its tests; run b, split otherwise, links the shards' speeds.
    tests = sorted(TRUE)
    base = {t: 100.0 for t in tests}
    a = _run(tmp_path, "a", base, [tests[:6], tests[6:]], [2.0, 1.0])
    b = _run(tmp_path, "b", base, [tests[::2], tests[1::2]], [1.0, 1.0])
    merged, shards, _ = durations.merge([a, b])
    ratios = {round(merged[t] / TRUE[t], 9) for t in tests}
    assert len(ratios) == 1
    assert shards[0].speed / shards[1].speed == pytest.approx(2.0)
    assert durations.linked_groups(shards) == 1


def test_one_run_alone_is_a_plain_merge_and_says_so(tmp_path, capsys):
    tests = sorted(TRUE)
    base = {t: 100.0 for t in tests}
    a = _run(tmp_path, "a", base, [tests[:6], tests[6:]], [2.0, 1.0])
    out = tmp_path / "all.json"
    assert durations.main(["--run", *a, "--out", str(out)]) == 0
    merged = json.loads(out.read_text())
    assert merged["t0"] / merged["t9"] == pytest.approx(2 * TRUE["t0"] / TRUE["t9"])
    assert "2 groups of shards share no test" in capsys.readouterr().err


def test_a_test_measured_by_two_shards_of_one_run_is_refused(tmp_path, capsys):
    base = {"t0": 5.0, "t1": 5.0}
    run = _run(tmp_path, "a", base, [["t0"], ["t0", "t1"]], [1.0, 1.0])
    assert durations.main(["--run", *run, "--out", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err
    assert "a-1.json: t0 was also measured by" in err and "a-0.json" in err
    assert not (tmp_path / "o.json").exists()


@pytest.mark.parametrize(
    "content, message",
    [("{not json", "cannot read durations"), ('{"t": "slow"}', "not a durations file")],
)
def test_bad_input_names_the_file(tmp_path, capsys, content, message):
    base = _write(tmp_path / "base.json", {"t": 1.0})
    bad = tmp_path / "shard.json"
    bad.write_text(content)
    assert durations.main(["--run", base, str(bad), "--out", str(tmp_path / "o.json")]) == 2
    assert f"{bad}: {message}" in capsys.readouterr().err


def test_a_run_without_shards_is_refused(tmp_path, capsys):
    base = _write(tmp_path / "base.json", {"t": 1.0})
    assert durations.main(["--run", base, "--out", str(tmp_path / "o.json")]) == 2
    assert "a base and at least one shard" in capsys.readouterr().err
