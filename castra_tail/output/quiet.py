"""``-q``: nothing but the verdict line at the end; ``-qq``: nothing at all (the exit status).

A wrapped command's stderr still goes to stderr, as it would from ``castra up |
castra-tail -q``: it is the command's to say, not castra-tail's.
"""

from __future__ import annotations

from castra_tail.output.env import Env
from castra_tail.output.modes import Note, NoteKind, View
from castra_tail.render.console import console as make_console
from castra_tail.render.console import draw
from castra_tail.render.text import show_bytes
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Verdict


class QuietView(View):
    """Shows no event; at the end, the verdict line (``-q``) or nothing (``-qq``)."""

    def __init__(self, env: Env, *, color: bool, width: int, silent: bool) -> None:
        self.env, self.color, self.width, self.silent = env, color, width, silent

    def note(self, note: Note) -> None:
        if note.kind is NoteKind.STDERR:
            self.env.stderr.write(show_bytes(note.raw or b"") + "\n")

    def flush(self) -> None:
        self.env.stderr.flush()

    def close(self, stream: Stream, verdict: Verdict) -> None:
        if self.silent:
            return
        from castra_tail.render.verdict import verdict_text

        console = make_console(self.env.environ, color=self.color, width=self.width)
        self.env.stdout.write(draw(console, verdict_text(verdict, self.width)))
        self.env.stdout.flush()
