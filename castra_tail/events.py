"""Event Contract v1 as msgspec Structs: one tagged union on ``type``.

This module only declares the wire shapes of ``SCHEMA.md``; it holds no logic.
Every optional field has a default, unknown fields are ignored, and enum-valued
fields are plain strings whose known values are published in the JSON Schema:
an unknown value is shown as it is rather than losing the line (forward
compatibility), and ``castra-tail check`` reports it.
"""

from __future__ import annotations

from typing import Annotated, Final, get_args

import msgspec
from msgspec import Meta, Struct

U64_MAX: Final = 2**64 - 1

#: A non-negative integer, as Castra's ``u64``. msgspec cannot bound a decoded
#: int above int64, so the upper bound is published in the schema only.
U64 = Annotated[int, Meta(ge=0, extra_json_schema={"maximum": U64_MAX})]

SEVERITIES: Final = ("info", "progress", "warn", "error", "blocker")
PHASES: Final = (
    "overlay_prepared",
    "launched",
    "shutdown_requested",
    "cooperative_attempted",
    "cooperative_succeeded",
    "cooperative_timed_out",
    "shutdown_escalated",
    "shutdown_complete",
    "overlay_discarded",
)
STEPS: Final = ("wait-handshake", "connect", "transfer", "apply", "verify")
STEP_STATUSES: Final = ("success", "skipped", "failed")
PLAN_MODES: Final = ("skip", "auto", "always")
PLAN_ACTIONS: Final = ("would_run", "would_skip", "error")
TRIGGERS: Final = ("auto", "always")
COMPLETED_STATUSES: Final = ("success", "noop")
COOP_METHODS: Final = ("acpi", "agent", "unavailable")
TIMEOUT_REASONS: Final = ("timeout_expired", "channel_unavailable", "channel_error")
SIGNALS: Final = ("sigterm", "sigkill")
OUTCOMES: Final = ("graceful", "forced")
DISCARD_REASONS: Final = ("shutdown", "orphan")
CATEGORIES: Final = ("images", "logs", "handshakes", "overlay", "pid-file")
OPERATIONS: Final = ("up", "down", "clean", "status")


def _known(values: tuple[str, ...], doc: str) -> Meta:
    """Metadata of a string field whose known values are ``values`` (published in the schema)."""
    return Meta(extra_json_schema={"enum": list(values)}, description=doc)


Severity = Annotated[
    str,
    Meta(
        extra_json_schema={
            "anyOf": [{"enum": list(SEVERITIES)}, {"pattern": "^[Ww][Aa][Rr][Nn][Ii][Nn][Gg]$"}]
        },
        description="Attention Model level; 'warning' (any case) is read as warn",
    ),
]
Phase = Annotated[
    str, _known(PHASES, "vm.lifecycle variant; an unknown phase is shown generically")
]
StepName = Annotated[str, _known(STEPS, "bootstrap stage; an unknown name is shown as it is")]
StepStatus = Annotated[str, _known(STEP_STATUSES, "outcome of one bootstrap stage")]
PlanMode = Annotated[str, _known(PLAN_MODES, "bootstrap mode from the VM's configuration")]
PlanAction = Annotated[str, _known(PLAN_ACTIONS, "what the planner decided")]
Trigger = Annotated[str, _known(TRIGGERS, "why bootstrap runs")]
CompletedStatus = Annotated[
    str, _known(COMPLETED_STATUSES, "success, or noop when the stamp was current")
]
CoopMethod = Annotated[str, _known(COOP_METHODS, "cooperative shutdown channel")]
Signal = Annotated[str, _known(SIGNALS, "signal sent on escalation")]
Outcome = Annotated[str, _known(OUTCOMES, "how the VM stopped")]
Category = Annotated[str, _known(CATEGORIES, "kind of artifact cleaned")]
Operation = Annotated[
    str, _known(OPERATIONS, "castra operation; other strings are shown as they are")
]


class Event(Struct, tag_field="type", kw_only=True, gc=False):
    """Base of every contract event: the optional envelope fields."""

    ts: str | None = None
    seq: int | None = None


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


#: Required fields per known ``vm.lifecycle`` phase (SCHEMA.md's table).
PHASE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "overlay_prepared": ("overlay_path",),
    "launched": ("pid",),
    "shutdown_requested": (),
    "cooperative_attempted": ("method", "timeout_ms"),
    "cooperative_succeeded": ("elapsed_ms",),
    "cooperative_timed_out": ("waited_ms", "reason"),
    "shutdown_escalated": ("signal",),
    "shutdown_complete": ("outcome", "total_ms", "changed"),
    "overlay_discarded": ("overlay_path", "reclaimed_bytes", "reason"),
}


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
    exit_code: int | None = None
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
    exit_code: int
    vms: VmCounts | None = None
    bytes_transferred: U64 | None = None


AnyEvent = (
    Message
    | VmLifecycle
    | BootstrapPlanned
    | BootstrapStarted
    | BootstrapStep
    | BootstrapCompleted
    | BootstrapFailed
    | Usage
    | Cleanup
    | CommandAccepted
    | CommandRejected
    | CommandCompleted
    | CommandFailed
    | Summary
)

EVENT_TYPES: Final[tuple[type[Event], ...]] = get_args(AnyEvent)

#: The wire ``type`` of every event class.
TYPE_OF: Final[dict[type[Event], str]] = {
    cls: str(cls.__struct_config__.tag) for cls in EVENT_TYPES
}

#: Every ``type`` of the contract, in the order of SCHEMA.md.
KNOWN_TYPES: Final[tuple[str, ...]] = tuple(TYPE_OF.values())


def family_of(type_name: str) -> str:
    """The family of a type: ``bootstrap.step`` → ``bootstrap``; ``vm.lifecycle`` is its own."""
    if type_name == "vm.lifecycle":
        return type_name
    return type_name.split(".", 1)[0]


def json_schema() -> dict[str, object]:
    """The JSON Schema of Event Contract v1, generated from these types."""
    return msgspec.json.schema(AnyEvent)
