"""Event Contract v1 as msgspec Structs: one tagged union on ``type``.

This package only declares the wire shapes of ``SCHEMA.md`` — castra-core's
families (``core``) and the harness's transcript events (``harness``, Appendix
A); it holds no logic. Every optional field has a default and unknown fields
are ignored.
"""

from __future__ import annotations

from typing import Final, get_args

from castra_tail.contract.events.base import *  # noqa: F403 - the package is the public face
from castra_tail.contract.events.base import Event
from castra_tail.contract.events.core import *  # noqa: F403
from castra_tail.contract.events.core import (
    BootstrapCompleted,
    BootstrapFailed,
    BootstrapPlanned,
    BootstrapStarted,
    BootstrapStep,
    Cleanup,
    CommandAccepted,
    CommandCompleted,
    CommandFailed,
    CommandRejected,
    Message,
    Summary,
    Usage,
    VmLifecycle,
)
from castra_tail.contract.events.harness import *  # noqa: F403
from castra_tail.contract.events.harness import (
    HarnessError,
    ItemCompleted,
    ItemStarted,
    ItemUpdated,
    ThreadStarted,
    TurnCompleted,
    TurnFailed,
    TurnStarted,
)

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
    | ThreadStarted
    | TurnStarted
    | TurnCompleted
    | TurnFailed
    | ItemStarted
    | ItemUpdated
    | ItemCompleted
    | HarnessError
)

EVENT_TYPES: Final[tuple[type[Event], ...]] = get_args(AnyEvent)

#: The wire ``type`` of every event class.
TYPE_OF: Final[dict[type[Event], str]] = {
    cls: str(cls.__struct_config__.tag) for cls in EVENT_TYPES
}

#: The event class of every wire ``type``.
CLASS_OF: Final[dict[str, type[Event]]] = {name: cls for cls, name in TYPE_OF.items()}

#: Every ``type`` of the contract, in the order of SCHEMA.md.
KNOWN_TYPES: Final[tuple[str, ...]] = tuple(TYPE_OF.values())


def family_of(type_name: str) -> str:
    """The family of a type: ``bootstrap.step`` → ``bootstrap``; ``vm.lifecycle`` is its own."""
    if type_name == "vm.lifecycle":
        return type_name
    return type_name.split(".", 1)[0]
