"""Rich, drawing into a string: what is drawn once (tables, panels) goes out through the Writer.

Rich never writes to stdout itself: what it draws is returned as text and
written by the one ``Writer``, in order with the stream's lines.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:  # Rich is imported when something is drawn, not to copy lines
    from rich.color import ColorSystem
    from rich.console import Console, RenderableType


def console(environ: Mapping[str, str], *, color: bool, width: int) -> Console:
    """A Rich console with the castra-tail theme that draws into a string (``draw``)."""
    from rich.console import Console

    from castra_tail.render.theme import THEME

    return Console(
        file=io.StringIO(),
        theme=THEME,
        force_terminal=color,
        no_color=not color,
        color_system="auto" if color else None,
        width=width,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
        legacy_windows=False,
        _environ=_rich_environ(environ, color),
    )


def _rich_environ(environ: Mapping[str, str], color: bool) -> dict[str, str]:
    # The width is decided (Env.width()); Rich would read $COLUMNS again, and int('²') raises.
    rich = {k: v for k, v in environ.items() if k not in ("COLUMNS", "LINES")}
    # Rich turns colour off for TERM=dumb even when forced; --color always wins.
    if color and rich.get("TERM", "").lower() in ("dumb", "unknown"):
        rich["TERM"] = "xterm"
    return rich


_TRAILING_SPACE: Final = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


def draw(
    console: Console, renderable: RenderableType, width: int | None = None, *, crop: bool = False
) -> str:
    """What Rich draws for ``renderable``, without the spaces it pads lines with.

    Tables pad every line to their width; trailing blanks are noise in logs,
    in files and in what a person copies from the terminal.
    """
    buffer = console.file
    assert isinstance(buffer, io.StringIO), "draw() needs a console from console()"
    console.print(renderable, crop=crop, width=width)
    drawn = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return _TRAILING_SPACE.sub(r"\1", drawn)


def color_system(console: Console) -> ColorSystem | None:
    """The colour system a console settled on, as Rich's enum."""
    from rich.color import ColorSystem

    systems: dict[str, Any] = {
        "standard": ColorSystem.STANDARD,
        "256": ColorSystem.EIGHT_BIT,
        "truecolor": ColorSystem.TRUECOLOR,
        "windows": ColorSystem.WINDOWS,
    }
    name = console.color_system
    return systems.get(name) if name else None
