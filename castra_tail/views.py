"""Output modes: what each ``--format`` does with the lines the app hands it.

The app decides what is *selected*; a view decides how it looks and where it
goes. Views read the ``Run``; they never count.
"""

from __future__ import annotations

from typing import Final, Protocol

from castra_tail import events as ev
from castra_tail.attention import Level
from castra_tail.output import Env, Writer, color_system, draw
from castra_tail.render.report import encode, report
from castra_tail.render.stream import StreamRenderer
from castra_tail.render.summary import summary
from castra_tail.render.theme import Palette
from castra_tail.render.timeline import timeline
from castra_tail.state import Run
from castra_tail.text import clean, show_bytes
from castra_tail.verdict import Verdict

#: Malformed-line notices on stderr in ndjson mode before they are only counted.
MAX_NOTICES: Final = 100
_BOOTSTRAP_ENDS: Final = (ev.BootstrapCompleted, ev.BootstrapFailed)


class View(Protocol):
    """What the app loop calls on an output mode."""

    def event(self, event: ev.Event, level: Level, raw: bytes) -> None: ...
    def unknown(self, type_name: str, raw: bytes) -> None: ...
    def malformed(self, source: str, line: int, reason: str, raw: bytes | None) -> None: ...
    def text(self, raw: bytes) -> None: ...
    def flush(self) -> None: ...
    def close(self, run: Run, verdict: Verdict) -> None: ...


class TextView:
    """Human output: streamed lines, timelines as bootstraps end, the summary."""

    def __init__(
        self, env: Env, run: Run, *, color: bool, width: int, stream: bool, timelines: bool,
        summary: bool, several_sources: bool,
    ) -> None:
        self.out = env.stdout
        self.run = run
        self.width = width
        self.console = env.console(self.out, color=color, width=width)
        self.lines = StreamRenderer(Palette(color_system(self.console)), run)
        self.stream = stream
        self.timelines = timelines and stream
        self.show_summary = summary
        self.drawn: set[str] = set()
        self.several_sources = several_sources

    def event(self, event: ev.Event, level: Level, raw: bytes) -> None:
        if not self.stream:
            return
        self.out.write(self.lines.event(event, level, raw))
        if self.timelines and isinstance(event, _BOOTSTRAP_ENDS):
            self._timeline(event.vm)

    def unknown(self, type_name: str, raw: bytes) -> None:
        if self.stream:
            self.out.write(self.lines.unknown(type_name, raw))

    def malformed(self, source: str, line: int, reason: str, raw: bytes | None) -> None:
        if self.stream:
            where = f"{clean(source)}:{line}" if self.several_sources else f"line {line}"
            self.out.write(self.lines.malformed(where, reason, raw))

    def text(self, raw: bytes) -> None:
        if self.stream:
            self.out.write(self.lines.text(raw))

    def flush(self) -> None:
        self.out.flush()

    def close(self, run: Run, verdict: Verdict) -> None:
        if self.timelines:
            for vm in run.incomplete_bootstraps:
                self._timeline(vm.name)
        if self.show_summary:
            if self.stream:
                self.out.write("\n")
            draw(self.console, summary(run, verdict, self.width))
        self.out.flush()

    def _timeline(self, name: str) -> None:
        vm = self.run.vms.get(name)
        if vm is None or vm.bootstrap is None or name in self.drawn:
            return
        if len(self.drawn) < 100_000:
            self.drawn.add(name)
        draw(self.console, timeline(vm, self.width))


class NdjsonView:
    """The selected input lines, byte for byte; notices and summary on stderr."""

    def __init__(self, env: Env, run: Run, *, summary: bool, width: int, color: bool) -> None:
        self.out: Writer = env.stdout
        self.env = env
        self.show_summary = summary
        self.width = width
        self.color = color
        self.notices = 0

    def event(self, event: ev.Event, level: Level, raw: bytes) -> None:
        self.out.write_bytes(raw + b"\n")

    def unknown(self, type_name: str, raw: bytes) -> None:
        self.out.write_bytes(raw + b"\n")

    def malformed(self, source: str, line: int, reason: str, raw: bytes | None) -> None:
        self.notices += 1
        if self.notices <= MAX_NOTICES:
            self.env.stderr.write(f"castra-tail: {clean(source)}:{line}: {clean(reason)}\n")
        elif self.notices == MAX_NOTICES + 1:
            self.env.stderr.write("castra-tail: further malformed lines are only counted\n")

    def text(self, raw: bytes) -> None:
        self.env.stderr.write(show_bytes(raw) + "\n")

    def flush(self) -> None:
        self.out.flush()
        self.env.stderr.flush()

    def close(self, run: Run, verdict: Verdict) -> None:
        self.out.flush()
        if self.show_summary:
            console = self.env.console(self.env.stderr, color=self.color, width=self.width)
            draw(console, summary(run, verdict, self.width))


class JsonView:
    """One JSON report at the end, nothing before it."""

    def __init__(self, env: Env) -> None:
        self.out = env.stdout

    def event(self, event: ev.Event, level: Level, raw: bytes) -> None:
        pass

    def unknown(self, type_name: str, raw: bytes) -> None:
        pass

    def malformed(self, source: str, line: int, reason: str, raw: bytes | None) -> None:
        pass

    def text(self, raw: bytes) -> None:
        pass

    def flush(self) -> None:
        pass

    def close(self, run: Run, verdict: Verdict) -> None:
        self.out.write_bytes(encode(report(run, verdict)))
        self.out.flush()
