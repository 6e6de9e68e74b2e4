"""The text views: streamed lines, timelines and the summary; the live panel on a terminal."""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, Final

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.input.follow import MISSING
from castra_tail.output.env import MAX_WIDTH, MIN_WIDTH, Env
from castra_tail.output.modes import Note, NoteKind, View
from castra_tail.render.bootstraps import chart
from castra_tail.render.console import color_system, draw
from castra_tail.render.console import console as make_console
from castra_tail.render.fused import Fused
from castra_tail.render.highlight import highlighter
from castra_tail.render.lines import Lines
from castra_tail.render.panel import panel
from castra_tail.render.summary import summary
from castra_tail.render.text import clean
from castra_tail.render.theme import Palette
from castra_tail.render.timeline import timeline
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Verdict
from castra_tail.run.vm import Vm

TIME_WIDTH: Final = 12
#: The live panel is redrawn at most this often while lines arrive (10 a second) …
REFRESH: Final = 0.1
#: … and this often when the input is quiet, to move the clocks on.
QUIET_REFRESH: Final = 0.5
_BOOTSTRAP_ENDS: Final = (ev.BootstrapCompleted, ev.BootstrapFailed)


class TextView(View):
    """Human output: streamed lines, timelines as bootstraps end, the summary."""

    def __init__(
        self,
        env: Env,
        stream: Stream,
        *,
        color: bool,
        width: int,
        lines: bool,
        timelines: bool,
        summary: bool,
        several_sources: bool,
        elapsed: bool = False,
        vm_filter: Callable[[str], bool] | None = None,
        highlight: Sequence[re.Pattern[str]] | None = None,
    ) -> None:
        self.out = env.stdout
        self.stream = stream
        self.run = stream.current  # the run whose lines are shown (see ``shown``)
        #: Whether the lines of ``run`` were shown (``--run`` may skip it): only then do its
        #: open bootstraps and its shared-axis chart close its lines.
        self.shown = stream.shows(stream.current)
        self.width = width
        self.console = make_console(env.environ, color=color, width=width)
        self.palette = Palette(color_system(self.console))
        # --elapsed puts a time column before each line: the lines fold in what is left.
        self.lines = Lines(self.palette, width - (TIME_WIDTH + 1 if elapsed else 0))
        if highlight:
            self.lines.layout.mark = highlighter(highlight)
        self.render = Fused(self.lines).event  # the same lines, the frequent ones sooner
        self.vm_filter = vm_filter  # --vm: the panel's and the final chart's VMs
        self.shows_events = lines
        self.timelines = timelines and lines
        self.show_summary = summary
        self.several_sources = several_sources
        self.elapsed = elapsed
        self.started: float | None = None
        self.now = 0.0
        self._clock = ""

    def resize(self, width: int) -> None:
        """Draw for ``width`` columns from now on (the terminal was resized)."""
        self.width = width
        self.console.width = width
        self.lines.layout.resize(width - (TIME_WIDTH + 1 if self.elapsed else 0))

    # --- the stream -------------------------------------------------------------------

    def begin(self, now: float) -> None:
        if self.started is None:
            self.started = now
        self.now = now
        if self.elapsed:
            self._clock = f"+{now - self.started:.1f}s".rjust(TIME_WIDTH)

    def event(self, event: ev.Event, level: Level, raw: bytes, vm: Vm | None) -> None:
        if not self.shows_events:
            return
        text = self.render(event, level, raw, vm)
        self.out.write(self._stamped(text, event.ts) if self.elapsed else text)
        if self.timelines and isinstance(event, _BOOTSTRAP_ENDS):
            self._timeline(vm)

    def note(self, note: Note) -> None:
        if not self.shows_events:
            return
        kind, lines = note.kind, self.lines
        if kind is NoteKind.UNKNOWN:
            self._write(lines.unknown(note.what, note.raw or b""))
        elif kind is NoteKind.MALFORMED:
            where = (
                f"{clean(note.source)}:{note.line}" if self.several_sources else f"line {note.line}"
            )
            self._write(lines.malformed(where, note.what, note.raw))
        elif kind is NoteKind.NOTICE:
            self._write(lines.notice(note.source, note.what))
        elif kind is NoteKind.RUN:
            if self.timelines and self.shown:  # the run before ended, and its lines with it
                self._run_ended(self.run)
            self.run, self.shown = self._numbered(note.number), True
            where = f"{note.source}:{note.line}"
            self._write(lines.separator(note.number, note.what, where, self.width))
        else:  # plain text, or the wrapped command's stderr: dimmed, as it is
            self._write(lines.text(note.raw or b""))

    def flush(self) -> None:
        self.out.flush()

    def _write(self, text: str) -> None:
        self.out.write(self._stamped(text) if self.elapsed else text)

    def _stamped(self, text: str, ts: str | None = None) -> str:
        """``text`` with --elapsed's time column: the event's time of day, else the clock's."""
        stamp = _ts_clock(ts) if ts else self._clock
        blank = " " * (TIME_WIDTH + 1)
        return f"{stamp} " + text.replace("\n", "\n" + blank, text.count("\n") - 1)

    # --- the end ------------------------------------------------------------------------

    def close(self, stream: Stream, verdict: Verdict) -> None:
        if self.timelines and self.shown:
            self._run_ended(self.run)
        if self.show_summary:
            if self.shows_events:
                self.out.write("\n")
            self.out.write(draw(self.console, summary(stream, verdict, self.width)))
        self.out.flush()

    def _run_ended(self, run: Run) -> None:
        """A run's lines ended: the timelines of its bootstraps left open, then all of them
        (those ``--vm`` asked for) on one time axis."""
        for vm in run.incomplete_bootstraps:  # the others were drawn as they ended
            self._timeline(vm)
        picked = self.vm_filter
        vms = [vm for vm in run.vms.values() if picked is None or picked(vm.name)]
        self.out.write(chart(vms, self.width, self.palette))

    def _numbered(self, number: int) -> Run:
        """Run ``number``: the one under way, or one kept whole that is shown at the end."""
        current = self.stream.current
        if current.number == number:
            return current
        return next((r for r in self.stream.chosen if r.number == number), current)

    def _timeline(self, vm: Vm | None) -> None:
        if vm is not None and vm.bootstrap is not None:
            self.out.write(timeline(vm, self.width, self.palette))


def _ts_clock(ts: str) -> str:
    """The time of day of an RFC 3339 timestamp (``09:14:03.120``), else the text cut short."""
    if len(ts) >= 19 and ts[10] in "Tt ":
        return clean(ts[11:23], TIME_WIDTH).ljust(TIME_WIDTH)
    return clean(ts, TIME_WIDTH).rjust(TIME_WIDTH)


class LiveView(TextView):
    """Text output with a live panel of the VMs under the scrolling log (a terminal only).

    Lines and panel go out in one write: move up over the old panel, erase to
    the end of the screen, the new lines, the new panel. No flicker, and the
    scrollback holds only the log.
    """

    def __init__(self, env: Env, stream: Stream, **kw: Any) -> None:
        super().__init__(env, stream, **kw)
        self.env = env
        self.height = 0  # lines of panel on screen
        self.last_draw = float("-inf")
        self.drawn = ""  # the panel on screen
        self.ended: float | None = None  # when the wrapped castra command said it ended
        self.waiting: str | None = None  # what the input waits for, before any line
        self.since: dict[str, float] = {}
        self._keys: dict[str, tuple[object, ...]] = {}
        #: Whether the lines follow the terminal's width (not when --width chose another).
        self.follows = env.terminal_size()[0] == self.width

    def flush(self) -> None:
        self._refresh(self.now, REFRESH)

    def note(self, note: Note) -> None:
        if note.kind is NoteKind.RUN:  # the panel starts afresh with each run
            self.since.clear()
            self._keys.clear()
            self.ended = None
        super().note(note)
        if note.kind is NoteKind.NOTICE:  # -F on a file still to come: the panel says so
            waiting = note.what == MISSING
            self.waiting = f"waiting for {clean(note.source, 60)} to appear" if waiting else None

    def tick(self, now: float) -> None:
        self.now = now
        self._refresh(now, REFRESH if self.out.pending else QUIET_REFRESH)

    def close(self, stream: Stream, verdict: Verdict) -> None:
        # The panel gives way to the end of the story: erased *before* the lines still
        # queued (the last ones often arrive with the end of input), never after them.
        self.out.flush(prefix=_erase(self.height))
        self.height = 0
        super().close(stream, verdict)
        self.out.flush(suffix=SHOW_CURSOR)
        _cursor_hidden(False)

    def _refresh(self, now: float, interval: float) -> None:
        if now - self.last_draw < interval:
            return
        self._note_changes(now)
        if self.ended is None and self.run.commands and not self.run.open_commands:
            self.ended = now  # castra is done: its clocks stop, whatever else still comes
        columns, rows = self.env.terminal_size()
        if self.follows and columns != self.width and MIN_WIDTH <= columns <= MAX_WIDTH:
            self.resize(columns)  # the lines still to come fold to the new width
        drawing = panel(
            self.stream.current,
            self.since,
            self.started,
            now if self.ended is None else self.ended,
            columns,
            rows - 1,
            vm_filter=self.vm_filter,
            waiting=self.waiting,
        )
        # crop: a wrapped row would throw the next erase off by a line
        drawn = draw(self.console, drawing, width=columns, crop=True)
        if drawn == self.drawn and not self.out.pending:  # nothing new: no redraw, no flicker
            return
        prefix = _erase(self.height)
        if self.last_draw == float("-inf"):
            prefix = HIDE_CURSOR + prefix
            _cursor_hidden(True)
        self.out.flush(prefix=prefix, suffix=drawn)
        self.height = drawn.count("\n")
        self.last_draw, self.drawn = now, drawn

    def _note_changes(self, now: float) -> None:
        """Start each VM's clock again when something happened to it."""
        for name, vm in self.stream.current.vms.items():
            b, s = vm.bootstrap, vm.shutdown
            key = (
                b.status if b else None,
                len(b.steps) if b else 0,
                len(s.signals) if s else -1,
                s.outcome if s else None,
                vm.pid,
            )
            if self._keys.get(name) != key:
                self._keys[name] = key
                self.since[name] = now


HIDE_CURSOR: Final = "\x1b[?25l"
SHOW_CURSOR: Final = "\x1b[?25h"


def _cursor_hidden(hidden: bool) -> None:
    """Whatever ends the process — an error, a closed pipe — the cursor is shown again."""
    if hidden:
        atexit.register(_show_cursor)
    else:
        atexit.unregister(_show_cursor)


def _show_cursor() -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):  # no terminal left
        os.write(sys.stdout.fileno(), SHOW_CURSOR.encode())


def _erase(height: int) -> str:
    """Move to the start of a panel ``height`` lines up and erase to the end of the screen."""
    return f"\x1b[{height}F\x1b[J" if height else ""
