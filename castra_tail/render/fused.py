"""The frequent lines in one step: message, bootstrap.step and vm.lifecycle, as final strings.

``Lines`` (through ``Layout.line``) is what a line looks like; this module only
builds the same bytes sooner for the common case, which is most of a fleet's
log: printable ASCII text, in one line or folded under its body. There no cell
counting (an ASCII string's length is its width) and no escaping is needed, and
the start of the line — the VM's cell, the styled ``MARK LABEL``, the body's
style — depends only on the VM, the level, the kind and the screen, so it is
built once and kept. Everything else goes the general way: other text (wide,
combining, control or hidden characters, a field to cut), more lines (a
remediation, a multi-line detail), ``--grep``'s marks, the other kinds.
tests/test_fused.py renders hostile streams both ways and compares the bytes.
"""

from __future__ import annotations

from typing import Final

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.render.folding import wrap
from castra_tail.render.layout import ERROR, INFO, WARN
from castra_tail.render.lines import PHASES, Lines
from castra_tail.render.text import MAX_FIELD, duration
from castra_tail.render.theme import MARKS, STEP_MARKS
from castra_tail.run.vm import Vm

#: Line starts kept per kind (per VM, level and kind); when full, they are forgotten and
#: kept again as they come (a log of many runs moves on to other VMs).
MAX_STARTS: Final = 2048
#: VM names longer than this are not keys (a key keeps its whole string alive).
MAX_KEY: Final = 256
#: What a step's status adds after its duration (``Lines._step``), for the known ones.
_STATUS: Final = {status: "" if status == "success" else f" {status}" for status in STEP_MARKS}
_SEVERITIES: Final = frozenset(ev.SEVERITIES)
_MESSAGE, _STEP, _LIFECYCLE = ev.Message, ev.BootstrapStep, ev.VmLifecycle

#: A line's start (up to its body, with the body's style begun) and end (the style ended,
#: the newline); the same for a piece of a body folded under it.
Ends = tuple[str, str, str, str]
Key = tuple[str | None, Level, str]


class Fused:
    """``Lines.event``, the frequent lines built in one step (the same bytes, sooner)."""

    def __init__(self, lines: Lines) -> None:
        self.lines = lines
        self.layout = lines.layout
        self._general = lines.event
        # Kept starts, per kind: keyed by VM, level and the severity, status or label.
        self._messages: dict[Key, Ends] = {}
        self._steps: dict[Key, Ends] = {}
        self._lifecycles: dict[Key, Ends] = {}
        self._mores: dict[tuple[str, str], tuple[str, str, str]] = {}  # by style
        self._epoch = -1  # the layout's epoch the kept starts are for
        self._room = 0  # the body's width (0: never fold)
        self._limit = 0  # the longest body that fits on the head line

    def event(self, event: ev.Event, level: Level, raw: bytes, vm: Vm | None = None) -> str:
        """The lines showing one event (as ``Lines.event``)."""
        cls = event.__class__
        line: str | None = None
        layout = self.layout
        if layout.mark is None:  # --grep marks its matches: the general way
            if layout.epoch != self._epoch:
                self._resized()
            if cls is _MESSAGE:
                line = self._message(event, level)  # type: ignore[arg-type]
            elif cls is _STEP:
                line = self._step(event, level)  # type: ignore[arg-type]
            elif cls is _LIFECYCLE:
                line = self._lifecycle(event, level, vm)  # type: ignore[arg-type]
        return line if line is not None else self._general(event, level, raw, vm)

    def _message(self, e: ev.Message, level: Level) -> str | None:
        text, severity = e.text, e.severity
        if not (text and text.isascii() and text.isprintable()):
            return None
        if level >= WARN and e.remediation:
            return None  # its ↳ lines follow
        ends = self._messages.get((e.vm, level, severity))
        if ends is None:
            if severity not in _SEVERITIES:
                return None
            ends = self._start(self._messages, e.vm, level, severity, MARKS[level], True)
        if len(text) <= self._limit:
            return f"{ends[0]}{text}{ends[1]}"
        return self._folded(ends, text)

    def _step(self, e: ev.BootstrapStep, level: Level) -> str | None:
        status = _STATUS.get(e.status)
        name, detail = e.step, e.detail
        if status is None or not (name.isascii() and name.isprintable() and len(name) <= 40):
            return None
        body = f"{name.ljust(14)} {duration(e.duration_ms):>6}{status}"
        if detail:
            if not (detail.isascii() and detail.isprintable()):
                return None
            body = f"{body}  {detail}"
        ends = self._steps.get((e.vm, level, e.status))
        if ends is None:
            styled = level >= ERROR or level is INFO
            ends = self._start(
                self._steps, e.vm, level, e.status, STEP_MARKS[e.status], styled, "step"
            )
        if len(body) <= self._limit:
            return f"{ends[0]}{body}{ends[1]}"
        return self._folded(ends, body)

    def _lifecycle(self, e: ev.VmLifecycle, level: Level, vm: Vm | None) -> str | None:
        describe = PHASES.get(e.phase)
        if describe is None or e.detail:
            return None
        label, body = describe(e, vm)  # cleaned
        if not body.isascii():
            return None
        ends = self._lifecycles.get((e.vm, level, label))
        if ends is None:
            ends = self._start(self._lifecycles, e.vm, level, label, MARKS[level], level is INFO)
        if len(body) <= self._limit:
            return f"{ends[0]}{body}{ends[1]}"
        return self._folded(ends, body)

    def _start(
        self,
        kept: dict[Key, Ends],
        vm: str | None,
        level: Level,
        kind: str,
        mark: str,
        styled: bool,
        label: str = "",
    ) -> Ends:
        """The start and end of a line of ``kind`` (its label, unless ``label`` says it).

        The body's limit is read after it: a VM seen first may widen the VM column.
        """
        layout = self.layout
        pair = layout.level_pair(level)
        start = layout.start(vm, pair, mark, label or kind)
        if layout.epoch != self._epoch:
            self._resized()  # this VM widened the column: every start kept is too narrow
        on, off = pair if styled else ("", "")
        ends = (start + on, *self._more(on, off))
        if vm is None or len(vm) <= MAX_KEY:
            if len(kept) >= MAX_STARTS:
                kept.clear()
            kept[(vm, level, kind)] = ends
        return ends

    def _more(self, on: str, off: str) -> tuple[str, str, str]:
        """A line's end, and the start and end of a piece folded under its body, in a style."""
        more = self._mores.get((on, off))
        if more is None:
            more = self._mores[on, off] = (off + "\n", self.layout.indent + on, off + "\n")
        return more

    def _folded(self, ends: Ends, body: str) -> str | None:
        """The lines of a printable ASCII ``body`` too wide for the head line, folded.

        None for a body that ``clean`` would cut, or whose folding leaves an empty piece
        (a run of blanks), which the general way shows unstyled.
        """
        if not self._room or len(body) > MAX_FIELD:
            return None
        first, *rest = pieces = wrap(body, self._room)
        if not all(pieces):
            return None
        start, end, more, more_end = ends
        return f"{start}{first}{end}" + "".join(f"{more}{piece}{more_end}" for piece in rest)

    def _resized(self) -> None:
        layout = self.layout
        self._epoch = layout.epoch
        for kept in (self._messages, self._steps, self._lifecycles, self._mores):
            kept.clear()
        self._room = room = layout.body_width
        self._limit = min(room, MAX_FIELD) if room else MAX_FIELD
