"""The state of a run: everything castra-tail knows after the lines it has read.

``Run.add`` counts each event and hands it to the tracker of its family — the
fleet (``vms``), the commands, the transcript (``harness``) — through one
dispatch table; ``Run.finish`` closes what never finished. Renderers only
read. Memory is bounded whatever the stream holds: VMs, steps, commands and
records are capped, only counts grow past the caps, and strings are kept
through ``keep``: however long they are, a few KiB each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, Final

import msgspec

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.run.commands import Commands
from castra_tail.run.harness import Harness, Transcript
from castra_tail.run.records import MAX_KEPT, Command, Notable, Problem, Where, bump, keep
from castra_tail.run.vm import Vm
from castra_tail.run.vms import MAX_VMS, Fleet

MAX_RECORDS: Final = 1_000

_WARN: Final = int(Level.WARN)  # a plain int: the enum's attribute lookup shows in profiles


class Run:
    """The state of everything read so far."""

    def __init__(self, *, part: bool = False, max_vms: int = MAX_VMS) -> None:
        #: True for a part of a stream read in parallel (see merge.py): its trackers
        #: keep what they need to be joined onto the part before it.
        self.part = part
        self.fleet = Fleet(part=part, max_vms=max_vms)
        self.cmds = Commands(part=part)
        self.transcript = Transcript()
        self.lines = 0
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
        self.unknown_types: Counter[str] = Counter()
        #: Compressed inputs cut short or corrupt: ``source: problem`` (the stream is incomplete).
        self.broken: list[str] = []
        self.interrupted = False
        self.finished = False
        self._handlers = self._bind()

    def _bind(self) -> dict[type, Callable[[Any], None]]:
        """One table, every event type: which tracker an event changes, and how."""
        handlers: dict[type, Callable[[Any], None]] = {
            ev.Message: self._message,
            ev.Cleanup: self._cleanup,
            ev.Summary: self._summary,
        }
        for tracker in (self.fleet, self.cmds, self.transcript):
            handlers |= tracker.handlers()
        return handlers

    # --- adding what was read ---------------------------------------------------

    def add(self, event: ev.Event, level: Level, source: str, line: int) -> None:
        """Account for one decoded event at its attention level (the hot path: keep it lean)."""
        cls = event.__class__
        self.by_class[cls] += 1
        self.by_level[level] += 1
        if level >= _WARN or self.firsts[level] is None:
            self._notable(event, level, source, line)
        self._handlers[cls](event)

    def _notable(self, event: ev.Event, level: Level, source: str, line: int) -> None:
        vm_name = getattr(event, "vm", None)
        if self.firsts[level] is None:
            order = sum(self.by_level)
            self.firsts[level] = Notable(
                order, Where(source, line), ev.TYPE_OF[type(event)], keep(vm_name)
            )
        if level >= Level.WARN and vm_name is not None:
            vm = self.fleet.vm(vm_name)
            if vm is None:
                return
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

    def _message(self, e: ev.Message) -> None:
        bump(self.messages, keep(e.severity))  # an unknown severity is kept as it is, up to the cap

    def _cleanup(self, e: ev.Cleanup) -> None:
        bump(self.cleanup["dry_run" if e.dry_run else "real"], keep(e.category or "?"), e.bytes)

    def _summary(self, e: ev.Summary) -> None:
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
    def events(self) -> int:
        """How many valid events were read."""
        return sum(self.by_level)

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
