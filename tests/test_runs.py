"""Runs: a stream is a sequence of them; what begins one, what each holds, what is judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from castra_tail.contract.events import Usage
from castra_tail.filters import Selector
from castra_tail.input.sources import Chunk
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.run.stream import Stream
from castra_tail.run.vm import Vm

from conftest import EXAMPLES, FIXTURES, example, replay, replay_stream, run_cli

UP, UP_FAIL, DOWN = (example(n).read_bytes() for n in ("up", "up-fail", "down"))
THREE = FIXTURES / "three-runs.ndjson"  # cat up.ndjson up-fail.ndjson down.ndjson
ACCEPTED = b'{"type":"command.accepted","command":"up"}\n'
MESSAGE = b'{"type":"message","severity":"info","text":"%s"}\n'


def stream_of(tmp_path: Path, *parts: bytes, name: str = "s.ndjson") -> Stream:
    path = tmp_path / name
    path.write_bytes(b"".join(parts))
    return replay_stream([str(path)])


def rows(stream: Stream) -> list[tuple[int, str | None, int | None, bool]]:
    return [(r.number, r.command, r.line, r.ok) for r in stream.log.records()]


# --- where runs begin --------------------------------------------------------------


def test_appended_logs_are_a_run_each(tmp_path: Path) -> None:
    stream = stream_of(tmp_path, UP, UP_FAIL, DOWN)
    assert rows(stream) == [(1, "up", 1, True), (2, "up", 39, False), (3, "down", 64, True)]
    assert stream.current.number == 3 and set(stream.current.vms) == {"web-0", "db-0"}


def test_messages_and_a_transcript_before_the_command_lead_into_its_run(tmp_path: Path) -> None:
    lead = MESSAGE % b"loaded castra.toml" + b'{"type":"turn.started"}\n'
    stream = stream_of(tmp_path, lead, UP)
    assert rows(stream) == [(1, "up", 1, True)]
    agent = replay_stream([str(example("agent"))])  # a harness session that runs castra up
    assert agent.runs == 1


def test_what_trails_a_command_stays_in_its_run_but_a_message_leads_into_the_next(
    tmp_path: Path,
) -> None:
    trailing = (
        b'{"type":"vm.lifecycle","vm":"web-0","phase":"shutdown_requested"}\n'
        b'{"type":"vm.lifecycle","vm":"web-0","phase":"shutdown_complete","outcome":"graceful",'
        b'"total_ms":5,"changed":true}\n'
        b'{"type":"item.completed","item":{"id":"i","type":"agent_message","text":"done"}}\n'
    )
    stream = stream_of(tmp_path, UP, trailing)
    assert stream.runs == 1 and stream.current.vms["web-0"].state == "stopped"
    stream = stream_of(tmp_path, UP, trailing, MESSAGE % b"loading castra.toml", UP)
    assert [(n, line) for n, _, line, _ in rows(stream)] == [(1, 1), (2, 42)]


def test_a_rejected_command_is_a_run_of_its_own(tmp_path: Path) -> None:
    rejected = example("rejected").read_bytes()
    stream = stream_of(tmp_path, UP, rejected, UP)
    assert [(n, c, ok) for n, c, _, ok in rows(stream)] == [
        (1, "up", True),
        (2, "up", False),
        (3, "up", True),
    ]


def test_without_commands_each_file_is_a_run_and_stdin_is_one(tmp_path: Path) -> None:
    rust = (FIXTURES / "rust-order.ndjson").read_bytes()
    a, b = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    a.write_bytes(rust)
    b.write_bytes(rust)
    assert replay_stream([str(a), str(b)]).runs == 2
    result = run_cli(["--format", "json"], stdin=rust + rust)
    assert json.loads(result.stdout)["runs_read"] == 1


def test_a_file_that_goes_on_with_an_open_command_goes_on_in_its_run(tmp_path: Path) -> None:
    lines = UP.splitlines(keepends=True)
    a, b = tmp_path / "events.1", tmp_path / "events"  # rotated in the middle of `castra up`
    a.write_bytes(b"".join(lines[:20]))
    b.write_bytes(b"".join(lines[20:]))
    stream = replay_stream([str(a), str(b)])
    assert stream.runs == 1 and stream.current.missing == []


# --- complete, plan-only, nothing to judge ----------------------------------------------


def test_a_stream_without_summary_or_commands_is_complete_when_nothing_is_left_open() -> None:
    run = replay_stream([str(FIXTURES / "rust-order.ndjson")]).current
    assert run.summary is None and not run.commands and run.missing == []
    ok = run_cli([str(FIXTURES / "rust-order.ndjson"), "--fail-on", "never"])
    assert ok.code == 0 and "incomplete" not in ok.out


def test_a_shutdown_left_open_is_incomplete(tmp_path: Path) -> None:
    asked = b'{"type":"vm.lifecycle","vm":"web-0","phase":"shutdown_requested"}\n'
    run = stream_of(tmp_path, asked).current
    assert run.missing == ["shutdown of web-0 never completed"]


def test_a_plan_only_run_is_a_dry_run_that_passes() -> None:
    result = run_cli([str(example("up-plan")), "--summary-only", "--width", "100"])
    assert result.code == 0, result.out
    assert "3 planned: 2 would run, 1 would skip, 0 would error" in result.out
    assert "incomplete" not in result.out and "connect" not in result.out
    table = result.out.split("summary")[1]
    for header in ("VM", "action", "reason", "mode", "payload", "script"):
        assert header in table
    assert json.loads(run_cli([str(example("up-plan")), "--format", "json"]).stdout)["plan_only"]
    # Nothing was launched: the runs list says planned, not 3 ok
    listed = run_cli(["runs", str(example("up-plan")), "--width", "100"]).out
    assert "3 planned" in listed and "3/0" not in listed


def test_a_plan_that_would_error_fails(tmp_path: Path) -> None:
    plan = (
        b'{"type":"bootstrap.planned","vm":"x","mode":"always","action":"error",'
        b'"reason":"bootstrap/x/run.sh is missing"}\n'
    )
    path = tmp_path / "plan.ndjson"
    path.write_bytes(plan)
    result = run_cli([str(path), "--summary-only", "--width", "100"])
    assert result.code == 1 and "1 planned: 0 would run, 0 would skip, 1 would error" in result.out


@pytest.mark.parametrize("stdin", [b"", b"\n\n"])
def test_nothing_to_judge_is_not_a_pass(stdin: bytes) -> None:
    result = run_cli(["--summary-only"], stdin=stdin)
    assert result.code == 1
    assert "no Castra events in the input (it was empty)" in result.out


def test_another_programs_ndjson_is_not_a_pass() -> None:
    pino = b'{"level":30,"time":1700000000000,"msg":"listening"}\n' * 3
    result = run_cli(["--summary-only", "--width", "200"], stdin=pino)
    assert result.code == 1
    assert '3 lines of JSON without "type", e.g. line 1 {"level":30' in result.out
    assert "is this a Castra event stream?" in result.out
    assert run_cli(["--fail-on", "never"], stdin=pino).code == 0


# --- the why --------------------------------------------------------------------------


def test_the_summary_explains_each_failure_in_full() -> None:
    out = run_cli([str(example("up-fail")), "--summary-only", "--width", "100"]).out
    failures = out.split("failures")[1].split("events")[0]
    assert "db-0 bootstrap failed at apply after 5.6s" in failures
    assert "E: Unable to locate package postgresql-17" in failures  # the error's second line
    assert "run.sh exited with status 100 after apt-get install" in failures  # the step's detail
    assert "↳ pin postgresql-16 in bootstrap/db/packages.txt" in failures  # the remediation
    assert out.index("db-0") < out.index("web-0")  # problems first


def test_the_json_report_lists_the_problems_with_their_remediation() -> None:
    report = json.loads(run_cli([str(example("up-fail")), "--format", "json"]).stdout)
    (bootstrap,) = [p for p in report["problems"] if p["vm"] == "db-0"]
    assert bootstrap["what"] == "bootstrap failed at apply after 5.6s"
    assert bootstrap["detail"].endswith("E: Unable to locate package postgresql-17")
    assert bootstrap["remediation"][0].startswith("pin postgresql-16")
    assert (bootstrap["run"], bootstrap["line"], bootstrap["level"]) == (1, 18, "error")


def test_an_error_of_many_lines_is_cut_at_ten(tmp_path: Path) -> None:
    error = "\\n".join(f"line {i}" for i in range(25))
    failed = f'{{"type":"bootstrap.failed","vm":"a","duration_ms":1,"error":"{error}"}}\n'
    path = tmp_path / "long.ndjson"
    path.write_text(failed)
    out = run_cli([str(path), "--summary-only", "--width", "100"]).out
    assert "line 9" in out and "line 10" not in out and "… 15 more lines" in out


def test_connect_lists_only_vms_that_are_up() -> None:
    down = run_cli([str(example("down")), "--summary-only", "--width", "80"]).out
    assert "connect" not in down and "ssh " not in down


# --- what Castra means ------------------------------------------------------------------


def test_castras_own_words_for_its_fields(tmp_path: Path) -> None:
    lines = (
        b'{"type":"vm.lifecycle","vm":"a","phase":"cooperative_attempted","method":"unavailable",'
        b'"timeout_ms":0}\n'
        b'{"type":"vm.lifecycle","vm":"a","phase":"shutdown_complete","outcome":"graceful",'
        b'"total_ms":0,"changed":false}\n'
        b'{"BrokerStarted":{"pid":1,"port":7070}}\n'
    )
    path = tmp_path / "words.ndjson"
    path.write_bytes(lines)
    result = run_cli([str(path), "--color", "never", "--width", "100"])
    assert "no cooperative channel — escalating" in result.out
    assert "already stopped" in result.out and "overlay changed" not in result.out
    assert "malformed" not in result.out  # an unknown variant is an unknown type
    assert "BrokerStarted ×1" in result.out


def test_a_growing_command_output_shows_its_last_lines(tmp_path: Path) -> None:
    output = "\\n".join(f"step {i}" for i in range(10))
    item = (
        '{"type":"item.completed","item":{"id":"i","type":"command_execution",'
        f'"command":"make","aggregated_output":"{output}","exit_code":2,"status":"failed"}}}}\n'
    )
    path = tmp_path / "item.ndjson"
    path.write_text(item)
    out = run_cli([str(path), "--color", "never", "--no-summary"]).out
    assert "step 9" in out and "step 0" not in out and "… 7 earlier lines" in out


def test_the_plans_fields_are_in_the_report_and_the_line() -> None:
    report = json.loads(run_cli([str(example("up")), "--format", "json"]).stdout)
    plan = report["vms"][0]["plan"]
    assert plan["script_path"] == "bootstrap/web/run.sh" and plan["payload_bytes"] == 5242880
    assert plan["env_keys"] == ["APP_ENV", "CASTRA_VM"] and plan["remote_dir"]
    assert plan["verify_command"] == "systemctl is-active --quiet castra-ready.target"
    out = run_cli([str(example("up")), "--color", "never", "--width", "300"]).out
    assert "script bootstrap/web/run.sh · payload bootstrap/web/payload (5.0 MiB)" in out


def test_canonical_writes_the_native_form_as_the_contracts() -> None:
    mixed = str(FIXTURES / "mixed.ndjson")
    exact = run_cli([mixed, "--format", "ndjson", "-t", "bootstrap.step"]).stdout
    canonical = run_cli([mixed, "--format", "ndjson", "--canonical", "-t", "bootstrap.step"])
    assert exact.startswith(b'{"BootstrapStep"')
    steps = [json.loads(line) for line in canonical.stdout.splitlines()]
    assert [s["step"] for s in steps] == ["wait-handshake", "connect", "transfer", "apply"]
    assert all(s["type"] == "bootstrap.step" for s in steps)
    assert run_cli([mixed, "--canonical"]).code == 2  # only with --format ndjson


# --- --run and `castra-tail runs` ---------------------------------------------------


def test_the_summary_of_several_runs_lists_them_then_the_last_in_full() -> None:
    out = run_cli([str(THREE), "--summary-only", "--width", "120"]).out
    table, rest = out.split("run 3 · castra down · summary")
    assert [line.split()[:2] for line in table.splitlines() if line[:2].strip().isdigit()] == [
        ["1", "up"],
        ["2", "up"],
        ["3", "down"],
    ]
    assert "✗ 5 events at error or above" in table
    assert "db-0    stopped" in rest and "web-1" not in rest  # run 3's VMs only
    assert "1 of 3 runs failed: run 2 (up): 5 events at error or above" in " ".join(out.split())


def test_each_runs_bootstraps_get_their_timelines() -> None:
    out = run_cli([str(THREE), "--color", "never", "--width", "100"]).out
    assert out.count("web-0 bootstrap ✓ success") == 2  # run 1's and run 2's
    assert "── run 2 · up · " in out and "── run 3 · down · " in out


@pytest.mark.parametrize(
    ("select", "numbers", "code"),
    [("last", [3], 0), ("first", [1], 0), ("2", [2], 1), ("-2", [2], 1), ("1..2", [1, 2], 1)],
)
def test_run_restricts_every_output(select: str, numbers: list[int], code: int) -> None:
    runs = [UP, UP_FAIL, DOWN]
    chosen = b"".join(runs[n - 1] for n in numbers)
    ndjson = run_cli([str(THREE), "--format", "ndjson", "--run", select])
    assert ndjson.stdout == chosen and ndjson.code == code
    report = json.loads(run_cli([str(THREE), "--format", "json", "--run", select]).stdout)
    assert [r["number"] for r in report["runs"]] == numbers and report["exit_code"] == code
    assert all("detail" in r for r in report["runs"])  # chosen runs come whole
    markdown = run_cli([str(THREE), "--format", "markdown", "--run", select])
    assert markdown.code == code
    text = run_cli([str(THREE), "--color", "never", "--width", "100", "--run", select])
    assert text.code == code
    lines = [line for line in text.out.splitlines() if line[10:22].endswith(" command   ")]
    assert len(lines) == 2 * len(numbers)  # accepted and ended, of each run chosen only


def test_run_last_on_a_pipe_shows_the_last_runs_lines_at_the_end() -> None:
    result = run_cli(["--format", "ndjson", "--run", "last"], stdin=UP + UP_FAIL + DOWN)
    assert result.stdout == DOWN


def test_a_run_that_is_not_there_is_a_usage_error() -> None:
    result = run_cli([str(THREE), "--run", "5"])
    assert result.code == 2 and "there are 3 runs in the input" in result.stderr
    assert run_cli([str(THREE), "--run", "soon"]).code == 2


def test_runs_lists_the_runs_of_a_log() -> None:
    text = run_cli(["runs", str(THREE), "--width", "120"])
    assert text.code == 0 and "runs" in text.out and "down" in text.out
    listed = json.loads(run_cli(["runs", "--format", "json", str(THREE)]).stdout)["runs"]
    assert [(r["number"], r["command"], r["line"], r["ok"]) for r in listed] == [
        (1, "up", 1, True),
        (2, "up", 39, False),
        (3, "down", 64, True),
    ]
    assert listed[1]["vms"] == {"total": 2, "ok": 1, "failed": 1}
    assert listed[1]["exit_code"] == 1 and listed[1]["duration_ms"] == 9410


def test_examples_are_one_run_each() -> None:
    for path in sorted(EXAMPLES.glob("*.ndjson")):
        assert replay_stream([str(path)]).runs == 1, path.name


def test_a_filter_note_looks_at_every_run_not_only_the_last() -> None:
    three = str(FIXTURES / "three-runs.ndjson")
    # web-1 is only in run 1: asking for it is no mistake, though the last run lacks it.
    quiet = run_cli([three, "--vm", "web-1", "--no-summary"])
    assert "web-1" in quiet.out
    assert "no such VM" not in quiet.stderr
    typo = run_cli([three, "--vm", "web1", "--no-summary"])
    assert "--vm web1: no such VM in the stream (web-0, web-1, db-0; did you mean web-1?)" in (
        typo.stderr
    )
    # usage events are in runs 1 and 2 only; run 3 (down) has none.
    assert "no such event" not in run_cli([three, "-t", "usage", "--no-summary"]).stderr


def test_a_run_chosen_from_the_end_is_introduced_with_its_command() -> None:
    result = run_cli([str(FIXTURES / "three-runs.ndjson"), "--run", "-1", "--no-summary"])
    assert result.out.splitlines()[0].startswith("── run 3 · down · ")


def test_past_its_bounds_what_was_seen_claims_no_absence() -> None:
    from castra_tail.run.seen import Seen

    up = replay_stream([str(example("up"))]).current  # web-0, web-1, db-0
    seen = Seen(max_vms=2)
    seen.add(up)
    assert list(seen.vms) == ["web-0", "web-1"] and not seen.vms_complete
    stream = replay_stream([str(FIXTURES / "three-runs.ndjson")])
    assert "usage" not in stream.current.unknown_types and not stream.current.by_class[Usage]
    assert list(stream.seen.vms) == ["web-0", "web-1", "db-0"] and stream.seen.vms_complete
    assert "usage" in stream.seen.types  # from runs 1 and 2: the last has none


@pytest.mark.parametrize("chosen", [[], ["--run", "2"], ["--run", "-2"], ["--run", "2..3"]])
def test_each_run_shown_ends_with_its_bootstraps_on_one_axis(chosen: list[str]) -> None:
    args = [str(FIXTURES / "three-runs.ndjson"), "--no-summary", "--width", "80", *chosen]
    out = run_cli(args).out
    runs = out.split("── run ")
    # Run 1 (3 VMs) and run 2 (2 VMs) bootstrapped; run 3 (down) did not.
    charts = [part.split("bootstraps on one time axis\n")[1:] for part in runs]
    drawn = [len([line for line in c[0].splitlines() if "▕" in line]) if c else 0 for c in charts]
    expected = {(): [3, 2, 0], ("--run", "2"): [0, 2], ("--run", "-2"): [0, 2]}
    assert drawn == expected.get(tuple(chosen), [0, 2, 0])


def test_run_all_keeps_the_last_runs_whole_and_shows_the_last(tmp_path: Path) -> None:
    from castra_tail.run import stream as streams
    from castra_tail.run.selection import parse

    one = (FIXTURES / "three-runs.ndjson").read_bytes()
    path = tmp_path / "long.ndjson"
    path.write_bytes(one * 40)  # 120 runs, more than are kept whole
    stream = replay_stream([str(path)], selection=parse("all"))
    assert stream.runs == 120 and len(stream.records()) == 120
    kept = [r.number for r in stream.chosen]
    assert kept == list(range(120 - streams.MAX_FULL + 1, 121))
    assert stream.detail is not None and stream.detail.number == 120  # the last, not run 100
    out = run_cli([str(path), "--run", "all", "--summary-only", "--width", "100"]).out
    assert "run 120 · castra down · summary" in out


def test_runs_kept_whole_are_bounded_by_their_vms_too(tmp_path: Path) -> None:
    from castra_tail.run.selection import parse

    path = tmp_path / "long.ndjson"
    path.write_bytes((FIXTURES / "three-runs.ndjson").read_bytes() * 2)
    # runs of 3, 2 and 2 VMs, at most 5 VMs in whole runs
    stream = replay_stream([str(path)], selection=parse("all"), max_full_vms=5)
    assert [r.number for r in stream.chosen] == [5, 6]  # 2 + 2 VMs; with run 4's 3: 7 > 5


def test_a_file_that_begins_with_no_command_after_one_that_ran_begins_a_run(
    tmp_path: Path,
) -> None:
    # The first event of the next file goes through the boundary whatever it is: an agent's
    # transcript (thread.started) or a bootstrap is no command ending a run.
    first = tmp_path / "up.ndjson"
    first.write_bytes(UP)
    for name in ("agent", "up-plan"):
        stream = replay_stream([str(first), str(example(name))])
        assert stream.runs == 2
    bootstrap = tmp_path / "bootstrap.ndjson"
    bootstrap.write_bytes(
        b'{"type":"bootstrap.step","vm":"w","step":"apply","status":"success","duration_ms":5}\n'
    )
    assert replay_stream([str(first), str(bootstrap)]).runs == 2
    result = run_cli([str(first), str(example("agent")), "--summary-only"])
    assert result.stderr == "" and "run 2 (up)" in result.out


@pytest.mark.parametrize("severity", ["info", "error"])
def test_messages_after_the_last_command_ended_trail_its_run(tmp_path: Path, severity: str) -> None:
    # Not a run of their own: --run last and compare would take it for the last, and pass.
    ended = example("up-fail").read_bytes()
    path = tmp_path / "trailing.ndjson"
    after = f'{{"type":"message","severity":"{severity}","text":"said after the end"}}\n'
    path.write_bytes(ended + after.encode())
    stream = replay_stream([str(path)])
    assert stream.runs == 1 and stream.current.messages.get(severity) is not None
    assert run_cli([str(path), "--run", "last", "-q"]).code == 1
    lines = run_cli([str(path), "--run", "last", "--format", "ndjson"]).stdout
    assert lines == ended + after.encode()  # the trailing line is the run's too
    report = json.loads(run_cli([str(path), "--format", "json"]).stdout)
    assert len(report["runs"]) == 1 and report["totals"]["events"] == len(ended.splitlines()) + 1
    # Messages that lead into a run that follows still begin it
    path.write_bytes(ended + after.encode() + example("rejected").read_bytes())
    assert replay_stream([str(path)]).runs == 2


@pytest.mark.parametrize(
    "after",
    [
        '{"type":"message","severity":"warn","text":"→ web-0: disk almost full"}',
        '{"type":"message","severity":"error","vm":"web-9","text":"lost its console"}',
        '{"type":"message","severity":"info","text":"→ db-0: done","remediation":"castra down"}',
    ],
)
def test_messages_that_name_a_vm_after_the_end_trail_the_run_too(
    tmp_path: Path, after: str
) -> None:
    # Castra's own messages name their VM in the text ("→ web-0: …"): such a message,
    # said after the command ended, made that VM, and so a run of its own.
    ended = example("up").read_bytes()
    path = tmp_path / "trailing.ndjson"
    path.write_bytes(ended + after.encode() + b"\n")
    stream = replay_stream([str(path)])
    assert stream.runs == 1
    told = json.loads(after)
    name = told.get("vm") or told["text"].split()[1].rstrip(":")
    vm = stream.current.vms[name]
    before = replay([str(example("up"))]).vms.get(name) or Vm(name)
    level = told["severity"]
    warned, erred = {"warn": (1, 0), "error": (0, 1)}.get(level, (0, 0))
    assert (vm.warnings, vm.errors) == (before.warnings + warned, before.errors + erred)
    remedies = [told["remediation"]] if "remediation" in told else []
    assert vm.remediations == before.remediations + remedies
    if level == "error":
        assert vm.first_error is not None and vm.first_error.line == len(ended.splitlines()) + 1
    runs = json.loads(run_cli(["runs", str(path), "--format", "json"]).stdout)["runs"]
    assert [r["number"] for r in runs] == [1]
    assert runs[0]["ok"] is (level != "error")


def test_a_long_vm_name_said_after_the_end_is_cut_once(tmp_path: Path) -> None:
    long = "v" * 5000
    told = json.dumps({"type": "message", "severity": "error", "vm": long, "text": "boom"})
    path = tmp_path / "long.ndjson"
    path.write_bytes(example("up").read_bytes() + told.encode() + b"\n")
    run = replay_stream([str(path)]).current
    assert run.find(long) is not None and run.find(long).errors == 1  # type: ignore[union-attr]
    # ... and past the VM cap it is counted once among those not tracked
    lines = [json.dumps({"type": "command.accepted", "command": "up"})]
    lines += [json.dumps({"type": "vm.lifecycle", "vm": f"vm-{i}", "phase": "launched",
                          "pid": i}) for i in range(3)]  # fmt: skip
    lines += [json.dumps({"type": "vm.lifecycle", "vm": long, "phase": "launched", "pid": 9})]
    lines += [json.dumps({"type": "command.completed", "command": "up", "exit_code": 0}), told]
    path.write_text("\n".join(lines) + "\n")
    stream = Stream(max_vms=3)
    consume(
        [Chunk(str(path), 1, path.read_bytes().splitlines())], stream, Silent(), Selector(), None
    )
    stream.finish()
    assert stream.runs == 1 and stream.current.vms_not_tracked == 1


def test_a_bad_line_of_another_file_than_the_runs_first_is_named_with_it(tmp_path: Path) -> None:
    first, second = tmp_path / "a.ndjson", tmp_path / "b.ndjson"
    first.write_text('{"type":"command.accepted","command":"up"}\n')
    second.write_text('garbage\n{"type":"command.completed","command":"up","exit_code":0}\n')
    out = run_cli([str(first), str(second), "--summary-only", "--no-color", "--width", "200"]).out
    assert "/b.ndjson:1)" in out  # the file named (a long path keeps its end)
    assert "(line 1)" not in out
