"""Turning stream data into safe, readable text: escapes, durations, sizes, ssh.

Every string that came from the stream goes through ``clean`` (or
``clean_lines``) before it reaches a terminal: control characters become
visible escapes, so no input can move the cursor, retitle the terminal or
clear the screen.
"""

from __future__ import annotations

import functools
import re
import shlex
from typing import Final

from castra_tail.events import SshTarget, VmCounts

#: Longest field shown in the text view; ndjson and json keep fields whole.
MAX_FIELD: Final = 2000
ELLIPSIS: Final = "…"


def _escape_table() -> dict[int, str]:
    table = {c: f"\\x{c:02x}" for c in range(0x20) if c != 0x09}
    table |= {0x0A: "\\n", 0x0D: "\\r", 0x7F: "\\x7f"}
    table |= {c: f"\\u{c:04x}" for c in range(0x80, 0xA0)}  # C1: CSI, OSC, …
    # Bidirectional overrides and isolates reorder what a reader sees; line and
    # paragraph separators break lines on some terminals.
    for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x2028, 0x2029):
        table[c] = f"\\u{c:04x}"
    # Lone surrogates: a file name's bytes that are not UTF-8, as Python keeps them.
    table |= {c: f"\\u{c:04x}" for c in range(0xD800, 0xE000)}
    table |= {c: f"\\x{c - 0xDC00:02x}" for c in range(0xDC80, 0xDD00)}  # surrogateescape
    return table


_ESCAPES: Final = _escape_table()
# Every escaped character is one str.isprintable() rejects (a test checks it), so
# a printable string, nearly all of them, skips translate(): ~30 ns a character.


def clean(value: str, limit: int = MAX_FIELD) -> str:
    """``value`` with control characters escaped and cut to ``limit`` characters."""
    if not value.isprintable():
        value = value.translate(_ESCAPES)
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
    """A multi-line text as its cleaned lines (``\\r\\n`` and ``\\n`` both end a line)."""
    if len(value) > limit:
        value = value[: limit - 1] + ELLIPSIS
    if value.isprintable():
        return [value]
    return [line.translate(_ESCAPES) for line in value.replace("\r\n", "\n").split("\n")]


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


_SHELL_SAFE: Final = re.compile(r"[\w@%+=:,./~-]+", re.ASCII)


def _quote(word: str) -> str:
    # shlex.quote would quote "~/.ssh/key" and stop the shell expanding the tilde.
    return word if _SHELL_SAFE.fullmatch(word) else shlex.quote(word)


def ssh_command(target: SshTarget) -> str:
    """A ready-to-paste ``ssh [-i ID] [-o OPT]… -p PORT USER@HOST``, shell-quoted."""
    return _ssh(target.user, target.host, target.port, target.identity, tuple(target.options))


@functools.lru_cache(maxsize=4096)  # a fleet's log repeats each VM's target many times
def _ssh(user: str, host: str, port: int, identity: str | None, options: tuple[str, ...]) -> str:
    words = ["ssh"]
    if identity:
        words += ["-i", identity]
    for option in options:
        words += ["-o", option]
    words += ["-p", str(port), f"{user}@{host}"]
    return " ".join(_quote(w) for w in words)
