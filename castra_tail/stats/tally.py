"""What ``castra-tail stats`` adds up over every run: fed one finished run at a time.

``Tally.add`` is the stream's ``on_fold``: it sees each run whole, once, before
the run is folded and dropped, and keeps only counts and durations — so its
memory is bounded whatever the number of runs. Keys that come from the stream
(step and VM names, failure texts, commands) are capped: past each cap, new
keys are counted together under OTHER. Two tallies of consecutive parts of a
stream merge (``merge``) into what one read of the whole gives.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, Final, Protocol, TypeVar, cast

from castra_tail.run.kept import OTHER, keep
from castra_tail.run.log import RunRecord
from castra_tail.run.state import Run
from castra_tail.run.vm import BAD, Vm
from castra_tail.stats.masking import mask, text_of
from castra_tail.stats.sketch import EXACT, Durations

#: Distinct keys kept per table; past it, new ones count as OTHER.
MAX_STEPS: Final = 1_000
MAX_VM_STEPS: Final = 2_000
MAX_VMS: Final = 10_000
MAX_GROUPS: Final = 1_000
MAX_COMMANDS: Final = 1_000
#: Durations kept exact per VM × step (there may be many): then the sketch.
EXACT_BY_VM: Final = 1_000


class _Mergeable(Protocol):
    def merge(self, other: Any, /) -> None: ...


K = TypeVar("K")
V = TypeVar("V")
M = TypeVar("M", bound=_Mergeable)


class Steps:
    """One step (or one VM's step): its durations, and how many failed or were skipped."""

    __slots__ = ("durations", "failed", "skipped")

    def __init__(self, limit: int = EXACT) -> None:
        self.durations = Durations(limit)
        self.failed = 0
        self.skipped = 0

    def merge(self, other: Steps) -> None:
        self.durations.merge(other.durations)
        self.failed += other.failed
        self.skipped += other.skipped


class Runs:
    """The runs of one command: how many, how many failed, how long they took."""

    __slots__ = ("count", "failed", "durations")

    def __init__(self) -> None:
        self.count = 0
        self.failed = 0
        self.durations = Durations()

    def merge(self, other: Runs) -> None:
        self.count += other.count
        self.failed += other.failed
        self.durations.merge(other.durations)


class Group:
    """Failures whose texts read alike once masked: how many, where first and last."""

    __slots__ = ("count", "first", "last", "example")

    def __init__(self, where: str, example: str) -> None:
        self.count = 0
        self.first = self.last = where
        self.example = example  # the first one's text, unmasked

    def merge(self, other: Group) -> None:
        self.count += other.count
        self.last = other.last


class Tally:
    """Everything ``stats`` says, added up run by run."""

    def __init__(self, *, by_vm: bool = False) -> None:
        self.by_vm = by_vm
        self.runs = 0
        self.failed = 0
        self.events = 0
        self.malformed = 0
        self.first_malformed: str | None = None
        self.last_malformed: str | None = None
        self.steps: dict[str, Steps] = {}
        self.vm_steps: dict[tuple[str, str], Steps] = {}
        #: VM → [runs it was in, runs its bootstrap (or plan) failed in].
        self.vms: dict[str, list[int]] = {}
        self.groups: dict[str, Group] = {}
        self.commands: dict[str, Runs] = {}
        self.tokens = Durations()  # per run that had any

    def add(self, run: Run, record: RunRecord) -> None:
        """A run ended: add it up (the stream's ``on_fold``). Lines that were no events,
        with no event among them, are counted as such but are no run."""
        if run.malformed:
            self.malformed += run.malformed
            if run.problems:
                first, last = run.problems[0].where, run.problems[-1].where
                self.first_malformed = self.first_malformed or f"{first.source}:{first.line}"
                self.last_malformed = f"{last.source}:{last.line}"
        if not run.events:
            return
        self.runs += 1
        self.failed += not record.ok
        self.events += run.events
        command = _capped(self.commands, record.command or "(none)", MAX_COMMANDS, Runs)
        command.count += 1
        command.failed += not record.ok
        if record.duration_ms is not None:
            command.durations.add(record.duration_ms)
        if run.token_source is not None:
            self.tokens.add(run.tokens["prompt"] + run.tokens["completion"])
        for vm in run.vms.values():
            self._vm(vm)
        if not record.ok and not record.failures:  # failed for no VM's or command's sake
            reason = record.reasons[0] if record.reasons else "failed"  # with its first line
            where = f"{record.source}:{record.line}" if record.source else f"run {record.number}"
            text = keep(f"{record.command}: {reason}" if record.command else reason)
            group = _capped(self.groups, mask(text), MAX_GROUPS, partial(Group, where, text))
            group.count += 1
            group.last = where
        for f in record.failures:
            source, line = (
                (f.source, f.line) if f.source is not None else (record.source, record.line)
            )
            where = f"{source}:{line}" if source is not None else f"run {f.run}"
            text = text_of(f)
            group = _capped(self.groups, mask(text), MAX_GROUPS, partial(Group, where, text))
            group.count += 1
            group.last = where

    @property
    def full(self) -> bool:
        """Whether some name was (or the next new one would be) counted as ``(other)``:
        then tallies of parts read apart no longer add up to the one of reading in order."""
        return (
            len(self.steps) >= MAX_STEPS
            or len(self.vm_steps) >= MAX_VM_STEPS
            or len(self.vms) >= MAX_VMS
            or len(self.groups) >= MAX_GROUPS
            or len(self.commands) >= MAX_COMMANDS
        )

    def _vm(self, vm: Vm) -> None:
        b, plan = vm.bootstrap, vm.plan
        seen = self.vms.get(vm.name) or _capped(self.vms, vm.name, MAX_VMS, _seen)
        seen[0] += 1
        if (b is not None and b.status in BAD) or (plan is not None and plan.action == "error"):
            seen[1] += 1
        if b is None:
            return
        # Per step of every run: the lookups are inlined, the capped path taken only for a
        # name not seen yet, and a duration kept exact is appended here.
        steps, mine = self.steps, self.vm_steps if self.by_vm else None
        for s in b.steps:
            name, status, ms = s.step, s.status, s.duration_ms
            step = steps.get(name) or _capped(steps, name, MAX_STEPS, Steps)
            d = step.durations
            values = d.values
            if values is not None and len(values) < d.limit:
                values.append(ms)
            else:
                d.add(ms)
            if status != "success":
                step.failed += status == "failed"
                step.skipped += status == "skipped"
            if mine is not None:
                key = (vm.name, name)
                one = mine.get(key) or _capped(
                    mine, key, MAX_VM_STEPS, lambda: Steps(EXACT_BY_VM), (OTHER, name)
                )
                one.durations.add(ms)
                if status != "success":
                    one.failed += status == "failed"
                    one.skipped += status == "skipped"

    def merge(self, other: Tally) -> None:
        """Add the tally of the part of the stream that follows this one's."""
        self.runs += other.runs
        self.failed += other.failed
        self.events += other.events
        self.malformed += other.malformed
        self.first_malformed = self.first_malformed or other.first_malformed
        self.last_malformed = other.last_malformed or self.last_malformed
        _merge(self.steps, other.steps, MAX_STEPS, OTHER)
        _merge(self.groups, other.groups, MAX_GROUPS, OTHER)
        _merge(self.commands, other.commands, MAX_COMMANDS, OTHER)
        for (vm, step), mine in other.vm_steps.items():
            key = (vm, step) if vm != OTHER else (OTHER, step)
            _merge(self.vm_steps, {key: mine}, MAX_VM_STEPS, (OTHER, step))
        for name, (runs, failed) in other.vms.items():
            seen = _capped(self.vms, name, MAX_VMS, _seen)
            seen[0] += runs
            seen[1] += failed
        self.tokens.merge(other.tokens)


def _seen() -> list[int]:
    return [0, 0]


def _capped(
    table: dict[K, V], key: K, cap: int, make: Callable[[], V], other: K | None = None
) -> V:
    """``table[key]``, made when new; past ``cap`` keys a new key counts as ``other`` (OTHER)."""
    found = table.get(key)
    if found is None:
        if len(table) >= cap:
            key = other if other is not None else cast(K, OTHER)
            found = table.get(key)
        if found is None:
            found = table[key] = make()
    return found


def _merge(table: dict[K, M], more: dict[K, M], cap: int, other: K) -> None:
    """Merge ``more``'s entries into ``table``'s, keys past ``cap`` under ``other``."""
    for key, entry in more.items():
        mine = table.get(key)
        if mine is None and len(table) >= cap:
            key = other
            mine = table.get(key)
        if mine is None:
            table[key] = entry
        else:
            mine.merge(entry)
