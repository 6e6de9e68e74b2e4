"""When things happened (render/clock.py): the ts the state keeps, laid on one axis."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from castra_tail.filters import Selector
from castra_tail.input.sources import Chunk
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.render.clock import MS, Span, VmTimes, parse_ts, timing
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream

from conftest import example, fuzz, replay, replay_stream

T0 = "2026-11-24T09:14:00Z"


def at(seconds: float) -> str:
    """A timestamp ``seconds`` after T0."""
    whole, frac = divmod(round(seconds * 1000), 1000)
    return f"2026-11-24T09:{14 + whole // 60:02d}:{whole % 60:02d}.{frac:03d}Z"


def lines(*events: dict[str, object]) -> list[bytes]:
    return [json.dumps(e).encode() for e in events]


def read(raw: list[bytes]) -> Run:
    """The run these lines make (they hold no command: one run)."""
    stream = Stream()
    consume([Chunk("s.ndjson", 1, list(raw))], stream, Silent(), Selector(), None)
    return stream.current


def finished(run: Run) -> Run:
    run.finish()
    return run


TIMED_UP = lines(
    {"type": "vm.lifecycle", "vm": "a", "phase": "overlay_prepared", "overlay_path": "/o",
     "ts": at(0)},
    {"type": "vm.lifecycle", "vm": "a", "phase": "launched", "pid": 7, "ts": at(1.5)},
    {"type": "bootstrap.planned", "vm": "a", "mode": "auto", "action": "would_run",
     "reason": "r", "ts": at(2)},
    {"type": "bootstrap.started", "vm": "a", "base_hash": "b", "artifact_hash": "c",
     "trigger": "auto", "ts": at(3)},
    {"type": "bootstrap.step", "vm": "a", "step": "connect", "status": "success",
     "duration_ms": 1000, "ts": at(4.5)},  # a gap before it: the step ended at its ts
    {"type": "bootstrap.step", "vm": "a", "step": "apply", "status": "success",
     "duration_ms": 2000, "ts": at(6.5)},
    {"type": "bootstrap.completed", "vm": "a", "status": "success", "duration_ms": 3600,
     "ts": at(6.6)},
    {"type": "vm.lifecycle", "vm": "a", "phase": "shutdown_requested", "ts": at(10)},
    {"type": "vm.lifecycle", "vm": "a", "phase": "shutdown_complete", "outcome": "graceful",
     "total_ms": 1200, "changed": True, "ts": at(11.2)},
)  # fmt: skip


def test_parse_ts_reads_rfc3339_and_refuses_the_rest() -> None:
    assert parse_ts("1970-01-01T00:00:01Z") == 1_000_000
    assert parse_ts("1970-01-01t00:00:01.5z") == 1_500_000
    assert parse_ts("1970-01-01T01:00:01+01:00") == 1_000_000
    assert parse_ts("1970-01-01 00:00:01") == 1_000_000  # no offset: UTC
    for bad in ("yesterday", "", "2026-11-24T23:59:60Z", "2026-02-30T00:00:00Z"):
        assert parse_ts(bad) is None, bad


def test_the_state_keeps_each_moments_ts() -> None:
    vm = finished(read(TIMED_UP)).vms["a"]
    assert vm.times == {
        "overlay_prepared": at(0),
        "launched": at(1.5),
        "planned": at(2),
        "shutdown_requested": at(10),
        "shutdown_complete": at(11.2),
    }
    b = vm.bootstrap
    assert b is not None
    assert (b.started_ts, b.ended_ts) == (at(3), at(6.6))
    assert [s.ts for s in b.steps] == [at(4.5), at(6.5)]


def test_a_ts_too_long_to_be_one_is_not_kept() -> None:
    run = read(lines({"type": "vm.lifecycle", "vm": "a", "phase": "launched", "pid": 1,
                      "ts": "9" * 100_000}))  # fmt: skip
    assert run.vms["a"].times is None


def test_times_come_from_ts_where_the_events_have_them() -> None:
    t = timing([finished(read(TIMED_UP))])
    assert (t.clock, t.origin) == ("ts", "2026-11-24T09:14:00Z")
    (vm,) = t.runs[0].vms
    assert vm.launch == Span(0, 1_500 * MS)
    assert vm.plan == Span(2_000 * MS, 0)
    assert vm.bootstrap == Span(3_000 * MS, 3_600 * MS)
    assert [span for _, span in vm.steps] == [
        Span(3_500 * MS, 1_000 * MS),
        Span(4_500 * MS, 2_000 * MS),
    ]
    assert vm.shutdown == Span(10_000 * MS, 1_200 * MS)


def test_without_ts_steps_are_laid_end_to_end_from_the_bootstrap_start() -> None:
    t = timing([replay([str(example("up-fail"))])])
    assert (t.clock, t.origin) == ("synthetic", None)
    for vm in t.runs[0].vms:
        b = vm.vm.bootstrap
        assert b is not None and vm.bootstrap is not None
        assert vm.bootstrap.start == 0
        ends = 0
        for step, span in vm.steps:
            assert (span.start, span.dur) == (ends, step.duration_ms * MS)
            ends = span.end
        assert vm.bootstrap.dur == max(b.duration_ms or 0, b.steps_ms) * MS


def test_a_vm_without_ts_beside_one_with_them_is_mixed() -> None:
    untimed = lines(
        {"type": "bootstrap.started", "vm": "b", "base_hash": "b", "artifact_hash": "c",
         "trigger": "auto"},
        {"type": "bootstrap.step", "vm": "b", "step": "connect", "status": "success",
         "duration_ms": 700},
    )  # fmt: skip
    t = timing([finished(read(TIMED_UP + untimed))])
    assert t.clock == "mixed"
    a, b = t.runs[0].vms
    assert a.timed and not b.timed
    assert b.bootstrap == Span(0, 700 * MS)  # at the run's first time


def test_a_step_that_began_before_the_first_ts_moves_the_origin() -> None:
    raw = lines(
        {"type": "bootstrap.step", "vm": "a", "step": "connect", "status": "success",
         "duration_ms": 5000, "ts": at(1)},
    )  # fmt: skip
    t = timing([finished(read(raw))])
    (vm,) = t.runs[0].vms
    assert vm.steps[0][1] == Span(0, 5000 * MS)
    assert t.origin == "2026-11-24T09:13:56Z"


def test_runs_without_ts_are_laid_one_after_the_other() -> None:
    first, second = (replay([str(example(n))]) for n in ("up", "up-fail"))
    t = timing([first, second])
    assert len(t.runs) == 2
    assert t.runs[1].start == t.runs[0].end > 0
    assert all(vm.bootstrap and vm.bootstrap.start >= t.runs[0].end for vm in t.runs[1].vms)


def nests(times: VmTimes) -> bool:
    """Spans that never cross: each one after the one before, or inside it."""
    spans = [s for s in (times.launch, times.plan, times.bootstrap, times.shutdown) if s]
    top_ok = all(b.start >= a.end or b.end <= a.end for a, b in itertools.pairwise(spans))
    boot = times.bootstrap
    steps = [span for _, span in times.steps]
    inside = boot is None or all(boot.start <= s.start and s.end <= boot.end for s in steps)
    ordered = all(b.start >= a.end for a, b in itertools.pairwise(steps))
    return top_ok and inside and ordered


MOMENT = st.one_of(st.none(), st.integers(0, 120).map(at))


@given(
    st.lists(st.tuples(st.integers(0, 4000), MOMENT), max_size=6),
    st.tuples(MOMENT, MOMENT),  # bootstrap started, ended
    st.integers(0, 9000),
    st.tuples(MOMENT, MOMENT),  # overlay prepared, launched
    st.tuples(MOMENT, MOMENT, st.integers(0, 9000)),  # shutdown requested, complete, total
)
@settings(max_examples=fuzz(300), deadline=None)
def test_whatever_the_times_say_spans_nest_and_keep_their_durations(
    steps: list[tuple[int, str | None]],
    boot: tuple[str | None, str | None],
    duration: int,
    launch: tuple[str | None, str | None],
    shutdown: tuple[str | None, str | None, int],
) -> None:
    vm = {"type": "vm.lifecycle", "vm": "a"}
    events: list[dict[str, object]] = [
        vm | {"phase": "overlay_prepared", "overlay_path": "/o", "ts": launch[0]},
        vm | {"phase": "launched", "pid": 1, "ts": launch[1]},
        {"type": "bootstrap.started", "vm": "a", "base_hash": "b", "artifact_hash": "c",
         "trigger": "auto", "ts": boot[0]},
    ]  # fmt: skip
    events += [
        {"type": "bootstrap.step", "vm": "a", "step": f"s{i}", "status": "success",
         "duration_ms": ms, "ts": ts}
        for i, (ms, ts) in enumerate(steps)
    ]  # fmt: skip
    events += [
        {"type": "bootstrap.completed", "vm": "a", "status": "success", "duration_ms": duration,
         "ts": boot[1]},
        vm | {"phase": "shutdown_requested", "ts": shutdown[0]},
        vm | {"phase": "shutdown_complete", "outcome": "graceful", "total_ms": shutdown[2],
              "changed": True, "ts": shutdown[1]},
    ]  # fmt: skip
    raw = lines(*({k: v for k, v in e.items() if v is not None} for e in events))
    t = timing([finished(read(raw))])
    (times,) = t.runs[0].vms
    assert nests(times)
    assert [span.dur for _, span in times.steps] == [ms * MS for ms, _ in steps]
    starts = [s.start for s in (times.launch, times.plan, times.bootstrap, times.shutdown) if s]
    assert min(starts + [span.start for _, span in times.steps]) >= 0


def spans(runs: list[Run]) -> list[object]:
    """What a timing says, VM by VM (not the records it points to)."""
    t = timing(runs)
    return [t.clock, t.origin] + [
        (v.vm.name, v.launch, v.plan, v.bootstrap, [s for _, s in v.steps], v.shutdown)
        for r in t.runs
        for v in r.vms
    ]


def test_times_survive_reading_in_parts(tmp_path: Path) -> None:
    from castra_tail import parallel

    accepted = lines({"type": "command.accepted", "command": "up"})
    completed = lines({"type": "command.completed", "command": "up", "exit_code": 0})
    path = tmp_path / "runs.ndjson"
    path.write_bytes(b"".join(line + b"\n" for line in (accepted + TIMED_UP + completed) * 6))
    whole = spans([replay_stream([str(path)]).current])
    for parts in (2, 3, 6):
        assert len(parallel.split(str(path), parts)) > 1  # ranges read apart, then joined
        stream = Stream()
        parallel.read_file(str(path), stream, 1 << 20, parts)
        stream.finish()
        assert stream.runs == 6
        assert spans([stream.current]) == whole, parts


def test_times_travel_with_a_part() -> None:
    from castra_tail.run import wire

    _, back = wire.loads(wire.dumps(len(TIMED_UP), [], 0, 0, read(TIMED_UP)))
    assert spans([finished(back)]) == spans([finished(read(TIMED_UP))])
