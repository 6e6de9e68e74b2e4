"""castra-core's events (SCHEMA.md): message, vm.lifecycle, bootstrap.*, usage, cleanup,
command.*, summary. Declarations only.
"""

from __future__ import annotations

from msgspec import Struct

from castra_tail.contract.events.base import (
    I64,
    U64,
    Category,
    CompletedStatus,
    CoopMethod,
    Event,
    Operation,
    Outcome,
    Phase,
    PlanAction,
    PlanMode,
    Severity,
    Signal,
    StepName,
    StepStatus,
    Trigger,
)

# --- message ---------------------------------------------------------------


class Message(Event, tag="message"):
    """Textual progress with an Attention Model severity."""

    severity: Severity
    text: str
    vm: str | None = None
    remediation: str | None = None


# --- vm.lifecycle ----------------------------------------------------------


class VmLifecycle(Event, tag="vm.lifecycle"):
    """A VM process lifecycle step; which fields are required depends on ``phase``."""

    vm: str
    phase: Phase
    overlay_path: str | None = None
    pid: U64 | None = None
    method: CoopMethod | None = None
    timeout_ms: U64 | None = None
    elapsed_ms: U64 | None = None
    waited_ms: U64 | None = None
    reason: str | None = None
    detail: str | None = None
    signal: Signal | None = None
    outcome: Outcome | None = None
    total_ms: U64 | None = None
    changed: bool | None = None
    reclaimed_bytes: U64 | None = None


# --- bootstrap.* -----------------------------------------------------------


class SshTarget(Struct, kw_only=True, gc=False):
    """Resolved SSH metadata of a planned bootstrap."""

    user: str
    host: str
    port: U64
    identity: str | None = None
    options: list[str] = []


class Verify(Struct, kw_only=True, gc=False):
    """How the bootstrap result will be verified."""

    command: str | None = None
    path: str | None = None
    path_is_relative: bool = False


class BootstrapPlanned(Event, tag="bootstrap.planned"):
    """The planner's decision for one VM, with how to reach it."""

    vm: str
    mode: PlanMode
    action: PlanAction
    reason: str
    trigger: Trigger | None = None
    script_path: str | None = None
    payload_path: str | None = None
    remote_dir: str | None = None
    artifact_hash: str | None = None
    metadata_path: str | None = None
    payload_bytes: U64 | None = None
    handshake_timeout_secs: U64 | None = None
    ssh: SshTarget | None = None
    env_keys: list[str] = []
    verify: Verify | None = None
    warnings: list[str] = []


class BootstrapStarted(Event, tag="bootstrap.started"):
    """Bootstrap began on one VM."""

    vm: str
    base_hash: str
    artifact_hash: str
    trigger: Trigger


class BootstrapStep(Event, tag="bootstrap.step"):
    """One bootstrap stage finished."""

    vm: str
    step: StepName
    status: StepStatus
    duration_ms: U64
    detail: str | None = None


class BootstrapCompleted(Event, tag="bootstrap.completed"):
    """Bootstrap ended well on one VM."""

    vm: str
    status: CompletedStatus
    duration_ms: U64
    stamp: str | None = None


class BootstrapFailed(Event, tag="bootstrap.failed"):
    """Bootstrap failed on one VM."""

    vm: str
    duration_ms: U64
    error: str


# --- usage -----------------------------------------------------------------


class Usage(Event, tag="usage"):
    """Token counts of one harness turn.

    Both spellings are accepted on the wire; decoding folds the harness's own
    names (``input_tokens`` …) into the contract's (``prompt_tokens`` …).
    """

    prompt_tokens: U64 | None = None
    input_tokens: U64 | None = None
    cached_tokens: U64 | None = None
    cached_input_tokens: U64 | None = None
    completion_tokens: U64 | None = None
    output_tokens: U64 | None = None
    model: str | None = None
    vm: str | None = None


# --- cleanup ---------------------------------------------------------------


class Cleanup(Event, tag="cleanup"):
    """One artifact cleaned (or that would be, in a dry run)."""

    path: str
    bytes: U64
    dry_run: bool
    category: Category | None = None
    kind: Category | None = None
    vm: str | None = None


# --- command.* -------------------------------------------------------------


class CommandEvent(Event):
    """Fields shared by the ``command.*`` family."""

    command: str
    detail: str | None = None
    exit_code: I64 | None = None
    duration_ms: U64 | None = None


class CommandAccepted(CommandEvent, tag="command.accepted"):
    """The CLI accepted a command."""


class CommandRejected(CommandEvent, tag="command.rejected"):
    """The CLI refused a command; ``detail`` is shown to the operator verbatim."""


class CommandCompleted(CommandEvent, tag="command.completed"):
    """A command finished."""


class CommandFailed(CommandEvent, tag="command.failed"):
    """A command failed."""


# --- summary ---------------------------------------------------------------


class VmCounts(Struct, kw_only=True, gc=False):
    """How many VMs an operation touched, and how they ended."""

    total: U64 | None = None
    ok: U64 | None = None
    failed: U64 | None = None


class Summary(Event, tag="summary"):
    """Wrap-up statistics of one operation."""

    operation: Operation
    duration_ms: U64
    exit_code: I64
    vms: VmCounts | None = None
    bytes_transferred: U64 | None = None
