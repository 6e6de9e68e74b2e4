"""What to say about a flag castra-tail does not have: the one the user most likely meant.

A flag other tools use (``--lines`` of tail, ``-M`` of jq, ``--regexp`` of grep,
``-S`` of journalctl) is answered with castra-tail's own; anything else with
the nearest of the command's own flags. Never a flag the command lacks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from castra_tail.cli.words import closest
from castra_tail.render.text import clean

#: Flags of tail, grep, jq, journalctl, lnav and friends → castra-tail's way to say it.
HABITS: Final = {
    "--lines": "-n/--tail",
    "--regexp": "--grep",
    "-e": "--grep",
    "--pattern": "--grep",
    "--match": "--grep",
    "--silent": "-q/--quiet",
    "-s": "-q/--quiet",
    "--output": "--format",
    "-o": "--format",
    "--jsonl": "--format ndjson",
    "--ndjson": "--format ndjson",
    "--raw": "--format ndjson",
    "--markdown": "--format markdown",
    "--md": "--format markdown",
    "--text": "--format text",
    "--colour": "--color",
    "--no-colour": "--no-color",
    "--monochrome-output": "--no-color",
    "-M": "--no-color",
    "--color-output": "--color always",
    "-C": "--color always",
    "--after": "--since",
    "--from": "--since",
    "-S": "--since",
    "--before": "--until",
    "--to": "--until",
    "-U": "--until",
    "--filter": "--type",
    "--types": "--type",
    "--event": "--type",
    "--events": "--type",
    "--vms": "--vm",
    "--host": "--vm",
    "--machine": "--vm",
    "--severity": "--level",
    "--min-level": "--level",
    "--log-level": "--level",
    "--priority": "--level",
    "-p": "--level",
    "--fail-level": "--fail-on",
    "--retry": "-F",
    "--follow-name": "-F",
    "--timestamps": "--elapsed",
    "--time": "--elapsed",
    "--columns": "--width",
    "--cols": "--width",
    "--verbose": "--level info",
    "-v": "--level info",
}


def suggestion(option: str, own: Iterable[str]) -> str | None:
    """The flag ``option`` most likely meant, among the command's ``own`` flags."""
    flags = set(own)
    name = option.split("=", 1)[0]
    habit = HABITS.get(name)
    if habit is not None and habit.split("/")[-1].split()[0] in flags:
        return habit
    if not name.startswith("--"):
        return None  # one letter is too little to guess from
    return closest(name, sorted(f for f in flags if f.startswith("--")), cutoff=0.7)


def unknown_option(option: str, own: Iterable[str]) -> str:
    """The usage error for an unknown flag, with a guess when there is a good one."""
    guess = suggestion(option, own)
    meant = f"; did you mean {guess}?" if guess else ""
    return f"no such option: {clean(option, 80)}{meant}"
