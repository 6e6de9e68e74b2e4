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

from castra_tail.render import facts
from castra_tail.render.facts import HEADERS
from castra_tail.render.text import clean
from castra_tail.run.state import Run
from castra_tail.run.verdict import Verdict

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


def markdown(run: Run, verdict: Verdict) -> str:
    """The whole report."""
    head, _ = facts.verdict(verdict)
    icon = "✅" if verdict.ok else "❌"
    name = facts.title(run).removesuffix(" · summary").replace("summary", "castra-tail")
    out = [f"### {icon} {md(name)}: {md(head.text[2:])} (exit {int(verdict.status)})", ""]
    if run.vms:
        out += _vm_table(run)
    failures = facts.failures(run)
    if failures:
        out += ["**Failures**", ""]
        out += [_failure(vm, what, error) for vm, what, error in failures]
        out.append("")
    out += ["| total | |", "| --- | --- |"]
    out += [f"| {md(label)} | {md(fact.text)} |" for label, fact in facts.totals(run)]
    if not verdict.ok:
        out += ["", *(f"- {md(reason)}" for reason in verdict.reasons)]
    return "\n".join(out) + "\n"


def _failure(vm: str, what: str, error: str) -> str:
    if not vm:
        return f"- {md(what)}"
    return f"- **{md(vm)}** {md(what)}" + (f": {code(error, cell=False)}" if error else "")


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
        cells.append(code(vm.ssh) if vm.ssh else "—")
        out.append("| " + " | ".join(cells) + " |")
    notes = facts.ssh_notes(vms)
    if notes:
        out += ["", *(f"- ⚠️ **{md(name)}** {md(note)}" for name, note in notes)]
    if rest:
        out += ["", md(facts.rest_of_vms(rest))]
    dropped = facts.dropped_vms(run)
    if dropped:
        out += ["", md(dropped)]
    return [*out, ""]
