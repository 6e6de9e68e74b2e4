"""The loop that wires reading, decoding, state and views; returns an exit status.

Only ``cli`` exits. This module turns one ``Options`` into an exit status.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Final

from castra_tail.attention import CONSTANT_LEVELS, LEVEL_RULES, Level
from castra_tail.decode import BLANK, DECODER, FIXUPS, Malformed, Unknown, explain
from castra_tail.filters import Selector
from castra_tail.inputs import CommandSource, FileSource, Item, Notice, Source, read_inputs
from castra_tail.output import Env, StdoutClosed
from castra_tail.reader import DEFAULT_MAX_LINE, Oversized, unreadable
from castra_tail.state import Run
from castra_tail.text import clean, size
from castra_tail.verdict import judge
from castra_tail.views import JsonView, NdjsonView, View

FORMATS: Final = ("text", "ndjson", "json")
#: Exit status when the reader of stdout went away, as a shell reports SIGPIPE.
PIPE_CLOSED: Final = 128 + signal.SIGPIPE
#: Exit status when the wrapped command cannot be started, as a shell reports it.
CANNOT_RUN: Final = 127


class UsageError(Exception):
    """A mistake in how castra-tail was called: one line on stderr, exit 2."""


class Stopped(Exception):
    """A signal asked castra-tail to stop reading (SIGINT arrives as KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@dataclass(frozen=True)
class Options:
    """Everything the command line decides."""

    files: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    follow: str | None = None  # None, "descriptor" (-f) or "name" (-F)
    format: str = "text"
    types: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()
    vms: tuple[str, ...] = ()
    level: Level = Level.INFO
    fail_on: Level | None = Level.ERROR
    strict: bool = False
    summary: bool | None = None
    summary_only: bool = False
    timelines: bool = True
    live: bool = True
    elapsed: bool = False
    color: str = "auto"
    width: int | None = None
    max_line_bytes: int = DEFAULT_MAX_LINE


def run(opts: Options, env: Env, sources: Sequence[Source] | None = None) -> int:
    """Read every source, render as asked, and return the exit status."""
    if sources is None:
        sources = _sources(opts, env)
    live_input = opts.follow is not None or any(getattr(s, "live", False) for s in sources)
    state = Run()
    view = _view(opts, env, state, several=len(sources) > 1, live_input=live_input)
    selector = Selector(opts.types, opts.exclude_types, opts.vms, opts.level)
    command = next((s for s in sources if isinstance(s, CommandSource)), None)
    stopped_by: int | None = None
    try:
        try:
            with _signals_stop_reading():
                items = read_inputs(sources, opts.max_line_bytes, follow=opts.follow, live=live_input)
                _consume(items, state, view, selector, command)
        except KeyboardInterrupt:
            stopped_by = signal.SIGINT
        except Stopped as stop:
            stopped_by = stop.signum
        except OSError as exc:
            if command is None or command.process is not None:
                raise
            env.stderr.write(f"castra-tail: error: cannot run {clean(command.argv[0])!r}: "
                             f"{exc.strerror or exc}\n")
            return CANNOT_RUN
        child = _end_command(command, interrupted=stopped_by is not None, view=view)
        state.finish(interrupted=stopped_by is not None)
        verdict = judge(state, opts.fail_on, strict=opts.strict, signal=stopped_by,
                        command_status=child)
        view.close(state, verdict)
    except StdoutClosed:
        _silence_stdout()
        return PIPE_CLOSED
    return int(verdict.status)


def replay(paths: Sequence[str], max_line: int = DEFAULT_MAX_LINE) -> Run:
    """The finished ``Run`` of some files, with nothing shown."""
    state = Run()
    items = read_inputs([FileSource(p) for p in paths], max_line)
    _consume(items, state, _Quiet(), Selector(), None)
    state.finish()
    return state


class _Quiet:
    """A view that shows nothing."""

    shows_events = False

    def begin(self, now: float) -> None: ...
    def event(self, event: object, level: Level, raw: bytes) -> None: ...
    def unknown(self, type_name: str, raw: bytes) -> None: ...
    def malformed(self, source: str, line: int, reason: str, raw: bytes | None) -> None: ...
    def text(self, raw: bytes) -> None: ...
    def stderr(self, raw: bytes) -> None: ...
    def notice(self, source: str, text: str) -> None: ...
    def flush(self) -> None: ...
    def tick(self, now: float) -> None: ...
    def close(self, run: Run, verdict: object) -> None: ...


def _sources(opts: Options, env: Env) -> list[Source]:
    if opts.command:
        if opts.files:
            raise UsageError("give files or a command after --, not both")
        return [CommandSource(opts.command)]
    paths = opts.files or ("-",)
    if paths.count("-") > 1:
        raise UsageError("standard input ('-') can be read only once")
    for path in paths:
        if opts.follow == "name" and not os.path.lexists(path):
            continue  # -F waits for a file to appear, as tail -F does
        why = unreadable(path)
        if why is not None:
            raise UsageError(f"cannot read {clean(path)!r}: {why}")
    if paths == ("-",) and env.stdin_tty:
        raise UsageError("no input: pipe an event stream in, name a file, or wrap a command "
                         "after -- (see --help)")
    return [FileSource(p) for p in paths]


def _view(opts: Options, env: Env, state: Run, *, several: bool, live_input: bool) -> View:
    width = env.width(opts.width)
    if opts.format == "json":
        return JsonView(env)
    if opts.format == "ndjson":
        color = env.wants_color(opts.color, tty=env.stderr.isatty())
        return NdjsonView(env, state, summary=bool(opts.summary), width=width, color=color)
    from castra_tail.textview import LiveView, TextView  # Rich is imported only for text

    color = env.wants_color(opts.color, tty=env.stdout_tty)
    kind = LiveView if (opts.live and live_input and env.stdout_tty) else TextView
    return kind(
        env, state, color=color, width=width, stream=not opts.summary_only,
        timelines=opts.timelines, summary=opts.summary_only or opts.summary is not False,
        several_sources=several, elapsed=opts.elapsed,
    )


def _consume(
    items: Iterable[Item], state: Run, view: View, sel: Selector, command: CommandSource | None
) -> None:
    """The hot loop: every line of every item, decoded, counted and maybe shown.

    Names are bound to locals and the decoder is called inline; each of these
    saves a measurable share of a per-line budget under a microsecond.
    """
    decode_line, fixups, add, clock = DECODER.decode, FIXUPS.get, state.add, time.monotonic
    constant, rules = CONSTANT_LEVELS.get, LEVEL_RULES
    shown = view.shows_events
    type_ok, min_level = sel.type_table(), sel.min_level
    by_vm = bool(sel.vms)
    show_event = view.event
    for item in items:
        if command is not None:
            _relay_stderr(command, view)
        if item is None:  # the input is quiet: let a live view move its clocks
            view.tick(clock())
            view.flush()
            continue
        if item.__class__ is Notice:
            view.notice(item.source, item.text)  # type: ignore[union-attr]
            view.flush()
            continue
        view.begin(clock())
        name, lines = item.source, item.lines  # type: ignore[union-attr]
        state.lines += len(lines)
        for lineno, raw in enumerate(lines, item.first):  # type: ignore[union-attr]
            if not raw:  # blank, or too long to keep
                if raw.__class__ is Oversized:
                    reason = f"line of {size(raw.size)} is longer than --max-line-bytes"  # type: ignore[attr-defined]
                    _bad(state, view, sel, name, lineno, reason, None, text=False)
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
            ):
                show_event(event, level, raw)
        view.flush()


def _not_an_event(
    state: Run, view: View, sel: Selector, name: str, lineno: int, raw: bytes, decoded: object
) -> None:
    if isinstance(decoded, Unknown):
        state.add_unknown(decoded.type)
        if sel.wants(decoded.type, None, Level.INFO):
            view.unknown(decoded.type, raw)
    elif isinstance(decoded, Malformed) and decoded is not BLANK:
        _bad(state, view, sel, name, lineno, decoded.reason, raw, text=decoded.text)


def _bad(
    state: Run, view: View, sel: Selector, name: str, lineno: int, reason: str,
    raw: bytes | None, *, text: bool,
) -> None:
    state.add_malformed(reason, name, lineno, text=text)
    if not sel.wants_line(Level.INFO if text else Level.WARN):
        return
    if text and raw is not None:
        view.text(raw)
    else:
        view.malformed(name, lineno, reason, raw)


def _relay_stderr(command: CommandSource, view: View) -> None:
    lines = command.stderr_lines
    while not lines.empty():
        view.stderr(lines.get_nowait())


def _end_command(command: CommandSource | None, *, interrupted: bool, view: View) -> int:
    """Wait for a wrapped command (passing Ctrl-C on) and return its exit status."""
    if command is None or command.process is None:
        return 0
    if interrupted:
        command.interrupt()
    code = command.wait()
    _relay_stderr(command, view)
    return code


@contextmanager
def _signals_stop_reading() -> Iterator[None]:
    """SIGTERM stops reading like Ctrl-C does: what was seen is still summarised."""

    def stop(signum: int, _frame: object) -> None:
        raise Stopped(signum)

    try:
        previous = signal.signal(signal.SIGTERM, stop)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
