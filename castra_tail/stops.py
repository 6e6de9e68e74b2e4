"""Stopping on a signal: SIGINT (Ctrl-C) and SIGTERM end the reading, never the summary.

The first signal raises ``Stopped`` where the reading is. ``Stopped`` derives
from ``BaseException``, as ``KeyboardInterrupt`` does, so that no ``except
Exception`` of the line loop can take it for a bad line. The signal is first
passed on to a wrapped command's process group. A signal after that never
raises: the way out (ending the command, the summary) must not be cut short;
it ends the command's group at once instead. A third ends castra-tail as the
signal would have, for a way out that cannot finish (a stdout that no one
reads).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Final, Protocol

#: What ``signal.signal`` returns and takes.
Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None

#: The signals that stop reading, and what they stand for in the exit status (128 + N).
STOP_SIGNALS: Final = (signal.SIGINT, signal.SIGTERM)


class Stopped(BaseException):
    """A signal asked castra-tail to stop reading."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class Group(Protocol):
    """What a stop does to a wrapped command (``wrapped.CommandSource``)."""

    def pass_on(self, signum: int) -> None:
        """Send ``signum`` to the command's process group."""
        ...

    def kill(self) -> None:
        """End the command's process group now."""
        ...


class Stops:
    """The SIGINT and SIGTERM handlers of one run, and the signals they caught."""

    def __init__(self, group: Group | None = None) -> None:
        self.group = group
        self.caught = 0
        self._raising = False

    @contextmanager
    def handled(self) -> Iterator[None]:
        """Install the handlers for the whole run; the previous ones come back after.

        A signal ignored when castra-tail started (``nohup``, a background job of
        a script) stays ignored, as the shell meant.
        """
        previous: dict[signal.Signals, Handler] = {}
        try:
            for signum in STOP_SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    previous[signum] = signal.signal(signum, self._caught)
        except ValueError:  # not the main thread: signals are not ours to take
            pass
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """While inside, the first signal raises ``Stopped``."""
        self._raising = self.caught == 0
        try:
            yield
        finally:
            self._raising = False

    def _caught(self, signum: int, _frame: object) -> None:
        self.caught += 1
        if self.caught >= 3:
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)  # ends here
        if WRITING.active and WRITING.pending is not None:
            raise Stopped(WRITING.pending)  # a write that does not end: stop within it
        if self._raising:
            self._raising = False  # once: the way out must not be interrupted
            if self.group is not None:
                self.group.pass_on(signum)
            if WRITING.active:  # stopped when the write ends, not inside it
                WRITING.pending = signum
                return
            raise Stopped(signum)
        if self.group is not None and self.caught > 1:
            self.group.kill()


class _Writing:
    """Whether stdout is being written, and a stop that waits for the write to end."""

    def __init__(self) -> None:
        self.active = False
        self.pending: int | None = None


#: Raised inside a write, ``Stopped`` would leave the buffered writer half done — what
#: it wrote would be written again at the end. A first stop waits for the write.
WRITING: Final = _Writing()


@contextmanager
def writing() -> Iterator[None]:
    """While inside, a first stop is held until the end, then raised (a second raises)."""
    WRITING.active = True
    try:
        yield
    finally:  # after a failed write, its error is what is said
        WRITING.active = False
        pending, WRITING.pending = WRITING.pending, None
    if pending is not None:
        raise Stopped(pending)
