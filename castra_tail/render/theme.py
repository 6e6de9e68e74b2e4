"""Style names and the Attention Model colours, for Rich and for the fast path."""

from __future__ import annotations

from typing import Final

from rich.color import ColorSystem
from rich.style import Style
from rich.theme import Theme

from castra_tail.contract.levels import Level

STYLES: Final = {
    "sev.info": "dim",
    "sev.progress": "green",
    "sev.warn": "color(214)",
    "sev.error": "bold red",
    "sev.blocker": "bold white on red",
    "hint": "cyan",
    "ssh": "bold",
    "muted": "dim",
    "text": "dim",
    "step.success": "green",
    "step.skipped": "dim",
    "step.failed": "bold red",
    "step.other": "color(214)",
    "ok": "bold green",
    "bad": "bold red",
    "heading": "bold",
}
#: Colours that tell VMs apart in an interleaved stream (none of them a severity colour).
#: The mark of each attention level at the head of a line, and of step outcomes.
MARKS: Final = {
    Level.INFO: "·",
    Level.PROGRESS: "▸",
    Level.WARN: "!",
    Level.ERROR: "✗",
    Level.BLOCKER: "‼",
}
STEP_MARKS: Final = {"success": "✓", "skipped": "–", "failed": "✗"}
#: How a bootstrap's status is marked and styled, in the timeline and the summary.
BOOTSTRAP_MARKS: Final = {
    "success": ("✓", "ok"),
    "noop": ("✓", "ok"),
    "failed": ("✗", "bad"),
    "incomplete": ("…", "sev.warn"),
    "interrupted": ("…", "sev.warn"),
    "running": ("▸", "sev.progress"),
    "planned": ("·", "muted"),
}
VM_COLOURS: Final = ("cyan", "magenta", "blue", "bright_cyan", "bright_magenta", "bright_blue")
LEVEL_STYLE: Final = {level: f"sev.{level.label}" for level in Level}

ALL_STYLES: Final = STYLES | {f"vm.{i}": c for i, c in enumerate(VM_COLOURS)}
THEME: Final = Theme(ALL_STYLES)

_MARK = "\x00"


class Palette:
    """Each style name as a pair of ANSI strings (start, end), resolved once.

    Rich renders one styled line in tens of microseconds; the stream path
    formats millions of lines, so it wraps text in these prefixes instead.
    With no colour system both strings are empty.
    """

    def __init__(self, color_system: ColorSystem | None) -> None:
        self._pairs: dict[str, tuple[str, str]] = {}
        for name, spec in ALL_STYLES.items():
            self._pairs[name] = _pair(Style.parse(spec), color_system)

    def pair(self, name: str) -> tuple[str, str]:
        """The (start, end) ANSI strings of a style name."""
        return self._pairs[name]

    def wrap(self, name: str, text: str) -> str:
        """``text`` in the style called ``name``."""
        start, end = self._pairs[name]
        return f"{start}{text}{end}" if start else text


def _pair(style: Style, color_system: ColorSystem | None) -> tuple[str, str]:
    if color_system is None:
        return "", ""
    start, _, end = style.render(_MARK, color_system=color_system).partition(_MARK)
    return start, end
