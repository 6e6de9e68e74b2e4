"""The pipeline's hot loop: lines → decoded events → the Run, and to the view what it shows.

Shared by the app (every source, in order) and by parallel reading (one byte
range of a file, into a part Run).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Final

from castra_tail.contract import events as ev
from castra_tail.contract.decode import BLANK, DECODER, FIXUPS, Malformed, Unknown, explain
from castra_tail.contract.levels import CONSTANT_LEVELS, LEVEL_RULES, Level
from castra_tail.filters import Selector
from castra_tail.input.command import CommandSource
from castra_tail.input.framing import Blanks, Broken, Marker, Skipped
from castra_tail.input.sources import Item, Notice
from castra_tail.output.modes import Note, NoteKind, View
from castra_tail.run.state import Run

#: Events whose view reads what the state knows of their VM: a lifecycle line names the
#: shutdown's method; a bootstrap's end draws its timeline.
VM_EVENTS: Final = frozenset({ev.VmLifecycle, ev.BootstrapCompleted, ev.BootstrapFailed})


def consume(
    items: Iterable[Item],
    state: Run,
    view: View,
    sel: Selector,
    command: CommandSource | None,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """The hot loop: every line of every item, decoded, counted and maybe shown.

    Names are bound to locals and the decoder is called inline; each of these
    saves a measurable share of a per-line budget under a microsecond.
    """
    decode_line, fixups, add = DECODER.decode, FIXUPS.get, state.add
    constant, rules = CONSTANT_LEVELS.get, LEVEL_RULES
    shown = view.shows_events
    type_ok, min_level = sel.type_table(), sel.min_level
    by_vm = bool(sel.vms)
    finder = sel.finder
    show_event, find = view.event, state.find
    by_vm_record = VM_EVENTS
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
        state.lines += len(lines)
        for lineno, raw in enumerate(lines, item.first):
            if not raw:  # blank, or a marker in place of lines not held
                if isinstance(raw, Marker):
                    _marked(state, view, sel, name, lineno, raw)
                continue
            try:
                event = decode_line(raw)
            except Exception as exc:  # noqa: BLE001 - explain() says what the line is instead
                event = explain(raw, exc)
            else:
                fixup = fixups(event.__class__)
                if fixup is not None:
                    event = fixup(event)
            cls = event.__class__
            level = constant(cls)
            if level is None:
                rule = rules.get(cls)
                if rule is None:
                    _not_an_event(state, view, sel, name, lineno, raw, event)
                    continue
                level = rule(event)
            add(event, level, name, lineno)
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


def _marked(state: Run, view: View, sel: Selector, name: str, lineno: int, raw: Marker) -> None:
    """A run of blank lines, a line too long to keep, or a compressed input broken here."""
    if isinstance(raw, Blanks):
        state.lines += raw.lines - 1  # its batch counted it as one line
        return
    assert isinstance(raw, Skipped)
    if isinstance(raw, Broken):
        state.add_broken(name, raw.problem)
    _bad(state, view, sel, name, lineno, raw.reason, None, text=False)


def _not_an_event(
    state: Run, view: View, sel: Selector, name: str, lineno: int, raw: bytes, decoded: object
) -> None:
    if isinstance(decoded, Unknown):
        state.add_unknown(decoded.type)
        if sel.wants(decoded.type, None, Level.INFO) and sel.wants_raw(raw):
            view.note(Note(NoteKind.UNKNOWN, name, lineno, decoded.type, raw))
    elif isinstance(decoded, Malformed) and decoded is not BLANK:
        _bad(state, view, sel, name, lineno, decoded.reason, raw, text=decoded.text)


def _bad(
    state: Run,
    view: View,
    sel: Selector,
    name: str,
    lineno: int,
    reason: str,
    raw: bytes | None,
    *,
    text: bool,
) -> None:
    state.add_malformed(reason, name, lineno, text=text)
    if not sel.wants_line(Level.INFO if text else Level.WARN, raw):
        return
    if text and raw is not None:
        view.note(Note(NoteKind.TEXT, name, lineno, reason, raw))
    else:
        view.note(Note(NoteKind.MALFORMED, name, lineno, reason, raw))


def relay_stderr(command: CommandSource, view: View) -> None:
    """What the wrapped command wrote on stderr so far, to the view."""
    lines = command.stderr_lines
    while not lines.empty():
        view.note(Note(NoteKind.STDERR, command.name, raw=lines.get_nowait()))
