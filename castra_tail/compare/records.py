"""The records of a comparison: plain data (msgspec Structs), as ``--format json`` writes them.

``diff`` makes them; ``words``, ``text`` and ``markdown`` say them. Strings are
the stream's, as the state keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import msgspec

#: Every change, most urgent first: the order rows and VMs are listed in.
CHANGES: Final = (
    "failed", "regression", "failing", "fixed", "removed", "added", "gone", "new", "faster",
    "more", "less", "same",
)  # fmt: skip
RANK: Final = {change: i for i, change in enumerate(CHANGES)}
#: What ``--fail-on-regression`` fails on.
REGRESSED: Final = frozenset({"failed", "regression"})
#: What is no change at all (a step failing in both runs has not changed).
UNCHANGED: Final = frozenset({"same", "failing"})


class Thresholds(msgspec.Struct, frozen=True):
    """How much slower is a regression: by ``percent`` and by ``min_delta_ms``, both."""

    percent: float = 20.0
    min_delta_ms: int = 250


class Row(msgspec.Struct, frozen=True, gc=False):
    """A step (or a VM's whole bootstrap, step ``bootstrap``) in both runs."""

    step: str
    old_ms: int | None
    new_ms: int | None
    delta_ms: int | None
    percent: float | None  # of the old duration (None: no old one, or 0)
    change: str
    old_status: str | None = None
    new_status: str | None = None
    attempt: int = 1  # the second ``apply`` of one bootstrap is attempt 2


class PlanChange(msgspec.Struct, frozen=True, gc=False):
    """A field of a VM's plan that differs."""

    field: str
    old: str | None
    new: str | None


class VmDiff(msgspec.Struct, frozen=True):
    """One VM in both runs: its worst change, its bootstrap, its steps and its plan."""

    name: str
    change: str
    old_state: str | None
    new_state: str | None
    bootstrap: Row | None
    steps: list[Row]
    plan: list[PlanChange]
    presence: str | None = None  # "added" (only in the new run), "removed" (only in the old)


class Total(msgspec.Struct, frozen=True, gc=False):
    """A run total in both runs."""

    old: int | None
    new: int | None
    delta: int | None
    percent: float | None
    change: str


class RunSide(msgspec.Struct, frozen=True):
    """What is said of one run: where it was read, what it ran and how it ended."""

    label: str  # FILE@N
    source: str
    run: int
    runs: int  # in its input
    command: str | None
    ok: bool
    reasons: list[str]
    duration_ms: int | None
    events: int
    malformed: int
    first_malformed: str | None  # FILE:LINE
    chosen: str = ""  # why this run was taken, when its number does not say (compare FILE)


class Comparison(msgspec.Struct, frozen=True):
    """Everything that changed from ``old`` to ``new``."""

    old: RunSide
    new: RunSide
    thresholds: Thresholds
    result: str  # the runs' results: failed (newly), fixed, failing, same
    vms: list[VmDiff]
    totals: dict[str, Total]

    @property
    def rows(self) -> Iterable[tuple[VmDiff, Row]]:
        """Every VM's rows: its bootstrap, then its steps."""
        for vm in self.vms:
            if vm.bootstrap is not None:
                yield vm, vm.bootstrap
            for row in vm.steps:
                yield vm, row

    @property
    def regressed(self) -> bool:
        """Whether anything got slower or newly failed (``--fail-on-regression``)."""
        return (
            self.result == "failed"
            or any(vm.change in REGRESSED for vm in self.vms)
            or self.totals["duration_ms"].change == "regression"
        )

    @property
    def unchanged(self) -> bool:
        """Whether nothing changed at all."""
        return (
            self.result in UNCHANGED
            and all(vm.change in UNCHANGED and not vm.plan for vm in self.vms)
            and all(t.change == "same" for t in self.totals.values())
        )
