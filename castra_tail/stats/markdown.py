"""``stats`` as GitHub-flavoured Markdown (a CI job summary, a wiki page): the same tables.

Every cell goes through ``md``: no name or failure text from the stream can
make a link, a cell, emphasis or HTML of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from castra_tail.render.markdown import md
from castra_tail.render.text import count
from castra_tail.stats import words as w
from castra_tail.stats.report import Report


def stats(r: Report, top: int) -> str:
    """The whole of ``stats``, ``top`` rows at most in the VM and failure tables (0: all)."""
    if not r.runs:
        return f"### castra-tail stats\n\n{md(w.nothing(r))}\n"
    out = ["### castra-tail stats", "", md(w.headline(r)), ""]
    out += _table("Steps", w.STEP_HEADERS, [w.step_row(s) for s in r.steps])
    if r.by_vm:
        shown = r.by_vm[:top] if top else r.by_vm
        title = _title("VMs × steps, slowest first (p95)", len(shown), len(r.by_vm))
        out += _table(title, w.BY_VM_HEADERS, [w.step_row(s) for s in shown])
    vms = r.vms[:top] if top else r.vms
    rows = [[w.name(v.vm), count(v.runs), count(v.failed), w.rate(v.failure_rate)] for v in vms]
    out += _table(_title("VMs, most failed first", len(vms), len(r.vms)), w.VM_HEADERS, rows)
    failures = r.failures[:top] if top else r.failures
    rows = [[count(f.count), w.name(f.text, w.MAX_TEXT), w.name(f.first), w.name(f.last)]
            for f in failures]  # fmt: skip
    title = _title("Failures, most frequent first", len(failures), len(r.failures))
    out += _table(title, w.FAILURE_HEADERS, rows)
    rows = [[w.name(c.command), count(c.runs), count(c.ok), count(c.failed),
             *w.timing(c.duration)] for c in r.commands]  # fmt: skip
    out += _table("Runs per command", w.COMMAND_HEADERS, rows)
    out += [md(said) for said in (w.tokens(r), w.sketch_note(r)) if said]
    return "\n".join(out).rstrip("\n") + "\n"


def _title(what: str, shown: int, total: int) -> str:
    return what if shown == total else f"{what} ({shown:,} of {total:,})"


def _table(title: str, headers: Sequence[str], rows: list[list[str]]) -> list[str]:
    if not rows:
        return []
    rule = ["---:" if h in w.NUMBERS else "---" for h in headers]
    return [
        f"**{md(title)}**",
        "",
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(rule) + " |",
        *("| " + " | ".join(md(cell) or " " for cell in row) + " |" for row in rows),
        "",
    ]
