"""The hot loop: lines → decoded events → the stream's runs, and to the view what it shows.

Shared by the app (every source, in order) and by parallel reading (one byte
range of a file, into a stream of its own).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Final

from castra_tail.contract import events as ev
from castra_tail.contract.decode import (
    BLANK,
    DECODER,
    FIXUPS,
    Malformed,
    Unknown,
    decode,
    explain,
)
from castra_tail.contract.levels import CONSTANT_LEVELS, LEVEL_RULES, Level, level_of
from castra_tail.filters import Selector
from castra_tail.input.command import CommandSource
from castra_tail.input.framing import Blanks, Broken, Marker, Skipped
from castra_tail.input.sources import Item, Notice
from castra_tail.output.modes import Note, NoteKind, Silent, View
from castra_tail.run.ahead import command_ahead
from castra_tail.run.intake import INTAKES
from castra_tail.run.spool import Spool
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream

#: Events whose view reads what the state knows of their VM: a lifecycle line names the
#: shutdown's method; a bootstrap's end draws its timeline.
VM_EVENTS: Final = frozenset({ev.VmLifecycle, ev.BootstrapCompleted, ev.BootstrapFailed})


def consume(
    items: Iterable[Item],
    stream: Stream,
    view: View,
    sel: Selector,
    command: CommandSource | None,
    clock: Callable[[], float] = time.monotonic,
    spool: Spool | None = None,
) -> None:
    """The hot loop: every line of every item, decoded, counted and maybe shown.

    Names are bound to locals and the decoder is called inline; each of these
    saves a measurable share of a per-line budget under a microsecond. Only the
    events that may start or end a run (``stream.watch``) go through the stream;
    the others go straight to the run under way. ``spool`` keeps the lines of
    the runs a ``--run`` counted from the end may choose, to be shown at the end.
    """
    decode_line, fixups = DECODER.decode, FIXUPS.get
    constant, rules = CONSTANT_LEVELS.get, LEVEL_RULES
    type_ok, min_level = sel.type_table(), sel.min_level
    by_vm = bool(sel.vms)
    finder = sel.finder
    show_event = view.event
    by_vm_record = VM_EVENTS
    intakes = INTAKES.get
    run = stream.current
    find, watch = run.find, stream.watch
    shown = view.shows_events and stream.shows(run)
    keep = spool.add if spool is not None else None
    source: str | None = None
    for item in items:
        if command is not None:
            relay_stderr(command, view)
        if item is None:  # the input is quiet: let a live view move its clocks
            view.tick(clock())
            view.flush()
            continue
        if isinstance(item, Notice):
            view.note(Note(NoteKind.NOTICE, item.source, what=item.text))
            view.flush()
            continue
        view.begin(clock())
        name, lines = item.source, item.lines
        if name != source:
            stream.source(name)
            source, watch = name, stream.watch
        stream.lines += len(lines)
        for lineno, raw in enumerate(lines, item.first):
            if not raw:  # blank, or a marker in place of lines not held
                if isinstance(raw, Marker):
                    if keep is not None:
                        keep(run.number, name, lineno, raw)
                    _marked(stream, run, view if shown else _QUIET, sel, name, lineno, raw)
                continue
            try:
                event = decode_line(raw)
            except Exception as exc:  # noqa: BLE001 - explain() says what the line is instead
                event = explain(raw, exc)
            cls = event.__class__
            intake = intakes(cls)
            if (
                intake is None
                or cls in watch
                or (level := intake(run, event, name, lineno)) is None
            ):
                # The general path: the fix-up, the level, the boundaries, Run.add.
                fixup = fixups(cls)
                if fixup is not None:
                    event = fixup(event)
                    cls = event.__class__
                level = constant(cls)
                if level is None:
                    rule = rules.get(cls)
                    if rule is None:
                        if keep is not None:
                            keep(run.number, name, lineno, raw)
                        _not_an_event(run, view if shown else _QUIET, sel, name, lineno, raw, event)
                        continue
                    level = rule(event)
                if cls in watch:
                    stream.boundary(event, name, lineno)
                    watch = stream.watch
                    if stream.current is not run:  # a new run begins with this event
                        run = stream.current
                        find = run.find
                        shown = view.shows_events and stream.shows(run)
                        if shown:
                            view.note(_began(run, event, name, lineno, lines, lineno - item.first))
                run.add(event, level, name, lineno)
            if keep is not None:
                keep(run.number, name, lineno, raw)
            if (
                shown
                and level >= min_level
                and type_ok[cls]
                and (not by_vm or sel.wants_vm(getattr(event, "vm", None)))
                and (finder is None or finder(event))
            ):
                vm = find(event.vm) if cls in by_vm_record else None
                show_event(event, level, raw, vm)
        view.flush()


def _began(
    run: Run, event: ev.Event, source: str, line: int, lines: Sequence[object], at: int
) -> Note:
    """The note that run ``run`` begins here (``command``: what it runs, as its first
    event says, or the command a few lines ahead after the messages leading into it)."""
    if isinstance(event, ev.CommandEvent):
        return Note(NoteKind.RUN, source, line, event.command, number=run.number)
    command = command_ahead(lines, at)
    return Note(NoteKind.RUN, source, line, command, number=run.number)


def _marked(
    stream: Stream, run: Run, view: View, sel: Selector, name: str, lineno: int, raw: Marker
) -> None:
    """A run of blank lines, a line too long to keep, or a compressed input broken here."""
    if isinstance(raw, Blanks):
        stream.lines += raw.lines - 1  # its batch counted it as one line
        return
    assert isinstance(raw, Skipped)
    if isinstance(raw, Broken):
        run.add_broken(name, raw.problem)
    _bad(run, view, sel, name, lineno, raw.reason, None, text=False)


def _not_an_event(
    run: Run, view: View, sel: Selector, name: str, lineno: int, raw: bytes, decoded: object
) -> None:
    if isinstance(decoded, Unknown):
        run.add_unknown(decoded.type)
        if sel.wants(decoded.type, None, Level.INFO) and sel.wants_raw(raw):
            view.note(Note(NoteKind.UNKNOWN, name, lineno, decoded.type, raw))
    elif isinstance(decoded, Malformed) and decoded is not BLANK:
        _bad(run, view, sel, name, lineno, decoded.reason, raw, text=decoded.text)


def _bad(
    run: Run,
    view: View,
    sel: Selector,
    name: str,
    lineno: int,
    reason: str,
    raw: bytes | None,
    *,
    text: bool,
) -> None:
    run.add_malformed(reason, name, lineno, text=text, raw=raw)
    _bad_note(view, sel, name, lineno, reason, raw, text=text)


def _bad_note(
    view: View, sel: Selector, name: str, lineno: int, reason: str, raw: bytes | None, *, text: bool
) -> None:
    if not sel.wants_line(Level.INFO if text else Level.WARN, raw):
        return
    if text and raw is not None:
        view.note(Note(NoteKind.TEXT, name, lineno, reason, raw))
    else:
        view.note(Note(NoteKind.MALFORMED, name, lineno, reason, raw))


def replay(spool: Spool, stream: Stream, view: View, sel: Selector) -> None:
    """Show the lines of the runs a ``--run`` counted from the end chose, now that it ended.

    The slow path (a decode call per line): it runs once, over one run's lines.
    The state is final already: each line is shown with what it knows.
    """
    for run in stream.chosen:
        first = True
        # The last run's lines go on with those that trailed it (run/trailing.py).
        last = run.number == stream.runs
        trailed = spool.lines(run.number + 1) if last else iter(())
        for name, lineno, raw in itertools.chain(spool.lines(run.number), trailed):
            if first and run.number > 1:
                command = run.commands[0].name if run.commands else ""
                view.note(Note(NoteKind.RUN, name, lineno, command, number=run.number))
            first = False
            if isinstance(raw, Skipped):
                _bad_note(view, sel, name, lineno, raw.reason, None, text=False)
                continue
            decoded = decode(raw)
            if isinstance(decoded, Unknown):
                if sel.wants(decoded.type, None, Level.INFO) and sel.wants_raw(raw):
                    view.note(Note(NoteKind.UNKNOWN, name, lineno, decoded.type, raw))
            elif isinstance(decoded, Malformed):
                if decoded is not BLANK:
                    _bad_note(view, sel, name, lineno, decoded.reason, raw, text=decoded.text)
            else:
                level = level_of(decoded)
                vm_name: str | None = getattr(decoded, "vm", None)
                if sel.wants(ev.TYPE_OF[type(decoded)], vm_name, level) and (
                    sel.finder is None or sel.finder(decoded)
                ):
                    vm = run.find(vm_name) if vm_name and type(decoded) in VM_EVENTS else None
                    view.event(decoded, level, raw, vm)
        view.flush()


#: What the lines of a run not shown are told to: nothing.
_QUIET: Final = Silent()


def relay_stderr(command: CommandSource, view: View) -> None:
    """What the wrapped command wrote on stderr so far, to the view."""
    lines = command.stderr_lines
    while not lines.empty():
        view.note(Note(NoteKind.STDERR, command.name, raw=lines.get_nowait()))
