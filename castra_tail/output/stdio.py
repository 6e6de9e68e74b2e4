"""The process's standard streams, made safe whatever the shell handed over.

``take_over()``, called once by ``cli.main``, keeps three promises:

- A closed descriptor (``>&-``, ``<&-``, ``2>&-``) is held by ``/dev/null``
  opened the other way round: no file opened later can become "stdout", and
  using the stream fails as a closed one does (``EBADF``).
- A failed write to stdout raises ``StdoutClosed`` (its reader went away) or
  ``IOFailure`` (anything else: a full disk, a closed descriptor). After
  either, stdout swallows what is written, so the interpreter's final flush
  cannot fail a second time.
- A write to stderr never fails: once one is refused (stderr closed, its
  reader gone), the rest are dropped, and stdout goes on.

Only the streams the interpreter made are replaced: a test runner's capture
is left alone.
"""

from __future__ import annotations

import io
import os
import sys
from typing import TYPE_CHECKING, Final, TextIO

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

STDOUT: Final = "standard output"


class StdoutClosed(Exception):
    """The reader of stdout went away (``castra-tail … | head -3``)."""


class IOFailure(Exception):
    """Reading or writing failed in a way that ends castra-tail: one line on stderr, exit 74."""


def cannot_write(what: str, exc: OSError) -> IOFailure:
    """The failure to write ``what`` (``standard output``, ``'up.ndjson'``), in words."""
    return IOFailure(f"cannot write to {what}: {exc.strerror or exc}")


class _Stdout(io.RawIOBase):
    """Descriptor 1, whose failures are ``StdoutClosed`` or ``IOFailure``, said once."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd
        self._failed = False

    def write(self, data: ReadableBuffer, /) -> int:
        if self._failed:  # already said: what is left goes nowhere
            return memoryview(data).nbytes
        try:
            return os.write(self._fd, data)
        except BrokenPipeError as exc:
            self._failed = True
            raise StdoutClosed from exc
        except OSError as exc:
            self._failed = True
            raise cannot_write(STDOUT, exc) from exc

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)


class _Stderr(_Stdout):
    """Descriptor 2, which never fails: once a write is refused, the rest are dropped."""

    def write(self, data: ReadableBuffer, /) -> int:
        try:
            return super().write(data)
        except (StdoutClosed, IOFailure):
            return memoryview(data).nbytes


def take_over() -> None:
    """Hold closed standard descriptors and replace stdout and stderr with safe ones."""
    for fd, flags in ((0, os.O_WRONLY), (1, os.O_RDONLY), (2, os.O_RDONLY)):
        _hold(fd, flags)
    if sys.stdout is sys.__stdout__:  # None too, when stdout was closed
        sys.stdout = _text(_Stdout(1), sys.stdout, "strict")
    if sys.stderr is sys.__stderr__:
        sys.stderr = _text(_Stderr(2), sys.stderr, "backslashreplace", line_buffering=True)


def _hold(fd: int, flags: int) -> None:
    try:
        os.fstat(fd)
        return
    except OSError:
        pass
    held = os.open(os.devnull, flags)  # the lowest free descriptor: fd itself
    if held != fd:
        os.dup2(held, fd)
        os.close(held)


def _text(
    raw: _Stdout, original: TextIO | None, errors: str, *, line_buffering: bool = False
) -> TextIO:
    return io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=getattr(original, "encoding", None) or "utf-8",
        errors=getattr(original, "errors", None) or errors,
        line_buffering=line_buffering or raw.isatty(),
    )
