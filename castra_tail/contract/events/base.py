"""The building blocks of Event Contract v1: the envelope, integers, and the enums' known values.

These declarations are the contract's rules, once: the decoder (``decode``),
``castra-tail check`` and ``castra-tail schema`` all read them.

- Integers: a ``u64`` field holds 0…2⁶⁴−1, any other integer (``exit_code``,
  ``seq``) −2⁶³…2⁶³−1. A number outside is a malformed line everywhere.
- Enum-valued fields are plain strings: the reader shows any value as it is,
  never losing the line. A *closed* field's other values break the contract
  (``check``: an error; the schema: its ``enum``). An *open* field's new values
  are ones the contract tells consumers to show (a new phase, step name,
  operation or item type): ``check`` notes them, the schema lists the known
  values as ``examples`` only.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, get_args, get_origin, get_type_hints

from msgspec import Meta, Struct

I64_MIN: Final = -(2**63)
I64_MAX: Final = 2**63 - 1
U64_MAX: Final = 2**64 - 1

#: A non-negative integer, as Castra's ``u64``. msgspec bounds an int in C only
#: within int64, so the decoder stops at I64_MAX, at no cost on the hot path;
#: ``decode`` reads a larger value on its slow path and ``schema`` publishes U64_MAX.
U64 = Annotated[int, Meta(ge=0, le=I64_MAX, extra={"u64": True})]
#: Any other integer of the contract (``exit_code``, ``seq``): a signed 64-bit one.
I64 = Annotated[int, Meta(ge=I64_MIN, le=I64_MAX)]

#: ``ts``: RFC 3339, as a pattern both Python and JSON Schema (ECMA 262) read alike.
#: (A day the month lacks, Feb 30, is beyond a pattern: neither says so.)
TS_PATTERN: Final = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt ]"
    r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
Timestamp = Annotated[
    str, Meta(extra_json_schema={"pattern": TS_PATTERN}, description="RFC 3339 timestamp")
]

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


#: Other spellings the contract reads as a severity, in any case (Castra's Rust says Warning).
SEVERITY_ALIASES: Final = {"warning": "warn"}


def is_severity(value: str) -> bool:
    """Whether the contract names ``value`` as a severity: as it is, or an alias in any case."""
    return value in SEVERITIES or value.lower() in SEVERITY_ALIASES


def _known(values: tuple[str, ...], doc: str, *, open_: bool = False) -> Meta:
    """Metadata of a string field whose known values are ``values``; ``open_``: see above."""
    schema = {"examples": list(values)} if open_ else {"enum": list(values)}
    return Meta(extra_json_schema=schema, description=doc, extra={"known": values, "open": open_})


def _any_case(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


Severity = Annotated[
    str,
    Meta(
        extra_json_schema={
            "anyOf": [
                {"enum": list(SEVERITIES)},
                {"pattern": f"^({'|'.join(map(_any_case, SEVERITY_ALIASES))})$"},
            ]
        },
        description="Attention Model level; 'warning' (any case) is read as warn",
    ),
]
Phase = Annotated[
    str, _known(PHASES, "vm.lifecycle variant; an unknown phase is shown generically", open_=True)
]
StepName = Annotated[
    str, _known(STEPS, "bootstrap stage; an unknown name is shown as it is", open_=True)
]
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
    str, _known(OPERATIONS, "castra operation; other strings are shown as they are", open_=True)
]


class Event(Struct, tag_field="type", kw_only=True, gc=False):
    """Base of every contract event: the optional envelope fields."""

    ts: Timestamp | None = None
    seq: I64 | None = None


def field_rules(cls: type[Struct]) -> dict[str, tuple[Meta, ...]]:
    """The ``Meta`` of each field of ``cls`` (through ``| None``): what check and decode read."""
    rules: dict[str, tuple[Meta, ...]] = {}
    for name, hint in get_type_hints(cls, include_extras=True).items():
        metas = [m for arg in (hint, *get_args(hint)) for m in _metas(arg)]
        if metas:
            rules[name] = tuple(metas)
    return rules


def _metas(hint: Any) -> list[Meta]:
    if get_origin(hint) is not Annotated:
        return []
    return [m for m in hint.__metadata__ if isinstance(m, Meta)]
