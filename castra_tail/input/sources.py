"""The inputs: files (``-`` for standard input), as sources of numbered lines.

A ``Source`` has a name for messages and opens as a binary stream; what is read
from it comes to the pipeline as a ``Chunk`` of numbered lines, a ``Notice``
about it (a followed file was replaced), or ``None`` (it was quiet a moment).
``open_files`` checks the files named on the command line before any is read.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO, Final, Protocol, cast

from castra_tail.input.clash import stdout_clash
from castra_tail.input.framing import Line, unreadable
from castra_tail.options import UsageError
from castra_tail.output.stdio import IOFailure
from castra_tail.render.text import clean

STDIN_NAME: Final = "<stdin>"
NO_INPUT: Final = "no input: pipe an event stream in, name a file, or wrap a command after --"


@dataclass(frozen=True, slots=True)
class Chunk:
    """Complete lines that arrived together from one source."""

    source: str
    first: int
    lines: list[Line]


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to say about a source, in one line."""

    source: str
    text: str


Item = Chunk | Notice | None


class Source(Protocol):
    """An input: a name for messages, and a way to open it as bytes."""

    @property
    def name(self) -> str:
        """How the source is named in messages."""
        ...

    def open(self) -> BinaryIO:
        """A binary stream to read lines from (closed by the caller)."""
        ...


@dataclass(frozen=True, slots=True)
class FileSource:
    """A file path, or ``-`` for standard input."""

    path: str

    @property
    def name(self) -> str:
        """How the source is named in messages."""
        return STDIN_NAME if self.path == "-" else self.path

    @property
    def live(self) -> bool:
        """True for a pipe, FIFO, socket or terminal (``-``, ``/dev/stdin``, ``<(…)``, a
        named FIFO): lines arrive as they are written."""
        try:
            if self.path == "-":
                mode = os.fstat(sys.stdin.fileno()).st_mode
            else:
                mode = os.stat(self.path).st_mode
        except (AttributeError, OSError, ValueError):
            return False
        return not stat.S_ISREG(mode)

    def open(self) -> BinaryIO:
        """Open for reading (standard input is lent, not closed, by the caller's ``with``)."""
        if self.path == "-":
            return cast(BinaryIO, _Lent(sys.stdin.buffer))
        return open(self.path, "rb")  # noqa: SIM115 - the caller closes it


class _Lent:
    """A stream used but not owned: leaving ``with`` does not close it."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.read1 = getattr(stream, "read1", None) or stream.read
        self.read = stream.read

    def fileno(self) -> int:
        return self._stream.fileno()

    def __enter__(self) -> _Lent:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def open_files(
    paths: Sequence[str],
    *,
    stdin_tty: bool,
    stdin_closed: bool = False,
    may_appear: bool = False,
    follow: bool = False,
    no_input: str = NO_INPUT,
) -> list[FileSource]:
    """The inputs named on the command line (stdin when none), or a UsageError saying why not.

    ``may_appear``: a missing file is waited for (``-F``), as tail -F does. An input
    that is also stdout is refused (``follow``: even an empty one, as it may grow).
    """
    paths = tuple(paths) or ("-",)
    if paths.count("-") > 1:
        raise UsageError("standard input ('-') can be read only once")
    for path in paths:
        if may_appear and not os.path.lexists(path):
            continue
        why = unreadable(path)
        if why is not None:
            raise UsageError(f"cannot read {clean(path)!r}: {why}")
    if "-" in paths and stdin_closed:
        raise IOFailure(f"cannot read standard input: {os.strerror(errno.EBADF)}")
    if paths == ("-",) and stdin_tty:
        raise UsageError(no_input)
    why = stdout_clash(paths, follow=follow)
    if why is not None:
        raise UsageError(why)
    return [FileSource(p) for p in paths]
