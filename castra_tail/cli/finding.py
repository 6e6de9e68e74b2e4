"""The flags that find things: ``--grep``/``-i``, ``-n/--tail``, ``--since``/``--until``.

Declared as ``flags`` declares the others; their values are checked here, so a
bad pattern or time is a usage error before anything is read.
"""

from __future__ import annotations

from typing import Annotated

import typer

from castra_tail.cli import numbers
from castra_tail.cli.flags import FILTERS


def _pattern(values: list[str] | None) -> list[str] | None:
    from castra_tail.find import bad_pattern

    for value in values or ():
        why = bad_pattern(value)
        if why is not None:
            raise typer.BadParameter(f"{value!r} is not a regular expression: {why}")
    return values


def _when(value: str | None) -> str | None:
    from castra_tail.when import parse_when

    if value is not None:
        try:
            parse_when(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value


Grep = Annotated[
    list[str] | None,
    typer.Option(
        "--grep",
        metavar="REGEX",
        rich_help_panel=FILTERS,
        callback=_pattern,
        help="Only events whose text matches REGEX (highlighted).",
        show_default=False,
    ),
]
IgnoreCase = Annotated[
    bool,
    typer.Option("--ignore-case", "-i", rich_help_panel=FILTERS, help="--grep in any case."),
]
Tail = Annotated[
    int | None,
    typer.Option(
        "--tail",
        "-n",
        parser=numbers.whole(0),
        metavar="N",
        rich_help_panel=FILTERS,
        help="Only the last N events shown, then -f as usual.",
        show_default=False,
    ),
]
Since = Annotated[
    str | None,
    typer.Option(
        "--since",
        metavar="WHEN",
        rich_help_panel=FILTERS,
        callback=_when,
        help="Events from WHEN on, by their ts: 2026-11-26T01:00Z, "
        "09:14, or 10m (before the last event).",
        show_default=False,
    ),
]
Until = Annotated[
    str | None,
    typer.Option(
        "--until",
        metavar="WHEN",
        rich_help_panel=FILTERS,
        callback=_when,
        help="Events up to WHEN (forms as for --since).",
        show_default=False,
    ),
]
