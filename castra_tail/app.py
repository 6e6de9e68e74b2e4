"""The app: one ``Options`` and one ``Env`` in, an exit status out (only ``cli`` exits).

It chooses the sources (files, stdin, a wrapped command) and the view (one
per ``--format``), runs the pipeline (pipeline.py) over them — or, when
nothing is shown line by line, reads big plain files on several cores
(parallel.py) — under the stop signals' handling (stops.py), then finishes
the state, judges it (run/verdict.py) and lets the view close.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Sequence

from castra_tail import selection
from castra_tail.filters import Selector
from castra_tail.input.command import CommandSource
from castra_tail.input.read import read_inputs
from castra_tail.input.save import SaveFile
from castra_tail.input.sources import FileSource, Source, open_files
from castra_tail.options import Follow, Format, Options, UsageError
from castra_tail.output.env import Env
from castra_tail.output.junit_file import JunitFile
from castra_tail.output.modes import (
    PICTURES,
    NdjsonView,
    ReportView,
    View,
    json_document,
    markdown_document,
)
from castra_tail.output.quiet import QuietView
from castra_tail.output.stdio import StdoutClosed
from castra_tail.output.tailing import TailView
from castra_tail.pipeline import consume, relay_stderr, replay
from castra_tail.render.text import clean
from castra_tail.run.spool import Spool
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Policy, judge
from castra_tail.status import ExitStatus
from castra_tail.stops import Stopped, Stops


def run(opts: Options, env: Env, sources: Sequence[Source] | None = None) -> int:
    """Read every source, render as asked, and return the exit status."""
    if sources is None:
        sources = _sources(opts, env)
    paths = [s.path for s in sources if isinstance(s, FileSource)]
    # --junit is checked first (--since 10m may read a whole compressed input); --save
    # after every usage error, since opening it empties it.
    junit = JunitFile(opts.junit, paths, opts.save) if opts.junit else None
    sel = selection.selector(opts, [s.path if isinstance(s, FileSource) else "-" for s in sources])
    save = SaveFile(opts.save, paths) if opts.save else None
    try:
        status = _run(opts, env, sources, save.write_through if save else None, sel, junit)
    finally:
        if save is not None:
            save.close()
    for output in (save, junit):
        if output is not None and output.error is not None:  # said last, where it is seen
            env.error(str(output.error))
            if status in (ExitStatus.OK, ExitStatus.FAILED):
                status = ExitStatus.IO_ERROR
    return status


def _run(
    opts: Options,
    env: Env,
    sources: Sequence[Source],
    tee: Callable[[bytes], object] | None,
    sel: Selector,
    junit: JunitFile | None = None,
) -> int:
    stream = Stream(Policy(opts.fail_on, opts.strict), opts.runs)
    view = _view(opts, env, stream, sel, several=len(sources) > 1, live_input=_live(opts, sources))
    command = next((s for s in sources if isinstance(s, CommandSource)), None)
    stops = Stops(command)
    spool = Spool(opts.runs.from_end) if opts.runs.relative and view.shows_events else None
    try:
        with stops.handled():
            try:
                stopped_by, child = _read_all(
                    opts, sources, stream, view, sel, command, stops, tee, spool
                )
            except OSError as exc:
                if command is None or command.process is not None:
                    raise
                env.error(f"cannot run {clean(command.argv[0])!r}: {exc.strerror or exc}")
                return ExitStatus.CANNOT_RUN
            stream.finish(interrupted=stopped_by is not None)
            if stream.detail is None:
                raise UsageError(f"--run {opts.runs.text}: {_runs(stream.runs)} in the input")
            if spool is not None:
                replay(spool, stream, view, sel)
            verdict = judge(stream, signal=stopped_by, command_status=child)
            if junit is not None:  # before the view: a closed stdout must not cost the report
                junit.write(stream, verdict)
            view.close(stream, verdict)
            if view.shows_events:  # said last, where it is seen
                for note in selection.notes(opts, stream.seen, sel):
                    env.warning(note)
    except StdoutClosed:
        _silence_stdout()
        return ExitStatus.PIPE_CLOSED
    finally:
        if spool is not None:
            spool.close()
    return int(verdict.status)


def _runs(n: int) -> str:
    return "there is 1 run" if n == 1 else f"there are {n:,} runs"


def _read_all(
    opts: Options,
    sources: Sequence[Source],
    stream: Stream,
    view: View,
    sel: Selector,
    command: CommandSource | None,
    stops: Stops,
    tee: Callable[[bytes], object] | None,
    spool: Spool | None,
) -> tuple[int | None, int]:
    """Read every source, then wait for a wrapped command's own exit.

    Returns the signal that stopped it all (None when the input ended) and the
    command's exit status (0 without one). On a stop, the command's process
    group, which had the signal passed on, is ended with a bounded wait.
    """
    stopped_by: int | None = None
    try:
        with stops.reading():
            _read(opts, sources, stream, view, sel, command, tee, spool)
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
    stream: Stream,
    view: View,
    selector: Selector,
    command: CommandSource | None,
    tee: Callable[[bytes], object] | None,
    spool: Spool | None,
) -> None:
    live_input = _live(opts, sources)
    if view.shows_events or live_input or tee is not None or opts.runs.explicit:
        items = read_inputs(
            sources, opts.max_line_bytes, follow_files=opts.follow, live=live_input, tee=tee
        )
        consume(items, stream, view, selector, command, spool=spool)
    else:
        _read_files(sources, stream, view, selector, opts)


def _live(opts: Options, sources: Sequence[Source]) -> bool:
    """Whether lines arrive as they are written (followed files, pipes, a command)."""
    return opts.follow is not None or any(getattr(s, "live", False) for s in sources)


def _read_files(
    sources: Sequence[Source], stream: Stream, view: View, sel: Selector, opts: Options
) -> None:
    """Nothing shown line by line, every run judged: a big file is read on several cores."""
    from castra_tail import parallel

    jobs = opts.jobs or parallel.idle_cores()  # an explicit -j is taken as it is
    for source in sources:
        parts = parallel.parts(source.path, jobs) if isinstance(source, FileSource) else 1
        if isinstance(source, FileSource) and parts > 1:
            parallel.read_file(source.path, stream, opts.max_line_bytes, parts)
        else:
            consume(read_inputs([source], opts.max_line_bytes), stream, view, sel, None)


def _sources(opts: Options, env: Env) -> list[Source]:
    if opts.command:
        if opts.files:
            raise UsageError("give files or a command after --, not both")
        return [CommandSource(opts.command)]
    follow = opts.follow is not None
    return list(
        open_files(
            opts.files,
            stdin_tty=env.stdin_tty,
            stdin_closed=env.stdin_closed,
            may_appear=opts.follow is Follow.name,
            follow=follow,
        )
    )


def _view(
    opts: Options, env: Env, stream: Stream, sel: Selector, *, several: bool, live_input: bool
) -> View:
    view = _format_view(opts, env, stream, sel, several=several, live_input=live_input)
    if opts.tail is not None and view.shows_events:
        return TailView(view, opts.tail, following=opts.follow is not None)
    return view


def _format_view(
    opts: Options, env: Env, stream: Stream, sel: Selector, *, several: bool, live_input: bool
) -> View:
    width = env.width(opts.width)
    if opts.quiet:
        color = env.wants_color(opts.color, tty=env.stdout_tty)
        return QuietView(env, color=color, width=width, silent=opts.quiet > 1)
    if opts.format is Format.json:
        return ReportView(env, json_document)
    if opts.format is Format.markdown:
        return ReportView(env, markdown_document)
    if opts.format in PICTURES:
        return ReportView(env, PICTURES[opts.format](opts, width))
    if opts.format is Format.github:
        return _github(opts, env, stream, width, several=several)
    if opts.format is Format.ndjson:
        color = env.wants_color(opts.color, tty=env.stderr.isatty())
        return NdjsonView(
            env, summary=bool(opts.summary), width=width, color=color, canonical=opts.canonical
        )
    from castra_tail.output.terminal import LiveView, TextView  # Rich is imported only for text

    color = env.wants_color(opts.color, tty=env.stdout_tty)
    # A dumb terminal cannot move its cursor: no panel there, only the lines.
    terminal = env.stdout_tty and env.environ.get("TERM") != "dumb"
    kind = LiveView if (opts.live and live_input and terminal) else TextView
    return kind(
        env,
        stream,
        color=color,
        width=width,
        lines=not opts.summary_only,
        timelines=opts.timelines,
        summary=opts.summary_only or opts.summary is not False,
        several_sources=several,
        elapsed=opts.elapsed,
        vm_filter=sel.wants_vm if opts.vms else None,
        highlight=_patterns(opts) if color else None,
    )


def _patterns(opts: Options) -> list[re.Pattern[str]] | None:
    """``--grep``'s patterns, for the text view to highlight what they match."""
    flags = re.IGNORECASE if opts.ignore_case else 0
    return [re.compile(p, flags) for p in opts.grep] or None


def _github(opts: Options, env: Env, stream: Stream, width: int, *, several: bool) -> View:
    from castra_tail.output.github import GithubView

    return GithubView(
        env,
        stream,
        color=env.wants_color(opts.color, tty=env.stdout_tty),
        width=width,
        lines=not opts.summary_only,
        timelines=opts.timelines,
        summary=opts.summary_only or opts.summary is not False,
        several_sources=several,
    )


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
