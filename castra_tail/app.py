"""The loop that wires reading, decoding, state and views; returns an exit status.

Only ``cli`` exits. This module turns one ``Options`` into an exit status.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from castra_tail.attention import Level
from castra_tail.filters import Selector
from castra_tail.inputs import CommandSource, FileSource, Source, read_inputs
from castra_tail.loop import consume, relay_stderr
from castra_tail.output import Env, StdoutClosed
from castra_tail.reader import DEFAULT_MAX_LINE, unreadable
from castra_tail.state import Run
from castra_tail.stops import Stopped, Stops
from castra_tail.text import clean
from castra_tail.verdict import ExitStatus, judge
from castra_tail.views import (
    NdjsonView,
    ReportView,
    Silent,
    View,
    json_document,
    markdown_document,
)


class UsageError(Exception):
    """A mistake in how castra-tail was called: one line on stderr, exit 2."""


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
    jobs: int | None = None  # processes for one big file; None: one per core
    save: str | None = None  # write the raw input here too, byte for byte


def run(opts: Options, env: Env, sources: Sequence[Source] | None = None) -> int:
    """Read every source, render as asked, and return the exit status."""
    if sources is None:
        sources = _sources(opts, env)
    save = _SaveFile(opts.save) if opts.save else None
    try:
        return _run(opts, env, sources, save.write_through if save else None)
    finally:
        if save is not None:
            save.close()


def _run(
    opts: Options, env: Env, sources: Sequence[Source], tee: Callable[[bytes], object] | None
) -> int:
    state = Run()
    view = _view(opts, env, state, several=len(sources) > 1, live_input=_live(opts, sources))
    command = next((s for s in sources if isinstance(s, CommandSource)), None)
    stops = Stops(command)
    try:
        with stops.handled():
            try:
                stopped_by, child = _read_all(opts, sources, state, view, command, stops, tee)
            except OSError as exc:
                if command is None or command.process is not None:
                    raise
                env.stderr.write(
                    f"castra-tail: error: cannot run {clean(command.argv[0])!r}: "
                    f"{exc.strerror or exc}\n"
                )
                return ExitStatus.CANNOT_RUN
            state.finish(interrupted=stopped_by is not None)
            verdict = judge(
                state, opts.fail_on, strict=opts.strict, signal=stopped_by, command_status=child
            )
            view.close(state, verdict)
    except StdoutClosed:
        _silence_stdout()
        return ExitStatus.PIPE_CLOSED
    return int(verdict.status)


def _read_all(
    opts: Options,
    sources: Sequence[Source],
    state: Run,
    view: View,
    command: CommandSource | None,
    stops: Stops,
    tee: Callable[[bytes], object] | None,
) -> tuple[int | None, int]:
    """Read every source, then wait for a wrapped command's own exit.

    Returns the signal that stopped it all (None when the input ended) and the
    command's exit status (0 without one). On a stop, the command's process
    group, which had the signal passed on, is ended with a bounded wait.
    """
    stopped_by: int | None = None
    try:
        with stops.reading():
            _read(opts, sources, state, view, command, tee)
            if command is None or command.process is None:
                return None, 0
            code = command.wait()
    except Stopped as stop:
        if command is None or command.process is None:
            return stop.signum, 0
        stopped_by, code = stop.signum, command.wait(stopped=True)
    relay_stderr(command, view)
    return stopped_by, code


def _read(
    opts: Options,
    sources: Sequence[Source],
    state: Run,
    view: View,
    command: CommandSource | None,
    tee: Callable[[bytes], object] | None,
) -> None:
    selector = Selector(opts.types, opts.exclude_types, opts.vms, opts.level)
    live_input = _live(opts, sources)
    if view.shows_events or live_input or tee is not None:
        items = read_inputs(
            sources, opts.max_line_bytes, follow=opts.follow, live=live_input, tee=tee
        )
        consume(items, state, view, selector, command)
    else:
        _read_files(sources, state, view, selector, opts)


def _live(opts: Options, sources: Sequence[Source]) -> bool:
    """Whether lines arrive as they are written (followed files, pipes, a command)."""
    return opts.follow is not None or any(getattr(s, "live", False) for s in sources)


class _SaveFile:
    """``--save``: the raw input, written through as it is read."""

    def __init__(self, path: str) -> None:
        try:
            self.file = open(path, "wb")  # noqa: SIM115 - closed by run()
        except OSError as exc:
            raise UsageError(f"cannot write {clean(path)!r}: {exc.strerror or exc}") from exc

    def write_through(self, data: bytes) -> None:
        self.file.write(data)
        self.file.flush()  # a run cut short still leaves what was read

    def close(self) -> None:
        self.file.close()


def _read_files(
    sources: Sequence[Source], state: Run, view: View, sel: Selector, opts: Options
) -> None:
    """Nothing shown line by line: a big file is read on several cores (parallel.py)."""
    from castra_tail import parallel

    jobs = opts.jobs or parallel.jobs_available()
    for source in sources:
        parts = parallel.parts(source.path, jobs) if isinstance(source, FileSource) else 1
        if isinstance(source, FileSource) and parts > 1:
            parallel.read_file(source.path, state, opts.max_line_bytes, parts)
        else:
            consume(read_inputs([source], opts.max_line_bytes), state, view, sel, None)


def replay(paths: Sequence[str], max_line: int = DEFAULT_MAX_LINE) -> Run:
    """The finished ``Run`` of some files, with nothing shown."""
    state = Run()
    items = read_inputs([FileSource(p) for p in paths], max_line)
    consume(items, state, Silent(), Selector(), None)
    state.finish()
    return state


def _sources(opts: Options, env: Env) -> list[Source]:
    if opts.command:
        if opts.files:
            raise UsageError("give files or a command after --, not both")
        return [CommandSource(opts.command)]
    return list(file_sources(opts.files, env, may_appear=opts.follow == "name"))


def file_sources(paths: Sequence[str], env: Env, *, may_appear: bool = False) -> list[FileSource]:
    """The inputs named on the command line (stdin when none), or a UsageError saying why not.

    ``may_appear``: a missing file is waited for (``-F``), as tail -F does.
    """
    paths = tuple(paths) or ("-",)
    if paths.count("-") > 1:
        raise UsageError("standard input ('-') can be read only once")
    for path in paths:
        if may_appear and not os.path.lexists(path):
            continue
        why = unreadable(path)
        if why is not None:
            raise UsageError(f"cannot read {clean(path)!r}: {why}")
    if paths == ("-",) and env.stdin_tty:
        raise UsageError(
            "no input: pipe an event stream in, name a file, or wrap a command "
            "after -- (see --help)"
        )
    return [FileSource(p) for p in paths]


def _view(opts: Options, env: Env, state: Run, *, several: bool, live_input: bool) -> View:
    width = env.width(opts.width)
    if opts.format == "json":
        return ReportView(env, json_document)
    if opts.format == "markdown":
        return ReportView(env, markdown_document)
    if opts.format == "ndjson":
        color = env.wants_color(opts.color, tty=env.stderr.isatty())
        return NdjsonView(env, state, summary=bool(opts.summary), width=width, color=color)
    from castra_tail.textview import LiveView, TextView  # Rich is imported only for text

    color = env.wants_color(opts.color, tty=env.stdout_tty)
    kind = LiveView if (opts.live and live_input and env.stdout_tty) else TextView
    return kind(
        env,
        state,
        color=color,
        width=width,
        stream=not opts.summary_only,
        timelines=opts.timelines,
        summary=opts.summary_only or opts.summary is not False,
        several_sources=several,
        elapsed=opts.elapsed,
    )


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
