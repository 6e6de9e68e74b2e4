"""The values flags take: each choice once, the spellings other tools use, and a guess.

``--level warning`` is the contract's own spelling of ``warn``; ``--format jsonl``
is what jq users call ``ndjson``; ``--color off`` is ``never``. A value that is
none of them is refused with the closest choice (``--level eror``: did you mean
``error``?). Lists (``-t message,bootstrap.step``) are split at commas outside
a glob's brackets.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final

import typer

LEVELS: Final = ("info", "progress", "warn", "error", "blocker")
FAIL_ON: Final = (*LEVELS, "never")
FORMATS: Final = ("text", "ndjson", "json", "markdown", "github", "html", "svg", "trace")
CHECK_FORMATS: Final = ("text", "json")
COLORS: Final = ("auto", "always", "never")

_LEVEL_WORDS: Final = {
    "warning": "warn",  # the contract reads it (SCHEMA.md), in any case
    "err": "error",
    "critical": "blocker",
    "crit": "blocker",
    "fatal": "blocker",
    "debug": "info",
    "trace": "info",
    "all": "info",
}
#: Other spellings of each flag's values: what users of jq, less, git and journalctl type.
ALIASES: Final[Mapping[str, Mapping[str, str]]] = {
    "level": _LEVEL_WORDS,
    "fail_on": {**_LEVEL_WORDS, "none": "never", "off": "never", "no": "never"},
    "format": {
        "jsonl": "ndjson",
        "json-lines": "ndjson",
        "jsonlines": "ndjson",
        "raw": "ndjson",
        "md": "markdown",
        "gfm": "markdown",
        "human": "text",
        "pretty": "text",
    },
    "color": {
        "none": "never",
        "off": "never",
        "no": "never",
        "false": "never",
        "on": "always",
        "yes": "always",
        "true": "always",
        "force": "always",
        "tty": "auto",
        "if-tty": "auto",
    },
}


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice ``word`` most likely meant: the one it starts, else the nearest by difflib."""
    options = list(choices)
    starting = [c for c in options if word and c.startswith(word)]
    if len(starting) == 1:
        return starting[0]
    near = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    return near[0] if near else None


def choose(value: str, choices: Sequence[str], aliases: Mapping[str, str]) -> str:
    """``value`` as one of ``choices`` (any case, or another spelling), else BadParameter."""
    word = value.strip().lower()
    word = aliases.get(word, word)
    if word in choices:
        return word
    guess = closest(word, (*choices, *aliases))
    meant = f"; did you mean {aliases.get(guess, guess)!r}?" if guess else ""
    raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}{meant}")


def chooser(name: str, choices: Sequence[str]) -> Callable[[str | None], str | None]:
    """A Typer callback that reads a flag's value as one of ``choices`` (None: not given)."""
    aliases = ALIASES.get(name, {})

    def read(value: str | None) -> str | None:
        return None if value is None else choose(value, choices, aliases)

    return read


def split_list(values: list[str] | None) -> list[str] | None:
    """Repeated values and comma lists as one list: ``-t a,b -t c`` → ``[a, b, c]``.

    A comma inside a glob's brackets (``web-[0,1]``) belongs to the glob; empty
    items (``a,,b``, a trailing comma) are dropped.
    """
    if values is None:
        return None
    out: list[str] = []
    for value in values:
        out += [item for item in _split(value) if item]
    return out


def _split(value: str) -> list[str]:
    items, start, depth = [], 0, 0
    for i, char in enumerate(value):
        if char == "[":
            depth = 1
        elif char == "]":
            depth = 0
        elif char == "," and not depth:
            items.append(value[start:i])
            start = i + 1
    items.append(value[start:])
    return [item.strip() for item in items]
