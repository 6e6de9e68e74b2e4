"""Output modes: what each ``--format`` does with what the pipeline hands it.

The pipeline decides what is *selected*; a view decides how it looks and where
it goes. Views read the ``Stream`` of runs; they never count. This module holds the
protocol and the machine formats (ndjson, json, markdown), which need no Rich
on their hot path, and how the documents made once at the end are made
(``PICTURES``: trace, html, svg); ``terminal`` holds the text views, ``github``
the GitHub Actions one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Literal

from castra_tail.contract import events as ev
from castra_tail.contract import native
from castra_tail.contract.decode import without_boms
from castra_tail.contract.levels import Level
from castra_tail.input.framing import BOM
from castra_tail.options import Format, Options
from castra_tail.output.env import Env
from castra_tail.output.writer import Writer
from castra_tail.render.console import console as make_console
from castra_tail.render.console import draw
from castra_tail.render.report import pieces, report, rows
from castra_tail.render.text import clean, os_text, show_bytes
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Verdict
from castra_tail.run.vm import Vm

_BLANKS: Final = b" \t\r\xef\xbb\xbf"
#: Malformed-line notices on stderr in ndjson mode before they are only counted.
MAX_NOTICES: Final = 100


class NoteKind(StrEnum):
    """What a ``Note`` is about."""

    UNKNOWN = "unknown"  # an event of a type this contract version does not know
    MALFORMED = "malformed"  # a line that is not a valid event (or was not kept)
    TEXT = "text"  # a line that is not JSON at all (castra's stderr in the pipe)
    STDERR = "stderr"  # a line of a wrapped command's stderr
    NOTICE = "notice"  # something happened to an input (a followed file was replaced)
    RUN = "run"  # another run begins here (``what``: its command, when known)


@dataclass(frozen=True, slots=True)
class Note:
    """What the input holds besides events, or what happened to it: for a view to show."""

    kind: NoteKind
    source: str = ""
    line: int = 0
    what: str = ""  # the unknown type, why the line is malformed, what happened
    raw: bytes | None = None
    number: int = 0  # of the run that begins (RUN)


class View:
    """What the pipeline tells an output mode; each mode overrides what it shows.

    The pipeline says when a batch of lines arrived (``begin``), each event that
    passed the filters (``event``) and each other thing (``note``), when the
    batch ended (``flush``), when the input was quiet for a moment (``tick``),
    and the end (``close``). Only views know about time and about the output.
    """

    #: False when no event is ever shown line by line (the pipeline then skips selecting).
    shows_events: bool = False

    def begin(self, now: float) -> None:
        """A batch of lines arrived, at ``now`` (monotonic seconds)."""

    def event(self, event: ev.Event, level: Level, raw: bytes, vm: Vm | None) -> None:
        """An event to show; ``vm``: the state of its VM once the event was added."""

    def note(self, note: Note) -> None:
        """A line that is not an event, or something about an input, to show."""

    def flush(self) -> None:
        """The batch is over: what was shown goes out now."""

    def tick(self, now: float) -> None:
        """Nothing arrived for a moment (live input only)."""

    def close(self, stream: Stream, verdict: Verdict) -> None:
        """The input ended: what is shown at the end."""


class Silent(View):
    """A view that shows nothing (parallel reading, tests)."""


class _StderrNotes(View):
    """Side output of the machine formats: notices and the command's stderr go to stderr."""

    def __init__(self, env: Env) -> None:
        self.env = env

    def note(self, note: Note) -> None:
        if note.kind is NoteKind.STDERR:
            self.env.stderr.write(show_bytes(note.raw or b"") + "\n")
        elif note.kind is NoteKind.NOTICE:
            self.env.stderr.write(f"castra-tail: {clean(note.source)} {note.what}\n")


class NdjsonView(_StderrNotes):
    """The selected input lines, byte for byte; notices and summary on stderr."""

    shows_events = True

    def __init__(
        self, env: Env, *, summary: bool, width: int, color: bool, canonical: bool = False
    ) -> None:
        super().__init__(env)
        self.canonical = canonical
        self.out: Writer = env.stdout
        self.show_summary = summary
        self.width = width
        self.color = color
        self.notices = 0

    def event(self, event: ev.Event, level: Level, raw: bytes, vm: Vm | None) -> None:
        if self.canonical and not raw.lstrip(_BLANKS).startswith(b'{"type"'):
            raw = native.to_contract(raw) or raw  # Castra's own form, in the contract's
        self._line(raw)

    def note(self, note: Note) -> None:
        kind, err = note.kind, self.env.stderr
        if kind is NoteKind.UNKNOWN:  # a newer contract's event: passed through
            self._line(note.raw or b"")
        elif kind is NoteKind.TEXT:  # not JSON: stdout stays pure NDJSON
            err.write(show_bytes(note.raw or b"") + "\n")
        elif kind is NoteKind.MALFORMED:
            self.notices += 1
            if self.notices <= MAX_NOTICES:
                err.write(f"castra-tail: {clean(note.source)}:{note.line}: {clean(note.what)}\n")
            elif self.notices == MAX_NOTICES + 1:
                err.write("castra-tail: further malformed lines are only counted\n")
        else:
            super().note(note)

    def _line(self, raw: bytes) -> None:
        if raw.startswith(BOM):  # `cat a b` starts a line with b's BOM: jq would stop there
            raw = without_boms(raw)
        self.out.write_bytes(raw + b"\n")

    def flush(self) -> None:
        self.out.flush()
        self.env.stderr.flush()

    def close(self, stream: Stream, verdict: Verdict) -> None:
        self.out.flush()
        if self.show_summary:
            from castra_tail.render.summary import summary

            console = make_console(self.env.environ, color=self.color, width=self.width)
            self.env.stderr.write(draw(console, summary(stream, verdict, self.width)))


class ReportView(_StderrNotes):
    """One document at the end (``--format json`` or ``markdown``), nothing before it."""

    def __init__(self, env: Env, document: Callable[[Stream, Verdict], Iterable[bytes]]) -> None:
        super().__init__(env)
        self.out = env.stdout
        self.document = document

    def flush(self) -> None:
        self.env.stderr.flush()

    def close(self, stream: Stream, verdict: Verdict) -> None:
        held = 0
        for piece in self.document(stream, verdict):
            self.out.write_bytes(piece)
            held += len(piece)
            if held > FLUSH_AT:  # a long report goes out as it is made, never held whole
                self.out.flush()
                held = 0
        self.out.flush()


#: Bytes of a report held before they are written.
FLUSH_AT: Final = 1 << 20


def json_document(stream: Stream, verdict: Verdict) -> Iterable[bytes]:
    """``--format json``: the report as indented JSON, written in pieces."""
    return pieces(report(stream, verdict), rows(stream, verdict))


def markdown_document(stream: Stream, verdict: Verdict) -> Iterable[bytes]:
    """``--format markdown``: the summary as GitHub-flavoured Markdown, then the
    bootstraps of the run shown in full as a Mermaid gantt."""
    from castra_tail.render.markdown import markdown
    from castra_tail.render.mermaid import gantt

    run = stream.detail
    chart = gantt(run) if run is not None else ""
    return [os_text(markdown(stream, verdict) + (f"\n{chart}" if chart else "")).encode()]


Document = Callable[[Stream, Verdict], Iterable[bytes]]


def _trace(opts: Options, width: int) -> Document:
    from castra_tail.render.trace import trace
    from castra_tail.run.verdict import per_run

    return lambda stream, verdict: [trace(stream.chosen, verdict, per_run(stream, verdict))]


def _picture(kind: Literal["html", "svg"]) -> Callable[[Options, int], Document]:
    def document(opts: Options, width: int) -> Document:
        from castra_tail.render.export import export

        timelines = opts.timelines and not opts.summary_only
        return lambda stream, verdict: [
            export(stream, verdict, kind, width=width, timelines=timelines)
        ]

    return document


#: The formats made as one document at the end from the finished runs: how each is made.
PICTURES: Final[dict[Format, Callable[[Options, int], Document]]] = {
    Format.trace: _trace,
    Format.html: _picture("html"),
    Format.svg: _picture("svg"),
}
