"""``castra-tail compare OLD NEW``: what changed between two runs, in text, JSON and Markdown."""

from __future__ import annotations

import gzip
import html
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from castra_tail.compare import sides, words
from castra_tail.compare.diff import compare, side_of, timing
from castra_tail.compare.records import RANK, Comparison, Thresholds
from castra_tail.contract import events as ev
from castra_tail.render.text import clean

from conftest import FIXTURES, ROOT, example, fuzz, replay_stream, run_cli
from strategies import events as any_event
from test_markdown_safety import CONTROLS, HOSTILE, Shape, render

OLD = FIXTURES / "compare-old.ndjson"
NEW = FIXTURES / "compare-new.ndjson"
AT_100 = {"COLUMNS": "100"}


def compared(old: Path | str, new: Path | str | None = None, *flags: str) -> dict[str, Any]:
    args = ["compare", str(old), *([str(new)] if new is not None else []), *flags]
    result = run_cli([*args, "--format", "json"])
    assert result.code in (0, 1), result.stderr
    return json.loads(result.out)  # type: ignore[no-any-return]


def of(path: Path | str, new: Path | str | None = None, **kw: Any) -> Comparison:
    """The comparison itself, read as the command reads it."""
    pair = sides.sides(str(path), None if new is None else str(new))
    a, b = sides.read(pair, stdin_tty=False, stdin_closed=False, max_line=1 << 20)
    return compare(
        (side_of(a.label, a.name, a.runs, a.run, a.record), a.run),
        (side_of(b.label, b.name, b.runs, b.run, b.record), b.run),
        Thresholds(**kw),
    )


def changes(doc: dict[str, Any]) -> dict[tuple[str, str], str]:
    """(VM, step) → change, for every step of every VM."""
    return {(vm["name"], s["step"]): s["change"] for vm in doc["vms"] for s in vm["steps"]}


# --- what is found -------------------------------------------------------------------


def test_the_fixture_pair_shows_each_kind_of_change() -> None:
    doc = compared(OLD, NEW)
    found = changes(doc)
    assert found[("web-0", "transfer")] == "regression"  # 2.0s → 3.0s: +50 %, +1 s
    assert found[("db-0", "apply")] == "failed"  # a new failure
    assert found[("cache-0", "apply")] == "fixed"
    assert found[("web-1", "verify")] == "gone"  # a vanished step
    assert found[("cache-0", "verify")] == "new"
    assert found[("web-1", "connect")] == "faster"
    assert found[("web-0", "connect")] == "same"  # +20 % but only +200 ms
    vms = {vm["name"]: vm for vm in doc["vms"]}
    assert vms["old-0"]["change"] == "removed" and vms["new-0"]["change"] == "added"
    assert vms["db-0"]["plan"] == [{"field": "mode", "old": "always", "new": "auto"}]
    assert vms["web-1"]["plan"] == [
        {"field": "artifact_hash", "old": "d71cd6a0", "new": "e82f1c2b"}
    ]
    step = next(s for s in vms["web-0"]["steps"] if s["step"] == "transfer")
    assert (step["old_ms"], step["new_ms"], step["delta_ms"], step["percent"]) == (
        2000,
        3000,
        1000,
        50.0,
    )
    assert doc["totals"]["duration_ms"] == {
        "old": 16000,
        "new": 19500,
        "delta": 3500,
        "percent": 21.9,
        "change": "regression",
    }
    assert doc["totals"]["bytes_transferred"]["new"] == 25_000_000
    assert doc["totals"]["tokens"] == {
        "old": 1450,
        "new": 1800,
        "delta": 350,
        "percent": 24.1,
        "change": "more",
    }
    assert doc["totals"]["cleanup_bytes"]["delta"] == -(1 << 29)
    assert doc["regressed"] is True and doc["unchanged"] is False
    assert doc["counts"]["steps"]["regression"] == 1 and doc["counts"]["steps"]["failed"] == 1


def test_regressions_and_new_failures_come_first() -> None:
    c = of(OLD, NEW)
    assert [vm.name for vm in c.vms][:2] == ["db-0", "web-0"]  # a new failure, then slower
    assert [vm.change for vm in c.vms][:2] == ["failed", "regression"]
    assert [RANK[vm.change] for vm in c.vms] == sorted(RANK[vm.change] for vm in c.vms)
    for vm in c.vms:  # and within a VM
        assert [RANK[r.change] for r in vm.steps] == sorted(RANK[r.change] for r in vm.steps)


def test_the_whole_bootstrap_of_each_vm_is_compared_too() -> None:
    vms = {vm["name"]: vm for vm in compared(OLD, NEW)["vms"]}
    assert vms["db-0"]["bootstrap"]["change"] == "failed"
    assert vms["db-0"]["bootstrap"]["new_status"] == "failed"
    assert vms["cache-0"]["bootstrap"]["change"] == "fixed"
    assert vms["web-1"]["bootstrap"]["change"] == "faster"  # 8.0s → 6.0s


# --- thresholds ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "change"),
    [
        ([], "same"),  # web-0 connect: 1.0s → 1.2s, +20 % and +200 ms
        (["--min-delta", "200"], "regression"),
        (["--min-delta", "0.2s"], "regression"),
        (["--min-delta", "200ms", "--threshold", "25"], "same"),
        (["--min-delta", "200ms", "--threshold", "20%"], "regression"),
        (["--min-delta", "201"], "same"),
    ],
)
def test_thresholds_both_must_be_passed(flags: list[str], change: str) -> None:
    assert changes(compared(OLD, NEW, *flags))[("web-0", "connect")] == change


def test_faster_takes_the_same_thresholds() -> None:
    t = Thresholds(20.0, 250)
    assert timing(1000, 790, t) == "same"  # −21 %, but only −210 ms
    assert timing(1000, 750, t) == "faster"
    assert timing(10_000, 8_500, t) == "same"  # −1.5 s, but only −15 %
    assert timing(0, 300, t) == "regression"  # from nothing: the delta alone
    assert timing(2000, 2400, t) == "regression"  # exactly 20 % and 400 ms


@pytest.mark.parametrize(("flag", "value"), [("--threshold", "lots"), ("--min-delta", "5 parsecs")])
def test_a_threshold_that_is_no_number_is_a_usage_error(flag: str, value: str) -> None:
    result = run_cli(["compare", str(OLD), str(NEW), flag, value])
    assert result.code == 2
    assert result.stderr.startswith(f"castra-tail: error: {flag}: '{value}' is not a")
    assert result.stderr.count("\n") == 1


# --- exit status -----------------------------------------------------------------------


def test_compare_exits_0_unless_asked_to_fail_on_a_regression() -> None:
    assert run_cli(["compare", str(OLD), str(NEW)]).code == 0
    assert run_cli(["compare", str(OLD), str(NEW), "--fail-on-regression"]).code == 1
    assert run_cli(["compare", str(NEW), str(NEW), "--fail-on-regression"]).code == 0


def test_only_regressions_and_new_failures_fail(tmp_path: Path) -> None:
    # NEW → OLD: db-0 is fixed, web-0's transfer faster; but cache-0 newly fails.
    assert run_cli(["compare", str(NEW), str(OLD), "--fail-on-regression"]).code == 1
    only_faster = tmp_path / "faster.ndjson"
    only_faster.write_text(NEW.read_text().replace('"duration_ms":3000', '"duration_ms":1000'))
    doc = compared(NEW, only_faster)
    assert changes(doc)[("web-0", "transfer")] == "faster" and not doc["regressed"]
    assert run_cli(["compare", str(NEW), str(only_faster), "--fail-on-regression"]).code == 0


# --- the sides ---------------------------------------------------------------------------


def appended(tmp_path: Path, *parts: Path, name: str = "log.ndjson") -> Path:
    path = tmp_path / name
    path.write_bytes(b"".join(p.read_bytes() for p in parts))
    return path


def test_one_file_compares_its_last_two_runs(tmp_path: Path) -> None:
    log = appended(tmp_path, OLD, OLD, NEW)
    doc = compared(log)
    assert (doc["old"]["run"], doc["new"]["run"], doc["new"]["runs"]) == (2, 3, 3)
    assert changes(doc) == changes(compared(OLD, NEW))


def test_file_at_run_chooses_a_run_as_run_does(tmp_path: Path) -> None:
    log = appended(tmp_path, OLD, NEW, OLD)
    assert [compared(f"{log}@{a}", f"{log}@{b}")["new"]["run"] for a, b in [
        ("1", "2"), ("first", "-2"), ("-3", "2"), ("3", "last")
    ]] == [2, 2, 2, 3]  # fmt: skip
    assert changes(compared(f"{log}@first", f"{log}@-2")) == changes(compared(OLD, NEW))
    assert compared(f"{log}@3", f"{log}@1")["unchanged"] is True


def test_a_path_that_exists_as_given_wins_over_a_run(tmp_path: Path) -> None:
    log = appended(tmp_path, OLD, NEW, name="log.ndjson@1")  # a file whose name has an @
    doc = compared(log, NEW)
    assert doc["old"]["run"] == 2 and doc["old"]["source"] == str(log)  # its last run
    doc = compared(f"{log}@1", NEW)  # log.ndjson@1, run 1
    assert doc["old"]["run"] == 1 and doc["old"]["source"] == str(log)


def test_a_run_counted_from_further_back_than_kept_is_named_by_its_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sides, "MAX_KEPT", 1)  # memory: runs from the end are kept whole
    log = appended(tmp_path, OLD, NEW)
    result = run_cli(["compare", f"{log}@-2", str(log)])
    assert result.code == 2 and result.stderr.startswith(
        f"castra-tail: error: {log}@-2: run -2 is run 1 of 2: name it so ({log}@1); only the "
        "last 1 runs of an input are kept whole"
    )  # fmt: skip
    assert compared(f"{log}@1", str(log))["old"]["run"] == 1  # as it says
    assert compared(f"{log}@-1", f"{log}@1")["old"]["run"] == 2


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["{log}@5", "{log}@1"], "{log}@5: no run 5: there are 2 runs in {log}"),
        (["{log}@-3", "{log}"], "{log}@-3: no run -3: there are 2 runs in {log}"),
        (["{one}"], "{one}: nothing to compare: it holds 1 run (compare OLD NEW"),
        (["{empty}"], "{empty}: nothing to compare: it holds no runs"),
        (["{empty}", "{one}"], "{empty}: nothing to compare: no Castra events in {empty}"),
        (["{log}@1..2", "{one}"], "'{log}@1..2': compare takes one run: last, first, N or -N"),
        (["{log}@all", "{one}"], "'{log}@all': compare takes one run"),
        (["{log}@2"], "'{log}@2': a run is compared with another: give NEW too"),
        (["{tmp}/absent.ndjson", "{one}"], "cannot read '{tmp}/absent.ndjson'"),
    ],
)
def test_a_run_that_is_not_there_is_a_usage_error_that_counts_the_runs(
    tmp_path: Path, args: list[str], said: str
) -> None:
    names = {
        "log": str(appended(tmp_path, OLD, NEW)),
        "one": str(OLD),
        "empty": str(appended(tmp_path, name="empty.ndjson")),
        "tmp": str(tmp_path),
    }
    result = run_cli(["compare", *(a.format(**names) for a in args)])
    assert result.code == 2, result.out
    assert result.stderr.startswith("castra-tail: error: " + said.format(**names)), result.stderr
    assert result.stderr.endswith("(see castra-tail compare --help)\n")
    assert result.stderr.count("\n") == 1 and result.out == ""


def test_compressed_inputs_and_standard_input(tmp_path: Path) -> None:
    packed = tmp_path / "new.ndjson.gz"
    packed.write_bytes(gzip.compress(NEW.read_bytes()))
    assert changes(compared(OLD, packed)) == changes(compared(OLD, NEW))
    result = run_cli(["compare", "-", str(NEW), "--format", "json"], stdin=OLD.read_bytes())
    doc = json.loads(result.out)
    assert doc["old"]["source"] == "<stdin>" and changes(doc) == changes(compared(OLD, NEW))
    both = OLD.read_bytes() + NEW.read_bytes()
    result = run_cli(["compare", "--format", "json", "--", "-@1", "-@2"], stdin=both)
    assert changes(json.loads(result.out)) == changes(compared(OLD, NEW))  # read once


def test_malformed_lines_are_counted_and_located(tmp_path: Path) -> None:
    lines = NEW.read_bytes().split(b"\n")
    broken = tmp_path / "broken.ndjson"
    broken.write_bytes(b"\n".join([lines[0], b"{not json", *lines[1:3], b"[1]", *lines[3:]]))
    doc = compared(OLD, broken)
    assert (doc["new"]["malformed"], doc["new"]["first_malformed"]) == (2, f"{broken}:2")
    assert doc["totals"]["malformed"] == {
        "old": 0, "new": 2, "delta": 2, "percent": None, "change": "more"
    }  # fmt: skip
    assert changes(doc) == changes(compared(OLD, NEW))  # the events are all read
    text = " ".join(run_cli(["compare", str(OLD), str(broken)], env=AT_100).out.split())
    assert f"! 2 malformed lines in {broken}@1 (first: {broken}:2)" in text


def test_runs_with_no_bootstrap_say_so(tmp_path: Path) -> None:
    down = example("down")
    text = run_cli(["compare", str(down), str(down)], env=AT_100).out
    assert "no bootstrap in either run: only the totals compare" in text
    assert "= nothing changed" in text


# --- the three formats ----------------------------------------------------------------


RELATIVE = ["tests/fixtures/compare-old.ndjson", "tests/fixtures/compare-new.ndjson"]


def test_text(golden: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli(["compare", *RELATIVE], env=AT_100)
    assert result.code == 0 and result.stderr == ""
    golden("compare/text.txt", result.out)
    assert result.out.index("✗ new failure") < result.out.index("▲ slower")


def test_text_fits_80_columns() -> None:
    out = run_cli(["compare", str(OLD), str(NEW), "--width", "80"]).out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "db-0" in out and "✗ new failure" in out


def test_markdown(golden: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run_cli(["compare", *RELATIVE, "--format", "md"])
    assert result.code == 0
    golden("compare/markdown.md", result.out)


def test_json_is_one_document_with_every_step() -> None:
    doc = compared(OLD, NEW)
    assert set(doc) >= {"old", "new", "vms", "totals", "thresholds", "regressed", "unchanged"}
    step = doc["vms"][0]["steps"][0]
    assert set(step) >= {"step", "old_ms", "new_ms", "delta_ms", "percent", "change"}
    kinds = {s["change"] for vm in doc["vms"] for s in vm["steps"]}
    assert kinds == {"regression", "faster", "same", "new", "gone", "failed", "fixed"}
    assert doc["thresholds"] == {"percent": 20.0, "min_delta_ms": 250}


# --- strings from the stream are data ------------------------------------------------------


def hostile_pair(tmp_path: Path, s: Callable[[str], str]) -> tuple[Path, Path]:
    """Two runs of one VM whose names, step, hashes, reason and file names are ``s(role)``."""

    def run(ms: int, status: str, artifact: str, extra: bool) -> bytes:
        vm = s("vm")
        end: dict[str, Any] = (
            {"type": "bootstrap.completed", "vm": vm, "status": "success", "duration_ms": ms}
            if status == "success"
            else {"type": "bootstrap.failed", "vm": vm, "duration_ms": ms, "error": s("error")}
        )
        events: list[dict[str, Any]] = [
            {"type": "command.accepted", "command": s("command")},
            {"type": "bootstrap.planned", "vm": vm, "mode": "auto", "action": "would_run",
             "reason": s("reason"), "artifact_hash": artifact},
            {"type": "bootstrap.started", "vm": vm, "base_hash": s("base"),
             "artifact_hash": artifact, "trigger": "auto"},
            {"type": "bootstrap.step", "vm": vm, "step": s("step"), "status": status,
             "duration_ms": ms},
            end,
        ]  # fmt: skip
        if extra:
            events.append({"type": "bootstrap.planned", "vm": s("vm2"), "mode": "auto",
                           "action": "would_run", "reason": s("reason")})  # fmt: skip
        events.append({"type": "command.completed", "command": s("command"), "exit_code": 0})
        return ("\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n").encode()

    tmp_path.mkdir(exist_ok=True)
    paths = []
    for role, content in (("old", run(1000, "success", s("a1"), False)),
                          ("new", run(3000, "failed", s("a2"), True))):  # fmt: skip
        name = s(role).replace("/", "∕").replace("\x00", "␀").encode()[:200]
        path = tmp_path / (name.decode(errors="ignore") + ".ndjson")
        path.write_bytes(content)
        paths.append(path)
    return paths[0], paths[1]


def tame(role: str) -> str:
    return f"t-{role}"


def assert_inert(tmp_path: Path, hostile: str) -> None:
    def evil(role: str) -> str:
        return f"{hostile}{role}{hostile}"

    tame_old, tame_new = hostile_pair(tmp_path / "tame", tame)
    old, new = hostile_pair(tmp_path / "evil", evil)
    # Text: no control byte; as many lines as the tame one (no line of its own).
    text = run_cli(["compare", str(old), str(new), "--width", "1000", "--color", "always"])
    assert text.code == 0, text.stderr
    tame_text = run_cli(["compare", str(tame_old), str(tame_new), "--width", "1000"]).out
    plain = run_cli(["compare", str(old), str(new), "--width", "1000"]).out
    assert not CONTROLS.intersection(plain) and plain.count("\n") == tame_text.count("\n")
    assert clean(evil("vm")) in plain and clean(evil("step")) in plain
    painted = text.out.replace("\x1b[", "")  # Rich's own colours, and nothing else
    assert "\x1b" not in painted and "\x07" not in painted
    # Markdown: the shape of the tame one, no link, no control byte.
    markdown = run_cli(["compare", str(old), str(new), "--format", "markdown"]).out
    tame_md = run_cli(["compare", str(tame_old), str(tame_new), "--format", "markdown"]).out
    page = render(markdown)
    shape = Shape(page)
    assert shape.tags == Shape(render(tame_md)).tags, markdown
    assert "a" not in shape.tags and "img" not in shape.tags
    assert not CONTROLS.intersection(html.unescape(page))
    # JSON: the strings as they were.
    doc = json.loads(run_cli(["compare", str(old), str(new), "--format", "json"]).out)
    assert {vm["name"] for vm in doc["vms"]} == {evil("vm"), evil("vm2")}
    vm = next(v for v in doc["vms"] if v["name"] == evil("vm"))
    assert vm["steps"][0]["step"] == evil("step") and vm["steps"][0]["change"] == "failed"
    assert {"field": "artifact_hash", "old": evil("a1"), "new": evil("a2")} in vm["plan"]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_names_are_inert_in_every_format(tmp_path: Path, hostile: str) -> None:
    assert_inert(tmp_path, hostile)


# --- compare X X ----------------------------------------------------------------------------

VMS = st.sampled_from(["web-0", "web-1", "db-0"]) | st.text(max_size=6)
STEPS = st.sampled_from(["wait-handshake", "connect", "transfer", "apply", "verify"]) | st.text(
    max_size=6
)
U64 = st.integers(min_value=0, max_value=2**64 - 1)


@st.composite
def bootstrap_events(draw: st.DrawFn) -> dict[str, Any]:
    """An event of the families compare reads, on a few VMs, so that steps repeat and clash."""
    vm = draw(VMS)
    kind = draw(st.sampled_from(["planned", "started", "step", "completed", "failed", "command"]))
    if kind == "planned":
        return {"type": "bootstrap.planned", "vm": vm, "reason": "r",
                "mode": draw(st.sampled_from(["auto", "always", "skip"])),
                "action": draw(st.sampled_from(["would_run", "would_skip", "error"])),
                "artifact_hash": draw(st.none() | st.text(max_size=4))}  # fmt: skip
    if kind == "started":
        return {"type": "bootstrap.started", "vm": vm, "base_hash": draw(st.text(max_size=4)),
                "artifact_hash": draw(st.text(max_size=4)), "trigger": "auto"}  # fmt: skip
    if kind == "step":
        return {"type": "bootstrap.step", "vm": vm, "step": draw(STEPS), "duration_ms": draw(U64),
                "status": draw(st.sampled_from(["success", "skipped", "failed"]))}  # fmt: skip
    if kind == "completed":
        return {"type": "bootstrap.completed", "vm": vm, "status": "success",
                "duration_ms": draw(U64)}  # fmt: skip
    if kind == "failed":
        return {"type": "bootstrap.failed", "vm": vm, "duration_ms": draw(U64), "error": "e"}
    word = draw(st.sampled_from(["accepted", "completed", "failed"]))
    return {"type": f"command.{word}", "command": "up", "exit_code": 0, "duration_ms": draw(U64)}


def lines_of(events: list[ev.Event | dict[str, Any]]) -> bytes:
    return b"".join(
        (json.dumps(e).encode() if isinstance(e, dict) else msgspec.json.encode(e)) + b"\n"
        for e in events
    )


@given(st.lists(bootstrap_events() | any_event(), max_size=40), st.integers(1, 4))
@settings(max_examples=fuzz(150), deadline=None)
def test_a_run_compared_with_itself_has_not_changed(
    events: list[ev.Event | dict[str, Any]], which: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp, "a.ndjson"), Path(tmp, "b.ndjson")
        first.write_bytes(lines_of(events))
        second.write_bytes(lines_of(events))  # the same bytes, read into another stream
        runs = sides.runs_in(replay_stream([str(first)]))
        if not runs:
            return
        n = min(which, runs)
        c = of(f"{first}@{n}", f"{second}@{n}")
        assert c.unchanged and not c.regressed, msgspec.json.encode(c)
        assert all(row.change in ("same", "failing") for _, row in c.rows)
        assert all(not vm.plan for vm in c.vms)
        said, _ = words.tally(c)
        assert said == "= nothing changed"


def test_compare_x_x_on_the_command_line() -> None:
    for path in (OLD, NEW, example("up-fail"), example("agent")):
        result = run_cli(["compare", str(path), str(path), "--fail-on-regression"])
        assert result.code == 0 and "= nothing changed" in result.out
        doc = compared(path, path)
        assert doc["unchanged"] and doc["result"] in ("same", "failing")
