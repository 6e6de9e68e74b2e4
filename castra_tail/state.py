"""The state of a run: everything castra-tail knows after the lines it has read.

``Run.add`` owns every count; renderers only read. ``Run.finish`` closes what
never finished (bootstraps and commands cut short). Memory is bounded whatever
the stream holds: VMs, steps, commands and malformed records are capped, and
only counts grow past the caps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from castra_tail import events as ev
from castra_tail.attention import Level
from castra_tail.text import ssh_command

MAX_VMS: Final = 10_000
MAX_STEPS: Final = 1_000
MAX_COMMANDS: Final = 1_000
MAX_RECORDS: Final = 1_000
MAX_UNKNOWN_TYPES: Final = 1_000
OTHER: Final = "(other)"

#: Bootstrap states that are final.
ENDED: Final = frozenset({"success", "noop", "failed"})


@dataclass(slots=True)
class Step:
    """One bootstrap stage as reported."""

    name: str
    status: str
    duration_ms: int
    detail: str | None = None


@dataclass(slots=True)
class Bootstrap:
    """A VM's bootstrap: ``planned`` → ``running`` → ``success``/``noop``/``failed``.

    ``incomplete`` when the stream ended before it did, ``interrupted`` when the
    reader was stopped.
    """

    status: str = "planned"
    trigger: str | None = None
    base_hash: str | None = None
    artifact_hash: str | None = None
    steps: list[Step] = field(default_factory=list)
    steps_dropped: int = 0
    duration_ms: int | None = None
    error: str | None = None
    stamp: str | None = None

    @property
    def ended(self) -> bool:
        """True when a completion or failure was seen."""
        return self.status in ENDED

    @property
    def failed_step(self) -> Step | None:
        """The first step that failed, if any."""
        return next((s for s in self.steps if s.status == "failed"), None)

    @property
    def slowest_step(self) -> Step | None:
        """The step that took longest, if any."""
        return max(self.steps, key=lambda s: s.duration_ms, default=None)

    @property
    def steps_ms(self) -> int:
        """The sum of the steps' durations."""
        return sum(s.duration_ms for s in self.steps)


@dataclass(slots=True)
class Shutdown:
    """How a VM was stopped."""

    requested: bool = False
    method: str | None = None
    timed_out: str | None = None
    signals: list[str] = field(default_factory=list)
    outcome: str | None = None
    total_ms: int | None = None
    changed: bool | None = None


@dataclass(slots=True)
class Vm:
    """Everything known about one VM."""

    name: str
    phase: str | None = None
    plan: ev.BootstrapPlanned | None = None
    ssh: str | None = None
    overlay_path: str | None = None
    pid: int | None = None
    bootstrap: Bootstrap | None = None
    shutdown: Shutdown | None = None
    reclaimed_bytes: int = 0
    warnings: int = 0
    errors: int = 0

    @property
    def state(self) -> str:
        """One word for where the VM ended up."""
        b, s = self.bootstrap, self.shutdown
        if s is not None and s.outcome is not None:
            return "stopped"
        if b is not None and b.status in ("failed", "incomplete", "interrupted"):
            return b.status
        if s is not None:
            return "stopping"
        if b is not None and b.status in ("success", "noop"):
            return "ready"
        if self.pid is not None:
            return "running"
        if b is not None and b.status == "running":
            return "bootstrapping"
        return "planned" if self.plan is not None else "seen"


@dataclass(slots=True)
class Command:
    """One CLI command: ``accepted`` → ``completed``/``failed``, or ``rejected``."""

    name: str
    status: str
    detail: str | None = None
    exit_code: int | None = None
    duration_ms: int | None = None


@dataclass(frozen=True, slots=True)
class Where:
    """A line of input."""

    source: str
    line: int


@dataclass(frozen=True, slots=True)
class Problem:
    """A malformed line: where, and why."""

    where: Where
    reason: str


@dataclass(frozen=True, slots=True)
class Notable:
    """The first event seen at some level."""

    order: int  # how many events came before it, plus one
    where: Where
    type: str
    vm: str | None


class Run:
    """The state of everything read so far."""

    def __init__(self) -> None:
        self.vms: dict[str, Vm] = {}
        self.vms_dropped = 0
        self.lines = 0
        self.events = 0
        self._by_class: Counter[type] = Counter()
        self.by_level = [0] * len(Level)
        self.max_level: Level | None = None
        self.first_at_level: dict[Level, Notable] = {}
        self.messages: Counter[str] = Counter()
        self.tokens = {"prompt": 0, "cached": 0, "completion": 0}
        self.usage_events = 0
        self.cleanup: dict[str, dict[str, int]] = {"real": Counter(), "dry_run": Counter()}
        self.commands: list[Command] = []
        self.commands_dropped = 0
        self.summary: ev.Summary | None = None
        self.malformed = 0
        self.text_lines = 0
        self.problems: list[Problem] = []
        self.unknown_types: Counter[str] = Counter()
        self.interrupted = False
        self.finished = False
        self._handlers: dict[type, Callable[[Any], None]] = {
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
        }

    # --- adding what was read ---------------------------------------------------

    def add(self, event: ev.Event, level: Level, source: str, line: int) -> None:
        """Account for one decoded event at its attention level."""
        self.events += 1
        self._by_class[type(event)] += 1
        self.by_level[level] += 1
        if self.max_level is None or level > self.max_level:
            self.max_level = level
        if level not in self.first_at_level:
            vm = getattr(event, "vm", None)
            self.first_at_level[level] = Notable(
                self.events, Where(source, line), ev.TYPE_OF[type(event)], vm
            )
        if level >= Level.WARN:
            vm_name = getattr(event, "vm", None)
            if vm_name is not None and (vm := self.vm(vm_name)) is not None:
                if level >= Level.ERROR:
                    vm.errors += 1
                else:
                    vm.warnings += 1
        self._handlers[type(event)](event)

    def add_malformed(self, reason: str, source: str, line: int, *, text: bool) -> None:
        """Account for a line that is not a valid event."""
        self.malformed += 1
        if text:
            self.text_lines += 1
        if len(self.problems) < MAX_RECORDS:
            self.problems.append(Problem(Where(source, line), reason))

    def add_unknown(self, type_name: str) -> None:
        """Account for an event of a type this contract version does not know."""
        if type_name not in self.unknown_types and len(self.unknown_types) >= MAX_UNKNOWN_TYPES:
            type_name = OTHER
        self.unknown_types[type_name] += 1

    def vm(self, name: str) -> Vm | None:
        """The VM called ``name``, created on first sight (None past the cap)."""
        vm = self.vms.get(name)
        if vm is None:
            if len(self.vms) >= MAX_VMS:
                self.vms_dropped += 1
                return None
            vm = self.vms[name] = Vm(name)
        return vm

    # --- per family ---------------------------------------------------------------

    def _message(self, e: ev.Message) -> None:
        self.messages[e.severity] += 1

    def _lifecycle(self, e: ev.VmLifecycle) -> None:
        vm = self.vm(e.vm)
        if vm is None:
            return
        vm.phase = e.phase
        phase = e.phase
        if phase == "overlay_prepared":
            vm.overlay_path = e.overlay_path
        elif phase == "launched":
            vm.pid = e.pid
        elif phase == "overlay_discarded":
            vm.reclaimed_bytes += e.reclaimed_bytes or 0
        elif phase in _SHUTDOWN_PHASES:
            _shutdown(vm, e)

    def _planned(self, e: ev.BootstrapPlanned) -> None:
        vm = self.vm(e.vm)
        if vm is None:
            return
        vm.plan = e
        vm.ssh = ssh_command(e.ssh) if e.ssh is not None else None
        if vm.bootstrap is None:
            vm.bootstrap = Bootstrap(trigger=e.trigger)

    def _started(self, e: ev.BootstrapStarted) -> None:
        vm = self.vm(e.vm)
        if vm is None:
            return
        vm.bootstrap = Bootstrap(
            status="running", trigger=e.trigger, base_hash=e.base_hash, artifact_hash=e.artifact_hash
        )

    def _bootstrap(self, name: str) -> Bootstrap | None:
        vm = self.vm(name)
        if vm is None:
            return None
        if vm.bootstrap is None:  # an event out of order still counts
            vm.bootstrap = Bootstrap(status="running")
        return vm.bootstrap

    def _step(self, e: ev.BootstrapStep) -> None:
        b = self._bootstrap(e.vm)
        if b is None:
            return
        if b.status == "planned":
            b.status = "running"
        if len(b.steps) < MAX_STEPS:
            b.steps.append(Step(e.step, e.status, e.duration_ms, e.detail))
        else:
            b.steps_dropped += 1

    def _completed(self, e: ev.BootstrapCompleted) -> None:
        b = self._bootstrap(e.vm)
        if b is not None:
            b.status, b.duration_ms, b.stamp = e.status, e.duration_ms, e.stamp

    def _failed(self, e: ev.BootstrapFailed) -> None:
        b = self._bootstrap(e.vm)
        if b is not None:
            b.status, b.duration_ms, b.error = "failed", e.duration_ms, e.error

    def _usage(self, e: ev.Usage) -> None:
        self.usage_events += 1
        tokens = self.tokens
        tokens["prompt"] += e.prompt_tokens or 0
        tokens["cached"] += e.cached_tokens or 0
        tokens["completion"] += e.completion_tokens or 0

    def _cleanup(self, e: ev.Cleanup) -> None:
        self.cleanup["dry_run" if e.dry_run else "real"][e.category or "?"] += e.bytes

    def _command(self, e: ev.CommandEvent) -> None:
        status = ev.TYPE_OF[type(e)].removeprefix("command.")
        open_one = None
        if status in ("completed", "failed"):
            open_one = next(
                (c for c in reversed(self.commands) if c.name == e.command and c.status == "accepted"),
                None,
            )
        if open_one is None:
            if len(self.commands) >= MAX_COMMANDS:
                self.commands_dropped += 1
                return
            open_one = Command(e.command, status)
            self.commands.append(open_one)
        open_one.status = status
        open_one.detail = e.detail if e.detail is not None else open_one.detail
        open_one.exit_code = e.exit_code if e.exit_code is not None else open_one.exit_code
        open_one.duration_ms = e.duration_ms if e.duration_ms is not None else open_one.duration_ms

    def _summary(self, e: ev.Summary) -> None:
        self.summary = e

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
        return [c for c in self.commands if c.status == "accepted"]

    @property
    def missing(self) -> list[str]:
        """What a finished stream lacks to be complete, in words (empty when complete).

        A stream with no command and no bootstrap in it (a harness-only transcript,
        a bare log of messages) has nothing to complete.
        """
        gaps = [f"bootstrap of {vm.name} never finished" for vm in self.incomplete_bootstraps]
        gaps += [f"command {c.name!r} never completed" for c in self.open_commands]
        # A rejected command never ran: nothing after it is owed.
        has_work = any(c.status != "rejected" for c in self.commands) or any(
            vm.bootstrap is not None for vm in self.vms.values()
        )
        if has_work and self.summary is None:
            gaps.append("no summary event")
        return gaps


_SHUTDOWN_PHASES: Final = frozenset(
    {
        "shutdown_requested",
        "cooperative_attempted",
        "cooperative_succeeded",
        "cooperative_timed_out",
        "shutdown_escalated",
        "shutdown_complete",
    }
)


def _shutdown(vm: Vm, e: ev.VmLifecycle) -> None:
    s = vm.shutdown
    if s is None:
        s = vm.shutdown = Shutdown()
    phase = e.phase
    if phase == "shutdown_requested":
        s.requested = True
    elif phase == "cooperative_attempted":
        s.method = e.method
    elif phase == "cooperative_timed_out":
        s.timed_out = e.reason
    elif phase == "shutdown_escalated":
        if e.signal is not None and len(s.signals) < MAX_STEPS:
            s.signals.append(e.signal)
    elif phase == "shutdown_complete":
        s.outcome, s.total_ms, s.changed = e.outcome, e.total_ms, e.changed
