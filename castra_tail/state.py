"""The state of a run: everything castra-tail knows after the lines it has read.

``Run.add`` owns every count; renderers only read. ``Run.finish`` closes what
never finished (bootstraps and commands cut short). Memory is bounded whatever
the stream holds: VMs, steps, commands and malformed records are capped, only
counts grow past the caps, and strings are kept through ``keep`` (records.py):
however long they are, a few KiB each.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

import msgspec

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.model import (
    PHASE_EFFECTS,
    Bootstrap,
    Command,
    Harness,
    Notable,
    Problem,
    Vm,
    Where,
)
from castra_tail.records import MAX_KEPT, Ending, Plan, Step, keep

MAX_VMS: Final = 10_000
#: How many names of VMs past MAX_VMS are remembered, to count each of them once.
MAX_UNTRACKED: Final = 100_000
MAX_COMMANDS: Final = 1_000
MAX_RECORDS: Final = 1_000
MAX_UNKNOWN_TYPES: Final = 1_000
OTHER: Final = "(other)"

_WARN: Final = int(Level.WARN)  # a plain int: the enum's attribute lookup shows in profiles


class Run:
    """The state of everything read so far."""

    def __init__(self, *, part: bool = False, max_vms: int = MAX_VMS) -> None:
        #: True for a part of a stream read in parallel (see merge.py): it keeps
        #: what it needs to be joined onto the part before it.
        self.part = part
        self.max_vms = max_vms
        self.vms: dict[str, Vm] = {}
        #: The VMs seen past ``max_vms``, not tracked: names, to count each once.
        self.untracked: set[int] = set()  # untracked_key() of each
        self.untracked_overflow = False  # more than MAX_UNTRACKED of them
        self.lines = 0
        self._by_class: dict[type, int] = dict.fromkeys(ev.EVENT_TYPES, 0)
        self.by_level = [0] * len(Level)
        self._firsts: list[Notable | None] = [None] * len(Level)
        self.messages: dict[str, int] = {}
        self.usage_tokens = {"prompt": 0, "cached": 0, "completion": 0}
        self.usage_events = 0
        self.turn_tokens = {"prompt": 0, "cached": 0, "completion": 0}
        self.harness = Harness()
        self.cleanup: dict[str, dict[str, int]] = {"real": {}, "dry_run": {}}
        self.commands: list[Command] = []  # the first MAX_COMMANDS, in order
        self.command_totals: dict[str, dict[str, int]] = {}  # name → status → how many
        self._open: dict[str, list[Command]] = {}  # accepted, not yet ended, by name
        #: In a part: commands that ended with no accepted one before them in the part;
        #: they end the part before's open ones when parts are merged.
        self.orphans: list[Command] = []
        self.summary: ev.Summary | None = None
        self.malformed = 0
        self.text_lines = 0
        self.problems: list[Problem] = []
        self.unknown_types: Counter[str] = Counter()
        #: Compressed inputs cut short or corrupt: ``source: problem`` (the stream is incomplete).
        self.broken: list[str] = []
        self.interrupted = False
        self.finished = False
        self._handlers = self._bind()

    def __getstate__(self) -> dict[str, Any]:
        """What a child process sends back: everything but the bound handlers."""
        return {k: v for k, v in self.__dict__.items() if k != "_handlers"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._handlers = self._bind()

    def _bind(self) -> dict[type, Callable[[Any], None]]:
        return {
            ev.Message: self._message,
            ev.VmLifecycle: self._lifecycle,
            ev.BootstrapPlanned: self._planned,
            ev.BootstrapStarted: self._started,
            ev.BootstrapStep: self._step,
            ev.BootstrapCompleted: self._completed,
            ev.BootstrapFailed: self._failed,
            ev.Usage: self._usage,
            ev.Cleanup: self._cleanup,
            ev.CommandAccepted: self._command,
            ev.CommandRejected: self._command,
            ev.CommandCompleted: self._command,
            ev.CommandFailed: self._command,
            ev.Summary: self._summary,
            ev.ThreadStarted: self._thread,
            ev.TurnStarted: self._turn_started,
            ev.TurnCompleted: self._turn_completed,
            ev.TurnFailed: self._turn_failed,
            ev.ItemStarted: _ignore,
            ev.ItemUpdated: _ignore,
            ev.ItemCompleted: self._item,
            ev.HarnessError: self._harness_error,
        }

    # --- adding what was read ---------------------------------------------------

    def add(self, event: ev.Event, level: Level, source: str, line: int) -> None:
        """Account for one decoded event at its attention level (the hot path: keep it lean)."""
        cls = event.__class__
        self._by_class[cls] += 1
        self.by_level[level] += 1
        if level >= _WARN or self._firsts[level] is None:
            self._notable(event, level, source, line)
        self._handlers[cls](event)

    def _notable(self, event: ev.Event, level: Level, source: str, line: int) -> None:
        vm_name = getattr(event, "vm", None)
        if self._firsts[level] is None:
            order = sum(self.by_level)
            self._firsts[level] = Notable(
                order, Where(source, line), ev.TYPE_OF[type(event)], keep(vm_name)
            )
        if level >= Level.WARN and vm_name is not None and (vm := self.vm(vm_name)) is not None:
            if level >= Level.ERROR:
                vm.errors += 1
            else:
                vm.warnings += 1

    def add_malformed(self, reason: str, source: str, line: int, *, text: bool) -> None:
        """Account for a line that is not a valid event."""
        self.malformed += 1
        if text:
            self.text_lines += 1
        if len(self.problems) < MAX_RECORDS:
            self.problems.append(Problem(Where(source, line), keep(reason)))

    def add_broken(self, source: str, problem: str) -> None:
        """A compressed input was cut short or is corrupt: what was read is all there is."""
        if len(self.broken) < MAX_RECORDS:
            self.broken.append(f"{source}: {problem}")

    def add_unknown(self, type_name: str) -> None:
        """Account for an event of a type this contract version does not know."""
        bump(self.unknown_types, keep(type_name))

    def vm(self, name: str) -> Vm | None:
        """The VM called ``name``, created on first sight (None past the cap)."""
        return self.vms.get(name) or self._new_vm(name)

    def find(self, name: str) -> Vm | None:
        """The VM called ``name`` (as the stream writes it), if it is tracked."""
        vm = self.vms.get(name)
        return vm if vm is not None or len(name) <= MAX_KEPT else self.vms.get(keep(name))

    def _new_vm(self, name: str) -> Vm | None:
        if len(name) > MAX_KEPT:  # known by its kept name
            name = keep(name)
            if (vm := self.vms.get(name)) is not None:
                return vm
        if len(self.vms) >= self.max_vms:
            self.refuse(name)
            return None
        vm = self.vms[name] = Vm(name)
        return vm

    def refuse(self, name: str) -> None:
        """Count the VM ``name`` among those not tracked (once, whatever its events)."""
        self.refuse_key(untracked_key(name))

    def refuse_key(self, key: int) -> None:
        """Count the VM of this ``untracked_key`` among those not tracked, once."""
        untracked = self.untracked
        if key not in untracked:
            if len(untracked) < MAX_UNTRACKED:
                untracked.add(key)
            else:
                self.untracked_overflow = True

    # --- per family ---------------------------------------------------------------

    def _message(self, e: ev.Message) -> None:
        bump(self.messages, keep(e.severity))  # an unknown severity is kept as it is, up to the cap

    def _lifecycle(self, e: ev.VmLifecycle) -> None:
        vm = self.vms.get(e.vm) or self._new_vm(e.vm)
        if vm is None:
            return
        vm.phase = phase = keep(e.phase)
        effect = PHASE_EFFECTS.get(phase)
        if effect is not None:
            effect(vm, e)

    def _planned(self, e: ev.BootstrapPlanned) -> None:
        vm = self.vms.get(e.vm) or self._new_vm(e.vm)
        if vm is None:
            return
        vm.plan = Plan.of(e)
        if vm.bootstrap is None:
            vm.bootstrap = Bootstrap(trigger=keep(e.trigger), log=[] if self.part else None)

    def _started(self, e: ev.BootstrapStarted) -> None:
        vm = self.vms.get(e.vm) or self._new_vm(e.vm)
        if vm is None:
            return
        vm.bootstrap = Bootstrap(
            status="running",
            trigger=keep(e.trigger),
            base_hash=keep(e.base_hash),
            artifact_hash=keep(e.artifact_hash),
            origin="started",
        )

    def _bootstrap(self, name: str) -> Bootstrap | None:
        vm = self.vms.get(name) or self._new_vm(name)
        if vm is None:
            return None
        b = vm.bootstrap
        if b is None:  # an event out of order still counts
            b = vm.bootstrap = Bootstrap(
                status="running", origin="implicit", log=[] if self.part else None
            )
        return b

    def _step(self, e: ev.BootstrapStep) -> None:
        b = self._bootstrap(e.vm)
        if b is not None:
            b.add_step(Step.of(e))

    def _completed(self, e: ev.BootstrapCompleted) -> None:
        b = self._bootstrap(e.vm)
        if b is not None:
            b.end(Ending(keep(e.status), e.duration_ms, stamp=keep(e.stamp)))

    def _failed(self, e: ev.BootstrapFailed) -> None:
        b = self._bootstrap(e.vm)
        if b is not None:
            b.end(Ending("failed", e.duration_ms, error=keep(e.error)))

    def _usage(self, e: ev.Usage) -> None:
        self.usage_events += 1
        tokens = self.usage_tokens
        tokens["prompt"] += e.prompt_tokens or 0
        tokens["cached"] += e.cached_tokens or 0
        tokens["completion"] += e.completion_tokens or 0

    def _cleanup(self, e: ev.Cleanup) -> None:
        bump(self.cleanup["dry_run" if e.dry_run else "real"], keep(e.category or "?"), e.bytes)

    def _command(self, e: ev.CommandEvent) -> None:
        status = _COMMAND_STATUS[e.__class__]
        name = keep(e.command)
        waiting = self._open.get(name)
        ends = status in ("completed", "failed")
        if ends and waiting:
            command = waiting.pop()  # the latest accepted one of that name ends
            self._tally(name, "accepted", -1)
        else:
            command = Command(name, status)
            if len(self.commands) < MAX_COMMANDS:
                self.commands.append(command)
            if status == "accepted":
                if waiting is None:
                    waiting = self._open[name] = []
                if len(waiting) < MAX_COMMANDS:
                    waiting.append(command)
            elif ends and self.part and len(self.orphans) < MAX_COMMANDS:
                self.orphans.append(command)
        self._tally(name, status, 1)
        command.status = status
        command.detail = keep(e.detail) if e.detail is not None else command.detail
        command.exit_code = e.exit_code if e.exit_code is not None else command.exit_code
        command.duration_ms = e.duration_ms if e.duration_ms is not None else command.duration_ms

    def _tally(self, name: str, status: str, n: int) -> None:
        per_status = self.command_totals.get(name)
        if per_status is None:
            if len(self.command_totals) >= MAX_UNKNOWN_TYPES:
                return
            per_status = self.command_totals[name] = {}
        per_status[status] = per_status.get(status, 0) + n

    def _thread(self, e: ev.ThreadStarted) -> None:
        self.harness.threads += 1

    def _turn_started(self, e: ev.TurnStarted) -> None:
        self.harness.turns += 1

    def _turn_completed(self, e: ev.TurnCompleted) -> None:
        self.harness.turns_completed += 1
        tokens, usage = self.turn_tokens, e.usage
        tokens["prompt"] += usage.input_tokens
        tokens["cached"] += usage.cached_input_tokens
        tokens["completion"] += usage.output_tokens

    def _turn_failed(self, e: ev.TurnFailed) -> None:
        self.harness.turns_failed += 1

    def _item(self, e: ev.ItemCompleted) -> None:
        h, item = self.harness, e.item  # started and updated items end in a completed one
        bump(h.items, keep(item.type))
        kind = item.type
        if kind == "command_execution":
            h.commands_run += 1
            if item.status == "failed" or item.exit_code:
                h.commands_failed += 1
        elif kind == "file_change" and item.status != "failed":
            h.files_changed += len(item.changes)

    def _harness_error(self, e: ev.HarnessError) -> None:
        self.harness.errors += 1

    def _summary(self, e: ev.Summary) -> None:
        long = len(e.operation) > MAX_KEPT
        self.summary = msgspec.structs.replace(e, operation=keep(e.operation)) if long else e

    # --- end of input -------------------------------------------------------------

    def finish(self, *, interrupted: bool = False) -> None:
        """Close what never finished: ``incomplete``, or ``interrupted`` on Ctrl-C."""
        self.interrupted = interrupted
        self.finished = True
        end = "interrupted" if interrupted else "incomplete"
        for vm in self.vms.values():
            b = vm.bootstrap
            if b is None or b.ended:
                continue
            plan = vm.plan
            if b.status == "running" or (plan is not None and plan.action == "would_run"):
                b.status = end

    # --- reading the state ----------------------------------------------------------

    @property
    def vms_not_tracked(self) -> int:
        """How many distinct VMs were seen past the cap (a floor if ``untracked_overflow``)."""
        return len(self.untracked)

    @property
    def tokens(self) -> dict[str, int]:
        """Token totals: ``usage`` events when the stream has any, else the turns' usage.

        SCHEMA.md Appendix A: turn usage is shown per turn but never counted twice.
        """
        return self.usage_tokens if self.usage_events else self.turn_tokens

    @property
    def token_source(self) -> str | None:
        """Where ``tokens`` come from: ``usage`` events, ``turns``, or nowhere."""
        if self.usage_events:
            return "usage"
        return "turns" if self.harness.turns_completed else None

    @property
    def events(self) -> int:
        """How many valid events were read."""
        return sum(self.by_level)

    @property
    def first_at_level(self) -> dict[Level, Notable]:
        """The first event seen at each level."""
        return {Level(i): n for i, n in enumerate(self._firsts) if n is not None}

    @property
    def by_type(self) -> dict[str, int]:
        """Events per contract type, in the contract's order."""
        counts = self._by_class
        return {ev.TYPE_OF[c]: counts[c] for c in ev.EVENT_TYPES if counts[c]}

    @property
    def by_family(self) -> dict[str, int]:
        """Events per family (``bootstrap`` for all of ``bootstrap.*``)."""
        families: dict[str, int] = {}
        for name, n in self.by_type.items():
            family = ev.family_of(name)
            families[family] = families.get(family, 0) + n
        return families

    @property
    def incomplete_bootstraps(self) -> list[Vm]:
        """VMs whose bootstrap never finished."""
        return [
            vm
            for vm in self.vms.values()
            if vm.bootstrap is not None and vm.bootstrap.status in ("incomplete", "interrupted")
        ]

    @property
    def open_commands(self) -> list[Command]:
        """Commands accepted but never completed or failed."""
        return [c for waiting in self._open.values() for c in waiting]

    @property
    def missing(self) -> list[str]:
        """What a finished stream lacks to be complete, in words (empty when complete).

        A compressed input cut short always leaves it incomplete. Otherwise a stream
        with no command and no bootstrap in it (a harness-only transcript, a bare log
        of messages) has nothing to complete.
        """
        gaps = list(self.broken)
        gaps += [f"bootstrap of {vm.name} never finished" for vm in self.incomplete_bootstraps]
        gaps += [f"command {c.name!r} never completed" for c in self.open_commands]
        # A rejected command never ran: nothing after it is owed.
        has_work = any(c.status != "rejected" for c in self.commands) or any(
            vm.bootstrap is not None for vm in self.vms.values()
        )
        if has_work and self.summary is None:
            gaps.append("no summary event")
        return gaps


def untracked_key(name: str) -> int:
    """What an untracked VM is remembered by: 8 bytes of its name's digest, never the name.

    A name may be 4 KiB long (``keep``); 100,000 of them would take 400 MiB.
    A digest, not hash(): parts read in other processes must agree.
    """
    digest = hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def bump(counts: dict[str, int], key: str, n: int = 1) -> None:
    """Add ``n`` to ``counts[key]``; past MAX_UNKNOWN_TYPES keys, a new key counts as OTHER.

    For counts keyed by strings from the stream, which no one bounds.
    """
    if key not in counts and len(counts) >= MAX_UNKNOWN_TYPES:
        key = OTHER
    counts[key] = counts.get(key, 0) + n


_COMMAND_STATUS: Final = {
    cls: name.removeprefix("command.")
    for cls, name in ev.TYPE_OF.items()
    if name.startswith("command.")
}


def _ignore(e: ev.Event) -> None:
    return None
