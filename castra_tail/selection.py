"""The ``Selector`` the options ask for, and what to say when a filter matched nothing.

``--since 10m`` needs the time of the input's last event before a line is
shown (``when``); everything else is pure. At the end, a filter that showed
nothing says why, as ``--type`` says up front that a pattern names no type:
``--vm db0: no such VM in the stream (web-0, db-0; did you mean db-0?)``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import datetime
from fnmatch import fnmatchcase
from typing import Final

from castra_tail.filters import Selector, type_matches
from castra_tail.find import Both, Finder, Grep, Window
from castra_tail.options import Options, UsageError
from castra_tail.render.text import clean
from castra_tail.run.seen import Seen
from castra_tail.when import RANGE, When, last_time, parse_when, resolve

#: VM names listed in a note before ``…``.
LISTED: Final = 5


def selector(opts: Options, paths: Sequence[str | None]) -> Selector:
    """What ``opts`` ask to be shown; ``paths``: the inputs' file paths (None for a pipe)."""
    finders: list[Finder] = []
    if opts.since or opts.until:
        finders.append(window(opts, paths))
    if opts.grep:
        finders.append(Grep(opts.grep, ignore_case=opts.ignore_case))
    finder = finders[0] if len(finders) == 1 else Both(*finders) if finders else None
    return Selector(opts.types, opts.exclude_types, opts.vms, opts.level, finder=finder)


def window(opts: Options, paths: Sequence[str | None]) -> Window:
    """``--since``/``--until`` as absolute times, the relative ones from the last event's."""
    since = parse_when(opts.since) if opts.since else None
    until = parse_when(opts.until) if opts.until else None
    last: datetime | None = None
    relative = [(flag, w) for flag, w in (("--since", since), ("--until", until)) if w]
    for flag, when in relative:
        if when.relative and last is None:
            last = last_time(["-" if p is None else p for p in paths], opts.max_line_bytes, flag)
    return Window(_at("--since", opts.since, since, last), _at("--until", opts.until, until, last))


def _at(flag: str, text: str | None, when: When | None, last: datetime | None) -> datetime | None:
    """``when`` as a time, or a UsageError when it falls before year 1 (``--since 10000000d``)."""
    if when is None:
        return None
    try:
        return resolve(when, last)
    except OverflowError:
        raise UsageError(
            f"{flag} {clean(text or '', 40)}: before year 1, counted back from the last "
            f"event's ts ({last.isoformat() if last else '?'}); {RANGE}"
        ) from None


def notes(opts: Options, seen: Seen, sel: Selector) -> list[str]:
    """Warnings for the filters that matched nothing: ``--vm`` and ``--type`` in the whole
    input (every run), ``--grep`` and ``--since``/``--until`` in the runs shown (their text
    and times are looked at only there), which the note names when ``--run`` chose some."""
    said = [_vm_note(p, seen, sel) for p in opts.vms] + [_type_note(p, seen) for p in opts.types]
    found = sel.finder
    parts: list[Finder | None] = [found.first, found.second] if isinstance(found, Both) else [found]
    runs = opts.runs
    scope = (
        f" of the runs chosen (--run {clean(runs.text)})"
        if runs.explicit and runs.text != "all"
        else ""
    )
    for finder in parts:
        if isinstance(finder, Grep) and not finder.hits:
            quoted = " ".join(f"'{clean(p)}'" for p in opts.grep)
            said.append(f"--grep {quoted}: no event{scope} matched")
        elif isinstance(finder, Window):
            said.append(_window_note(finder, opts, scope))
    return [note for note in said if note]


def _vm_note(pattern: str, seen: Seen, sel: Selector) -> str | None:
    # The runs track the VMs of lifecycle, bootstrap and shutdown events; the selector
    # was asked about the others (a message about a VM).
    asked, complete = sel.vms_seen()
    names = list(dict.fromkeys([*seen.vms, *asked]))
    if not (seen.vms_complete and complete) or any(fnmatchcase(n, pattern) for n in names):
        return None
    if not names:
        return f"--vm {clean(pattern)}: no VM in the stream"
    listed = ", ".join(clean(n, 40) for n in names[:LISTED])
    listed += ", …" if len(names) > LISTED else ""
    close = difflib.get_close_matches(pattern, names, n=1)
    meant = f"; did you mean {clean(close[0], 40)}?" if close else ""
    return f"--vm {clean(pattern)}: no such VM in the stream ({listed}{meant})"


def _type_note(pattern: str, seen: Seen) -> str | None:
    if not seen.types_complete or any(type_matches(pattern, name) for name in seen.types):
        return None
    return f"--type {clean(pattern)}: no such event in the stream"


def _window_note(window: Window, opts: Options, scope: str) -> str | None:
    asked = (("--since", opts.since), ("--until", opts.until))
    flags = " ".join(f"{flag} {clean(value)}" for flag, value in asked if value)
    if not window.stamped:
        return f"{flags}: the events{scope} carry no ts, so none could be placed in time"
    if window.hits:
        return None
    span = f"the events run from {clean(window.first)} to {clean(window.last)}"
    return f"{flags}: no event{scope} in that time ({span})"
