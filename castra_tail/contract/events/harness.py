"""The Codex harness's transcript events (SCHEMA.md, Appendix A). Declarations only.

An item's fields depend on its ``type``; like ``vm.lifecycle``'s phases they
are one struct of optional fields, with the required ones per type listed in
``contract.rules.ITEM_FIELDS``: an item type this version does not know is still shown.
"""

from __future__ import annotations

from typing import Annotated, Final

from msgspec import Struct

from castra_tail.contract.events.base import I64, U64, Event, _known

ITEM_TYPES: Final = (
    "agent_message",
    "reasoning",
    "command_execution",
    "file_change",
    "mcp_tool_call",
    "web_search",
    "todo_list",
    "error",
)
ITEM_STATUSES: Final = ("in_progress", "completed", "failed")
CHANGE_KINDS: Final = ("add", "delete", "update")

ItemType = Annotated[
    str, _known(ITEM_TYPES, "what the item is; a new type is shown generically", open_=True)
]
ItemStatus = Annotated[str, _known(ITEM_STATUSES, "where a command, change or tool call is")]
ChangeKind = Annotated[str, _known(CHANGE_KINDS, "what happened to the file")]


class TurnUsage(Struct, kw_only=True, gc=False):
    """Token counts of one turn, in the harness's own names."""

    input_tokens: U64
    cached_input_tokens: U64 = 0
    output_tokens: U64


class TurnError(Struct, kw_only=True, gc=False):
    """Why a turn failed."""

    message: str


class Change(Struct, kw_only=True, gc=False):
    """One file an item changed."""

    path: str
    kind: ChangeKind


class TodoItem(Struct, kw_only=True, gc=False):
    """One entry of a to-do list."""

    text: str
    completed: bool = False


class Item(Struct, kw_only=True, gc=False):
    """A transcript item; which fields it has depends on ``type``."""

    id: str
    type: ItemType
    text: str | None = None
    command: str | None = None
    aggregated_output: str | None = None
    exit_code: I64 | None = None
    status: ItemStatus | None = None
    changes: list[Change] = []
    server: str | None = None
    tool: str | None = None
    query: str | None = None
    items: list[TodoItem] = []
    message: str | None = None


class ThreadStarted(Event, tag="thread.started"):
    """The harness started a conversation thread."""

    thread_id: str


class TurnStarted(Event, tag="turn.started"):
    """The agent began a turn."""


class TurnCompleted(Event, tag="turn.completed"):
    """A turn ended, with its token usage."""

    usage: TurnUsage


class TurnFailed(Event, tag="turn.failed"):
    """A turn failed."""

    error: TurnError


class ItemEvent(Event):
    """Fields shared by the ``item.*`` family."""

    item: Item


class ItemStarted(ItemEvent, tag="item.started"):
    """An item began (a command starts running)."""


class ItemUpdated(ItemEvent, tag="item.updated"):
    """An item changed (a to-do list was ticked)."""


class ItemCompleted(ItemEvent, tag="item.completed"):
    """An item is done."""


class HarnessError(Event, tag="error"):
    """The harness reported an error."""

    message: str
