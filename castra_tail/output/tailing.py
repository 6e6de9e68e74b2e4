"""``-n/--tail N``: only the last N things shown of what the input holds, as ``tail -n``.

A view around the view of ``--format``: while the input is first read it keeps
the last N events and notes it would have shown (with when each came, so
``--elapsed`` stays true), and lets them through at the end of that read —
at the end of the input, or, when following (``-f``/``-F``), once the files
were read to their end and went quiet. From then on everything passes as it
comes. The state is never held back: the live panel, the timelines' facts,
the summary and the exit status cover the whole input.
"""

from __future__ import annotations

from collections import deque

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.output.modes import Note, View
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Verdict
from castra_tail.run.vm import Vm

Held = tuple[float, ev.Event | Note, Level, bytes, Vm | None]


class TailView(View):
    """Holds back all but the last ``n`` shown items of the first read, then passes through."""

    def __init__(self, view: View, n: int, *, following: bool) -> None:
        self.view = view
        self.shows_events = view.shows_events
        self.held: deque[Held] = deque(maxlen=n)
        self.holding = True
        self.following = following
        self.now = 0.0

    def begin(self, now: float) -> None:
        self.now = now
        self.view.begin(now)  # its clocks (the live panel's) run on whatever is held

    def event(self, event: ev.Event, level: Level, raw: bytes, vm: Vm | None) -> None:
        if self.holding:
            if self.held.maxlen:
                self.held.append((self.now, event, level, raw, vm))
        else:
            self.view.event(event, level, raw, vm)

    def note(self, note: Note) -> None:
        if self.holding:
            if self.held.maxlen:
                self.held.append((self.now, note, Level.INFO, b"", None))
        else:
            self.view.note(note)

    def flush(self) -> None:
        self.view.flush()

    def tick(self, now: float) -> None:
        if self.holding and self.following:  # the followed files were read to their end
            self.release()
        self.view.tick(now)

    def close(self, stream: Stream, verdict: Verdict) -> None:
        self.release()
        self.view.close(stream, verdict)

    def release(self) -> None:
        """Let the items held through, in order, and pass everything after them."""
        if not self.holding:
            return
        self.holding = False
        for now, item, level, raw, vm in self.held:
            self.view.begin(now)
            if isinstance(item, Note):
                self.view.note(item)
            else:
                self.view.event(item, level, raw, vm)
        self.held.clear()
        self.view.begin(self.now)
        self.view.flush()
