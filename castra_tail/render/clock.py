"""When the things of a run happened, as spans on one time axis: what the pictures draw.

The trace (``--format trace``) and the Mermaid gantt (``--format markdown``)
both read a ``Timing``: for each run, for each VM, the spans of its launch,
plan, bootstrap with its steps, and shutdown, in microseconds from one origin.

Times come from the events' own ``ts`` where they have one (a step's ``ts``
is taken as its end: the event is written when the step is over, with its
duration). Where they have none, each VM's steps are laid end to end from its
bootstrap's start, and what has no time follows what came before it (launch,
plan, bootstrap, shutdown: the order ``castra up`` writes them in). ``clock``
says which: ``ts``, ``synthetic`` or ``mixed``.

Spans on one VM never cross: a span that would start inside the one before it
and end after it starts where that one ends (times that contradict each other
cannot nest, and a trace viewer drops what does not nest). Durations are the
stream's own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from castra_tail.run.records import Step
from castra_tail.run.state import Run
from castra_tail.run.vm import Vm

#: Microseconds in a millisecond: the stream says milliseconds, traces count microseconds.
MS: Final = 1000
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_NOTES: Final = {
    "ts": "times are the events' own ts",
    "synthetic": "the events carry no ts: each VM's steps are laid end to end "
    "from its bootstrap's start, at 0",
    "mixed": "times are the events' own ts where they had one; elsewhere each VM's "
    "steps are laid end to end from its bootstrap's start",
}


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of time: its start, in microseconds from the origin, and its length."""

    start: int
    dur: int

    @property
    def end(self) -> int:
        """Where it ends."""
        return self.start + self.dur


@dataclass(frozen=True, slots=True)
class VmTimes:
    """When each thing that happened to a VM did."""

    vm: Vm
    launch: Span | None
    plan: Span | None
    bootstrap: Span | None
    steps: tuple[tuple[Step, Span], ...]
    shutdown: Span | None
    #: True when any of it came from a ``ts``.
    timed: bool

    @property
    def end(self) -> int:
        """Where the last of it ends."""
        spans = (self.launch, self.plan, self.bootstrap, self.shutdown)
        return max((s.end for s in spans if s is not None), default=0)


@dataclass(frozen=True, slots=True)
class RunTimes:
    """The VMs of one run, with their times, in the order they were first seen."""

    run: Run
    vms: tuple[VmTimes, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Timing:
    """The times of some runs on one axis."""

    runs: tuple[RunTimes, ...]
    #: ``ts``, ``synthetic`` or ``mixed``: where the times came from.
    clock: str
    #: What time 0 is, when any time came from a ``ts`` (RFC 3339, UTC).
    origin: str | None

    @property
    def note(self) -> str:
        """Where the times came from, in words."""
        return _NOTES[self.clock]


def parse_ts(ts: str) -> int | None:
    """An RFC 3339 timestamp as microseconds since the epoch; None when it is not one.

    Without an offset it is taken as UTC. A leap second (``:60``) is not a time
    Python knows: None.
    """
    try:
        moment = datetime.fromisoformat(ts.upper())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


@dataclass(slots=True)
class _Moments:
    """A VM's times read from its ``ts`` strings, in microseconds since the epoch."""

    at: dict[str, int]
    step_ends: list[int | None]

    @classmethod
    def of(cls, vm: Vm) -> _Moments:
        at: dict[str, int] = {}
        for moment, ts in (vm.times or {}).items():
            _put(at, moment, ts)
        b = vm.bootstrap
        if b is None:
            return cls(at, [])
        _put(at, "started", b.started_ts)
        _put(at, "ended", b.ended_ts)
        return cls(at, [parse_ts(s.ts) if s.ts else None for s in b.steps])

    def known(self) -> list[int]:
        return [*self.at.values(), *(t for t in self.step_ends if t is not None)]

    def earliest(self, vm: Vm) -> int | None:
        """The earliest time these moments imply: a step began its duration before its end."""
        found = self.known()
        b = vm.bootstrap
        if b is not None:
            before = 0
            for step, end in zip(b.steps, self.step_ends, strict=True):
                before += step.duration_ms * MS
                if end is not None:
                    found.append(end - before)
            if "ended" in self.at:
                found.append(self.at["ended"] - max(b.duration_ms or 0, b.steps_ms) * MS)
        s = vm.shutdown
        if s is not None and s.total_ms is not None and "shutdown_complete" in self.at:
            found.append(self.at["shutdown_complete"] - s.total_ms * MS)
        return min(found, default=None)

    def shifted(self, origin: int) -> _Moments:
        return _Moments(
            {k: v - origin for k, v in self.at.items()},
            [None if t is None else t - origin for t in self.step_ends],
        )


def _put(at: dict[str, int], moment: str, ts: str | None) -> None:
    t = parse_ts(ts) if ts else None
    if t is not None:
        at[moment] = t


def timing(runs: Sequence[Run]) -> Timing:
    """The times of ``runs``: from their ``ts`` where there are some, else laid out."""
    moments = [[_Moments.of(vm) for vm in run.vms.values()] for run in runs]
    known = [t for per_run in moments for m in per_run for t in m.known()]
    origin = min(known, default=0)
    laid = _lay_out(runs, moments, origin)
    # A step's start is its end less its duration: it may come before the first ts.
    earliest = min((_start(v) for r in laid for v in r.vms), default=0)
    if earliest < 0:
        origin += earliest
        laid = _lay_out(runs, moments, origin)
    timed = sum(v.timed for r in laid for v in r.vms)
    untimed = sum(not v.timed for r in laid for v in r.vms)
    clock = "mixed" if timed and untimed else "ts" if timed else "synthetic"
    start = (_EPOCH + timedelta(microseconds=origin)).isoformat().replace("+00:00", "Z")
    return Timing(tuple(laid), clock, start if known else None)


def _start(t: VmTimes) -> int:
    spans = (t.launch, t.plan, t.bootstrap, t.shutdown, *(span for _, span in t.steps))
    return min(s.start for s in spans if s is not None)


def _lay_out(runs: Sequence[Run], moments: list[list[_Moments]], origin: int) -> list[RunTimes]:
    laid: list[RunTimes] = []
    cursor = 0  # where a run with no time at all begins: after the one before
    for run, per_run in zip(runs, moments, strict=True):
        shifted = [m.shifted(origin) for m in per_run]
        base = min((t for m in shifted for t in m.known()), default=cursor)
        vms = []
        for vm, m in zip(run.vms.values(), shifted, strict=True):
            times = _vm_times(vm, m, base)
            if times is not None:
                vms.append(times)
        end = max((v.end for v in vms), default=base)
        laid.append(RunTimes(run, tuple(vms), base, end))
        cursor = max(cursor, end)
    return laid


def _vm_times(vm: Vm, m: _Moments, base: int) -> VmTimes | None:
    """A VM's spans, in the order ``castra up`` writes them; None when it has none."""
    earliest = m.earliest(vm)
    at, cursor = m.at, base if earliest is None else min(base, earliest)
    launch = plan = boot = shutdown = None
    if "overlay_prepared" in at or "launched" in at or vm.pid is not None or vm.overlay_path:
        start = at.get("overlay_prepared", at.get("launched"))
        end = at.get("launched", start)
        launch = _after(cursor, start, None if end is None or start is None else end - start)
        cursor = launch.end
    if vm.plan is not None:
        plan = _after(cursor, at.get("planned"), 0)
        cursor = max(cursor, plan.end)
    steps: tuple[tuple[Step, Span], ...] = ()
    if vm.bootstrap is not None:
        boot, steps = _bootstrap(vm, m, cursor)
        cursor = boot.end
    if vm.shutdown is not None:
        shutdown = _shutdown(vm, at, cursor)
    if launch is None and plan is None and boot is None and shutdown is None:
        return None
    return VmTimes(vm, launch, plan, boot, steps, shutdown, timed=bool(m.known()))


def _after(cursor: int, start: int | None, dur: int | None) -> Span:
    """A span at ``start`` (at ``cursor`` when unknown), moved so it does not cross
    what ends at ``cursor``, unless it fits inside it."""
    dur = max(dur or 0, 0)
    if start is None or start + dur > cursor > start:
        start = cursor if start is None else max(start, cursor)
    return Span(start, dur)


def _bootstrap(vm: Vm, m: _Moments, cursor: int) -> tuple[Span, tuple[tuple[Step, Span], ...]]:
    b = vm.bootstrap
    assert b is not None
    total = max(b.duration_ms or 0, b.steps_ms) * MS
    start = m.at.get("started")
    if start is None:  # from the first step that has a time, all before it end to end
        before = 0
        for step, end in zip(b.steps, m.step_ends, strict=True):
            before += step.duration_ms * MS
            if end is not None:
                start = end - before
                break
    ended = m.at.get("ended")
    if start is None and ended is not None:
        start = ended - total
    start = max(start, cursor) if start is not None else cursor
    spans: list[tuple[Step, Span]] = []
    at = start
    for step, end in zip(b.steps, m.step_ends, strict=True):
        dur = step.duration_ms * MS
        span = Span(max(at, end - dur if end is not None else at), dur)
        spans.append((step, span))
        at = span.end
    end = max(ended if ended is not None else start + total, at, start)
    return Span(start, end - start), tuple(spans)


def _shutdown(vm: Vm, at: dict[str, int], cursor: int) -> Span:
    s = vm.shutdown
    assert s is not None
    total = s.total_ms * MS if s.total_ms is not None else None
    start, end = at.get("shutdown_requested"), at.get("shutdown_complete")
    if start is None and end is not None and total is not None:
        start = end - total
    dur = end - start if end is not None and start is not None else total
    return _after(cursor, start, dur)
