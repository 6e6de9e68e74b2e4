"""Output modes: what each ``--format`` does with the lines the app hands it.

The app decides what is *selected*; a view decides how it looks and where it
goes. Views read the ``Run``; they never count. The app tells a view when a
batch of lines arrived (``begin``), when it ended (``flush``) and when the
input was quiet for a moment (``tick``): only views know about time.

This module holds the machine formats (ndjson, json), which need no Rich on
their hot path; ``textview`` holds the text views.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Protocol

from castra_tail.contract import events as ev
from castra_tail.contract.decode import without_boms
from castra_tail.contract.levels import Level
from castra_tail.input.framing import BOM
from castra_tail.output.env import Env
from castra_tail.output.writer import Writer
from castra_tail.render.console import console as make_console
from castra_tail.render.console import draw
from castra_tail.render.report import encode, report
from castra_tail.render.text import clean, os_text, show_bytes
from castra_tail.state import Run
from castra_tail.verdict import Verdict

#: Malformed-line notices on stderr in ndjson mode before they are only counted.
MAX_NOTICES: Final = 100


class View(Protocol):
    """What the app loop calls on an output mode."""

    #: False when no event is ever shown line by line (the loop then skips selecting).
    shows_events: bool

    def begin(self, now: float) -> None: ...
    def event(self, event: ev.Event, level: Level, raw: bytes) -> None: ...
    def unknown(self, type_name: str, raw: bytes) -> None: ...
    def malformed(self, source: str, line: int, reason: str, raw: bytes | None) -> None: ...
    def text(self, raw: bytes) -> None: ...
    def stderr(self, raw: bytes) -> None: ...
    def notice(self, source: str, text: str) -> None: ...
    def flush(self) -> None: ...
    def tick(self, now: float) -> None: ...
    def close(self, run: Run, verdict: Verdict) -> None: ...


class Silent:
    """A view that shows nothing: the base of the others, and what replay() reads with."""

    shows_events = False

    def begin(self, now: float) -> None:
        return None

    def event(self, event: ev.Event, level: Level, raw: bytes) -> None:
        return None

    def unknown(self, type_name: str, raw: bytes) -> None:
        return None

    def malformed(self, source: str, line: int, reason: str, raw: bytes | None) -> None:
        return None

    def text(self, raw: bytes) -> None:
        return None

    def stderr(self, raw: bytes) -> None:
        return None

    def notice(self, source: str, text: str) -> None:
        return None

    def flush(self) -> None:
        return None

    def tick(self, now: float) -> None:
        return None

    def close(self, run: Run, verdict: Verdict) -> None:
        return None


class _StderrNotes(Silent):
    """Side output of the machine formats: notes and the command's stderr go to stderr."""

    def __init__(self, env: Env) -> None:
        self.env = env

    def stderr(self, raw: bytes) -> None:
        self.env.stderr.write(show_bytes(raw) + "\n")

    def notice(self, source: str, text: str) -> None:
        self.env.stderr.write(f"castra-tail: {clean(source)} {text}\n")


class NdjsonView(_StderrNotes):
    """The selected input lines, byte for byte; notices and summary on stderr."""

    shows_events = True

    def __init__(self, env: Env, run: Run, *, summary: bool, width: int, color: bool) -> None:
        super().__init__(env)
        self.out: Writer = env.stdout
        self.show_summary = summary
        self.width = width
        self.color = color
        self.notices = 0

    def event(self, event: ev.Event, level: Level, raw: bytes) -> None:
        self._line(raw)

    def unknown(self, type_name: str, raw: bytes) -> None:
        self._line(raw)

    def _line(self, raw: bytes) -> None:
        if raw.startswith(BOM):  # `cat a b` starts a line with b's BOM: jq would stop there
            raw = without_boms(raw)
        self.out.write_bytes(raw + b"\n")

    def malformed(self, source: str, line: int, reason: str, raw: bytes | None) -> None:
        self.notices += 1
        if self.notices <= MAX_NOTICES:
            self.env.stderr.write(f"castra-tail: {clean(source)}:{line}: {clean(reason)}\n")
        elif self.notices == MAX_NOTICES + 1:
            self.env.stderr.write("castra-tail: further malformed lines are only counted\n")

    text = _StderrNotes.stderr

    def flush(self) -> None:
        self.out.flush()
        self.env.stderr.flush()

    def close(self, run: Run, verdict: Verdict) -> None:
        self.out.flush()
        if self.show_summary:
            from castra_tail.render.summary import summary

            console = make_console(self.env.environ, color=self.color, width=self.width)
            self.env.stderr.write(draw(console, summary(run, verdict, self.width)))


class ReportView(_StderrNotes):
    """One document at the end (``--format json`` or ``markdown``), nothing before it."""

    def __init__(self, env: Env, document: Callable[[Run, Verdict], bytes]) -> None:
        super().__init__(env)
        self.out = env.stdout
        self.document = document

    def flush(self) -> None:
        self.env.stderr.flush()

    def close(self, run: Run, verdict: Verdict) -> None:
        self.out.write_bytes(self.document(run, verdict))
        self.out.flush()


def json_document(run: Run, verdict: Verdict) -> bytes:
    """``--format json``: the report as indented JSON."""
    return encode(report(run, verdict))


def markdown_document(run: Run, verdict: Verdict) -> bytes:
    """``--format markdown``: the summary as GitHub-flavoured Markdown."""
    from castra_tail.render.markdown import markdown

    return os_text(markdown(run, verdict)).encode()
