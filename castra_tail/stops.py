"""Stopping on a signal: SIGINT (Ctrl-C) and SIGTERM end the reading, never the summary.

The first signal raises ``Stopped`` where the reading is. ``Stopped`` derives
from ``BaseException``, as ``KeyboardInterrupt`` does, so that no ``except
Exception`` of the line loop can take it for a bad line. The signal is first
passed on to a wrapped command's process group. A signal after that never
raises: the way out (ending the command, the summary) must not be cut short;
it ends the command's group at once instead. A third ends castra-tail as the
signal would have, for a way out that cannot finish (a stdout that no one
reads).

A signal that came before, during start-up, was recorded (early.py): the run
takes it when its handlers are in, and acts on it as its reading begins, as on
one that comes between the two: the summary of what was seen, exit 128 + N.
One that comes during a write to stdout (``WHOLE``) is raised as it ends.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Final, Protocol

from castra_tail import early

#: What ``signal.signal`` returns and takes.
Handler = Callable[[int, FrameType | None], object] | int | signal.Handlers | None

#: The signals that stop reading, and what they stand for in the exit status (128 + N).
STOP_SIGNALS: Final = early.SIGNALS


class Whole:
    """A block a stop must not cut in two: a write whose bytes went out before the stop.

    Raised inside it, ``Stopped`` would leave those bytes in the buffered writer,
    to be written again at the end (a line shown twice). A stop that comes inside
    is raised as the outermost block ends instead.
    """

    depth = 0
    held: Stopped | None = None

    def __enter__(self) -> None:
        Whole.depth += 1

    def __exit__(self, kind: object, *_: object) -> None:
        Whole.depth -= 1
        if Whole.depth == 0 and Whole.held is not None:
            stop, Whole.held = Whole.held, None
            if kind is None:  # another exception on its way out wins (a closed stdout)
                raise stop


#: ``with WHOLE:`` around a write.
WHOLE: Final = Whole()


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
        self._pending: int | None = None  # caught while not reading yet: acted on when it starts

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
        early_signal = early.take()  # came during start-up: this run acts on it
        if early_signal is not None and self.caught == 0:
            self.caught, self._pending = 1, early_signal
        try:
            yield
        finally:
            Whole.held = None
            for number, handler in previous.items():
                signal.signal(number, handler)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """While inside, the first signal raises ``Stopped`` (at once, when it came before)."""
        self._raising = self.caught == 0  # first: a signal from here on raises at once
        if self._pending is not None:  # one came before: it raises now
            signum, self._pending, self._raising = self._pending, None, False
            raise Stopped(signum)
        try:
            yield
        finally:
            self._raising = False

    def _caught(self, signum: int, _frame: object) -> None:
        self.caught += 1
        if self.caught >= 3:
            early.end_by(signum)  # ends here
        if self.caught == 1 and not self._raising:  # reading has not begun: it stops at once
            self._pending = signum
        if self._raising:
            self._raising = False  # once: the way out must not be interrupted
            if self.group is not None:
                self.group.pass_on(signum)
            if Whole.depth:
                Whole.held = Stopped(signum)
                return
            raise Stopped(signum)
        if self.group is not None and self.caught > 1:
            self.group.kill()
