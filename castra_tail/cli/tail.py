"""``castra-tail [OPTIONS] [FILE]...``: the flags of the main command become one ``Options``.

The command returns the exit status of ``app.run``; ``cli.main`` exits with it.
"""

from __future__ import annotations

import sys

import typer

from castra_tail import CONTRACT_VERSION, __version__
from castra_tail.cli import flags as f
from castra_tail.output.env import message_line

_HELP = f"""Read Castra Event Contract {CONTRACT_VERSION} streams (NDJSON): decode, filter,
render, and exit non-zero when the run failed.

Reads standard input when no FILE is given (or for -), else each FILE in order,
or the stdout of COMMAND given after --.
"""
_EPILOG = """Examples:

  castra up | castra-tail

  castra-tail -- castra up          (runs it; no set -o pipefail needed)

  castra-tail -F /var/log/castra/events.ndjson

  castra-tail logs/up.ndjson --vm web-0 --level warn

  castra-tail up.ndjson --format ndjson --type bootstrap | jq .duration_ms

  castra-tail --format json up.ndjson > report.json

  castra-tail --format markdown --junit junit.xml up.ndjson >> "$GITHUB_STEP_SUMMARY"

  castra-tail --format trace up.ndjson > up.trace.json   (open in ui.perfetto.dev)

  castra-tail demo

Exit status: 0 clean; 1 an event at or above --fail-on (or a malformed line with
--strict, or an incomplete stream); 2 usage error; a wrapped command's own status
when it failed; 74 output could not be written; 130 interrupted; 141 the reader
of stdout went away.
"""


def tail_app(command: tuple[str, ...] = ()) -> typer.Typer:
    """The main command; ``command`` is what followed ``--`` (run it and read its stdout)."""
    app = f.typer_app(completion=True)

    @app.command(help=_HELP, epilog=_EPILOG)
    def tail(
        files: f.Files = None,
        type_: f.Types = None,
        exclude_type: f.ExcludeTypes = None,
        vm: f.Vms = None,
        level: f.MinLevel = f.LevelName.info,
        fmt: f.OutputFormat = f.Format.text,
        summary: f.Summary = None,
        summary_only: f.SummaryOnly = False,
        timelines: f.Timelines = True,
        color: f.Colour = f.Color.auto,
        width: f.Width = None,
        fail_on: f.FailOnLevel = f.FailOn.error,
        strict: f.Strict = False,
        follow: f.FollowFile = False,
        follow_name: f.FollowName = False,
        live: f.Live = True,
        elapsed: f.Elapsed = False,
        save: f.Save = None,
        junit: f.Junit = None,
        jobs: f.Jobs = None,
        max_line_bytes: f.MaxLineBytes = f.DEFAULT_MAX_LINE,
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
            format=fmt,
            types=tuple(type_ or ()),
            exclude_types=tuple(exclude_type or ()),
            vms=tuple(vm or ()),
            level=parse_level(level.value) or Level.INFO,
            fail_on=None if fail_on is f.FailOn.never else parse_level(fail_on.value),
            strict=strict,
            summary=summary,
            summary_only=summary_only,
            timelines=timelines,
            color=color,
            width=width,
            max_line_bytes=max_line_bytes,
            jobs=jobs,
            save=save,
            junit=junit,
        )
        raise typer.Exit(tail_app.run(opts, Env.from_process()))

    return app
