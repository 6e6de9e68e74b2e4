"""Where output goes: the stdout writer, the consoles, colour and width decisions.

Only ``Writer`` touches stdout. It collects a batch of output and writes it in
one call, and turns a reader that went away (``EPIPE``) into ``StdoutClosed``
and any other failure (a full disk) into ``IOFailure``.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO, Final, TextIO

from castra_tail.stdio import STDOUT, IOFailure, cannot_write
from castra_tail.stdio import StdoutClosed as StdoutClosed  # where the views and check look

if TYPE_CHECKING:  # Rich is imported when something is drawn, not to copy lines
    from rich.color import ColorSystem
    from rich.console import Console, RenderableType

DEFAULT_WIDTH: Final = 80
#: The widths castra-tail draws for. Narrower, a summary table has no room for its
#: columns (a 1-column summary is one character a line); wider, no terminal is that
#: wide, and what Rich draws grows with the width (a billion columns took 24 GB).
MIN_WIDTH: Final = 20
MAX_WIDTH: Final = 1000


class Writer:
    """A batching writer over a binary stream: text and bytes, in order, one write a batch."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._text: list[str] = []
        self._bytes: list[bytes] = []

    def write(self, text: str) -> int:
        """Queue text (Rich writes through this)."""
        self._text.append(text)
        return len(text)

    def write_bytes(self, data: bytes) -> None:
        """Queue bytes as they are."""
        if self._text:
            self._move_text()
        self._bytes.append(data)

    def _move_text(self) -> None:
        self._bytes.append("".join(self._text).encode("utf-8", "replace"))
        self._text.clear()

    @property
    def pending(self) -> bool:
        """Whether anything is queued."""
        return bool(self._text or self._bytes)

    def flush(self, prefix: str = "", suffix: str = "") -> None:
        """Write what is queued in one call, between ``prefix`` and ``suffix``."""
        if prefix:
            self._bytes.insert(0, prefix.encode("utf-8", "replace"))
        if self._text:
            self._move_text()
        if suffix:
            self._bytes.append(suffix.encode("utf-8", "replace"))
        if not self._bytes:
            return
        data = memoryview(b"".join(self._bytes))
        self._bytes.clear()
        try:
            while data:  # a pipe or a filling disk may take part of it; the rest, or why not
                written = self._stream.write(data)
                if not written:
                    raise IOFailure(f"cannot write to {STDOUT}: it takes nothing more")
                data = data[written:]
            self._stream.flush()
        except BrokenPipeError as exc:
            raise StdoutClosed from exc
        except OSError as exc:
            raise cannot_write(STDOUT, exc) from exc


@dataclass
class Env:
    """The process's streams and what they are."""

    stdout: Writer
    stderr: TextIO
    stdout_tty: bool
    stdin_tty: bool
    environ: Mapping[str, str]
    terminal_width: int | None
    stdin_closed: bool = False

    @classmethod
    def from_process(cls) -> Env:
        """The real environment of this process."""
        tty = sys.stdout.isatty()
        width = None
        if tty:
            try:
                width = os.get_terminal_size(sys.stdout.fileno()).columns
            except OSError:
                width = None
        return cls(
            stdout=Writer(sys.stdout.buffer),
            stderr=sys.stderr,
            stdout_tty=tty,
            stdin_tty=sys.stdin.isatty() if sys.stdin else False,
            stdin_closed=sys.stdin is None,  # the interpreter found descriptor 0 closed
            environ=os.environ,
            terminal_width=width,
        )

    def terminal_size(self) -> tuple[int, int]:
        """Columns and rows of the terminal on stdout, now (it may have been resized)."""
        try:
            size = os.get_terminal_size(sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            return self.terminal_width or DEFAULT_WIDTH, 24
        return size.columns, size.lines

    def width(self, requested: int | None) -> int:
        """Columns to draw for, within ``MIN_WIDTH``…``MAX_WIDTH``: ``--width``, else
        ``$CASTRA_TAIL_WIDTH``, else the terminal's, else ``$COLUMNS``, else 80.
        """
        for columns in (
            requested,
            _columns(self.environ.get("CASTRA_TAIL_WIDTH")),
            self.terminal_width,
            _columns(self.environ.get("COLUMNS")),
        ):
            if columns:
                return min(max(columns, MIN_WIDTH), MAX_WIDTH)
        return DEFAULT_WIDTH

    def wants_color(self, choice: str, *, tty: bool) -> bool:
        """Whether to colour a stream: ``always``, ``never``, or ``auto``.

        ``auto`` colours a terminal unless ``NO_COLOR`` is set (https://no-color.org)
        or ``TERM=dumb``; ``FORCE_COLOR`` colours a pipe too.
        """
        if choice == "always":
            return True
        if choice == "never" or self.environ.get("NO_COLOR"):
            return False
        if self.environ.get("FORCE_COLOR"):
            return True
        return tty and self.environ.get("TERM") != "dumb"

    def console(self, *, color: bool, width: int) -> Console:
        """A Rich console with the castra-tail theme that draws into a string (``render``).

        Rich never writes to stdout itself: what it draws goes out through the
        ``Writer``, in order with the stream's lines.
        """
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
            _environ=self._rich_environ(color),
        )

    def _rich_environ(self, color: bool) -> dict[str, str]:
        # The width is decided (width()); Rich would read $COLUMNS again, and int('²') raises.
        environ = {k: v for k, v in self.environ.items() if k not in ("COLUMNS", "LINES")}
        # Rich turns colour off for TERM=dumb even when forced; --color always wins.
        if color and environ.get("TERM", "").lower() in ("dumb", "unknown"):
            environ["TERM"] = "xterm"
        return environ


def _columns(value: str | None) -> int | None:
    """A width from the environment, or None for garbage: it is then as if unset.

    Only ASCII digits count (``str.isdigit`` takes ``²``, which ``int`` refuses), and
    a number too long to be a width is simply the widest (``int`` refuses 4,300 digits).
    """
    digits = (value or "").strip().lstrip("0")
    if not (digits.isascii() and digits.isdigit()):
        return None
    return int(digits) if len(digits) <= len(str(MAX_WIDTH)) else MAX_WIDTH


def tame_size_variables(environ: MutableMapping[str, str]) -> None:
    """Make ``$COLUMNS``, ``$LINES`` and ``$TERMINAL_WIDTH`` safe for Typer and Rich.

    They read them for ``--help`` and usage errors, and ``int()`` what they find:
    garbage is removed (as if unset), and a width is brought within range.
    """
    for name, low, high in (
        ("COLUMNS", MIN_WIDTH, MAX_WIDTH),
        ("TERMINAL_WIDTH", MIN_WIDTH, MAX_WIDTH),
        ("LINES", 1, MAX_WIDTH),
    ):
        if name not in environ:
            continue
        number = _columns(environ[name])
        if number:
            environ[name] = str(min(max(number, low), high))
        else:
            del environ[name]


_TRAILING_SPACE: Final = re.compile(r" +((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


def render(
    console: Console, renderable: RenderableType, width: int | None = None, *, crop: bool = False
) -> str:
    """What Rich draws for ``renderable``, without the spaces it pads lines with.

    Tables pad every line to their width; trailing blanks are noise in logs,
    in files and in what a person copies from the terminal.
    """
    buffer = console.file
    assert isinstance(buffer, io.StringIO), "render() needs a console from Env.console()"
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
