"""Folding text to a width in display cells: at spaces where it can, under its column.

``wrap`` folds plain text; ``fold`` folds a laid-out line that may carry its
style as ANSI escapes around it (each piece keeps the style). A ``Whole``
line is never folded: an ssh command must paste as one line, and a terminal
that wraps it softly still copies it whole.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from rich.cells import cell_len

#: Pieces a line may break between: words, but a size stays whole ("22.4 MiB", not "22.4" and
#: "MiB" on the next line).
_TOKENS: Final = re.compile(r"\(?\d[\d.,]* (?:[KMGTP]i)?B\b\S*\s*|\S+\s*|\s+")
_ESCAPE: Final = re.compile(r"\x1b\[[0-9;]*m")


class Whole(str):
    """A line to show as it is, however long (never folded)."""

    __slots__ = ()


Measure = Callable[[str], int]
Fit = Callable[[str, int], int]


def wrap(line: str, width: int) -> list[str]:
    """``line`` in pieces of at most ``width`` display cells, broken at spaces where it can."""
    # Printable ASCII takes a cell a character: its length is its width, measured at C speed.
    if line.isascii() and line.isprintable():
        return wrap_measured(line, width, len, _fit_ascii)
    return wrap_measured(line, width, cell_len, _fit)


def wrap_measured(line: str, width: int, measure: Measure, fit: Fit) -> list[str]:
    """``wrap``, measuring with ``measure`` (display cells) and ``fit`` (what fits in a width)."""
    if width <= 0 or measure(line) <= width:
        return [line]
    pieces: list[str] = []
    current, used = "", 0
    for token in _TOKENS.findall(line):
        size = measure(token.rstrip())
        if used + size <= width:
            current, used = current + token, used + measure(token)
            continue
        if size > width:  # no space to break it at (CJK text, a long path): fill the line
            cut = fit(token, width - used) if used < width else 0
            current, token = current + token[:cut], token[cut:]
        if current.strip():
            pieces.append(current.rstrip())
        while measure(token.rstrip()) > width:
            cut = max(1, fit(token, width))  # a wide character wider than the line still moves on
            pieces.append(token[:cut])
            token = token[cut:]
        current, used = token, measure(token)
    if current.strip():
        pieces.append(current.rstrip())
    return pieces or [""]


def fold(line: str, width: int) -> list[str]:
    """A laid-out line in pieces of at most ``width`` cells, each in the line's own style.

    Cheap for a line that fits (the common case): its length bounds its cells
    when it is ASCII (escapes only add to the length).
    """
    if width <= 0 or isinstance(line, Whole) or (line.isascii() and len(line) <= width):
        return [line]
    if "\x1b" not in line:
        return wrap(line, width)
    escapes = _ESCAPE.findall(line)
    text = _ESCAPE.sub("", line)
    if cell_len(text) <= width:
        return [line]
    start = escapes[0] if line.startswith(escapes[0]) else ""
    end = escapes[-1] if line.endswith(escapes[-1]) and len(escapes) > bool(start) else ""
    # A style inside the line (not around it) is lost in the pieces: rare, and still readable.
    return [f"{start}{piece}{end}" for piece in wrap(text, width)]


def _fit_ascii(text: str, width: int) -> int:
    """``_fit`` for printable ASCII, a cell a character."""
    return max(0, min(len(text), width))


def _fit(text: str, width: int) -> int:
    """How many characters of ``text`` fit in ``width`` cells."""
    used = 0
    for i, char in enumerate(text):
        used += cell_len(char)
        if used > width:
            return i
    return len(text)
