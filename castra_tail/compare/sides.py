"""The two sides of ``castra-tail compare``: which run of which input each names, and reading it.

A side is ``FILE`` (its last run) or ``FILE@RUN``, ``RUN`` one run as ``--run``
names it: ``last``, ``first``, ``N``, ``-N``. A path that exists as it is
written wins, so a file whose name holds an ``@`` is read whole; otherwise
what follows the last ``@`` is the run (when it reads as one). Each input is
read once, however many sides name it, and only the runs they name are kept
whole (the stream's ``on_fold``); the others are folded as usual.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from castra_tail.compare.pairing import SameCommand
from castra_tail.filters import Selector
from castra_tail.input.read import read_inputs
from castra_tail.input.sources import open_files
from castra_tail.options import UsageError
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.render.text import clean
from castra_tail.run import selection
from castra_tail.run.log import RunRecord
from castra_tail.run.selection import Selection
from castra_tail.run.state import Run
from castra_tail.run.stream import MAX_FULL_VMS, Stream

LAST: Final = selection.parse("last")
BEFORE_LAST: Final = selection.parse("-2")
NO_INPUT: Final = "no input: name the files to compare (castra-tail compare OLD NEW)"
#: Runs kept whole for a side counted from the end (``FILE@-N``), which is known only once
#: the input ends: a run further back is named by its number instead (memory stays bounded).
MAX_KEPT: Final = 100
#: … and while their VMs together are no more than the main stream keeps whole (each run may
#: hold thousands): past it the oldest is let go, the last two never (``compare FILE``).
MAX_KEPT_VMS: Final = MAX_FULL_VMS


@dataclass(frozen=True, slots=True)
class Side:
    """One side as given: the text, the input it reads, and the run it chooses there."""

    text: str
    path: str
    run: Selection
    named: bool = False  # the run was named (``FILE@RUN``), not taken as the last
    same_command: bool = False  # ``compare FILE``'s old side: the last run's command's before


@dataclass(frozen=True, slots=True)
class Taken:
    """The run a side chose, whole, with its record and the number of runs of its input."""

    side: Side
    name: str  # the input's, as messages name it (``<stdin>`` for -)
    run: Run
    record: RunRecord
    runs: int
    chosen: str = ""  # why this run, when that is not plain from its number

    @property
    def label(self) -> str:
        """``up.ndjson@2``: where the run was read, and which it is."""
        return f"{self.name}@{self.run.number}"


def side(text: str) -> Side:
    """The side ``text`` names (a usage error when its run is more than one)."""
    if text == "-" or os.path.lexists(text):
        return Side(text, text, LAST)
    path, at, run = text.rpartition("@")
    if not at or not path:
        return Side(text, text, LAST)
    try:
        chosen = selection.parse(run)
    except ValueError:  # not a run: a path (that cannot be read, as opening it will say)
        return Side(text, text, LAST)
    if not chosen.relative and chosen.first != chosen.last:
        raise UsageError(f"{clean(text)!r}: compare takes one run: last, first, N or -N")
    return Side(text, path, chosen, named=True)


def sides(old: str, new: str | None) -> tuple[Side, Side]:
    """The sides of ``compare OLD NEW``; of ``compare FILE``, its last run and the one of
    the same command before it (``pairing``)."""
    if new is not None:
        return side(old), side(new)
    one = side(old)
    if one.named:
        raise UsageError(f"{clean(old)!r}: a run is compared with another: give NEW too")
    return Side(old, old, BEFORE_LAST, same_command=True), Side(old, old, LAST)


def read(
    pair: tuple[Side, Side],
    *,
    stdin_tty: bool,
    stdin_closed: bool,
    max_line: int,
    one_file: bool = False,
) -> tuple[Taken, Taken]:
    """Read each input once and take the run each side chose: a usage error when it is not
    there, saying how many runs there are (``one_file``: the form ``compare FILE``)."""
    paths = list(dict.fromkeys(s.path for s in pair))
    sources = open_files(paths, stdin_tty=stdin_tty, stdin_closed=stdin_closed, no_input=NO_INPUT)
    found: dict[Side, Taken] = {}
    for source in sources:
        mine = [s for s in pair if s.path == source.path]
        keeper = _Keeper([s.run for s in mine], any(s.same_command for s in mine))
        stream = Stream(on_fold=keeper.fold)
        consume(read_inputs([source], max_line), stream, Silent(), Selector(), None)
        stream.finish()
        total = runs_in(stream)
        for s in mine:
            same = keeper.same if s.same_command else None
            paired = same.before_last(total) if same is not None else None
            kept = paired[0] if paired is not None else keeper.find(s.run, total)
            if kept is None:
                raise UsageError(_missing(s, total, one_file=one_file))
            chosen = paired[1] if paired is not None else same.unpaired() if same else ""
            found[s] = Taken(s, source.name, kept[0], kept[1], total, chosen)
    return found[pair[0]], found[pair[1]]


def runs_in(stream: Stream) -> int:
    """How many runs a finished stream holds: none when it held no event at all."""
    return 0 if stream.runs == 1 and not stream.current.events else stream.runs


def _missing(s: Side, total: int, *, one_file: bool) -> str:
    name = clean(s.path)
    if one_file and total <= 1:
        there = "it holds no runs" if total == 0 else "it holds 1 run"
        return f"{name}: nothing to compare: {there} (compare OLD NEW compares two files)"
    if total == 0:
        return f"{clean(s.text)}: nothing to compare: no Castra events in {name}"
    there = "there is 1 run" if total == 1 else f"there are {total:,} runs"
    if s.run.relative and s.run.from_end <= total:  # there, but further back than kept
        number = total - s.run.from_end + 1
        return (
            f"{clean(s.text)}: run {s.run.text} is run {number:,} of {total:,}: name it so "
            f"({name}@{number}); only the last {MAX_KEPT} runs of an input are kept whole, "
            f"fewer when they hold over {MAX_KEPT_VMS:,} VMs"
        )
    return f"{clean(s.text)}: no run {s.run.text}: {there} in {name}"


class _Keeper:
    """The runs of one input that its sides chose, kept whole as the stream folds them."""

    def __init__(self, chosen: Sequence[Selection], same_command: bool = False) -> None:
        self.numbers = {s.first for s in chosen if not s.relative}
        back = max((s.from_end for s in chosen if s.relative), default=0)
        self.last: deque[tuple[Run, RunRecord]] = deque(maxlen=min(back, MAX_KEPT))
        self.kept: dict[int, tuple[Run, RunRecord]] = {}
        self.vms = 0  # in ``last``
        self.same = SameCommand(MAX_KEPT_VMS) if same_command else None

    def fold(self, run: Run, record: RunRecord) -> None:
        """A run ended: keep it if a side may choose it."""
        if run.number in self.numbers:
            self.kept[run.number] = (run, record)
        if self.same is not None:
            self.same.fold(run, record)
        if self.last.maxlen:
            if len(self.last) == self.last.maxlen:  # the append lets the oldest go
                self.vms -= len(self.last[0][0].vms)
            self.last.append((run, record))
            self.vms += len(run.vms)
            while len(self.last) > 2 and self.vms > MAX_KEPT_VMS:
                self.vms -= len(self.last.popleft()[0].vms)

    def find(self, chosen: Selection, total: int) -> tuple[Run, RunRecord] | None:
        """The run ``chosen`` names among ``total``, if it is there."""
        number = total - chosen.from_end + 1 if chosen.relative else chosen.first
        if not 1 <= number <= total:
            return None
        if number in self.kept:
            return self.kept[number]
        return next((kept for kept in self.last if kept[0].number == number), None)
