"""The command line's flags, declared once: Typer ``Annotated`` types the commands share.

Each flag is a type here, so a command's signature is a line per flag, and a
flag two commands take (``FILE…``, ``--max-line-bytes``) is declared once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer

from castra_tail.cli import numbers, words
from castra_tail.input.framing import DEFAULT_MAX_LINE as DEFAULT_MAX_LINE
from castra_tail.output.env import MAX_WIDTH, MIN_WIDTH
from castra_tail.run import selection
from castra_tail.run.selection import Selection


def complete_types(incomplete: str) -> list[str]:
    """Shell completion for --type/--exclude-type: the contract's types and families."""
    from castra_tail.contract.events import KNOWN_TYPES
    from castra_tail.filters import FAMILIES

    return [name for name in (*FAMILIES, *KNOWN_TYPES) if name.startswith(incomplete)]


def complete_from(choices: Sequence[str]) -> Callable[[str], list[str]]:
    """Shell completion for a flag whose value is one of ``choices``."""

    def complete(incomplete: str) -> list[str]:
        return [c for c in choices if c.startswith(incomplete.lower())]

    return complete


def typer_app(*, completion: bool = False) -> typer.Typer:
    """A Typer app with castra-tail's conventions (its help is ``help.HelpCommand``'s)."""
    return typer.Typer(
        add_completion=completion,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )


FILTERS, OUTPUT, EXIT, INPUT = "Filters", "Output", "Exit status", "Input"


def _choice(name: str, choices: Sequence[str], *decls: str, **kw: Any) -> Any:
    """An option whose value is one of ``choices`` (or another spelling of one)."""
    return typer.Option(
        *decls, callback=words.chooser(name, choices), autocompletion=complete_from(choices), **kw
    )


#: The inputs of ``castra-tail`` and ``castra-tail check``.
Files = Annotated[
    list[str] | None,
    typer.Argument(
        metavar="FILE",
        help="Event streams to read, in order; - (or none): standard input.",
        show_default=False,
    ),
]
MaxLineBytes = Annotated[
    int,
    typer.Option(
        "--max-line-bytes",
        rich_help_panel=INPUT,
        parser=numbers.size(),
        metavar="BYTES",
        help="Longer lines are skipped, and said (16MiB; 1M, 64k).",
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
        callback=words.split_list,
        help="Only these types: bootstrap.step, a family (bootstrap), a glob "
        "('command.*'), a list (a,b).",
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
        callback=words.split_list,
        help="Hide these types (patterns as for --type).",
    ),
]
Vms = Annotated[
    list[str] | None,
    typer.Option(
        "--vm",
        metavar="NAME",
        rich_help_panel=FILTERS,
        callback=words.split_list,
        help="Only these VMs: web-0, 'web-*', web-0,db-0.",
    ),
]
MinLevel = Annotated[
    str,
    _choice(
        "level",
        words.LEVELS,
        "--level",
        "-l",
        metavar="LEVEL",
        rich_help_panel=FILTERS,
        envvar="CASTRA_TAIL_LEVEL",
        show_default=False,
        help="At or above: info, progress, warn, error, blocker.",
    ),
]
OutputFormat = Annotated[
    str | None,
    _choice(
        "format",
        words.FORMATS,
        "--format",
        metavar="FORMAT",
        rich_help_panel=OUTPUT,
        envvar="CASTRA_TAIL_FORMAT",
        show_default=False,
        help="text, ndjson, json, markdown, github, html, svg, trace",
    ),
]
Json = Annotated[
    bool, typer.Option("--json", rich_help_panel=OUTPUT, help="The same as --format json.")
]
Quiet = Annotated[
    int,
    typer.Option(
        "--quiet",
        "-q",
        count=True,
        rich_help_panel=OUTPUT,
        help="Only the verdict line; -qq: only the exit status.",
    ),
]
Summary = Annotated[
    bool | None,
    typer.Option(
        "--summary/--no-summary",
        rich_help_panel=OUTPUT,
        show_default=False,
        help="No summary (--summary: with ndjson too, on stderr).",
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
        help="No bootstrap timelines.",
    ),
]
Colour = Annotated[
    str,
    _choice(
        "color",
        words.COLORS,
        "--color",
        metavar="WHEN",
        rich_help_panel=OUTPUT,
        envvar="CASTRA_TAIL_COLOR",
        show_default=False,
        help="auto (on a terminal, unless NO_COLOR), always, never.",
    ),
]
NoColour = Annotated[
    bool,
    typer.Option("--no-color", rich_help_panel=OUTPUT, help="The same as --color never."),
]
Width = Annotated[
    int | None,
    typer.Option(
        "--width",
        rich_help_panel=OUTPUT,
        parser=numbers.whole(MIN_WIDTH, MAX_WIDTH),
        metavar="COLUMNS",
        # CASTRA_TAIL_WIDTH is read by Env.width, not by Typer: from the
        # environment, garbage is as if unset and a number out of range is clamped.
        help="Columns to draw for (default: the terminal's, or 80).",
        show_default=False,
    ),
]
FailOnLevel = Annotated[
    str,
    _choice(
        "fail_on",
        words.FAIL_ON,
        "--fail-on",
        metavar="LEVEL",
        rich_help_panel=EXIT,
        envvar="CASTRA_TAIL_FAIL_ON",
        show_default=False,
        help="Exit 1 for events at LEVEL or above (error), or never.",
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
        help="Follow by name through rotation, like tail -F.",
    ),
]
Live = Annotated[
    bool,
    typer.Option(
        "--live/--no-live",
        rich_help_panel=OUTPUT,
        help="No live panel of the VMs under the log.",
    ),
]
Elapsed = Annotated[
    bool,
    typer.Option(
        "--elapsed",
        rich_help_panel=OUTPUT,
        help="Start lines with the time since the start, or the ts.",
    ),
]
Save = Annotated[
    str | None,
    typer.Option(
        "--save",
        rich_help_panel=INPUT,
        metavar="FILE",
        help="Also write the raw input to FILE, byte for byte.",
        show_default=False,
    ),
]
Junit = Annotated[
    str | None,
    typer.Option(
        "--junit",
        rich_help_panel=OUTPUT,
        metavar="FILE",
        help="Also write a JUnit XML report to FILE.",
        show_default=False,
    ),
]
Jobs = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        rich_help_panel=INPUT,
        parser=numbers.whole(1, cap=True),
        metavar="N",
        envvar="CASTRA_TAIL_JOBS",
        help="Processes for a big file, with --summary-only or json.",
        show_default=False,
    ),
]


def _runs(text: str) -> Selection:
    try:
        return selection.parse(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


Runs = Annotated[
    Selection | None,
    typer.Option(
        "--run",
        metavar="SELECT",
        rich_help_panel=FILTERS,
        parser=_runs,
        help="Only these runs, judged and shown: last, first, N, -N, N..M, all "
        "(default: every run judged, the last shown).",
        show_default=False,
    ),
]
Canonical = Annotated[
    bool,
    typer.Option(
        "--canonical",
        rich_help_panel=OUTPUT,
        help="ndjson: native-form lines in the contract's form.",
    ),
]
Version = Annotated[bool, typer.Option("--version", "-V", help="Print the version and exit.")]
