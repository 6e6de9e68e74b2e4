"""``--grep``'s matches shown in a text line: reverse video around them, on a terminal.

The line is already laid out, its own styles in it as ANSI escapes: patterns
are matched in the text between escapes only (never inside one), and a match
is wrapped in reverse video on/off (SGR 7/27), which leaves the colour around
it as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final

ON: Final = "\x1b[7m"
OFF: Final = "\x1b[27m"
_ESCAPE: Final = re.compile(r"(\x1b\[[0-9;]*m)")


def highlighter(patterns: Sequence[re.Pattern[str]]) -> Callable[[str], str]:
    """A function that marks every match of ``patterns`` in a laid-out line."""

    def mark(line: str) -> str:
        parts = _ESCAPE.split(line)
        for i in range(0, len(parts), 2):  # the even parts are text, the odd ones escapes
            if parts[i]:
                parts[i] = _marked(parts[i], patterns)
        return "".join(parts)

    return mark


def _marked(text: str, patterns: Sequence[re.Pattern[str]]) -> str:
    spans = sorted(m.span() for p in patterns for m in p.finditer(text) if m.end() > m.start())
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = [], 0
    for start, end in merged:
        out += [text[at:start], ON, text[start:end], OFF]
        at = end
    out.append(text[at:])
    return "".join(out)
