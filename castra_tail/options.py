"""What the command line decides, as one value: ``Options``, and the choices its fields take.

``cli`` builds it from flags; ``app.run`` reads it. Pure data: no I/O, cheap to import.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from castra_tail.contract.levels import Level
from castra_tail.input.framing import DEFAULT_MAX_LINE
from castra_tail.run.selection import ALL, Selection


class UsageError(Exception):
    """A mistake in how castra-tail was called: one line on stderr, exit 2."""


class Format(StrEnum):
    """``--format``: who reads the output."""

    text = "text"
    ndjson = "ndjson"
    json = "json"
    markdown = "markdown"
    github = "github"
    html = "html"
    svg = "svg"
    trace = "trace"


class Color(StrEnum):
    """``--color``."""

    auto = "auto"
    always = "always"
    never = "never"


class Follow(StrEnum):
    """``-f`` follows the open file; ``-F`` follows the name, through rotation."""

    descriptor = "descriptor"
    name = "name"


@dataclass(frozen=True)
class Options:
    """Everything the command line decides."""

    files: tuple[str, ...] = ()
    command: tuple[str, ...] = ()
    follow: Follow | None = None
    format: Format = Format.text
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
    color: Color = Color.auto
    width: int | None = None
    max_line_bytes: int = DEFAULT_MAX_LINE
    jobs: int | None = None  # processes for one big file; None: one per core
    save: str | None = None  # write the raw input here too, byte for byte
    runs: Selection = ALL  # --run: which runs every output covers
    canonical: bool = False  # --canonical: ndjson lines in the contract's form
    grep: tuple[str, ...] = ()  # regular expressions: events whose text matches one
    ignore_case: bool = False
    tail: int | None = None  # only the last N shown of what is there (then follow)
    since: str | None = None  # WHEN (when.py): events from then on, by their ts
    until: str | None = None
    quiet: int = 0  # 1: the verdict line only; 2: nothing
    junit: str | None = None  # write a JUnit XML report here at the end, whatever the format
