"""``--junit FILE``: the JUnit XML report (render/junit.py), written at the end whatever --format.

FILE is checked before anything is read — not an input (as ``--save``
refuses one), not ``--save``'s file, in a directory that exists, a file that
can be opened for writing (not a directory, not read-only) — so a typo costs
a usage error at once, not a long run without its report. It is
written once, whole, when the run is judged; a failure to write it is said
last and makes the exit status 74 (as ``--save``'s does).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Sequence

from castra_tail.input.clash import save_clash
from castra_tail.options import UsageError
from castra_tail.output.stdio import IOFailure, cannot_write
from castra_tail.render.text import clean
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Verdict


class JunitFile:
    """Where ``--junit`` writes, checked up front; ``error`` once writing failed."""

    def __init__(self, path: str, inputs: Sequence[str], save: str | None = None) -> None:
        if path in ("", "-"):
            raise UsageError("--junit needs a file name (standard output is --format's)")
        why = save_clash(path, inputs, "--junit")
        if why is not None:
            raise UsageError(why)
        if save is not None and _same_file(path, save):
            raise UsageError(f"--junit and --save both name {clean(path)!r}: give two files")
        folder = os.path.dirname(path) or "."
        if not os.path.isdir(folder):
            raise UsageError(f"cannot write {clean(path)!r}: no directory {clean(folder)!r}")
        why = _unwritable(path)
        if why is not None:
            raise UsageError(f"cannot write {clean(path)!r}: {why}")
        self.path = path
        self.error: IOFailure | None = None

    def write(self, stream: Stream, verdict: Verdict) -> None:
        """Write the report of the runs of ``stream``; a failure is kept in ``error``, not
        raised."""
        from castra_tail.render.junit import junit

        document = junit(stream, verdict)
        try:
            with open(self.path, "wb") as file:
                file.write(document)
        except OSError as exc:
            self.error = cannot_write(repr(clean(self.path)), exc)


def _unwritable(path: str) -> str | None:
    """Why ``path`` cannot be written, or None: it is opened as the report will be, but not
    emptied, and removed again when it was not there (no report is left by a failed run).

    Anything but a regular file (a FIFO, ``/dev/stderr``) is only looked at: opening a
    FIFO would wait for its reader.
    """
    try:
        mode: int | None = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        return exc.strerror or str(exc)
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        return None if os.access(path, os.W_OK) else os.strerror(errno.EACCES)
    try:
        with open(path, "ab"):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    if mode is None:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return None


def _same_file(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them is not there yet: not the same file
        return False
