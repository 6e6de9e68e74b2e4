"""The summary as GitHub-flavoured Markdown (``--format markdown``), for CI job summaries.

``castra-tail --format markdown up.ndjson >> "$GITHUB_STEP_SUMMARY"``. The
words are the terminal summary's (``facts``). Every stream string goes through
``md`` or ``code``, which make it inert where GitHub renders it as HTML: no
new block (controls and newlines are escaped), no link (autolinks are broken
where GFM would make them), no emphasis, HTML tag or table cell of its own.
"""

from __future__ import annotations

import re
from typing import Final

from castra_tail.render import facts, runs, why
from castra_tail.render.facts import HEADERS
from castra_tail.render.text import clean
from castra_tail.run.failures import failures_of
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Verdict
from castra_tail.run.vm import Vm

_ESCAPES: Final = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "~": "\\~",
        "#": "\\#",
        "<": "&lt;",
        ">": "&gt;",
        "&": "&amp;",
    }
)
_TICKS: Final = re.compile("`+")
#: What GFM's autolink extension turns into a link: ``http://``, ``https://`` and
#: ``ftp://`` URLs, ``www.`` names and e-mail addresses (``mailto:``/``xmpp:`` too).
_AUTOLINK: Final = re.compile(r"://|www\.|@", re.IGNORECASE)


def _unlink(match: re.Match[str]) -> str:
    found = match.group()
    if found == "@":
        # GFM finds addresses in the text after escapes are resolved, so no escape
        # breaks them; an empty element before the "@" does (and shows nothing).
        return "<wbr>@"
    return "\\" + found if found == "://" else found[:3] + "\\."


#: Spaces at either end: a table cell drops them, and they stop ``**`` being bold.
_EDGES: Final = re.compile(r"^\s+|\s+$")


def _entities(match: re.Match[str]) -> str:
    return "".join(f"&#{ord(c)};" for c in match.group())


def md(text: str) -> str:
    """Stream text that Markdown shows as it is: one line, no markup, no link."""
    text = _AUTOLINK.sub(_unlink, clean(text).translate(_ESCAPES))
    return _EDGES.sub(_entities, text)


def code(text: str, *, cell: bool = True) -> str:
    """Stream text as an inline code span, in a table ``cell`` or anywhere else.

    A table row is split at its pipes before code spans are read, so in a cell a
    pipe is written ``\\|`` (shown ``|``); anywhere else a code span shows a
    backslash as it is, so there the pipe is left alone.
    """
    text = clean(text)
    if not text:
        return ""
    fence = "`" * (max((len(t) for t in _TICKS.findall(text)), default=0) + 1)
    # A code span drops one space at each end when both have one, and needs one
    # between a backtick of its text and its fence.
    padded = text[0] == "`" or text[-1] == "`" or (text[0] == " " and text[-1] == " ")
    pad = " " if padded else ""
    if cell:
        text = text.replace("|", "\\|")
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown(stream: Stream, verdict: Verdict) -> str:
    """The whole report: the runs (when several), the last run in full, the verdict."""
    head, _ = facts.verdict(verdict)
    icon = "✅" if verdict.ok else "❌"
    run = stream.detail
    several = runs.several(stream)
    name = facts.title(run, numbered=stream.runs > 1) if run is not None else "castra-tail"
    name = name.removesuffix(" · summary").replace("summary", "castra-tail")
    # Among several runs the verdict is of them all: the heading says so, not the last's name.
    said = f"{md(head.text[2:])} (exit {int(verdict.status)})"
    heading = f"{runs.chosen_count(stream):,} runs" if several else md(name)
    out = [f"### {icon} {heading}: {said}", ""]
    if several:
        out += _runs_table(stream)
        if run is not None:
            out += [f"#### {md(name)}", ""]
    if run is not None:
        if run.plan_only:
            out += _plan_table(run)
        elif run.vms:
            out += _vm_table(run)
        out += _failures(run)
        out += ["| total | |", "| --- | --- |"]
        out += [f"| {md(label)} | {md(fact.text)} |" for label, fact in facts.totals(run)]
    if not verdict.ok:
        out += ["", *(f"- {md(reason)}" for reason in verdict.reasons)]
    return "\n".join(out) + "\n"


def _table(headers: tuple[str, ...], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---" for _ in headers) + " |",
        *("| " + " | ".join(cells) + " |" for cells in rows),
    ]


def _runs_table(stream: Stream) -> list[str]:
    shown, passed, failed = runs.shown_runs(stream.records())
    rows = [[md(fact.text) for fact in runs.run_row(r)] for r in shown]
    out = ["**Runs**", "", *_table(runs.RUN_HEADERS, rows)]
    more = runs.rest_of_runs(passed, failed)
    return [*out, *(["", md(more)] if more else []), ""]


def _plan_table(run: Run) -> list[str]:
    vms, more = runs.planned_vms(run)
    rows = [[md(fact.text) for fact in row] for row in runs.plan_rows(vms)]
    out = _table(runs.PLAN_HEADERS, rows)
    if more:
        out += ["", f"+{more:,} more planned VMs"]
    return [*out, "", md(runs.planned(run).text), "", *_ssh_notes(vms)]


def _ssh_notes(vms: list[Vm]) -> list[str]:
    """The ssh notes as a list, a blank line on each side: what follows a list without one
    (a table, a paragraph) would be read as part of its last item."""
    notes = facts.ssh_notes(vms)
    items = [f"- ⚠️ **{md(name)}** {md(note)}" for name, note in notes]
    return ["", *items, ""] if notes else []


def _failures(run: Run) -> list[str]:
    """What failed and why: each failure a list item, its error in full in a code block
    under it, then the failed step's detail and the remediations."""
    found = failures_of(run)
    if not found:
        return []
    out = ["**Failures**", ""]
    for f in found[: why.MAX_SHOWN]:
        w = why.why(f)
        at = f" ({md(w.where)})" if w.where else ""
        out.append(f"- **{md(w.who)}** {md(w.what)}{at}")
        if w.error:
            out += block(w.error, indent="  ")
        if w.step:
            out.append(f"  - {md(w.step)}")
        out += [f"  - ↳ {md(remedy)}" for remedy in w.remedies]
    more = why.rest(found)
    return [*out, *([f"- {md(more)}"] if more else []), ""]


def block(lines: list[str], indent: str = "") -> list[str]:
    """Stream lines as a fenced code block: shown as they are, one per line, never markup.

    The fence is longer than any run of backticks in them, so none can close it.
    """
    text = [clean(line) for line in lines]
    ticks = max((len(t) for line in text for t in _TICKS.findall(line)), default=0)
    fence = "`" * max(3, ticks + 1)
    return [f"{indent}{fence}", *(f"{indent}{line}" for line in text), f"{indent}{fence}"]


def _vm_table(run: Run) -> list[str]:
    vms, rest = facts.shown_vms(run)
    out = [
        "| " + " | ".join((*HEADERS, "ssh")) + " |",
        "| "
        + " | ".join("---:" if h in ("warn", "err") else "---" for h in (*HEADERS, "ssh"))
        + " |",
    ]
    for vm in vms:
        cells = [md(fact.text) for fact in facts.vm_row(vm)]
        cells.append(code(vm.ssh) if vm.ssh and vm.is_up else "—")
        out.append("| " + " | ".join(cells) + " |")
    out += _ssh_notes(vms)
    if rest:
        out += ["", md(facts.rest_of_vms(rest))]
    dropped = facts.dropped_vms(run)
    if dropped:
        out += ["", md(dropped)]
    return [*out, ""]
