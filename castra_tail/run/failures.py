"""What went wrong in a run, and why: the failures the summary explains, one record each.

A failed bootstrap carries its error in full (up to MAX_LINES lines), the
failed step's detail and what messages about its VM said to do; a command
that failed or was rejected carries its detail and the remediations said
about no VM in particular; a plan that would error, a bootstrap or a shutdown
left open are failures too. The words are the renderers' (render/facts.py).
"""

from __future__ import annotations

from typing import Final

import msgspec

from castra_tail.run.records import Where
from castra_tail.run.state import Run
from castra_tail.run.vm import BAD, Vm

#: Lines of an error kept; past them, one more says how many were left out.
MAX_LINES: Final = 10
#: Failures kept per run (the rest are counted).
MAX_FAILURES: Final = 30


class Failure(msgspec.Struct, frozen=True, gc=False, omit_defaults=True):
    """One thing that went wrong in a run."""

    run: int
    #: ``bootstrap`` (failed, or left open), ``plan`` (would error), ``shutdown`` (left
    #: open), or ``command`` (failed, rejected, or exited non-zero).
    kind: str
    status: str  # the bootstrap's or the command's status
    vm: str | None = None
    command: str | None = None
    step: str | None = None  # the step that failed
    duration_ms: int | None = None
    exit_code: int | None = None
    #: The error (or the command's detail, or the plan's reason): all its lines, up to MAX_LINES.
    error: tuple[str, ...] = ()
    error_lines: int = 0  # how many lines it had
    step_detail: str | None = None
    remediation: tuple[str, ...] = ()
    source: str | None = None
    line: int | None = None


def failures_of(run: Run) -> list[Failure]:
    """The run's failures, VMs in order first, then its commands (at most MAX_FAILURES)."""
    found: list[Failure] = []
    for vm in run.vms.values():
        found += _of_vm(run.number, vm)
        if len(found) >= MAX_FAILURES:
            return found[:MAX_FAILURES]
    for c in run.commands:
        if c.status in ("failed", "rejected") or (c.status == "completed" and c.exit_code):
            error, error_lines = _lines(c.detail)
            found.append(
                Failure(
                    run.number, "command", c.status, command=c.name,
                    duration_ms=c.duration_ms, exit_code=c.exit_code,
                    error=error, error_lines=error_lines, remediation=tuple(run.remediations),
                    source=c.where.source if c.where else None,
                    line=c.where.line if c.where else None,
                )
            )  # fmt: skip
        elif c.status == "accepted":
            # Stopped by a signal, it did not fail to complete: reading it stopped first.
            status = "interrupted" if run.interrupted else "never completed"
            found.append(Failure(run.number, "command", status, command=c.name))
    return found[:MAX_FAILURES]


def _of_vm(number: int, vm: Vm) -> list[Failure]:
    found = []
    b, plan = vm.bootstrap, vm.plan
    if plan is not None and plan.action == "error":
        source, line = _at(vm.plan_error or vm.first_error)
        error, error_lines = _lines(plan.reason)
        found.append(
            Failure(
                number, "plan", "error", vm=vm.name, error=error, error_lines=error_lines,
                remediation=tuple(vm.remediations), source=source, line=line,
            )
        )  # fmt: skip
    if b is not None and b.status in BAD:
        step = b.failed_step
        source, line = _at(vm.bootstrap_error or vm.first_error)
        error, error_lines = _lines(b.error)
        found.append(
            Failure(
                number, "bootstrap", b.status, vm=vm.name,
                step=step.step if step is not None else None, duration_ms=b.duration_ms,
                error=error, error_lines=error_lines,
                step_detail=step.detail if step is not None else None,
                remediation=tuple(vm.remediations), source=source, line=line,
            )
        )  # fmt: skip
    s = vm.shutdown
    if s is not None and s.outcome is None and (b is None or b.status not in BAD):
        found.append(Failure(number, "shutdown", "never completed", vm=vm.name))
    return found


def _at(where: Where | None) -> tuple[str | None, int | None]:
    return (where.source, where.line) if where is not None else (None, None)


def _lines(text: str | None) -> tuple[tuple[str, ...], int]:
    """An error's lines as kept: at most MAX_LINES, and how many there were."""
    if not text:
        return (), 0
    lines = text.replace("\r\n", "\n").split("\n")
    return tuple(lines[:MAX_LINES]), len(lines)
