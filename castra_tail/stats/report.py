"""What ``stats`` says, as plain records made from a ``Tally``: rows with their percentiles.

Pure and ordered as shown: steps as the runs ran them (in the order first
seen), VMs × steps slowest first (by p95), VMs most failed first, failure
texts most frequent first, commands most run first. ``--format json`` is these
records as they are; the terminal and Markdown say them in words.
"""

from __future__ import annotations

from typing import Final

import msgspec

from castra_tail.run.kept import OTHER
from castra_tail.stats.sketch import ALPHA, EXACT, Durations
from castra_tail.stats.tally import EXACT_BY_VM, Steps, Tally


class Timing(msgspec.Struct, frozen=True, gc=False):
    """Durations of a key: how many, p50, p95, the largest and the mean (ms)."""

    count: int
    p50: int | None
    p95: int | None
    max: int | None
    mean: int | None
    exact: bool  # False: p50 and p95 come from the sketch (within ALPHA)


class StepRow(msgspec.Struct, frozen=True, gc=False):
    """A step (``vm`` set: one VM's step) across the runs."""

    step: str
    timing: Timing
    failed: int
    skipped: int
    failure_rate: float  # failed / count, in percent
    vm: str | None = None


class VmRow(msgspec.Struct, frozen=True, gc=False):
    """A VM across the runs it was in."""

    vm: str
    runs: int
    failed: int  # runs its bootstrap failed (or was left unfinished), or its plan would error
    failure_rate: float


class FailureRow(msgspec.Struct, frozen=True, gc=False):
    """Failures that read alike: the masked text, how many, the first one's, first and last."""

    text: str
    count: int
    example: str
    first: str  # FILE:LINE
    last: str


class CommandRow(msgspec.Struct, frozen=True, gc=False):
    """The runs of one command."""

    command: str
    runs: int
    ok: int
    failed: int
    duration: Timing


class Report(msgspec.Struct, frozen=True):
    """Everything ``stats`` says."""

    inputs: list[str]
    lines: int
    runs: int
    runs_failed: int
    events: int
    malformed: int
    first_malformed: str | None
    last_malformed: str | None
    steps: list[StepRow]
    by_vm: list[StepRow] | None
    vms: list[VmRow]
    vms_tracked: int  # past MAX_VMS, the others are one OTHER row
    failures: list[FailureRow]
    commands: list[CommandRow]
    tokens: Timing  # per run that had any
    tokens_total: int
    exact_up_to: dict[str, int]
    relative_error: float


#: How a Timing is read: nearest-rank percentiles.
PERCENTILES: Final = (50, 95)


def timing(d: Durations) -> Timing:
    """The Timing of some durations."""
    mean = round(d.total / d.count) if d.count else None
    high = d.high if d.count else None
    return Timing(d.count, d.percentile(50), d.percentile(95), high, mean, d.exact)


def _rate(part: int, whole: int) -> float:
    return round(100 * part / whole, 2) if whole else 0.0


def _step(name: str, s: Steps, vm: str | None = None) -> StepRow:
    t = timing(s.durations)
    return StepRow(name, t, s.failed, s.skipped, _rate(s.failed, t.count), vm)


def report(tally: Tally, inputs: list[str], lines: int) -> Report:
    """The report of a finished tally of ``inputs`` (``lines`` read)."""
    by_vm = None
    if tally.by_vm:
        by_vm = [_step(step, s, vm) for (vm, step), s in tally.vm_steps.items()]
        by_vm.sort(key=lambda r: (-(r.timing.p95 or 0), -r.failed))
    vms = [VmRow(name, n, bad, _rate(bad, n)) for name, (n, bad) in tally.vms.items()]
    vms.sort(key=lambda r: (r.vm == OTHER, -r.failed, -r.failure_rate))
    groups = sorted(tally.groups.items(), key=lambda kv: (kv[0] == OTHER, -kv[1].count))
    commands = sorted(tally.commands.items(), key=lambda kv: -kv[1].count)
    return Report(
        inputs=inputs,
        lines=lines,
        runs=tally.runs,
        runs_failed=tally.failed,
        events=tally.events,
        malformed=tally.malformed,
        first_malformed=tally.first_malformed,
        last_malformed=tally.last_malformed,
        steps=[_step(name, s) for name, s in tally.steps.items()],
        by_vm=by_vm,
        vms=vms,
        vms_tracked=sum(1 for name in tally.vms if name != OTHER),
        failures=[FailureRow(k, g.count, g.example, g.first, g.last) for k, g in groups],
        commands=[
            CommandRow(name, r.count, r.count - r.failed, r.failed, timing(r.durations))
            for name, r in commands
        ],
        tokens=timing(tally.tokens),
        tokens_total=tally.tokens.total,
        exact_up_to={"step": EXACT, "vm_step": EXACT_BY_VM},
        relative_error=ALPHA,
    )
