"""The process's environment as castra-tail sees it: its streams, what they are, sizes, colour.

One ``Env`` is built at start-up (``Env.from_process``) and passed in; tests build
their own. It also formats the one kind of line castra-tail says on stderr
about itself (``message_line``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Final, TextIO

from castra_tail.output.writer import Writer

DEFAULT_WIDTH: Final = 80
#: The widths castra-tail draws for. Narrower, a summary table has no room for its
#: columns (a 1-column summary is one character a line); wider, no terminal is that
#: wide, and what Rich draws grows with the width (a billion columns took 24 GB).
MIN_WIDTH: Final = 20
MAX_WIDTH: Final = 1000


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
    #: Asks the terminal on stdout for its columns and rows (tests give their own).
    size: Callable[[], tuple[int, int]] | None = None

    def error(self, message: str) -> None:
        """Say on stderr, in one line, why castra-tail cannot do what was asked."""
        self.stderr.write(message_line(message))

    def warning(self, message: str) -> None:
        """Say on stderr, in one line, what castra-tail does differently than asked."""
        self.stderr.write(message_line(message, "warning"))

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
        if self.size is not None:
            return self.size()
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


def message_line(message: str, kind: str = "error") -> str:
    """``castra-tail: error: …`` as one line: what castra-tail says about itself on stderr."""
    return f"castra-tail: {kind}: {' '.join(message.split())}\n"
