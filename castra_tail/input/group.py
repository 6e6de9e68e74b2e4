"""A wrapped command's process group: signals passed on, and ended with a bounded wait.

``castra-tail -- COMMAND`` starts the command as the leader of a process group
of its own, so that what the command starts (a shell's background jobs, a
build's workers) can be reached too: a signal for castra-tail goes to the whole
group, and a stopped run never leaves any of it behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Final

#: How long a stopped command has to end by itself before its group is killed.
GRACE: Final = 10.0
#: How long what a command left running has after SIGTERM before SIGKILL.
LEFTOVER_GRACE: Final = 1.0
_POLL: Final = 0.02


def stdin() -> int | None:
    """The command's stdin: castra-tail's, but /dev/null for a terminal.

    Out of the terminal's foreground group, a read from the terminal would stop
    the command (SIGTTIN) for good, and castra-tail would wait for it forever.
    """
    try:
        terminal = os.isatty(sys.stdin.fileno())
    except (AttributeError, OSError, ValueError):
        terminal = False
    return subprocess.DEVNULL if terminal else None


def send(process: subprocess.Popen[bytes], signum: int) -> None:
    """Send ``signum`` to the process group led by ``process`` (if any of it is left)."""
    # ProcessLookupError: the group is gone; PermissionError: its id names someone else's.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def pass_on(process: subprocess.Popen[bytes], signum: int) -> None:
    """Pass a stop signal on to the group; SIGCONT lets a stopped member act on it."""
    send(process, signum)
    send(process, signal.SIGCONT)


def end(process: subprocess.Popen[bytes], grace: float = GRACE) -> int:
    """After a stop: wait up to ``grace`` s for the command, then end what is left of its group.

    Returns the command's wait status (negative: killed by that signal).
    """
    try:
        code = process.wait(grace)
    except subprocess.TimeoutExpired:
        send(process, signal.SIGKILL)
        code = process.wait()  # SIGKILL cannot be refused: this returns
    if _alive(process.pid):  # the command's own children, left behind
        send(process, signal.SIGTERM)
        deadline = time.monotonic() + LEFTOVER_GRACE
        while _alive(process.pid) and time.monotonic() < deadline:
            time.sleep(_POLL)
        if _alive(process.pid):
            send(process, signal.SIGKILL)
    return code


def _alive(pgid: int) -> bool:
    """Whether the group still has a member (an unreaped zombie counts: a bound ends the wait)."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True
