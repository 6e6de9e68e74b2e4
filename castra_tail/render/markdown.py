"""The summary as GitHub-flavoured Markdown (``--format markdown``), for CI job summaries.

``castra-tail --format markdown up.ndjson >> "$GITHUB_STEP_SUMMARY"``. The
words are the terminal summary's (``facts``); stream strings are escaped so
that none of them can open a link, emphasis, an HTML tag or a table cell.
"""

from __future__ import annotations

import re
from typing import Final

from castra_tail.render import facts
from castra_tail.render.facts import HEADERS
from castra_tail.state import Run
from castra_tail.text import clean
from castra_tail.verdict import Verdict

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


def md(text: str) -> str:
    """Text that Markdown shows as it is."""
    return text.translate(_ESCAPES)


def code(text: str) -> str:
    """Text as an inline code span (in a table cell too: its pipes are escaped)."""
    fence = "`" * (max((len(t) for t in _TICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


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
        out += [
            f"- **{md(vm)}** {md(what)}: {code(error)}" if vm else f"- {md(what)}"
            for vm, what, error in failures
        ]
        out.append("")
    out += ["| total | |", "| --- | --- |"]
    out += [f"| {md(label)} | {md(fact.text)} |" for label, fact in facts.totals(run)]
    if not verdict.ok:
        out += ["", *(f"- {md(reason)}" for reason in verdict.reasons)]
    return "\n".join(out) + "\n"


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
        cells.append(code(clean(vm.ssh)) if vm.ssh else "—")
        out.append("| " + " | ".join(cells) + " |")
    if rest:
        out += ["", md(facts.rest_of_vms(rest))]
    dropped = facts.dropped_vms(run)
    if dropped:
        out += ["", md(dropped)]
    return [*out, ""]
