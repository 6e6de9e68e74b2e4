"""``castra-tail [OPTIONS] [FILE]...``: the flags of the main command become one ``Options``.

The command returns the exit status of ``app.run``; ``cli.main`` exits with it.
"""

from __future__ import annotations

import sys

import typer

from castra_tail import CONTRACT_VERSION, __version__
from castra_tail.cli import finding as g
from castra_tail.cli import flags as f
from castra_tail.cli.help import command_class
from castra_tail.cli.tools import COMMANDS
from castra_tail.options import Color, Format, UsageError
from castra_tail.output.env import message_line

_HELP = f"""Read Castra Event Contract {CONTRACT_VERSION} streams (NDJSON) from each FILE, or
standard input (-), or the stdout of COMMAND: each event a line, each bootstrap a timeline,
a summary at the end; exit 1 when the run failed.
"""
_EPILOG = """Examples:
  castra-tail -- castra up                  (or: castra up | castra-tail)
  castra-tail -F /var/log/castra/events.ndjson --vm 'web-*' --grep 'apt|dpkg' -i
  castra-tail up.ndjson --format markdown --junit j.xml >> $GITHUB_STEP_SUMMARY

Exit status: 0 passed; 1 failed (--fail-on, --strict, a run cut short, nothing
to judge); 2 usage error; a wrapped command's own when it failed; 74 output not
written; 130 interrupted; 141 stdout went away.
"""
#: The flags most runs need, listed first in --help.
COMMON = (
    "--follow",
    "-F",
    "--type",
    "--vm",
    "--level",
    "--grep",
    "--tail",
    "--since",
    "--format",
    "--quiet",
    "--summary-only",
)
_Command = command_class(
    usages=("[OPTIONS] -- COMMAND [ARGS]...", "runs|compare|stats|check|schema|demo [OPTIONS] ..."),
    environment=(("--width", "CASTRA_TAIL_WIDTH"),),
    common=COMMON,
    commands=COMMANDS,
)


def tail_app(command: tuple[str, ...] = ()) -> typer.Typer:
    """The main command; ``command`` is what followed ``--`` (run it and read its stdout)."""
    app = f.typer_app(completion=True)

    @app.command(help=_HELP, epilog=_EPILOG, cls=_Command)
    def tail(
        ctx: typer.Context,
        files: f.Files = None,
        type_: f.Types = None,
        exclude_type: f.ExcludeTypes = None,
        vm: f.Vms = None,
        level: f.MinLevel = "info",
        grep: g.Grep = None,
        ignore_case: g.IgnoreCase = False,
        tail: g.Tail = None,
        since: g.Since = None,
        until: g.Until = None,
        fmt: f.OutputFormat = None,
        json_: f.Json = False,
        quiet: f.Quiet = 0,
        summary: f.Summary = None,
        summary_only: f.SummaryOnly = False,
        timelines: f.Timelines = True,
        color: f.Colour = "auto",
        no_color: f.NoColour = False,
        width: f.Width = None,
        fail_on: f.FailOnLevel = "error",
        strict: f.Strict = False,
        follow: f.FollowFile = False,
        follow_name: f.FollowName = False,
        live: f.Live = True,
        elapsed: f.Elapsed = False,
        save: f.Save = None,
        junit: f.Junit = None,
        jobs: f.Jobs = None,
        max_line_bytes: f.MaxLineBytes = f.DEFAULT_MAX_LINE,
        run: f.Runs = None,
        canonical: f.Canonical = False,
        version: f.Version = False,
    ) -> None:
        if version:
            print(f"castra-tail {__version__} (Event Contract {CONTRACT_VERSION})")
            return
        from castra_tail import app as tail_app
        from castra_tail.contract.levels import Level, parse_level
        from castra_tail.filters import pattern_hint
        from castra_tail.options import Follow, Options
        from castra_tail.output.env import Env
        from castra_tail.run.selection import ALL

        for pattern in [*(type_ or ()), *(exclude_type or ())]:
            hint = pattern_hint(pattern)
            if hint:
                sys.stderr.write(message_line(hint, "warning"))
        opts = Options(
            files=tuple(files or ()),
            command=command,
            follow=Follow.name if follow_name else Follow.descriptor if follow else None,
            live=live,
            elapsed=elapsed,
            format=_format(ctx, fmt, json_=json_, quiet=quiet),
            types=tuple(type_ or ()),
            exclude_types=tuple(exclude_type or ()),
            vms=tuple(vm or ()),
            level=parse_level(level) or Level.INFO,
            fail_on=None if fail_on == "never" else parse_level(fail_on),
            strict=strict,
            summary=summary,
            summary_only=summary_only,
            timelines=timelines,
            color=_color(ctx, color, no_color=no_color),
            width=width,
            max_line_bytes=max_line_bytes,
            jobs=jobs,
            save=save,
            runs=run or ALL,
            canonical=canonical,
            grep=tuple(grep or ()),
            ignore_case=ignore_case,
            tail=tail,
            since=since,
            until=until,
            quiet=min(quiet, 2),
            junit=junit,
        )
        if canonical and opts.format is not Format.ndjson:
            raise UsageError("--canonical rewrites lines: it goes with --format ndjson")
        raise typer.Exit(tail_app.run(opts, Env.from_process()))

    return app


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the flag behind parameter ``name`` was given on the command line."""
    source = ctx.get_parameter_source(name)
    return source is not None and source.name == "COMMANDLINE"


def _format(ctx: typer.Context, fmt: str | None, *, json_: bool, quiet: int) -> Format:
    """``--format``, ``--json`` and ``-q`` as one format; the command line wins over the
    environment, and two formats asked for on the command line are a usage error."""
    given = _given(ctx, "fmt")
    if json_:
        if given and fmt != "json":
            raise UsageError(f"--json is --format json: not with --format {fmt}")
        fmt = "json"
    if quiet:
        if json_ or (given and fmt != "text"):
            raise UsageError(f"-q/--quiet prints the verdict line only: not with --format {fmt}")
        fmt = "text"
    return Format(fmt or "text")


def _color(ctx: typer.Context, color: str, *, no_color: bool) -> Color:
    if no_color:
        if _given(ctx, "color") and color != "never":
            raise UsageError(f"--no-color is --color never: not with --color {color}")
        return Color.never
    return Color(color)
