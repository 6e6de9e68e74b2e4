"""A VM as the state knows it: its plan, bootstrap and shutdown, and where it is now.

Plain records that the fleet (vms.py) fills in and renderers read (what each
``vm.lifecycle`` phase changes on a VM: phases.py), and the one rule that says
in a word where a VM is (``Vm.state``), which the summary and the live panel
both show. Records keep what is shown, never the events themselves
(records.py), and every string from the stream is kept through ``keep``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from castra_tail.run.kept import kept_ts
from castra_tail.run.records import Ending, Plan, Step, Where
from castra_tail.run.ssh import LeftOut

MAX_STEPS: Final = 1_000
#: Bootstrap states that are final.
ENDED: Final = frozenset({"success", "noop", "failed"})
#: Bootstrap states that went wrong.
BAD: Final = frozenset({"failed", "incomplete", "interrupted"})
#: The moments of a VM whose ``ts`` is kept (``Vm.times``), for the pictures of its timing.
TIMED: Final = frozenset(
    {"planned", "overlay_prepared", "launched", "shutdown_requested", "shutdown_complete"}
)


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
    #: What created it: "planned", "started", or "implicit" (an event out of order).
    origin: str = "planned"
    #: When it started and ended, as the events' own ``ts`` said (None: they said nothing).
    started_ts: str | None = None
    ended_ts: str | None = None

    def add_step(self, step: Step) -> None:
        """A stage finished."""
        if self.status == "planned":
            self.status = "running"
        if len(self.steps) < MAX_STEPS:
            self.steps.append(step)
        else:
            self.steps_dropped += 1

    def end(self, ending: Ending) -> None:
        """It ended: completed, or failed with an error."""
        self.status, self.duration_ms = ending.status, ending.duration_ms
        self.ended_ts = ending.ts
        if ending.error is not None:
            self.error = ending.error
        else:
            self.stamp = ending.stamp

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
    plan: Plan | None = None
    overlay_path: str | None = None
    pid: int | None = None
    bootstrap: Bootstrap | None = None
    shutdown: Shutdown | None = None
    reclaimed_bytes: int = 0
    warnings: int = 0
    errors: int = 0
    #: Where the first event at error level about it was read.
    first_error: Where | None = None
    #: Where its plan went wrong (the plan's line) and its bootstrap did (the failed step's
    #: line, else the line that ended it), when they did: what a failure points at.
    plan_error: Where | None = None
    bootstrap_error: Where | None = None
    #: What messages about it said to do (their ``remediation``), the first few.
    remediations: list[str] = field(default_factory=list)
    #: The ``ts`` of the moments in TIMED that had one, the latest of each.
    times: dict[str, str] | None = None

    def mark(self, moment: str, ts: str | None) -> None:
        """Keep when ``moment`` (one of TIMED) happened, if its event said."""
        kept = kept_ts(ts)
        if kept is not None:
            if self.times is None:
                self.times = {}
            self.times[moment] = kept

    @property
    def ssh(self) -> str | None:
        """The ready-to-paste ssh command of the latest plan, if it had one."""
        return self.plan.ssh.command if self.plan is not None else None

    @property
    def is_up(self) -> bool:
        """Whether it can be connected to: launched (or its bootstrap ran) and not shut down.

        A VM whose bootstrap failed is still up until it is stopped: that is when
        an operator most wants to ssh in. A plan-only run launches nothing.
        """
        if self.shutdown is not None:
            return False
        ran = self.bootstrap is not None and self.bootstrap.status != "planned"
        return ran or self.pid is not None or self.overlay_path is not None

    @property
    def ssh_left_out(self) -> tuple[LeftOut, ...]:
        """What of the latest plan's ssh target was not safe to paste, and why."""
        return self.plan.ssh.left_out if self.plan is not None else ()

    @property
    def state(self) -> str:
        """Where the VM is, in one word: ``stopped``, ``failed``, ``incomplete``,
        ``interrupted``, ``stopping``, ``ready``, ``bootstrapping``, ``launching``,
        ``running``, ``planned`` or ``seen``.

        A finished shutdown says it all; a bootstrap that went wrong matters more
        than a shutdown under way; a VM up with a bootstrap still to run is launching.
        """
        b, s = self.bootstrap, self.shutdown
        if s is not None and s.outcome is not None:
            return "stopped"
        if b is not None and b.status in BAD:
            return b.status
        if s is not None:
            return "stopping"
        if b is not None and b.status in ("success", "noop"):
            return "ready"
        if b is not None and b.status == "running":
            return "bootstrapping"
        if self.pid is not None or self.overlay_path is not None:
            to_run = b is not None and (self.plan is None or self.plan.action == "would_run")
            return "launching" if to_run else "running"
        return "planned" if self.plan is not None else "seen"
