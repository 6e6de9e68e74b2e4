"""``--format trace``: Chrome Trace Event Format, as Perfetto and chrome://tracing read it."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from castra_tail.render.trace import trace
from castra_tail.run.selection import parse
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import judge

from conftest import example, replay_stream, run_cli

Event = dict[str, Any]


def document(stream: Stream) -> dict[str, Any]:
    """The trace of the runs chosen from ``stream``."""
    loaded: dict[str, Any] = json.loads(trace(stream.chosen, judge(stream)))
    return loaded


def every_run(*names: str) -> Stream:
    """The examples ``names`` read as one stream, every run chosen (``--run all``)."""
    return replay_stream([str(example(n)) for n in names], selection=parse("all"))


def well_formed(doc: dict[str, Any]) -> list[Event]:
    """The trace's events, checked against the format's rules for each phase."""
    events: list[Event] = doc["traceEvents"]
    assert doc["displayTimeUnit"] == "ms"
    for e in events:
        assert isinstance(e["pid"], int) and isinstance(e["tid"], int)
        assert isinstance(e["name"], str)
        if e["ph"] == "X":
            assert isinstance(e["ts"], int) and isinstance(e["dur"], int)
            assert e["ts"] >= 0 and e["dur"] >= 0 and isinstance(e["args"], dict)
        elif e["ph"] == "i":
            assert e["s"] in ("t", "p", "g") and isinstance(e["ts"], int)
        else:
            assert e["ph"] == "M", e
            assert e["name"] in (
                "process_name",
                "process_sort_index",
                "thread_name",
                "thread_sort_index",
            )
    return events


def names(events: list[Event], kind: str) -> dict[tuple[int, int], str]:
    return {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["name"] == kind}


def test_one_process_per_run_one_track_per_vm_steps_as_they_took() -> None:
    stream = replay_stream([str(example("up-fail"))])
    run = stream.current
    doc = document(stream)
    events = well_formed(doc)
    assert names(events, "process_name") == {(1, 0): "run 1: castra up"}
    assert names(events, "thread_name") == {(1, 0): "run", (1, 1): "web-0", (1, 2): "db-0"}
    tracks = {"web-0": 1, "db-0": 2}
    for vm in run.vms.values():
        b = vm.bootstrap
        assert b is not None
        mine = [e for e in events if e["ph"] == "X" and e["tid"] == tracks[vm.name]]
        assert [e["name"] for e in mine] == [
            "launch",
            "plan",
            "bootstrap",
            *(s.step for s in b.steps),
        ]
        steps = [e for e in mine if e.get("cat") == "bootstrap.step"]
        assert [e["dur"] for e in steps] == [s.duration_ms * 1000 for s in b.steps]
        assert [e["args"]["status"] for e in steps] == [s.status for s in b.steps]
        for before, after in zip(steps, steps[1:], strict=False):
            assert after["ts"] == before["ts"] + before["dur"]  # end to end: no ts in it
        (boot,) = (e for e in mine if e["name"] == "bootstrap")
        assert boot["args"]["status"] == b.status
    failed = [e for e in events if e["ph"] == "i" and e["s"] == "t"]
    assert [(e["tid"], e["name"]) for e in failed] == [(2, "bootstrap failed")]
    assert failed[0]["args"]["error"].endswith("postgresql-17")
    assert failed[0]["args"]["step"] == "apply"
    (verdict,) = (e for e in events if e.get("cat") == "verdict")
    assert verdict["s"] == "p" and verdict["name"] == "✗ failed (exit 1)"
    assert doc["otherData"]["clock"] == "synthetic" and doc["otherData"]["exit_code"] == 1
    assert "laid end to end" in doc["otherData"]["clock_note"]


def test_two_runs_are_two_processes_laid_one_after_the_other() -> None:
    stream = every_run("up", "down")
    events = well_formed(document(stream))
    assert names(events, "process_name") == {
        (1, 0): "run 1: castra up",
        (2, 0): "run 2: castra down",
    }
    per_run = defaultdict(set)
    for e in events:
        if e["ph"] == "X":
            per_run[e["pid"]].add(e["tid"])
    assert per_run[1] == {1, 2, 3} and len(per_run[2]) == len(stream.chosen[1].vms)
    first_end = max(e["ts"] + e["dur"] for e in events if e["ph"] == "X" and e["pid"] == 1)
    assert min(e["ts"] for e in events if e["ph"] == "X" and e["pid"] == 2) >= first_end
    shutdowns = [e for e in events if e["name"] == "shutdown"]
    assert shutdowns and all(e["pid"] == 2 for e in shutdowns)
    assert {e["args"]["status"] for e in shutdowns} <= {"graceful", "forced"}


def test_times_come_from_ts_and_the_metadata_says_so(tmp_path: Path) -> None:
    path = tmp_path / "timed.ndjson"
    path.write_text(
        '{"type":"bootstrap.started","vm":"a","base_hash":"b","artifact_hash":"c",'
        '"trigger":"auto","ts":"2026-11-24T09:14:00Z"}\n'
        '{"type":"bootstrap.step","vm":"a","step":"connect","status":"success",'
        '"duration_ms":250,"ts":"2026-11-24T09:14:01Z"}\n'
        '{"type":"bootstrap.failed","vm":"a","duration_ms":1500,"error":"boom",'
        '"ts":"2026-11-24T09:14:01.500Z"}\n'
    )
    result = run_cli([str(path), "--format", "trace"])
    assert result.code == 1, result.stderr
    doc = json.loads(result.out)
    events = well_formed(doc)
    step = next(e for e in events if e["name"] == "connect")
    assert (step["ts"], step["dur"]) == (750_000, 250_000)  # it ended at its ts
    boot = next(e for e in events if e["name"] == "bootstrap")
    assert (boot["ts"], boot["dur"]) == (0, 1_500_000)
    failure = next(e for e in events if e["name"] == "bootstrap failed")
    assert failure["ts"] == 1_500_000 and failure["args"]["error"] == "boom"
    assert doc["otherData"]["clock"] == "ts"
    assert doc["otherData"]["origin"] == "2026-11-24T09:14:00Z"


HOSTILE = [
    'web"0',
    "back\\slash",
    "new\nline\r\x00\x1b]0;t\x07",
    "</script><script>alert(1)</script>",
    "\u2028\u2029\ufeff",
    "😀 emoji",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_stream_strings_are_json_data_whatever_they_hold(tmp_path: Path, name: str) -> None:
    path = tmp_path / "hostile.ndjson"
    events = [
        {"type": "bootstrap.started", "vm": name, "base_hash": "b", "artifact_hash": "c",
         "trigger": "auto"},
        {"type": "bootstrap.step", "vm": name, "step": name, "status": "failed",
         "duration_ms": 5, "detail": name},
        {"type": "bootstrap.failed", "vm": name, "duration_ms": 5, "error": name},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(e) for e in events) + "\n")
    result = run_cli([str(path), "--format", "trace"])
    doc = json.loads(result.out)  # raises if a string broke out of its quotes
    events_out = well_formed(doc)
    assert names(events_out, "thread_name")[(1, 1)] == name
    step = next(e for e in events_out if e.get("cat") == "bootstrap.step")
    assert step["name"] == name and step["args"]["detail"] == name
    assert next(e for e in events_out if e["ph"] == "i" and e["s"] == "t")["args"]["error"] == name


def test_an_empty_stream_is_an_empty_trace() -> None:
    result = run_cli(["--format", "trace", "-"], stdin=b"")
    doc = json.loads(result.out)
    events = well_formed(doc)
    # Nothing to judge fails (a CI job that read nothing must not pass), with nothing drawn.
    assert {e["ph"] for e in events} <= {"M", "i"} and doc["otherData"]["ok"] is False
    assert names(events, "process_name") == {(1, 0): "run 1: castra-tail"}
