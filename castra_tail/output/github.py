"""``--format github``: the text view's lines in GitHub Actions folds, then annotations.

As gotestsum's ``github-actions`` format folds each package's output, each
VM's lines are held until its bootstrap ends (or its shutdown completes, or
the input ends) and written as one ``::group::`` titled with how it went,
its timeline inside. Lines about no VM are written as they come. At the end:
one annotation per problem (render/github.py), then the summary. Every line
that is not castra-tail's own command goes through ``inert``.

What is held is bounded: past MAX_HELD characters, the VM holding the most is
written out at once, and its group goes on in a later one.
"""

from __future__ import annotations

from typing import Final

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.output.env import Env
from castra_tail.output.modes import Note, NoteKind, View
from castra_tail.render import facts
from castra_tail.render.console import color_system, draw
from castra_tail.render.console import console as make_console
from castra_tail.render.github import Notes, Said, command, inert, problems
from castra_tail.render.lines import Lines
from castra_tail.render.summary import summary
from castra_tail.render.text import clean
from castra_tail.render.theme import Palette
from castra_tail.render.timeline import timeline
from castra_tail.run.kept import keep
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Verdict
from castra_tail.run.vm import Vm

#: Characters of VM lines held back for their groups, all VMs together.
MAX_HELD: Final = 4 * 1024 * 1024
_ENDS: Final = (ev.BootstrapCompleted, ev.BootstrapFailed)


class GithubView(View):
    """Folded VM lines, annotations and the summary, for a GitHub Actions log."""

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
    ) -> None:
        self.out = env.stdout
        self.stream = stream
        self.run = stream.current  # the run whose lines are shown
        self.width = width
        self.console = make_console(env.environ, color=color, width=width)
        self.palette = Palette(color_system(self.console))
        self.lines = Lines(self.palette, width)
        self.shows_events = lines
        self.timelines = timelines
        self.show_summary = summary
        self.several_sources = several_sources
        self.held: dict[str, list[str]] = {}
        self.held_size = 0
        #: VMs whose group was written already: lines after it (a shutdown's cleanup, or past
        #: MAX_HELD) go on in a group of their own that says so, never one titled the same.
        self.continued: set[str] = set()
        self.drawn: set[str] = set()  # VMs whose timeline was written
        self.notes = Notes()
        self.number = stream.current.number  # the run whose lines come (its messages' run)

    def event(self, event: ev.Event, level: Level, raw: bytes, vm: Vm | None) -> None:
        if isinstance(event, ev.Message) and level >= Level.WARN:
            self.notes.add(self.number, Said.of(event, level))
        text = self.lines.event(event, level, raw, vm)
        about: str | None = getattr(event, "vm", None)
        if about is None:
            self._write(text)
            return
        name = keep(about)  # as the state keeps it: what is held is bounded
        held = self.held.get(name)
        if held is None:
            held = self.held[name] = []
            self.held_size += len(name)
        held.append(text)
        self.held_size += len(text)
        shutdown_done = isinstance(event, ev.VmLifecycle) and event.phase == "shutdown_complete"
        if isinstance(event, _ENDS) or shutdown_done:
            self._group(name)
        elif self.held_size > MAX_HELD:
            biggest = max(self.held, key=lambda n: sum(map(len, self.held[n])))
            self._group(biggest, ended=False)

    def note(self, note: Note) -> None:
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
        elif kind is NoteKind.RUN:  # the run before ended: its VMs' groups close
            for name in list(self.held):
                self._group(name)
            self.run, self.number = self.stream.current, note.number
            if not self.stream.selection.explicit:  # only the last run's are annotated
                self.notes = Notes()
            self.continued.clear()
            self.drawn.clear()
            where = f"{note.source}:{note.line}"
            self._write(lines.separator(note.number, note.what, where, self.width))
        else:  # plain text, or the wrapped command's stderr
            self._write(lines.text(note.raw or b""))

    def flush(self) -> None:
        self.out.flush()

    def close(self, stream: Stream, verdict: Verdict) -> None:
        for name in list(self.held):
            self._group(name)
        # The annotations of the runs --run chose (the last by default), each alike; the
        # verdict's names any other that failed.
        for problem in problems(stream.chosen or [stream.current], verdict, self.notes):
            self.out.write(problem.line())
        if self.show_summary:
            self._write("\n" + draw(self.console, summary(stream, verdict, self.width)))
        self.out.flush()

    def _write(self, text: str) -> None:
        self.out.write(inert(text))

    def _group(self, name: str, *, ended: bool = True) -> None:
        """Write what ``name`` holds as one group, with its timeline once its bootstrap ended
        (or the input did)."""
        held = self.held.pop(name, [])
        self.held_size -= len(name) + sum(map(len, held))
        vm = self.run.vms.get(name)
        title = _title(name, vm) + (" (continued)" if name in self.continued else "")
        self.out.write(command("group", title))
        self._write("".join(held))
        if ended and vm is not None and self.timelines and name not in self.drawn:
            b = vm.bootstrap
            if b is not None and b.status != "planned":
                self._write(timeline(vm, self.width, self.palette))
                self.drawn.add(name)
        self.out.write(command("endgroup"))
        self.continued.add(name)


def _title(name: str, vm: Vm | None) -> str:
    """``db-0 · failed · bootstrap ✗ failed 5.6s``: what the fold says while closed."""
    if vm is None:
        return clean(name, 40)
    row = facts.vm_row(vm)
    parts = [row[0].text, row[1].text]
    if row[2] is not facts.NONE:
        parts.append(f"bootstrap {row[2].text}")
    if row[4] is not facts.NONE:
        parts.append(f"shutdown {row[4].text}")
    return " · ".join(parts)
