"""The Typer commands: ``castra-tail [OPTIONS] [FILE]...`` and ``castra-tail demo``.

Flags become one ``app.Options``; the command returns the exit status and
``cli`` exits with it.
"""

import sys
from enum import StrEnum
from typing import Annotated

import typer

from castra_tail import CONTRACT_VERSION, __version__
from castra_tail.reader import DEFAULT_MAX_LINE

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

  castra-tail demo

Exit status: 0 clean; 1 an event at or above --fail-on (or a malformed line with
--strict, or an incomplete stream); 2 usage error; a wrapped command's own status
when it failed; 130 interrupted.
"""


#: The inputs of ``castra-tail`` and ``castra-tail check``.
Files = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="FILE",
        help="Event streams to read; - (or none) is standard input.",
        show_default=False,
    ),
]
MaxLineBytes = Annotated[
    int,
    typer.Option(
        "--max-line-bytes",
        rich_help_panel="Input",
        min=1,
        metavar="BYTES",
        help="Longer lines are skipped and reported, never held in memory.",
    ),
]


class Format(StrEnum):
    """--format values."""

    text = "text"
    ndjson = "ndjson"
    json = "json"
    markdown = "markdown"


class Color(StrEnum):
    """--color values."""

    auto = "auto"
    always = "always"
    never = "never"


class LevelName(StrEnum):
    """--level values."""

    info = "info"
    progress = "progress"
    warn = "warn"
    error = "error"
    blocker = "blocker"


class FailOn(StrEnum):
    """--fail-on values."""

    info = "info"
    progress = "progress"
    warn = "warn"
    error = "error"
    blocker = "blocker"
    never = "never"


def complete_types(incomplete: str) -> list[str]:
    """Shell completion for --type/--exclude-type: the contract's types and families."""
    from castra_tail.events import KNOWN_TYPES
    from castra_tail.filters import FAMILIES

    return [name for name in (*FAMILIES, *KNOWN_TYPES) if name.startswith(incomplete)]


def tail_app(command: tuple[str, ...] = ()) -> typer.Typer:
    """The main command; ``command`` is what followed ``--`` (run it and read its stdout)."""
    app = _typer(completion=True)

    @app.command(help=_HELP, epilog=_EPILOG)
    def tail(
        files: Files = None,
        type_: Annotated[
            list[str] | None,
            typer.Option(
                "--type",
                "-t",
                metavar="PATTERN",
                rich_help_panel="Filters",
                autocompletion=complete_types,
                help="Show only these types: exact (bootstrap.step), a family (bootstrap), "
                "or a glob (command.re*). Repeatable.",
            ),
        ] = None,
        exclude_type: Annotated[
            list[str] | None,
            typer.Option(
                "--exclude-type",
                "-T",
                metavar="PATTERN",
                rich_help_panel="Filters",
                autocompletion=complete_types,
                help="Hide these types (same patterns as --type). Repeatable.",
            ),
        ] = None,
        vm: Annotated[
            list[str] | None,
            typer.Option(
                "--vm",
                metavar="NAME",
                rich_help_panel="Filters",
                help="Show only events about this VM (a glob: 'web-*'). Repeatable.",
            ),
        ] = None,
        level: Annotated[
            LevelName,
            typer.Option(
                "--level",
                "-l",
                rich_help_panel="Filters",
                envvar="CASTRA_TAIL_LEVEL",
                case_sensitive=False,
                help="Show only events at or above this attention level.",
            ),
        ] = LevelName.info,
        fmt: Annotated[
            Format,
            typer.Option(
                "--format",
                rich_help_panel="Output",
                envvar="CASTRA_TAIL_FORMAT",
                case_sensitive=False,
                help="text for people; ndjson: the selected input lines, byte for byte; "
                "json: one report at the end; markdown: the summary for a CI job page.",
            ),
        ] = Format.text,
        summary: Annotated[
            bool | None,
            typer.Option(
                "--summary/--no-summary",
                rich_help_panel="Output",
                show_default=False,
                help="Print the final summary (default: on for text, off for ndjson, "
                "where it goes to stderr).",
            ),
        ] = None,
        summary_only: Annotated[
            bool,
            typer.Option(
                "--summary-only", rich_help_panel="Output", help="Print only the final summary."
            ),
        ] = False,
        timelines: Annotated[
            bool,
            typer.Option(
                "--timelines/--no-timelines",
                rich_help_panel="Output",
                help="Draw each VM's bootstrap timeline when it ends.",
            ),
        ] = True,
        color: Annotated[
            Color,
            typer.Option(
                "--color",
                rich_help_panel="Output",
                envvar="CASTRA_TAIL_COLOR",
                case_sensitive=False,
                help="auto: colour on a terminal unless NO_COLOR is set.",
            ),
        ] = Color.auto,
        width: Annotated[
            int | None,
            typer.Option(
                "--width",
                rich_help_panel="Output",
                min=20,
                envvar="CASTRA_TAIL_WIDTH",
                metavar="COLUMNS",
                help="Columns for timelines and the summary (default: the terminal's, "
                "$COLUMNS, or 80).",
                show_default=False,
            ),
        ] = None,
        fail_on: Annotated[
            FailOn,
            typer.Option(
                "--fail-on",
                rich_help_panel="Exit status",
                envvar="CASTRA_TAIL_FAIL_ON",
                case_sensitive=False,
                help="Exit 1 when any event is at or above this level; never: don't.",
            ),
        ] = FailOn.error,
        strict: Annotated[
            bool,
            typer.Option(
                "--strict",
                rich_help_panel="Exit status",
                help="Exit 1 when any line is not a valid event.",
            ),
        ] = False,
        follow: Annotated[
            bool,
            typer.Option(
                "--follow",
                "-f",
                rich_help_panel="Input",
                help="At the end of a file, wait for more, like tail -f.",
            ),
        ] = False,
        follow_name: Annotated[
            bool,
            typer.Option(
                "-F",
                rich_help_panel="Input",
                help="Follow by name: when a file is replaced (rotated) or truncated, say so "
                "and read the new content from its start, like tail -F.",
            ),
        ] = False,
        live: Annotated[
            bool,
            typer.Option(
                "--live/--no-live",
                rich_help_panel="Output",
                help="On a terminal, with live input (a pipe, --follow, a command), keep a "
                "panel of the VMs under the log.",
            ),
        ] = True,
        elapsed: Annotated[
            bool,
            typer.Option(
                "--elapsed",
                rich_help_panel="Output",
                help="Start each line with the time since the stream began (+12.3s), or the "
                "event's own ts when it has one.",
            ),
        ] = False,
        save: Annotated[
            str | None,
            typer.Option(
                "--save",
                rich_help_panel="Input",
                metavar="FILE",
                help="Also write the raw input to FILE, byte for byte, bad lines included.",
                show_default=False,
            ),
        ] = None,
        jobs: Annotated[
            int | None,
            typer.Option(
                "--jobs",
                "-j",
                rich_help_panel="Input",
                min=1,
                envvar="CASTRA_TAIL_JOBS",
                help="Processes for a big plain file when nothing is shown line by line "
                "(--summary-only, --format json). Default, and at most: one per core.",
                show_default=False,
            ),
        ] = None,
        max_line_bytes: MaxLineBytes = DEFAULT_MAX_LINE,
        version: Annotated[
            bool, typer.Option("--version", "-V", help="Print the version and exit.")
        ] = False,
    ) -> None:
        if version:
            print(f"castra-tail {__version__} (Event Contract {CONTRACT_VERSION})")
            return
        from castra_tail import app as tail_app
        from castra_tail.attention import Level, parse_level
        from castra_tail.filters import pattern_hint
        from castra_tail.output import Env

        for pattern in [*(type_ or ()), *(exclude_type or ())]:
            hint = pattern_hint(pattern)
            if hint:
                sys.stderr.write(f"castra-tail: warning: {hint}\n")
        opts = tail_app.Options(
            files=tuple(files or ()),
            command=command,
            follow="name" if follow_name else "descriptor" if follow else None,
            live=live,
            elapsed=elapsed,
            format=fmt.value,
            types=tuple(type_ or ()),
            exclude_types=tuple(exclude_type or ()),
            vms=tuple(vm or ()),
            level=parse_level(level.value) or Level.INFO,
            fail_on=None if fail_on is FailOn.never else parse_level(fail_on.value),
            strict=strict,
            summary=summary,
            summary_only=summary_only,
            timelines=timelines,
            color=color.value,
            width=width,
            max_line_bytes=max_line_bytes,
            jobs=jobs,
            save=save,
        )
        raise typer.Exit(tail_app.run(opts, Env.from_process()))

    return app


def demo_app() -> typer.Typer:
    """``castra-tail demo``."""
    from castra_tail import demo

    app = _typer()

    @app.command(
        help="Replay a shipped example stream: at a realistic pace on a terminal, "
        "at once otherwise."
    )
    def run_demo(
        name: Annotated[
            str, typer.Argument(help=f"Example to replay: {', '.join(demo.names())}.")
        ] = demo.DEFAULT,
        speed: Annotated[
            float,
            typer.Option(
                "--speed", min=0.0, help="How many times faster than real; 0 replays at once."
            ),
        ] = 1.0,
        color: Annotated[Color, typer.Option("--color", case_sensitive=False)] = Color.auto,
    ) -> None:
        raise typer.Exit(demo.run(name, speed=speed, color=color.value))

    return app


class CheckFormat(StrEnum):
    """check --format values."""

    text = "text"
    json = "json"


def check_app() -> typer.Typer:
    """``castra-tail check``."""
    app = _typer()

    @app.command(
        help="Validate streams against Event Contract v1: each violation as "
        "FILE:LINE: reason. Exit 1 when there is any (notes do not count)."
    )
    def check(
        files: Files = None,
        fmt: Annotated[
            CheckFormat,
            typer.Option(
                "--format",
                case_sensitive=False,
                help="text: a line per finding; json: one document for machines.",
            ),
        ] = CheckFormat.text,
        max_line_bytes: MaxLineBytes = DEFAULT_MAX_LINE,
    ) -> None:
        from castra_tail import check as checking
        from castra_tail.app import file_sources
        from castra_tail.output import Env

        env = Env.from_process()
        sources = file_sources(files or (), env)
        raise typer.Exit(checking.run(sources, env.stdout, fmt=fmt.value, max_line=max_line_bytes))

    return app


def schema_app() -> typer.Typer:
    """``castra-tail schema``."""
    app = _typer()

    @app.command(
        help=f"Print the JSON Schema (draft 2020-12) of Event Contract "
        f"{CONTRACT_VERSION}, generated from castra-tail's own types."
    )
    def schema() -> None:
        from castra_tail.output import Env
        from castra_tail.schema import encode

        out = Env.from_process().stdout
        out.write_bytes(encode())
        out.flush()

    return app


def _typer(*, completion: bool = False) -> typer.Typer:
    return typer.Typer(
        add_completion=completion,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )
