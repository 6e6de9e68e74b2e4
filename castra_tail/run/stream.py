"""A stream is a sequence of runs: where each begins, and what is kept of each.

A run begins at ``command.accepted`` (or a ``command.rejected`` that none
announced: an attempt that never ran) and holds what follows: its command's
end, its ``summary`` before or after, the shutdowns and the harness's
transcript that trail it. Messages read before a run's first command lead
into it, so once a run's command ended a message begins the next run — unless
the input ends first: then they trail the run before (trailing.py). Where
a stream has no ``command.*`` events, each input file (or stdin) is one run.

The run under way is kept whole (``current``); a run that ended is folded
into its compact ``RunRecord`` (its runs-table row and its failures) and its
per-VM state dropped, unless ``--run`` chose it — so memory stays flat over
any number of appended runs. The pipeline hands ``boundary`` only the events
that may begin a run (``BOUNDARY``), and ``source`` each new input's name;
every other event goes straight to ``current.add``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Final

from castra_tail.contract import events as ev
from castra_tail.run.kept import keep
from castra_tail.run.log import RunLog, RunRecord, record_of, renumbered
from castra_tail.run.seen import Seen
from castra_tail.run.selection import ALL, Selection
from castra_tail.run.state import Run
from castra_tail.run.trailing import only_messages, take_trailing
from castra_tail.run.verdict import Policy
from castra_tail.run.vms import MAX_VMS

#: Chosen runs kept whole for the reports (the last ones); before them, only their records.
MAX_FULL: Final = 100
#: … and their VMs together, past which the oldest kept is let go (memory stays bounded when
#: each run has thousands of VMs).
MAX_FULL_VMS: Final = 20_000
#: What may begin (or end) a run.
BOUNDARY: Final = frozenset(
    {ev.CommandAccepted, ev.CommandRejected, ev.CommandCompleted, ev.CommandFailed}
)
#: Once a run's command ended, a message begins the next run too (it leads into it).
AFTER_END: Final = BOUNDARY | {ev.Message}
_BEGINS: Final = (ev.CommandAccepted, ev.CommandRejected)
#: What a run holds that is castra's own work: a command after it begins another run.
#: (Messages, usage and the harness's transcript lead into a run, or trail it.)
_WORK_FAMILIES: Final = ("vm.lifecycle", "bootstrap", "cleanup", "command", "summary")
WORK: Final = tuple(c for c in ev.EVENT_TYPES if ev.family_of(ev.TYPE_OF[c]) in _WORK_FAMILIES)
EVERY: Final = frozenset(ev.EVENT_TYPES)


class Stream:
    """Every run read so far: the one under way whole, the others folded."""

    def __init__(
        self,
        policy: Policy | None = None,
        selection: Selection = ALL,
        *,
        max_vms: int = MAX_VMS,
        max_full_vms: int = MAX_FULL_VMS,
        on_fold: Callable[[Run, RunRecord], None] | None = None,
    ) -> None:
        self.policy = policy or Policy()
        #: Called with each run this stream folds, whole, and its record (``stats``,
        #: ``compare``): what it keeps of a run is its own. Runs joined from parts read
        #: elsewhere (``absorb``) were folded there, and are not seen.
        self.on_fold = on_fold
        self.selection = selection
        self.max_vms = max_vms
        self.max_full_vms = max_full_vms
        self.lines = 0
        self.current = Run(1, max_vms=max_vms)
        self.log = RunLog()
        #: The types and VM names of every run folded (for the notes on filters).
        self.seen = Seen(max_vms)
        #: Finished runs kept whole: the last MAX_FULL of those ``--run`` chose (for a choice
        #: from the end, the last few read, since which is chosen is known only at the end).
        window = min(selection.from_end, MAX_FULL) if selection.relative else MAX_FULL
        self.full: deque[Run] = deque(maxlen=window)
        self.watch: frozenset[type] = BOUNDARY
        self.interrupted = False
        self._source: str | None = None
        self._new_source = False  # a new input began: its first event begins a new run
        self._ended = False  # the run's command ended: a message or a command begins another
        #: The run before, held whole while the messages after its end lead into this one.
        self._held: Run | None = None

    # --- boundaries ---------------------------------------------------------------

    def source(self, name: str) -> None:
        """Lines from input ``name`` follow: a new file begins a new run, unless a command
        of the run under way is still open (a log rotated mid-run goes on)."""
        if self._source is not None and name != self._source:
            run = self.current
            if run.events and not run.open_commands:
                self._new_source = True
                self.watch = EVERY  # whatever comes first from it
        self._source = name

    def boundary(self, event: ev.Event, source: str, line: int) -> None:
        """Before ``event`` is added: begin a new run — at a command when the run under
        way has done work, at the first event of a new input file, at a message once the
        run's command ended — or mark that the run's command ends with this event."""
        cls, run = event.__class__, self.current
        self._release()  # a run that trailed into this one led somewhere: it is done
        if self._ended and cls is ev.Message and not self._new_source:
            self._next(hold=True)  # leads into the next run, or trails this one (trailing.py)
        elif (
            self._new_source
            or (self._ended and cls in AFTER_END)
            or cls in _BEGINS
            and self.worked(run)
        ):
            self._next()
        if cls is ev.CommandRejected:
            self._end()  # an attempt that never ran: it began and ended here
        elif isinstance(event, ev.CommandEvent) and cls is not ev.CommandAccepted:
            # (A new input's first event comes here whatever it is: only a command ends one.)
            open_ = self.current.open_commands
            if len(open_) == 1 and open_[0].name == keep(event.command):
                self._end()  # the run's last open command ends with this event

    def _end(self) -> None:
        self._ended = True
        self.watch = AFTER_END

    def worked(self, run: Run) -> bool:
        """Whether ``run`` holds castra's own work (more than what leads into a run)."""
        counts = run.by_class
        return any(counts[cls] for cls in WORK)

    def _next(self, *, hold: bool = False) -> None:
        """Fold the current run and start the next (``hold``: keep it whole until what
        follows shows that the next run is one, see ``_release``)."""
        if hold:
            self._held = self.current
        else:
            self._fold(self.current)
        self.current = Run(self.current.number + 1, max_vms=self.max_vms)
        self._new_source = self._ended = False
        self.watch = BOUNDARY

    def _fold(self, run: Run) -> None:
        if not run.finished:
            run.finish()
        record = record_of(run, self.policy)
        self.log.add(record)
        self.seen.add(run)
        if self.on_fold is not None:
            self.on_fold(run, record)
        chosen = self.selection
        if chosen.relative or (chosen.explicit and chosen.chooses(run.number)):
            self.full.append(run)
            while len(self.full) > 1 and sum(len(r.vms) for r in self.full) > self.max_full_vms:
                self.full.popleft()

    def shows(self, run: Run) -> bool:
        """Whether the lines of ``run`` are shown as they are read (not for a choice counted
        from the end: which run it is is known at the end, when its lines are shown)."""
        chosen = self.selection
        return not chosen.explicit or (not chosen.relative and chosen.chooses(run.number))

    def end_range(self) -> None:
        """A range of a file read apart begins here, where a run begins (parallel.py): the
        run under way is folded, as that range's first line would fold it."""
        self._release()
        if self.current.events or self.current.malformed:
            self._next()

    def absorb(
        self, lines: int, records: list[RunRecord], counted: int, failed: int, run: Run
    ) -> None:
        """Join what was read of the range of a file right after this stream's: ``records``
        of the runs it finished (``counted`` runs, ``failed`` of them failed; past the log's
        bounds some were only counted) and ``run``, the one it ended with, whole. The range
        began where a run begins (parallel.py)."""
        self.end_range()
        before = self.current.number - 1  # the empty run under way: the part's first
        self.log.extend([renumbered(r, before) for r in records], counted, failed)
        run.number += before
        self.current = run
        self.lines += lines
        self._ended = False
        self.watch = BOUNDARY

    # --- the end ------------------------------------------------------------------

    def finish(self, *, interrupted: bool = False) -> None:
        """The input ended (or a signal stopped it): the run under way ends too — and
        messages that led into no run are the last lines of the one before."""
        self.interrupted = interrupted
        self.settle()
        self.current.finish(interrupted=interrupted)
        self._fold(self.current)

    def settle(self) -> None:
        """Where the input ends (or a part of a file read apart): messages after a run's end
        that led into nothing go back to it; a run held back is folded."""
        held = self._held
        if held is not None and only_messages(self.current):
            take_trailing(held, self.current)
            self.current, self._held = held, None
        self._release()

    def _release(self) -> None:
        """Fold the run held back while messages after its end led into the next."""
        if self._held is not None:
            held, self._held = self._held, None
            self._fold(held)

    @property
    def runs(self) -> int:
        """How many runs were read."""
        return self.current.number

    @property
    def chosen(self) -> list[Run]:
        """The runs kept whole that ``--run`` chose, in order (the last one by default)."""
        if not self.selection.explicit:
            return [self.current]
        total = self.runs
        return [run for run in self.full if self.selection.chooses_at_end(run.number, total)]

    @property
    def detail(self) -> Run | None:
        """The run shown in full: the last one chosen (None: ``--run`` chose none)."""
        chosen = self.chosen
        return chosen[-1] if chosen else None

    def records(self) -> list[RunRecord]:
        """The records kept of the runs chosen, in order."""
        total = self.runs
        return [r for r in self.log.records() if self.selection.chooses_at_end(r.number, total)]
