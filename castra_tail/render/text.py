"""Turning stream data into safe, readable text: escapes, columns, durations, sizes.

Every string that came from the stream goes through ``clean`` (or
``clean_lines``) before it reaches a terminal: control and invisible
characters become visible escapes, so no input can move the cursor, retitle
the terminal, clear the screen or pass ``web\u200b-0`` off as ``web-0``.
Columns are measured in display cells (``width_of``, ``fit``, ``pad``): a CJK
character takes two, a combining mark none.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from rich.cells import cell_len

from castra_tail.contract.events import VmCounts

#: Longest field shown in the text view; ndjson keeps fields whole, json up to MAX_KEPT.
MAX_FIELD: Final = 2000
ELLIPSIS: Final = "…"

_SHORT: Final = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
#: Characters remembered by the escape table; past it, each is decided again.
_REMEMBERED: Final = 10_000


def _code(char: str) -> str:
    c = ord(char)
    return f"\\u{c:04x}" if c <= 0xFFFF else f"\\U{c:08x}"


def escape(char: str) -> str:
    """How one character is shown: itself, or a visible escape when it is not printable.

    Escaped: controls (C0 with TAB, DEL, C1), format characters (zero-width
    spaces and joiners, bidirectional controls, the BOM, tag characters), line
    and paragraph separators, surrogates, private-use and unassigned code
    points — every category ``str.isprintable()`` rejects but spaces (Zs), which
    show as the blanks they are.
    """
    if char.isprintable() or unicodedata.category(char) == "Zs":
        return char
    c = ord(char)
    if c < 0x20 or c == 0x7F:
        return _SHORT.get(c) or f"\\x{c:02x}"
    if 0xDC80 <= c <= 0xDCFF:  # a byte that is not UTF-8, as Python keeps it (a file name)
        return f"\\x{c - 0xDC00:02x}"
    return _code(char)


#: Default-ignorable code points that ``str.isprintable()`` accepts: drawn as nothing, or
#: as a blank that is no space (the Hangul fillers), they would pass ``web\u034f-0`` off as
#: ``web-0``.
_HIDDEN: Final = re.compile(
    "[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180d\u180f\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]"
)
#: Variation selectors 15 and 16 choose how a symbol is drawn (``⚠️``): after one they
#: are kept; after anything else (a letter, another selector) they only hide.
_PRESENTATION: Final = frozenset("\ufe0e\ufe0f")


def _shown(m: re.Match[str]) -> str:
    char, at = m[0], m.start()
    if char in _PRESENTATION and at:
        before = m.string[at - 1]
        if not before.isascii() and unicodedata.category(before)[0] in "SP":
            return char
    return _code(char)


def _unhide(value: str) -> str:
    """``value`` (printable) with its hidden code points escaped."""
    if value.isascii() or not _HIDDEN.search(value):
        return value
    return _HIDDEN.sub(_shown, value)


class _Escapes(dict[int, str]):
    """``str.translate``'s table, filled in as characters are first seen.

    The code space is too large for a table made up front (a million unassigned
    code points); every escaped character is one ``str.isprintable()`` rejects
    (a test checks all of them), so a printable string never comes here.
    """

    def __missing__(self, c: int) -> str:
        shown = escape(chr(c))
        if len(self) < _REMEMBERED:
            self[c] = shown
        return shown


_ESCAPES: Final = _Escapes()


def clean(value: str, limit: int = MAX_FIELD) -> str:
    """``value`` with non-printable and hidden characters escaped, cut to ``limit`` characters."""
    if not value.isprintable():
        # An escape is never shorter than its character: cut first, a 1 MiB field costs nothing.
        value = _unhide(value[: limit + 1].translate(_ESCAPES))
    elif not value.isascii():
        value = _unhide(value[: limit + 1])
    if len(value) > limit:
        return value[: limit - 1] + ELLIPSIS
    return value


def os_text(value: str) -> str:
    """A name from the system (a file name) as valid Unicode, for JSON and Markdown.

    Bytes of a name that are not UTF-8 reach Python as lone surrogates, which no
    encoder takes; they become ``\\xff`` escapes. Anything else is kept as it is.
    """
    if value.isascii():
        return value
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate surrogateescape did not make
        return value.encode("utf-8", "backslashreplace").decode("utf-8")


def clean_lines(value: str, limit: int = MAX_FIELD) -> list[str]:
    """A multi-line text as its cleaned lines (``\\r\\n`` and ``\\n`` both end a line).

    A tab moves to the next tab stop (of 8), as ``tail`` shows it, in spaces.
    """
    if len(value) > limit:
        value = value[: limit - 1] + ELLIPSIS
    if value.isprintable():
        return [_unhide(value)]
    lines = value.replace("\r\n", "\n").split("\n")
    tabbed = (line.expandtabs() if "\t" in line else line for line in lines)
    return [_unhide(line.translate(_ESCAPES)) for line in tabbed]


def tail(text: str, limit: int) -> str:
    """The end of a long path (its name and line number matter most): ``…/up.ndjson``."""
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


def width_of(text: str) -> int:
    """How many terminal cells cleaned ``text`` takes."""
    return len(text) if text.isascii() else cell_len(text)


def fit(text: str, width: int) -> str:
    """Cleaned ``text`` cut to at most ``width`` cells, with ``…`` when it was cut."""
    if width_of(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += cell_len(char)
        if used > width - 1:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS


def pad(text: str, width: int) -> str:
    """Cleaned ``text`` and spaces up to ``width`` cells (``str.ljust`` counts characters)."""
    return text + " " * (width - width_of(text))


def cells(text: str, limit: int) -> int:
    """How many cells ``text`` from the stream takes once cleaned and cut to ``limit``."""
    if len(text) <= limit and text.isascii() and text.isprintable():
        return len(text)  # the common case: nothing to escape or cut, a cell a character
    return width_of(clean(text, limit))


def column(text: str, width: int, limit: int = MAX_FIELD) -> str:
    """``text`` from the stream in a column of ``width`` cells: cleaned, cut (``…``), padded.

    ``clean`` cuts it to ``limit`` characters first.
    """
    if len(text) <= width and len(text) <= limit and text.isascii() and text.isprintable():
        return text.ljust(width)  # the common case: it fits as it is
    return pad(fit(clean(text, limit), width), width)


def show_bytes(raw: bytes, limit: int = MAX_FIELD) -> str:
    """Undecodable input shown as text: invalid UTF-8 replaced, controls escaped."""
    return clean(raw[: limit * 4].decode("utf-8", "replace").rstrip("\r"), limit)


def duration(ms: int | None) -> str:
    """``420ms``, ``1.2s``, ``2m05s``, ``1h02m``."""
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms}ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f}s"
    seconds = round(ms / 1000)
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


_UNITS: Final = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB")


def size(n: int | None) -> str:
    """Bytes in IEC units: ``512 B``, ``5.0 MiB``."""
    if n is None:
        return "—"
    if n < 1024:
        return f"{n} B"
    value = float(n)
    for unit in _UNITS:
        value /= 1024
        if value < 1024 or unit == _UNITS[-1]:
            return f"{value:.1f} {unit}"
    raise AssertionError("unreachable")


def count(n: int) -> str:
    """An integer with thousands separators: ``20,368``."""
    return f"{n:,}"


def plural(n: int, word: str) -> str:
    """``1 line``, ``2,048 lines``."""
    return f"{n:,} {word}{'s' * (n != 1)}"


def vm_counts(vms: VmCounts) -> str:
    """``VMs 2 ok / 1 failed of 3`` (``?`` for a count not reported)."""
    ok = "?" if vms.ok is None else vms.ok
    failed = "?" if vms.failed is None else vms.failed
    total = "?" if vms.total is None else vms.total
    return f"VMs {ok} ok / {failed} failed of {total}"
