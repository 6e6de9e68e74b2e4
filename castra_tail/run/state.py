"""The state of a run: everything castra-tail knows after the lines it has read.

``Run.add`` counts each event and hands it to the tracker of its family — the
fleet (``vms``), the commands, the transcript (``harness``) — through one
dispatch table; ``Run.finish`` closes what never finished. Renderers only
read. Memory is bounded whatever the stream holds: VMs, steps, commands and
records are capped, only counts grow past the caps, and strings are kept
through ``keep``: however long they are, a few KiB each.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any, Final

import msgspec

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.run.commands import Commands
from castra_tail.run.harness import Harness, Transcript
from castra_tail.run.kept import MAX_KEPT, bump, keep
from castra_tail.run.records import Command, Notable, Problem, Where
from castra_tail.run.vm import Vm
from castra_tail.run.vms import MAX_VMS, Fleet

MAX_RECORDS: Final = 1_000
#: Characters of a malformed line kept as a sample.
SAMPLE: Final = 60
#: Remediations kept per VM, and about no VM.
MAX_REMEDIATIONS: Final = 5
_NAMED: Final = re.compile(r"\s*→\s*([^\s:]+):")

#: What ends a bootstrap: where one failed with no failed step, the line that said so.
_ENDS: Final = frozenset({ev.BootstrapFailed, ev.BootstrapCompleted})
_COMMANDS: Final = frozenset({ev.CommandFailed, ev.CommandRejected, ev.CommandCompleted})
_WARN: Final = int(Level.WARN)  # a plain int: the enum's attribute lookup shows in profiles


def named_vm(e: ev.Message) -> str | None:
    """The VM a message is about: its ``vm``, else the one its text names (Castra's own
    messages have no ``vm`` and begin ``→ web-0: …``, SCHEMA.md)."""
    if e.vm is not None:
        return e.vm
    named = _NAMED.match(e.text)
    return named[1] if named else None


def remember(said: list[str], remedy: str) -> None:
    """Keep ``remedy`` among what was said to do (the run's or a VM's): once, the first
    MAX_REMEDIATIONS."""
    if remedy not in said and len(said) < MAX_REMEDIATIONS:
        said.append(remedy)


class Run:
    """The state of everything read so far."""

    def __init__(self, number: int = 1, *, max_vms: int = MAX_VMS) -> None:
        #: Its place in the stream: run 1, 2, … (see stream.py).
        self.number = number
        #: Where its first event was read.
        self.where: Where | None = None
        self.fleet = Fleet(max_vms=max_vms)
        self.cmds = Commands()
        self.transcript = Transcript()
        self.by_class: dict[type, int] = dict.fromkeys(ev.EVENT_TYPES, 0)
        self.by_level = [0] * len(Level)
        #: The first event seen at each level.
        self.firsts: list[Notable | None] = [None] * len(Level)
        self.messages: dict[str, int] = {}
        self.cleanup: dict[str, dict[str, int]] = {"real": {}, "dry_run": {}}
        self.summary: ev.Summary | None = None
        self.malformed = 0
        self.text_lines = 0
        self.problems: list[Problem] = []
        #: The start of the first malformed line (to say what a stream of no events holds).
        self.sample: str | None = None
        self.unknown_types: Counter[str] = Counter()
        #: Compressed inputs cut short or corrupt: ``source: problem`` (the stream is incomplete).
        self.broken: list[str] = []
        #: What messages about no VM said to do (their ``remediation``), the first few.
        self.remediations: list[str] = []
        self.interrupted = False
        self.finished = False
        self._handlers = self._bind()

    def _bind(self) -> dict[type, Callable[[Any], None]]:
        """One table: which tracker an event changes, and how (the run's own: ``_OWN``).

        Only the trackers' methods: a method of the run kept in the run would make
        each run a reference cycle, freed by the cyclic collector long after it was
        folded, and walked by it again and again until then.
        """
        handlers: dict[type, Callable[[Any], None]] = {}
        for tracker in (self.fleet, self.cmds, self.transcript):
            handlers |= tracker.handlers()
        return handlers

    # --- adding what was read ---------------------------------------------------

    def add(self, event: ev.Event, level: Level, source: str, line: int) -> None:
        """Account for one decoded event at its attention level: counted, then handed to
        the tracker of its family. (The frequent types take the fused path, intake.py.)"""
        self.count(event, level, source, line)
        own = _OWN.get(event.__class__)
        if own is not None:
            own(self, event)
        else:
            self._handlers[event.__class__](event)

    def count(self, event: ev.Event, level: Level, source: str, line: int) -> None:
        """Count one event: where the run began, by type and by level, and the notable."""
        if self.where is None:
            self.where = Where(source, line)
        self.by_class[event.__class__] += 1
        self.by_level[level] += 1
        if level >= _WARN or self.firsts[level] is None:
            self._notable(event, level, source, line)

    def _notable(self, event: ev.Event, level: Level, source: str, line: int) -> None:
        vm_name: str | None = getattr(event, "vm", None)
        if vm_name is None and event.__class__ is ev.Message and level >= _WARN:
            vm_name = named_vm(event)
        if self.firsts[level] is None:
            order = sum(self.by_level)
            self.firsts[level] = Notable(
                order, Where(source, line), ev.TYPE_OF[type(event)], keep(vm_name)
            )
        if level >= Level.ERROR and event.__class__ in _COMMANDS:
            self.cmds.error_at = Where(source, line)  # the handler, next, gives it its command
        if level >= Level.WARN and vm_name is not None:
            vm = self.fleet.vm(vm_name)
            if vm is None:
                return
            if level >= Level.ERROR:
                vm.errors += 1
                where = Where(source, line)
                if vm.first_error is None:
                    vm.first_error = where
                cls = event.__class__
                if cls is ev.BootstrapPlanned:
                    vm.plan_error = where
                elif cls is ev.BootstrapStep or (cls in _ENDS and vm.bootstrap_error is None):
                    vm.bootstrap_error = where
            else:
                vm.warnings += 1

    def add_malformed(
        self, reason: str, source: str, line: int, *, text: bool, raw: bytes | None = None
    ) -> None:
        """Account for a line that is not a valid event (``raw``: the line, if it was kept)."""
        if self.sample is None and raw is not None:
            self.sample = raw[:SAMPLE].decode("utf-8", "replace") + (
                "…" if len(raw) > SAMPLE else ""
            )
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

    def message(self, e: ev.Message) -> None:
        """A message: counted by severity; what it said to do, kept with its VM."""
        bump(self.messages, keep(e.severity))  # an unknown severity is kept as it is, up to the cap
        if e.remediation:
            # Castra's own messages name their VM in the text: "→ web-0: …" (SCHEMA.md).
            named = named_vm(e)
            # A remedy is for a problem: the VM it names is one to track, even said first.
            vm = self.fleet.vm(named) if named is not None else None
            said = vm.remediations if vm is not None else self.remediations
            remember(said, keep(e.remediation))

    def cleaned(self, e: ev.Cleanup) -> None:
        """A cleanup: its bytes counted by category, dry run apart."""
        bump(self.cleanup["dry_run" if e.dry_run else "real"], keep(e.category or "?"), e.bytes)

    def summarised(self, e: ev.Summary) -> None:
        """The command's summary: kept (the last one read)."""
        long = len(e.operation) > MAX_KEPT
        self.summary = msgspec.structs.replace(e, operation=keep(e.operation)) if long else e

    # --- end of input -------------------------------------------------------------

    def finish(self, *, interrupted: bool = False) -> None:
        """Close what never finished: ``incomplete``, or ``interrupted`` on Ctrl-C."""
        self.interrupted = interrupted
        self.finished = True
        self.fleet.finish("interrupted" if interrupted else "incomplete")

    # --- reading the state ----------------------------------------------------------

    @property
    def vms(self) -> dict[str, Vm]:
        """The VMs tracked, by name, in the order they were first seen."""
        return self.fleet.vms

    def find(self, name: str) -> Vm | None:
        """The VM called ``name`` (as the stream writes it), if it is tracked."""
        return self.fleet.find(name)

    @property
    def vms_not_tracked(self) -> int:
        """How many distinct VMs were seen past the cap (a floor if ``untracked_overflow``)."""
        return self.fleet.not_tracked

    @property
    def untracked_overflow(self) -> bool:
        """More VMs went untracked than are remembered: ``vms_not_tracked`` is a floor."""
        return self.fleet.untracked_overflow

    @property
    def commands(self) -> list[Command]:
        """The commands, in order (the first MAX_COMMANDS)."""
        return self.cmds.commands

    @property
    def command_totals(self) -> dict[str, dict[str, int]]:
        """How many commands of each name ended at each status."""
        return self.cmds.totals

    @property
    def open_commands(self) -> list[Command]:
        """Commands accepted but never completed or failed."""
        return self.cmds.still_open

    @property
    def harness(self) -> Harness:
        """What the harness's transcript added up to."""
        return self.transcript.harness

    @property
    def tokens(self) -> dict[str, int]:
        """Token totals: ``usage`` events when the stream has any, else the turns' usage."""
        return self.transcript.tokens

    @property
    def token_source(self) -> str | None:
        """Where ``tokens`` come from: ``usage`` events, ``turns``, or nowhere."""
        return self.transcript.token_source

    @property
    def usage_events(self) -> int:
        """How many ``usage`` events were read."""
        return self.transcript.usage_events

    @property
    def first_at_level(self) -> dict[Level, Notable]:
        """The first event seen at each level."""
        return {Level(i): n for i, n in enumerate(self.firsts) if n is not None}

    @property
    def by_type(self) -> dict[str, int]:
        """Events per contract type, in the contract's order."""
        counts = self.by_class
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
        return self.fleet.incomplete_bootstraps

    @property
    def missing(self) -> list[str]:
        """What the run left open, in words (empty when it is complete).

        SCHEMA.md: a run is unfinished only where something it started is left
        open — a bootstrap started and never completed or failed, a shutdown
        requested and never completed, a command accepted and never ended — or
        where its input was cut (a compressed file cut short). A missing
        ``summary`` alone is not: Castra's own code has no source for it yet.
        """
        gaps = list(self.broken)
        gaps += [f"bootstrap of {vm.name} never finished" for vm in self.incomplete_bootstraps]
        gaps += [
            f"shutdown of {vm.name} never completed"
            for vm in self.vms.values()
            if vm.shutdown is not None and vm.shutdown.outcome is None
        ]
        gaps += [f"command {c.name!r} never completed" for c in self.open_commands]
        return gaps

    @property
    def plan_only(self) -> bool:
        """A dry run (``castra up --plan``): bootstraps planned, nothing launched or started."""
        vms = self.vms.values()
        return any(vm.plan is not None for vm in vms) and not any(
            vm.pid is not None
            or vm.overlay_path is not None
            or vm.shutdown is not None
            or (vm.bootstrap is not None and vm.bootstrap.status != "planned")
            for vm in vms
        )

    @property
    def has_command(self) -> bool:
        """Whether a ``command.*`` event was read in it."""
        return bool(self.cmds.totals)

    @property
    def events(self) -> int:
        """How many valid events were read."""
        return sum(self.by_level)


#: The event types the run itself follows (the trackers' are in ``Run._bind``).
_OWN: Final[dict[type, Callable[[Run, Any], None]]] = {
    ev.Message: Run.message,
    ev.Cleanup: Run.cleaned,
    ev.Summary: Run.summarised,
}
