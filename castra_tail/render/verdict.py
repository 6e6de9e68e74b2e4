"""The verdict line under the summary (and alone, with ``-q``), broken between phrases.

``✗ failed (exit 1): 5 events at error or above (first: up.ndjson:18 …)`` is
cut where a reader pauses — after ``; `` and ``: ``, before `` (`` — never
inside a phrase unless a phrase alone is wider than the screen; the lines
after the first are indented under it.
"""

from __future__ import annotations

import re
from typing import Final

from rich.cells import cell_len
from rich.text import Text

from castra_tail.render import facts
from castra_tail.render.folding import wrap
from castra_tail.run.verdict import Verdict

INDENT: Final = "  "
#: Where a phrase ends: after "; " or "): ", before " (".
_BREAKS: Final = re.compile(r"(?<=; )|(?<=\): )|(?= \()")


def verdict_text(verdict: Verdict, width: int) -> Text:
    """The verdict for ``width`` columns, its head (``✓ passed``/``✗ failed``) in its tone."""
    head, rest = facts.verdict(verdict)
    lines = phrase_lines(f"{head.text} {rest}", width)
    text = Text("\n".join(lines), no_wrap=True, overflow="ignore")
    text.stylize(head.tone, 0, len(head.text))
    return text


def phrase_lines(line: str, width: int) -> list[str]:
    """``line`` in lines of at most ``width`` cells, broken between phrases where it can."""
    lines: list[str] = []
    current = ""
    for phrase in (p for p in _BREAKS.split(line) if p):
        room = width - (len(INDENT) if lines else 0)
        if not current.strip() or cell_len((current + phrase).rstrip()) <= room:
            current += phrase
            continue
        lines.append(current.rstrip())
        current = phrase.lstrip()
    lines.append(current.rstrip())
    out: list[str] = []
    for i, piece in enumerate(lines):  # a phrase wider than the screen: at its spaces
        room = width - (len(INDENT) if i else 0)
        out += wrap(piece, room) if cell_len(piece) > room else [piece]
    return [out[0], *(INDENT + piece for piece in out[1:])]
