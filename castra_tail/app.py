"""The loop that wires reading, decoding, state and views; returns an exit status.

Only ``cli`` exits. This module turns one ``Options`` into an ``ExitStatus``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from castra_tail.attention import LEVEL_RULES, Level
from castra_tail.decode import BLANK, Malformed, Unknown, decode
from castra_tail.events import TYPE_OF
from castra_tail.filters import Selector
from castra_tail.output import Env, StdoutClosed
from castra_tail.reader import DEFAULT_MAX_LINE, FileSource, Oversized, Source, batches, unreadable
from castra_tail.state import Run
from castra_tail.text import clean, size
from castra_tail.verdict import ExitStatus, judge
from castra_tail.views import JsonView, NdjsonView, TextView, View

FORMATS: Final = ("text", "ndjson", "json")
#: Exit status when the reader of stdout went away, as a shell reports SIGPIPE.
PIPE_CLOSED: Final = 128 + 13


class UsageError(Exception):
    """A mistake in how castra-tail was called: one line on stderr, exit 2."""


@dataclass(frozen=True)
class Options:
    """Everything the command line decides."""

    files: tuple[str, ...] = ()
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
    color: str = "auto"
    width: int | None = None
    max_line_bytes: int = DEFAULT_MAX_LINE


def run(opts: Options, env: Env, sources: Sequence[Source] | None = None) -> int:
    """Read every source, render as asked, and return the exit status."""
    if sources is None:
        sources = _sources(opts, env)
    state = Run()
    view = _view(opts, env, state, several=len(sources) > 1)
    selector = Selector(opts.types, opts.exclude_types, opts.vms, opts.level)
    interrupted = False
    try:
        try:
            _consume(sources, state, view, selector, opts.max_line_bytes)
        except KeyboardInterrupt:
            interrupted = True
        state.finish(interrupted=interrupted)
        verdict = judge(state, opts.fail_on, strict=opts.strict)
        view.close(state, verdict)
    except StdoutClosed:
        _silence_stdout()
        return PIPE_CLOSED
    return int(verdict.status)


def replay(paths: Sequence[str], max_line: int = DEFAULT_MAX_LINE) -> Run:
    """The finished ``Run`` of some files, with nothing shown."""
    state = Run()
    _consume([FileSource(p) for p in paths], state, _Quiet(), Selector(), max_line)
    state.finish()
    return state


class _Quiet:
    """A view that shows nothing."""

    def event(self, event: object, level: Level, raw: bytes) -> None: ...
    def unknown(self, type_name: str, raw: bytes) -> None: ...
    def malformed(self, source: str, line: int, reason: str, raw: bytes | None) -> None: ...
    def text(self, raw: bytes) -> None: ...
    def flush(self) -> None: ...
    def close(self, run: Run, verdict: object) -> None: ...


def _sources(opts: Options, env: Env) -> list[Source]:
    paths = opts.files or ("-",)
    if paths.count("-") > 1:
        raise UsageError("standard input ('-') can be read only once")
    for path in paths:
        why = unreadable(path)
        if why is not None:
            raise UsageError(f"cannot read {clean(path)!r}: {why}")
    if paths == ("-",) and env.stdin_tty:
        raise UsageError("no input: pipe an event stream in, or name a file (see --help)")
    return [FileSource(p) for p in paths]


def _view(opts: Options, env: Env, state: Run, *, several: bool) -> View:
    width = env.width(opts.width)
    if opts.format == "json":
        return JsonView(env)
    if opts.format == "ndjson":
        color = env.wants_color(opts.color, tty=env.stderr.isatty())
        return NdjsonView(env, state, summary=bool(opts.summary), width=width, color=color)
    color = env.wants_color(opts.color, tty=env.stdout_tty)
    show_summary = opts.summary_only or opts.summary is not False
    return TextView(
        env, state, color=color, width=width, stream=not opts.summary_only,
        timelines=opts.timelines, summary=show_summary, several_sources=several,
    )


def _consume(sources: Sequence[Source], state: Run, view: View, sel: Selector, max_line: int) -> None:
    rules, type_of, add = LEVEL_RULES, TYPE_OF, state.add
    for source in sources:
        name = source.name
        with source.open() as stream:
            for first, lines in batches(stream, max_line):
                state.lines += len(lines)
                for lineno, raw in enumerate(lines, first):
                    if raw.__class__ is Oversized:
                        reason = f"line of {size(raw.size)} is longer than --max-line-bytes"  # type: ignore[union-attr]
                        _bad(state, view, sel, name, lineno, reason, None, text=False)
                        continue
                    if not raw:
                        continue
                    decoded = decode(raw)  # type: ignore[arg-type]
                    cls = decoded.__class__
                    if cls is Malformed:
                        if decoded is not BLANK:
                            _bad(state, view, sel, name, lineno, decoded.reason, raw, text=decoded.text)  # type: ignore[union-attr,arg-type]
                        continue
                    if cls is Unknown:
                        state.add_unknown(decoded.type)  # type: ignore[union-attr]
                        if sel.wants(decoded.type, None, Level.INFO):  # type: ignore[union-attr]
                            view.unknown(decoded.type, raw)  # type: ignore[union-attr,arg-type]
                        continue
                    level = rules[cls](decoded)
                    add(decoded, level, name, lineno)  # type: ignore[arg-type]
                    if sel.wants(type_of[cls], getattr(decoded, "vm", None), level):
                        view.event(decoded, level, raw)  # type: ignore[arg-type]
                view.flush()


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


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass
