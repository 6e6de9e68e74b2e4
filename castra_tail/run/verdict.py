"""The exit status, and why: what CI learns from a run."""

from __future__ import annotations

from dataclasses import dataclass

from castra_tail.contract.levels import Level
from castra_tail.run.state import Run
from castra_tail.status import ExitStatus


@dataclass(frozen=True, slots=True)
class Verdict:
    """The exit status of a finished run with the reasons behind it."""

    status: int
    reasons: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when the run passes."""
        return self.status == ExitStatus.OK


def judge(
    run: Run,
    fail_on: Level | None,
    *,
    strict: bool,
    signal: int | None = None,
    command_status: int = 0,
) -> Verdict:
    """Decide the exit status of ``run``.

    ``fail_on`` None means never fail on events. An incomplete stream (a log cut
    short) counts at error level, so it cannot pass CI by accident. A signal
    that stopped the reading (``128 + signal``, 130 for Ctrl-C) comes first, then
    a wrapped command's own failure, then the stream's verdict.
    """
    reasons: list[str] = []
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
    if strict and run.malformed:
        plural = "s" if run.malformed > 1 else ""
        reasons.append(f"{run.malformed} malformed line{plural} (--strict)")
    if run.interrupted:
        status = 128 + signal if signal else ExitStatus.INTERRUPTED
        return Verdict(status, ("interrupted", *reasons))
    if command_status:
        return Verdict(
            command_status, (f"the command exited with status {command_status}", *reasons)
        )
    return Verdict(ExitStatus.FAILED if reasons else ExitStatus.OK, tuple(reasons))
