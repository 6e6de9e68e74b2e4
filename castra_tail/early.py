"""Stop signals before castra-tail can act on them: recorded from the process's first line.

Start-up (the imports, the flags) takes a few hundred milliseconds. SIGINT then
would be a KeyboardInterrupt traceback from inside an import, SIGTERM an end
without the summary. ``hold`` — the first thing the console script does — only
records them; a run's ``stops.Stops`` takes the one recorded and acts on it as
soon as its reading begins (the summary of nothing, exit 128 + N). The other
commands have it delivered when their own code starts (``release``). Before
``hold`` only the interpreter's own start-up runs, where no Python code can act.

Only ``os`` and ``signal`` are imported here: this module is on the path of
every start.
"""

from __future__ import annotations

import os
import signal

#: The signals that stop castra-tail (stops.STOP_SIGNALS).
SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: Recorded since ``hold``, oldest first; the handlers ``hold`` replaced.
_early: list[int] = []
_held: dict[int, signal._HANDLER] = {}


def hold() -> None:
    """Record SIGINT and SIGTERM, nothing more, until a run or ``release`` takes them.

    A signal ignored when castra-tail started (``nohup``) stays ignored. Outside
    the main thread (a test runner's worker) signals are not ours to take. A
    second call keeps the handlers the first one found.
    """
    try:
        for signum in SIGNALS:
            if signal.getsignal(signum) is not signal.SIG_IGN:
                previous = signal.signal(signum, _record)
                if previous is not _record:
                    _held[signum] = previous
    except ValueError:
        pass


def _record(signum: int, _frame: object) -> None:
    _early.append(signum)
    if len(_early) >= 3:  # as in a run: the third ends castra-tail as the signal would
        end_by(signum)


def end_by(signum: int) -> None:
    """End the process as ``signum`` would have, had it not been caught."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def take() -> int | None:
    """The first signal recorded since ``hold``, for the caller to act on (then cleared)."""
    signum = _early[0] if _early else None
    _early.clear()
    return signum


def release(*, deliver: bool = True) -> None:
    """Give back the handlers ``hold`` found. A signal recorded and not taken is then
    delivered to them (``deliver``), as if it came now: a KeyboardInterrupt, or the end
    that SIGTERM brings."""
    pending = take()
    for signum, handler in _held.items():
        signal.signal(signum, handler)
    _held.clear()
    if deliver and pending is not None:
        signal.raise_signal(pending)
