"""The harness's events as a transcript: what the agent thought, ran, changed and said.

Reasoning is dimmed (and hidden below ``--level progress``: it is info),
agent messages read as text, a command shows its status and exit code with
its output folded to a few lines, file changes as ``+``/``-``/``~`` paths, to-do
lists with check boxes. Long text is wrapped to the terminal by display
cells, so double-width CJK text wraps and stays aligned under its column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Final

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.render.folding import wrap
from castra_tail.render.layout import Layout, fields
from castra_tail.render.text import MAX_FIELD, clean, clean_lines, count
from castra_tail.render.theme import MARKS, STEP_MARKS

OUTPUT_LINES: Final = 3
CHANGE_MARKS: Final = {"add": "+", "delete": "-", "update": "~"}
_TITLE: Final = re.compile(r"\*\*(.+)\*\*")


class Transcript:
    """Renders the harness's events in the text view's line layout."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.items: dict[str, Callable[[ev.Item, Level, bytes], tuple[str, str, list[str]]]] = {
            "agent_message": self._agent,
            "reasoning": self._reasoning,
            "command_execution": self._command,
            "file_change": self._files,
            "todo_list": self._todo,
            "mcp_tool_call": self._tool,
            "web_search": lambda item, level, raw: ("search", clean(item.query or ""), []),
            "error": lambda item, level, raw: ("error", clean(item.message or ""), []),
        }

    def methods(self) -> dict[type, Callable[[Any, Level, bytes, Any], str]]:
        """The renderer's methods for the harness's event types."""
        return {
            ev.ThreadStarted: self._thread,
            ev.TurnStarted: lambda e, level, raw, vm: self._plain(level, "turn", "started"),
            ev.TurnCompleted: self._turn_completed,
            ev.TurnFailed: self._turn_failed,
            ev.ItemStarted: self._item,
            ev.ItemUpdated: self._item,
            ev.ItemCompleted: self._item,
            ev.HarnessError: lambda e, level, raw, vm: self._text(level, "error", e.message),
        }

    # --- thread, turns, errors ----------------------------------------------------------

    def _plain(self, level: Level, label: str, body: str, more: list[str] | None = None) -> str:
        return self.layout.line(None, level, MARKS[level], label, body, more or [])

    def _thread(self, e: ev.ThreadStarted, level: Level, raw: bytes, _vm: object) -> str:
        return self._plain(level, "thread", f"started {clean(e.thread_id, 80)}")

    def _turn_completed(
        self, e: ev.TurnCompleted, level: Level, raw: bytes, vm: object = None
    ) -> str:
        u = e.usage
        cached = f" ({count(u.cached_input_tokens)} cached)" if u.cached_input_tokens else ""
        body = f"completed · {count(u.input_tokens)} in{cached} + {count(u.output_tokens)} out"
        return self._plain(level, "turn", body)

    def _turn_failed(self, e: ev.TurnFailed, level: Level, raw: bytes, _vm: object) -> str:
        return self._text(level, "turn", e.error.message, prefix="failed: ")

    def _text(self, level: Level, label: str, text: str, prefix: str = "") -> str:
        first, *rest = self._wrapped(text)
        more = self.layout.styled(rest, self.layout.level_pair(level))
        return self.layout.line(
            None, level, MARKS[level], label, prefix + first, more, body_styled=True
        )

    def _wrapped(self, text: str) -> list[str]:
        width = self.layout.body_width
        return [piece for line in clean_lines(text) for piece in wrap(line, width)]

    # --- items --------------------------------------------------------------------------

    def _item(self, e: ev.ItemEvent, level: Level, raw: bytes, _vm: object) -> str:
        item = e.item
        describe = self.items.get(item.type)
        if describe is None:
            words = fields(raw, skip=("type",))
            return self._plain(level, "item", f"{clean(item.type, 40)} {words}")
        label, body, more = describe(item, level, raw)
        mark = MARKS[level]
        if item.status == "completed" and level < Level.ERROR:
            mark = STEP_MARKS["success"]
        style = self.layout.success if mark == "✓" else None
        styled = level >= Level.ERROR or item.type in ("agent_message", "reasoning")
        return self.layout.line(
            None, level, mark, label, body, more, body_styled=styled, style=style
        )

    def _agent(self, item: ev.Item, level: Level, raw: bytes) -> tuple[str, str, list[str]]:
        first, *rest = self._wrapped(item.text or "")
        return "agent", first, rest

    def _reasoning(self, item: ev.Item, level: Level, raw: bytes) -> tuple[str, str, list[str]]:
        pieces = self._wrapped(_untitle(item.text or ""))
        return "reasoning", pieces[0], self.layout.styled(pieces[1:], self.layout.muted)

    def _command(self, item: ev.Item, level: Level, raw: bytes) -> tuple[str, str, list[str]]:
        if item.status == "in_progress" or (item.exit_code is None and item.status != "failed"):
            state = "running"
        else:
            state = f"exit {item.exit_code}" if item.exit_code is not None else item.status or ""
        body = f"$ {clean(item.command or '', 300)}  ({clean(state, 30)})"
        # The output grows with each update; its newest lines (where errors are) are at its
        # end: those are kept, however long it is (clean_lines keeps a text's start).
        text = (item.aggregated_output or "").rstrip("\n")[-MAX_FIELD + 1 :]
        output = [line for line in clean_lines(text) if line]
        shown = output[-OUTPUT_LINES:]
        if len(output) > OUTPUT_LINES:
            shown.insert(0, f"… {len(output) - OUTPUT_LINES} earlier lines")
        return "run", body, self.layout.styled(shown, self.layout.muted)

    def _files(self, item: ev.Item, level: Level, raw: bytes) -> tuple[str, str, list[str]]:
        n = len(item.changes)
        body = f"{n} file{'s' * (n != 1)} {'not ' if item.status == 'failed' else ''}changed"
        more = [f"{CHANGE_MARKS.get(c.kind, '?')} {clean(c.path)}" for c in item.changes]
        return "files", body, more

    def _todo(self, item: ev.Item, level: Level, raw: bytes) -> tuple[str, str, list[str]]:
        done = sum(t.completed for t in item.items)
        more = [f"{'☑' if t.completed else '☐'} {clean(t.text)}" for t in item.items]
        return "todo", f"{done}/{len(item.items)} done", more

    def _tool(self, item: ev.Item, level: Level, raw: bytes) -> tuple[str, str, list[str]]:
        name = f"{clean(item.server or '?', 40)}.{clean(item.tool or '?', 40)}"
        return "tool", f"{name} ({clean(item.status or '', 20)})", []


def _untitle(text: str) -> str:
    """Codex starts reasoning with ``**A title**``: show the title without the stars."""
    return "\n".join(
        m[1] if (m := _TITLE.fullmatch(line.strip())) else line for line in text.split("\n")
    )
