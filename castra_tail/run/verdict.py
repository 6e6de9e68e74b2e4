"""The exit status, and why: what CI learns from a stream of runs.

Each run is judged on its own (``reasons_of``): events at or above
``--fail-on``, something left open, malformed lines under ``--strict``. The
stream's verdict covers the runs chosen (all by default) and names the failed
ones; a stream with no event in it at all is not a pass: there was nothing to
judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from castra_tail.contract.levels import Level
from castra_tail.run.state import Run
from castra_tail.status import ExitStatus

if TYPE_CHECKING:
    from castra_tail.run.log import RunRecord
    from castra_tail.run.stream import Stream


@dataclass(frozen=True, slots=True)
class Policy:
    """What fails a run: events at or above ``fail_on`` (None: never), and ``strict``."""

    fail_on: Level | None = Level.ERROR
    strict: bool = False


@dataclass(frozen=True, slots=True)
class Verdict:
    """The exit status of a finished stream with the reasons behind it."""

    status: int
    reasons: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the run passes."""
        return self.status == ExitStatus.OK


def reasons_of(run: Run, policy: Policy) -> tuple[str, ...]:
    """Why ``run`` fails (empty when it passes).

    Something left open counts at error level, so a log cut short cannot pass CI
    by accident; a run stopped by a signal was not cut short.
    """
    reasons: list[str] = []
    fail_on = policy.fail_on
    if fail_on is not None:
        hits = sum(run.by_level[fail_on:])
        if hits:
            first = min(
                (n for level, n in run.first_at_level.items() if level >= fail_on),
                key=lambda n: n.order,
            )
            vm = f" {first.vm}" if first.vm else ""
            plural = "s" if hits > 1 else ""
            reasons.append(
                f"{hits} event{plural} at {fail_on.label} or above"
                f" (first: {first.where.source}:{first.where.line} {first.type}{vm})"
            )
        missing = run.missing
        if fail_on <= Level.ERROR and not run.interrupted and missing:
            reasons.append(f"incomplete: {'; '.join(missing)}")
    if policy.strict and run.malformed:
        plural = "s" if run.malformed > 1 else ""
        reasons.append(f"{run.malformed} malformed line{plural} (--strict)")
    return tuple(reasons)


def judge_run(
    run: Run,
    fail_on: Level | None = Level.ERROR,
    *,
    strict: bool = False,
    signal: int | None = None,
) -> Verdict:
    """The verdict of one run alone, as a stream of that one run would have it."""
    reasons = reasons_of(run, Policy(fail_on, strict))
    return decide(reasons, interrupted=run.interrupted, signal=signal)


def judge(stream: Stream, *, signal: int | None = None, command_status: int = 0) -> Verdict:
    """The verdict of the runs chosen (all of them without ``--run``)."""
    records = stream.records()
    policy = stream.policy
    if sum(r.events for r in records) == 0 and policy.fail_on is not None:
        said = tuple(reason for r in records for reason in r.reasons)  # a cut archive says so
        reasons: tuple[str, ...] = (*said, nothing_to_judge(stream))
    elif len(records) == 1:
        reasons = records[0].reasons
    else:
        reasons = _failed_runs(stream, records)
    return decide(
        reasons, interrupted=stream.interrupted, signal=signal, command_status=command_status
    )


def per_run(stream: Stream, verdict: Verdict) -> dict[int, Verdict]:
    """Each chosen run's own verdict, by its number, for reports that show runs side by side
    (JUnit, trace): a run is failed by its own reasons, never by another's. With one run, the
    stream's verdict is its own; with several, the last also carries what failed the stream
    beyond its runs (a signal, the wrapped command's status)."""
    records = stream.records()
    if len(records) == 1:
        return {records[0].number: verdict}
    own = {r.number: decide(r.reasons) for r in records}
    if records and verdict.status not in (ExitStatus.OK, ExitStatus.FAILED):
        last = records[-1]  # decide() put the signal's or the command's word first
        own[last.number] = Verdict(verdict.status, (verdict.reasons[0], *last.reasons))
    return own


def agreeing(stream: Stream, verdict: Verdict, records: list[RunRecord]) -> list[RunRecord]:
    """``records`` as ``per_run`` judges each: a run with nothing in it to judge (the one run
    of an empty input) is not ``ok`` while the verdict fails it."""
    own = per_run(stream, verdict)
    return [
        r if (v := own.get(r.number)) is None or v.ok or not r.ok
        else msgspec.structs.replace(r, ok=False, reasons=v.reasons)
        for r in records
    ]  # fmt: skip


def _failed_runs(stream: Stream, records: list[RunRecord]) -> tuple[str, ...]:
    """``2 of 3 runs failed: run 2 (up): …; run 3 (down): …`` (the first few named)."""
    failed = [r for r in records if not r.ok]
    total, count = len(records), len(failed)
    if not stream.selection.explicit:  # every run: some may have been only counted
        total, count = stream.log.total, stream.log.failed_total
    if not count:
        return ()
    named = "; ".join(f"run {r.number} ({r.command or '?'}): {r.reasons[0]}" for r in failed[:3])
    more = f"; +{count - 3:,} more" if count > 3 else ""
    return (f"{count:,} of {total:,} runs failed: {named}{more}",)


def nothing_to_judge(stream: Stream) -> str:
    """Why a stream without one event does not pass, and what its lines were."""
    run = stream.current
    if not stream.lines or not run.malformed:
        return "no Castra events in the input (it was empty)"
    first = run.problems[0] if run.problems else None
    at = f"line {first.where.line}" if first else "a line"
    sample = f" {run.sample}" if run.sample else ""
    lines = f"{run.malformed:,} line{'s' * (run.malformed != 1)}"
    if first and all(p.reason == 'missing "type"' for p in run.problems):
        kind = f'{lines} of JSON without "type", e.g. {at}{sample}'
    elif run.text_lines == run.malformed:
        kind = f"{lines} of plain text, e.g. {at}{sample}"
    else:
        kind = f"{lines}, none a valid event (e.g. {at}: {first.reason if first else '?'})"
    return f"no Castra events in the input: {kind} — is this a Castra event stream?"


def decide(
    reasons: tuple[str, ...],
    *,
    interrupted: bool = False,
    signal: int | None = None,
    command_status: int = 0,
) -> Verdict:
    """The exit status that ``reasons`` make.

    A signal that stopped the reading (``128 + signal``, 130 for Ctrl-C) comes
    first, then a wrapped command's own failure, then the runs' verdict.
    """
    if interrupted:
        status = 128 + signal if signal else ExitStatus.INTERRUPTED
        return Verdict(status, ("interrupted", *reasons))
    if command_status:
        return Verdict(
            command_status, (f"the command exited with status {command_status}", *reasons)
        )
    return Verdict(ExitStatus.FAILED if reasons else ExitStatus.OK, tuple(reasons))
