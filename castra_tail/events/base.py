"""The building blocks of Event Contract v1: the envelope, u64, and the enums' known values.

Enum-valued fields are plain strings whose known values are published in the
JSON Schema: an unknown value is shown as it is rather than losing the line
(forward compatibility), and ``castra-tail check`` reports it.
"""

from __future__ import annotations

from typing import Annotated, Final

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
