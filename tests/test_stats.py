"""``castra-tail stats FILE…``: every run added up — percentiles, failure rates, failure texts."""

from __future__ import annotations

import gzip
import html
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from castra_tail import parallel
from castra_tail.input.sources import FileSource
from castra_tail.render.text import clean
from castra_tail.run.log import record_of
from castra_tail.run.selection import parse
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Policy
from castra_tail.stats import parts, sketch, tally
from castra_tail.stats import run as stats_run
from castra_tail.stats.masking import mask
from castra_tail.stats.report import report
from castra_tail.stats.run import read
from castra_tail.stats.sketch import ALPHA, Durations

from conftest import FIXTURES, ROOT, example, fuzz, replay_stream, run_cli
from test_markdown_safety import CONTROLS, HOSTILE, Shape, render

STEPS = ("wait-handshake", "connect", "transfer", "apply", "verify")
U64 = st.integers(min_value=0, max_value=2**64 - 1)


def nearest_rank(values: list[int], p: float) -> int:
    """The reference: the smallest value with at least p % of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def stats(*args: str, stdin: bytes = b"") -> dict[str, Any]:
    result = run_cli(["stats", *args, "--format", "json"], stdin=stdin)
    assert result.code == 0, result.stderr
    return json.loads(result.out)  # type: ignore[no-any-return]


# --- the sketch -----------------------------------------------------------------------


@given(st.lists(U64, min_size=1, max_size=200), st.floats(min_value=0.1, max_value=100))
@settings(max_examples=fuzz(200), deadline=None)
def test_percentiles_are_exact_up_to_the_bound(values: list[int], p: float) -> None:
    d = Durations(limit=200)
    for v in values:
        d.add(v)
    assert d.exact and d.percentile(p) == nearest_rank(values, p)
    assert (d.count, d.high, d.low, d.total) == (len(values), max(values), min(values), sum(values))


@given(
    st.lists(st.integers(min_value=0, max_value=10**12), min_size=21, max_size=400),
    st.sampled_from([1, 5, 25, 50, 75, 90, 95, 99, 100]),
)
@settings(max_examples=fuzz(200), deadline=None)
def test_past_the_bound_percentiles_are_within_the_stated_error(values: list[int], p: int) -> None:
    d = Durations(limit=20)
    for v in values:
        d.add(v)
    exact = nearest_rank(values, p)
    got = d.percentile(p)
    assert not d.exact and got is not None
    assert abs(got - exact) <= ALPHA * exact + 0.5  # + rounding to whole milliseconds
    assert d.percentile(100) == max(values)


def test_past_the_bound_memory_no_longer_grows_with_the_values() -> None:
    rng = random.Random(3)
    d = Durations(limit=1_000)
    for _ in range(200_000):
        d.add(rng.randrange(0, 86_400_000))  # up to a day, in ms
    assert d.values is None and d.count == 200_000
    assert len(d.buckets) <= math.log(86_400_000) / math.log(sketch.GAMMA) + 1  # ≈ 915
    assert len(sketch._INDEX) <= sketch.CACHED  # the buckets remembered, shared and bounded


@given(st.lists(U64, max_size=60), st.lists(U64, max_size=60), st.integers(1, 80))
@settings(max_examples=fuzz(200), deadline=None)
def test_durations_read_in_parts_merge_into_what_one_read_gives(
    first: list[int], second: list[int], limit: int
) -> None:
    whole, a, b = Durations(limit), Durations(limit), Durations(limit)
    for v in first + second:
        whole.add(v)
    for v in first:
        a.add(v)
    for v in second:
        b.add(v)
    a.merge(Durations.of(b.wire()))  # as a reading process sends it
    assert (a.count, a.total, a.high, a.exact) == (
        whole.count,
        whole.total,
        whole.high,
        whole.exact,
    )
    assert [a.percentile(p) for p in (1, 50, 95, 100)] == [
        whole.percentile(p) for p in (1, 50, 95, 100)
    ]


# --- percentiles of a generated stream, end to end --------------------------------------


def generated(path: Path, runs: int, seed: int = 7) -> dict[str, list[int]]:
    """``runs`` appended runs of two VMs; returns the durations written per step."""
    rng = random.Random(seed)
    written: dict[str, list[int]] = {step: [] for step in STEPS}
    lines = []
    for n in range(runs):
        lines.append({"type": "command.accepted", "command": "up"})
        for vm in ("web-0", "db-0"):
            lines.append({"type": "bootstrap.started", "vm": vm, "base_hash": "b",
                          "artifact_hash": "a", "trigger": "auto"})  # fmt: skip
            for step in STEPS:
                ms = int(rng.lognormvariate(7, 1))
                written[step].append(ms)
                lines.append({"type": "bootstrap.step", "vm": vm, "step": step,
                              "status": "success", "duration_ms": ms})  # fmt: skip
            lines.append({"type": "bootstrap.completed", "vm": vm, "status": "success",
                          "duration_ms": 1})  # fmt: skip
        lines.append({"type": "command.completed", "command": "up", "exit_code": 0,
                      "duration_ms": 1000 + n})  # fmt: skip
    path.write_text("".join(json.dumps(e) + "\n" for e in lines))
    return written


def test_percentiles_of_a_stream_against_a_reference(tmp_path: Path) -> None:
    path = tmp_path / "runs.ndjson"
    runs = 306  # 612 durations a step: exact; 95 % of 612 is no whole rank (581.4)
    written = generated(path, runs)
    doc = stats(str(path))
    assert doc["runs"] == runs and doc["runs_failed"] == 0
    for row in doc["steps"]:
        values = written[row["step"]]
        t = row["timing"]
        assert t["exact"] and t["count"] == len(values)
        assert (t["p50"], t["p95"], t["max"]) == (
            nearest_rank(values, 50), nearest_rank(values, 95), max(values)
        )  # fmt: skip
    (command,) = doc["commands"]
    assert (command["command"], command["runs"], command["ok"]) == ("up", runs, runs)
    assert command["duration"]["p95"] == nearest_rank([1000 + n for n in range(runs)], 95)


def test_past_the_bound_the_sketch_says_so_within_its_error(tmp_path: Path) -> None:
    path = tmp_path / "runs.ndjson"
    written = generated(path, tally.EXACT // 2 + 50)  # past 10,000 durations a step
    doc = stats(str(path), "--by-vm")
    for row in doc["steps"]:
        values, t = written[row["step"]], row["timing"]
        assert not t["exact"] and t["max"] == max(values)
        for p in (50, 95):
            assert abs(t[f"p{p}"] - nearest_rank(values, p)) <= ALPHA * nearest_rank(values, p) + 1
    assert all(not row["timing"]["exact"] for row in doc["by_vm"])  # 1,000 a VM's step
    text = run_cli(["stats", str(path)]).out
    assert "≈" in text and "within 1%" in text


def test_several_cores_give_the_same_answer_as_one(tmp_path: Path) -> None:
    path = tmp_path / "runs.ndjson"
    generated(path, 400)
    with path.open("a") as f:  # failures in the middle, to be grouped across the parts
        f.write(example("up-fail").read_text() + example("up").read_text())
    generated(tmp_path / "more.ndjson", 400, seed=8)
    path.write_text(path.read_text() + (tmp_path / "more.ndjson").read_text())
    assert len(parallel.split(str(path), 4)) == 4  # the file is cut where runs begin
    one = read([FileSource(str(path))], max_line=1 << 20, jobs=1, by_vm=True)
    t = tally.Tally(by_vm=True)
    stream = Stream(on_fold=t.add)
    parallel.read_file(str(path), stream, 1 << 20, 4, parts.Parts(t))
    stream.finish()
    several = report(t, [str(path)], stream.lines)
    assert stream.runs == one.runs == 802
    assert several == one


# --- failure texts ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("apply: /var/lib/castra/bootstrap/run.sh exited with status 100",
         "apply: …/run.sh exited with status 100"),  # an exit status tells failures apart
        ("run.sh exited with status 1 after 12s", "run.sh exited with status 1 after Ns"),
        ("failed, exit 137 (code 9) at 10:42", "failed, exit 137 (code 9) at N:N"),
        ("pin postgresql-16 in bootstrap/db/packages.txt", "pin postgresql-N in …/packages.txt"),
        ("artifact d71cd6a0 does not match 3b2d8c41e9", "artifact <hash> does not match <hash>"),
        ("lock 0192f3c1-7d2a-7e55-9b1e-4c8a2f6d9e10 held", "lock <uuid> held"),
        ("cannot reach 10.0.2.15:2222 after 5.6s", "cannot reach N.N.N.N:N after N.Ns"),
        ("a defaced facade", "a defaced facade"),  # words of hex letters are words
        ("see ~/.ssh/config and ./run.sh", "see …/config and …/run.sh"),
    ],
)  # fmt: skip
def test_failure_texts_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_failures_of_other_causes_are_other_groups(tmp_path: Path) -> None:
    causes = [
        (100, "E: Unable to locate package postgresql-17"),
        (137, "Killed"),
        (127, "systemctl: command not found"),
        (100, "E: Unable to locate package pg-9"),
    ]
    lines: list[dict[str, object]] = []
    for n, (status, cause) in enumerate(causes):
        vm = f"vm-{n}"
        lines += [
            {"type": "command.accepted", "command": "up"},
            {"type": "bootstrap.started", "vm": vm, "base_hash": "b", "artifact_hash": "a",
             "trigger": "auto"},
            {"type": "bootstrap.step", "vm": vm, "step": "apply", "status": "failed",
             "duration_ms": 10, "detail": cause},
            {"type": "bootstrap.failed", "vm": vm, "duration_ms": 10,
             "error": f"apply: run.sh exited with status {status}\n{cause}"},
            {"type": "command.failed", "command": "up", "exit_code": 1},
        ]  # fmt: skip
    path = tmp_path / "causes.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in lines))
    counts = {f["text"]: f["count"] for f in stats(str(path))["failures"]}
    assert counts == {
        "up: failed, exit 1": 4,
        "apply: run.sh exited with status 100 · E: Unable to locate package postgresql-N": 1,
        "apply: run.sh exited with status 100 · E: Unable to locate package pg-N": 1,
        "apply: run.sh exited with status 137 · Killed": 1,
        "apply: run.sh exited with status 127 · systemctl: command not found": 1,
    }


def test_a_run_failed_by_a_message_says_why_too(tmp_path: Path) -> None:
    path = tmp_path / "blocker.ndjson"
    path.write_text(
        '{"type":"command.accepted","command":"up"}\n'
        '{"type":"message","severity":"blocker","text":"qemu not found"}\n'
        '{"type":"command.completed","command":"up","exit_code":0,"duration_ms":100}\n'
    )
    doc = stats(str(path))
    assert doc["runs_failed"] == 1
    assert [f["text"] for f in doc["failures"]] == [
        "up: N event at error or above (first: …/blocker.ndjson:N message)"
    ]


def test_alike_failures_are_one_group_with_first_and_last(tmp_path: Path) -> None:
    lines = []
    for n, (vm, status) in enumerate([("web-0", 100), ("db-3", 100), ("web-1", 100)]):
        lines += [
            {"type": "command.accepted", "command": "up"},
            {"type": "bootstrap.started", "vm": vm, "base_hash": "b", "artifact_hash": "a",
             "trigger": "auto"},
            {"type": "bootstrap.step", "vm": vm, "step": "apply", "status": "failed",
             "duration_ms": 10 + n},
            {"type": "bootstrap.failed", "vm": vm, "duration_ms": 10,
             "error": f"apply: /var/lib/castra/{vm}/run.sh exited with status {status}"},
            {"type": "command.failed", "command": "up", "exit_code": 1},
        ]  # fmt: skip
    path = tmp_path / "f.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in lines))
    doc = stats(str(path))
    first = doc["failures"][0]
    assert first["text"] == "apply: …/run.sh exited with status 100" and first["count"] == 3
    assert (first["first"], first["last"]) == (f"{path}:3", f"{path}:13")
    assert first["example"] == "apply: /var/lib/castra/web-0/run.sh exited with status 100"
    assert {f["text"] for f in doc["failures"][1:]} == {"up: failed, exit 1"}
    vms = {v["vm"]: v for v in doc["vms"]}
    assert vms["db-3"]["failed"] == 1 and vms["db-3"]["failure_rate"] == 100.0
    assert doc["steps"][0]["failed"] == 3 and doc["steps"][0]["failure_rate"] == 100.0


def test_a_part_whose_process_fails_is_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "runs.ndjson"
    generated(path, 300)
    one = read([FileSource(str(path))], max_line=1 << 20, jobs=1, by_vm=False)
    monkeypatch.setattr(parallel._Child, "start", classmethod(lambda cls, *a: None))
    t = tally.Tally()
    stream = Stream(on_fold=t.add)
    parallel.read_file(str(path), stream, 1 << 20, 3, parts.Parts(t))
    stream.finish()
    assert report(t, [str(path)], stream.lines) == one


# --- inputs ----------------------------------------------------------------------------


def test_several_files_compressed_and_standard_input(tmp_path: Path) -> None:
    packed = tmp_path / "three.ndjson.gz"
    packed.write_bytes(gzip.compress((FIXTURES / "three-runs.ndjson").read_bytes()))
    plain = stats(str(FIXTURES / "three-runs.ndjson"), str(example("up")))
    assert stats(str(packed), str(example("up")))["steps"] == plain["steps"]
    assert plain["runs"] == 4 and plain["inputs"][1] == str(example("up"))
    piped = stats("-", str(example("up")), stdin=(FIXTURES / "three-runs.ndjson").read_bytes())
    assert piped["steps"] == plain["steps"] and piped["inputs"][0] == "<stdin>"


def test_malformed_lines_are_counted_and_located(tmp_path: Path) -> None:
    lines = example("up").read_bytes().split(b"\n")
    path = tmp_path / "broken.ndjson"
    path.write_bytes(b"\n".join([lines[0], b"{oops", *lines[1:5], b"[1,2]", *lines[5:]]))
    doc = stats(str(path))
    assert (doc["malformed"], doc["first_malformed"], doc["last_malformed"]) == (
        2, f"{path}:2", f"{path}:7"
    )  # fmt: skip
    assert doc["steps"] == stats(str(example("up")))["steps"]  # every event still read
    text = run_cli(["stats", str(path), "--width", "1000"]).out  # the path is long
    assert f"2 malformed lines (first {path}:2, last {path}:7)" in text


def test_nothing_to_compare_is_said_plainly(tmp_path: Path) -> None:
    empty = tmp_path / "empty.ndjson"
    empty.write_bytes(b"")
    text = run_cli(["stats", str(empty)])
    assert text.code == 0
    assert (
        text.out
        == "nothing to compare: no Castra events in the input (0 lines, 0 of them malformed)\n"
    )
    garbage = tmp_path / "garbage.ndjson"
    garbage.write_bytes(b'{"level":30}\nnot json\n')
    said = run_cli(["stats", str(garbage), "--format", "markdown"]).out
    assert (
        "nothing to compare: no Castra events in the input (2 lines, 2 of them malformed)" in said
    )
    doc = stats(str(garbage))
    assert (doc["runs"], doc["malformed"], doc["steps"]) == (0, 2, [])


def test_the_most_frequent_and_slowest_rows_first_and_top(tmp_path: Path) -> None:
    doc = stats(str(FIXTURES / "three-runs.ndjson"), str(FIXTURES / "compare-old.ndjson"),
                str(FIXTURES / "compare-new.ndjson"), "--by-vm")  # fmt: skip
    assert [v["failed"] for v in doc["vms"]] == sorted(
        (v["failed"] for v in doc["vms"]), reverse=True
    )
    p95 = [row["timing"]["p95"] for row in doc["by_vm"]]
    assert p95 == sorted(p95, reverse=True)
    assert doc["vms"][0]["vm"] == "db-0"  # failed in 2 of its 5 runs
    text = run_cli(["stats", str(FIXTURES / "three-runs.ndjson"), "--by-vm", "--top", "2"]).out
    assert "VMs × steps, slowest first (p95) (2 of 15)" in text
    assert "VMs, most failed first (2 of 3)" in text


def test_keys_past_the_caps_are_counted_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tally, "MAX_VMS", 3)
    monkeypatch.setattr(tally, "MAX_STEPS", 2)
    lines = []
    for n in range(6):
        vm = f"vm-{n}"
        lines += [{"type": "bootstrap.started", "vm": vm, "base_hash": "b", "artifact_hash": "a",
                   "trigger": "auto"},
                  {"type": "bootstrap.step", "vm": vm, "step": f"s{n}", "status": "success",
                   "duration_ms": n}]  # fmt: skip
    path = tmp_path / "many.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in lines))
    r = read([FileSource(str(path))], max_line=1 << 20, jobs=1, by_vm=False)
    assert [row.vm for row in r.vms] == ["vm-0", "vm-1", "vm-2", "(other)"]
    assert r.vms[-1].runs == 3  # vm-3, vm-4 and vm-5: a run each
    assert [(row.step, row.timing.count) for row in r.steps] == [
        ("s0", 1),
        ("s1", 1),
        ("(other)", 4),
    ]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--top", "-1"], "--top: -1 is too small: at least 0"),
        (["--format", "xml"], "--format: 'xml' is not one of text, json, markdown"),
        (["/nonexistent.ndjson"], "cannot read '/nonexistent.ndjson'"),
    ],
)
def test_usage_errors(args: list[str], said: str) -> None:
    result = run_cli(["stats", *args])
    assert result.code == 2 and result.stderr.startswith(f"castra-tail: error: {said}")
    assert result.stderr.endswith("(see castra-tail stats --help)\n")


# --- the formats ------------------------------------------------------------------------

ALL = ["tests/fixtures/three-runs.ndjson", "tests/fixtures/compare-old.ndjson",
       "tests/fixtures/compare-new.ndjson", "examples/rejected.ndjson"]  # fmt: skip


def test_text(golden: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli(["stats", *ALL, "--by-vm", "--top", "5"], env={"COLUMNS": "80"})
    assert result.code == 0 and result.stderr == ""
    assert max(len(line) for line in result.out.splitlines()) <= 80
    golden("stats/text.txt", result.out)


def test_markdown(golden: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli(["stats", *ALL, "--format", "markdown"])
    assert result.code == 0
    golden("stats/markdown.md", result.out)


# --- strings from the stream are data ------------------------------------------------------


def hostile_stream(tmp_path: Path, s: Any) -> Path:
    events: list[dict[str, Any]] = [{"type": "command.accepted", "command": s("command")}]
    for vm in (s("vm0"), s("vm1")):
        events += [
            {"type": "bootstrap.started", "vm": vm, "base_hash": "b", "artifact_hash": "a",
             "trigger": "auto"},
            {"type": "bootstrap.step", "vm": vm, "step": s("step"), "status": "failed",
             "duration_ms": 5},
            {"type": "bootstrap.failed", "vm": vm, "duration_ms": 9, "error": s("error")},
        ]  # fmt: skip
    events.append({"type": "command.failed", "command": s("command"), "detail": s("detail"),
                   "exit_code": 1})  # fmt: skip
    tmp_path.mkdir(exist_ok=True)
    name = s("file").replace("/", "∕").replace("\x00", "␀").encode()[:200]
    path = tmp_path / (name.decode(errors="ignore") + ".ndjson")
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events))
    return path


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_strings_are_inert_in_every_format(tmp_path: Path, hostile: str) -> None:
    def evil(role: str) -> str:
        return f"{hostile}{role}{hostile}"

    tame = hostile_stream(tmp_path / "tame", lambda role: f"t-{role}")
    path = hostile_stream(tmp_path / "evil", evil)
    text = run_cli(["stats", str(path), "--width", "1000"]).out
    tame_text = run_cli(["stats", str(tame), "--width", "1000"]).out
    assert not CONTROLS.intersection(text) and text.count("\n") == tame_text.count("\n")
    assert clean(evil("step"), 60) in text
    colour = run_cli(["stats", str(path), "--color", "always"]).out.replace("\x1b[", "")
    assert "\x1b" not in colour and "\x07" not in colour
    markdown = run_cli(["stats", str(path), "--format", "markdown"]).out
    page = render(markdown)
    shape = Shape(page)
    tame_md = run_cli(["stats", str(tame), "--format", "markdown"]).out
    assert shape.tags == Shape(render(tame_md)).tags, markdown
    assert "a" not in shape.tags and not CONTROLS.intersection(html.unescape(page))
    doc = stats(str(path))
    assert {row["step"] for row in doc["steps"]} == {evil("step")}
    assert {v["vm"] for v in doc["vms"]} == {evil("vm0"), evil("vm1")}
    assert doc["commands"][0]["command"] == evil("command")


def test_past_a_name_cap_several_cores_still_give_the_answer_of_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each part caps its own names: past a cap, parts would disagree with one reading
    # (a name the first part tracks goes to "(other)" in the second).
    monkeypatch.setattr(tally, "MAX_VMS", 5)
    monkeypatch.setattr(parallel, "parts", lambda path, jobs: jobs)

    def runs(names: list[str]) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for vm in names:
            out += [
                {"type": "command.accepted", "command": "up"},
                {"type": "bootstrap.started", "vm": vm, "base_hash": "b", "artifact_hash": "a",
                 "trigger": "auto"},
                {"type": "bootstrap.step", "vm": vm, "step": "apply", "status": "success",
                 "duration_ms": 5},
                {"type": "bootstrap.completed", "vm": vm, "status": "success", "duration_ms": 5},
                {"type": "command.completed", "command": "up", "exit_code": 0},
            ]  # fmt: skip
        return out

    kept = [f"keep-{i % 5}" for i in range(60)]
    late = [f"new-{i}" for i in range(30)] + ["keep-0"] * 30
    path = tmp_path / "names.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in runs(kept) + runs(late)))
    assert len(parallel.split(str(path), 2)) == 2
    one = read([FileSource(str(path))], max_line=1 << 20, jobs=1, by_vm=False)
    reads = []
    monkeypatch.setattr(stats_run, "read", lambda *a, **k: reads.append(a) or read(*a, **k))
    two = read([FileSource(str(path))], max_line=1 << 20, jobs=2, by_vm=False)
    assert two == one
    # ... and the file was read once: past the cap the parent read on in order, not
    # the whole file again (twice the work, where -j1 reads it once).
    assert reads == []
    few = tmp_path / "few.ndjson"  # fewer names than the cap: the parts are joined
    few.write_text("".join(json.dumps(e) + "\n" for e in runs(kept[:2] * 30 + kept[2:4] * 30)))
    assert read([FileSource(str(few))], max_line=1 << 20, jobs=2, by_vm=False) == read(
        [FileSource(str(few))], max_line=1 << 20, jobs=1, by_vm=False
    )


def test_a_run_that_fills_a_cap_where_the_file_is_cut_is_added_before_the_join(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run under way where the first range ends is folded by the join: added up
    # first, it shows the tally full, and the next range is read on in order — not
    # joined, found inexact and the whole file read again.
    monkeypatch.setattr(tally, "MAX_VMS", 5)
    monkeypatch.setattr(parallel, "parts", lambda path, jobs: jobs)

    def run(names: list[str]) -> str:
        events = [{"type": "command.accepted", "command": "up"}]
        for vm in names:
            events += [
                {"type": "bootstrap.started", "vm": vm, "base_hash": "b", "artifact_hash": "a",
                 "trigger": "auto"},
                {"type": "bootstrap.completed", "vm": vm, "status": "success", "duration_ms": 5},
            ]  # fmt: skip
        events.append({"type": "command.completed", "command": "up", "exit_code": 0})
        return "".join(json.dumps(e) + "\n" for e in events)

    small = run(["keep-0", "keep-1"]) * 40
    path = tmp_path / "edge.ndjson"
    path.write_text(small + run([f"new-{i}" for i in range(5)]) + small)
    cuts = parallel.split(str(path), 2)
    assert cuts[1][0] == len(small) + len(run([f"new-{i}" for i in range(5)]))  # after it
    one = read([FileSource(str(path))], max_line=1 << 20, jobs=1, by_vm=False)
    reads = []
    monkeypatch.setattr(stats_run, "read", lambda *a, **k: reads.append(a) or read(*a, **k))
    assert read([FileSource(str(path))], max_line=1 << 20, jobs=2, by_vm=False) == one
    assert reads == []


def test_a_reading_process_gives_up_once_a_name_cap_is_reached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tally, "MAX_VMS", 3)
    here = parts.Parts(tally.Tally())
    apart = here.fresh()
    runs = replay_stream([str(FIXTURES / "three-runs.ndjson")], selection=parse("all")).full
    first, second = runs[0], runs[1]
    assert len(first.vms) == 3 and len(second.vms) == 2
    apart.add(second, record_of(second, Policy()))  # two names of three
    with pytest.raises(parts.Full):  # the third: its part could not be joined any more
        apart.add(first, record_of(first, Policy()))
    here.add(second, record_of(second, Policy()))  # read in order: counts on
    assert here.joinable()
    here.add(first, record_of(first, Policy()))
    assert not here.joinable()
