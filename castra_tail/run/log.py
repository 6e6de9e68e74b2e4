"""What is kept of a finished run: its ``RunRecord`` (a runs-table row, and its failures).

The log of records is bounded whatever the number of runs: the first
MAX_HEAD runs, the failed ones (up to MAX_FAILED) and the last MAX_TAIL are
kept; every run is counted.
"""

from __future__ import annotations

from collections import deque
from typing import Final

import msgspec

from castra_tail.run.failures import Failure, failures_of
from castra_tail.run.state import Run
from castra_tail.run.verdict import Policy, reasons_of
from castra_tail.run.vm import BAD

MAX_HEAD: Final = 10_000
MAX_TAIL: Final = 1_000
MAX_FAILED: Final = 10_000


class RunRecord(msgspec.Struct, frozen=True, gc=False):
    """A finished run, as the runs table and the reports show it."""

    number: int
    command: str | None  # the command it ran (``up``), or the operation its summary names
    source: str | None  # where its first event was read
    line: int | None
    ok: bool
    reasons: tuple[str, ...]  # why it failed (empty when ok)
    exit_code: int | None  # the command's, else the summary's
    vms_total: int
    vms_ok: int
    vms_failed: int
    duration_ms: int | None  # the command's, else the summary's
    events: int
    malformed: int
    plan_only: bool
    interrupted: bool
    failures: tuple[Failure, ...]


def record_of(run: Run, policy: Policy) -> RunRecord:
    """The record of a finished ``run``."""
    reasons = reasons_of(run, policy)
    command = run.commands[-1] if run.commands else None
    summary = run.summary
    failed = sum(
        1
        for vm in run.vms.values()
        if (vm.bootstrap is not None and vm.bootstrap.status in BAD)
        or (vm.plan is not None and vm.plan.action == "error")
    )
    where = run.where
    return RunRecord(
        number=run.number,
        command=command.name if command else summary.operation if summary else None,
        source=where.source if where else None,
        line=where.line if where else None,
        ok=not reasons,
        reasons=reasons,
        exit_code=_first(
            command.exit_code if command else None, summary.exit_code if summary else None
        ),
        vms_total=len(run.vms) + run.vms_not_tracked,
        vms_ok=len(run.vms) - failed,
        vms_failed=failed,
        duration_ms=_first(
            command.duration_ms if command else None, summary.duration_ms if summary else None
        ),
        events=run.events,
        malformed=run.malformed,
        plan_only=run.plan_only,
        interrupted=run.interrupted,
        failures=tuple(failures_of(run)) if reasons else (),
    )


def renumbered(record: RunRecord, before: int) -> RunRecord:
    """``record`` of a run read elsewhere, ``before`` runs after the start of the stream."""
    failures = tuple(msgspec.structs.replace(f, run=f.run + before) for f in record.failures)
    return msgspec.structs.replace(record, number=record.number + before, failures=failures)


def _first(*values: int | None) -> int | None:
    return next((v for v in values if v is not None), None)


class RunLog:
    """The records of finished runs, bounded; every run counted."""

    def __init__(self) -> None:
        self.head: list[RunRecord] = []
        self.failed: list[RunRecord] = []  # failed runs past the head
        self.tail: deque[RunRecord] = deque(maxlen=MAX_TAIL)
        self.total = 0
        self.failed_total = 0

    def add(self, record: RunRecord) -> None:
        """Keep (or count) one more run."""
        self.total += 1
        self.failed_total += not record.ok
        if len(self.head) < MAX_HEAD:
            self.head.append(record)
            return
        if not record.ok and len(self.failed) < MAX_FAILED:
            self.failed.append(record)
        self.tail.append(record)

    def extend(self, records: list[RunRecord], counted: int, failed: int) -> None:
        """Keep the records of runs read elsewhere (in order, after these): ``counted`` runs,
        ``failed`` of them failed, some of which may have only been counted."""
        for record in records:
            self.add(record)
        self.total += counted - len(records)
        self.failed_total += failed - sum(not r.ok for r in records)

    @property
    def dropped(self) -> int:
        """Runs counted whose record was not kept."""
        kept = {r.number for r in (*self.head, *self.failed, *self.tail)}
        return self.total - len(kept)

    def records(self) -> list[RunRecord]:
        """Every record kept, in order."""
        past = {r.number: r for r in (*self.failed, *self.tail)}
        return [*self.head, *(past[n] for n in sorted(past))]
