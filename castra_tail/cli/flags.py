"""The command line's flags, declared once: Typer ``Annotated`` types the commands share.

Each flag is a type here, so a command's signature is a line per flag, and a
flag two commands take (``FILE…``, ``--max-line-bytes``) is declared once.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from castra_tail.input.framing import DEFAULT_MAX_LINE as DEFAULT_MAX_LINE
from castra_tail.options import Color as Color
from castra_tail.options import Format as Format
from castra_tail.output.env import MAX_WIDTH, MIN_WIDTH


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


class CheckFormat(StrEnum):
    """check --format values."""

    text = "text"
    json = "json"


def complete_types(incomplete: str) -> list[str]:
    """Shell completion for --type/--exclude-type: the contract's types and families."""
    from castra_tail.contract.events import KNOWN_TYPES
    from castra_tail.filters import FAMILIES

    return [name for name in (*FAMILIES, *KNOWN_TYPES) if name.startswith(incomplete)]


def typer_app(*, completion: bool = False) -> typer.Typer:
    """A Typer app with castra-tail's help conventions."""
    return typer.Typer(
        add_completion=completion,
        rich_markup_mode="rich",
        context_settings={"help_option_names": ["-h", "--help"]},
    )


FILTERS, OUTPUT, EXIT, INPUT = "Filters", "Output", "Exit status", "Input"

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
        rich_help_panel=INPUT,
        min=1,
        metavar="BYTES",
        help="Longer lines are skipped and reported, never held in memory.",
    ),
]
Types = Annotated[
    list[str] | None,
    typer.Option(
        "--type",
        "-t",
        metavar="PATTERN",
        rich_help_panel=FILTERS,
        autocompletion=complete_types,
        help="Show only these types: exact (bootstrap.step), a family (bootstrap), "
        "or a glob (command.re*). Repeatable.",
    ),
]
ExcludeTypes = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude-type",
        "-T",
        metavar="PATTERN",
        rich_help_panel=FILTERS,
        autocompletion=complete_types,
        help="Hide these types (same patterns as --type). Repeatable.",
    ),
]
Vms = Annotated[
    list[str] | None,
    typer.Option(
        "--vm",
        metavar="NAME",
        rich_help_panel=FILTERS,
        help="Show only events about this VM (a glob: 'web-*'). Repeatable.",
    ),
]
MinLevel = Annotated[
    LevelName,
    typer.Option(
        "--level",
        "-l",
        rich_help_panel=FILTERS,
        envvar="CASTRA_TAIL_LEVEL",
        case_sensitive=False,
        help="Show only events at or above this attention level.",
    ),
]
OutputFormat = Annotated[
    Format,
    typer.Option(
        "--format",
        rich_help_panel=OUTPUT,
        envvar="CASTRA_TAIL_FORMAT",
        case_sensitive=False,
        help="text for people; ndjson: the selected input lines, byte for byte; "
        "json: one report at the end; markdown: the summary and a Mermaid timeline for "
        "a CI job page; github: GitHub Actions folds and annotations; html, svg: the "
        "summary and timelines as a page or picture; trace: Chrome trace JSON (Perfetto).",
    ),
]
Summary = Annotated[
    bool | None,
    typer.Option(
        "--summary/--no-summary",
        rich_help_panel=OUTPUT,
        show_default=False,
        help="Print the final summary (default: on for text, off for ndjson, "
        "where it goes to stderr).",
    ),
]
SummaryOnly = Annotated[
    bool,
    typer.Option("--summary-only", rich_help_panel=OUTPUT, help="Print only the final summary."),
]
Timelines = Annotated[
    bool,
    typer.Option(
        "--timelines/--no-timelines",
        rich_help_panel=OUTPUT,
        help="Draw each VM's bootstrap timeline when it ends.",
    ),
]
Colour = Annotated[
    Color,
    typer.Option(
        "--color",
        rich_help_panel=OUTPUT,
        envvar="CASTRA_TAIL_COLOR",
        case_sensitive=False,
        help="auto: colour on a terminal unless NO_COLOR is set.",
    ),
]
Width = Annotated[
    int | None,
    typer.Option(
        "--width",
        rich_help_panel=OUTPUT,
        min=MIN_WIDTH,
        max=MAX_WIDTH,
        metavar="COLUMNS",
        # CASTRA_TAIL_WIDTH is read by Env.width, not by Typer: from the
        # environment, garbage is as if unset and a number out of range is clamped.
        help="Columns for timelines and the summary (default: $CASTRA_TAIL_WIDTH, "
        "the terminal's, $COLUMNS, or 80). [env var: CASTRA_TAIL_WIDTH]",
        show_default=False,
    ),
]
FailOnLevel = Annotated[
    FailOn,
    typer.Option(
        "--fail-on",
        rich_help_panel=EXIT,
        envvar="CASTRA_TAIL_FAIL_ON",
        case_sensitive=False,
        help="Exit 1 when any event is at or above this level; never: don't.",
    ),
]
Strict = Annotated[
    bool,
    typer.Option(
        "--strict", rich_help_panel=EXIT, help="Exit 1 when any line is not a valid event."
    ),
]
FollowFile = Annotated[
    bool,
    typer.Option(
        "--follow",
        "-f",
        rich_help_panel=INPUT,
        help="At the end of a file, wait for more, like tail -f.",
    ),
]
FollowName = Annotated[
    bool,
    typer.Option(
        "-F",
        rich_help_panel=INPUT,
        help="Follow by name: when a file is replaced (rotated) or truncated, say so "
        "and read the new content from its start, like tail -F.",
    ),
]
Live = Annotated[
    bool,
    typer.Option(
        "--live/--no-live",
        rich_help_panel=OUTPUT,
        help="On a terminal, with live input (a pipe, --follow, a command), keep a "
        "panel of the VMs under the log.",
    ),
]
Elapsed = Annotated[
    bool,
    typer.Option(
        "--elapsed",
        rich_help_panel=OUTPUT,
        help="Start each line with the time since the stream began (+12.3s), or the "
        "event's own ts when it has one.",
    ),
]
Save = Annotated[
    str | None,
    typer.Option(
        "--save",
        rich_help_panel=INPUT,
        metavar="FILE",
        help="Also write the raw input to FILE, byte for byte, bad lines included.",
        show_default=False,
    ),
]
Junit = Annotated[
    str | None,
    typer.Option(
        "--junit",
        rich_help_panel=OUTPUT,
        metavar="FILE",
        help="Also write a JUnit XML report to FILE at the end (a testcase per VM "
        "bootstrap), whatever --format is.",
        show_default=False,
    ),
]
Jobs = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        rich_help_panel=INPUT,
        min=1,
        envvar="CASTRA_TAIL_JOBS",
        help="Processes for a big plain file when nothing is shown line by line "
        "(--summary-only, --format json). Default, and at most: one per core.",
        show_default=False,
    ),
]
Version = Annotated[bool, typer.Option("--version", "-V", help="Print the version and exit.")]
