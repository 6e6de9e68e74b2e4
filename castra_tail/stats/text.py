"""``stats`` on a terminal (Rich): the headline, then a table each — steps, VMs × steps, VMs,
failure texts, commands — and the tokens per run.

A table keeps each row on one line: the text columns (names, failure texts)
are narrowed first to fit the width, the numbers never.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from rich import box
from rich.console import Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from castra_tail.render.fitting import narrowed
from castra_tail.render.text import count, width_of
from castra_tail.stats import words as w
from castra_tail.stats.report import Report


def stats(r: Report, width: int, top: int) -> RenderableType:
    """The whole of ``stats``, ``top`` rows at most in the VM and failure tables (0: all)."""
    if not r.runs:
        return Text(w.nothing(r), style="sev.warn")
    parts: list[RenderableType] = [Text(w.headline(r), style="heading"), Text("")]
    if r.steps:
        parts.append(_table("steps", w.STEP_HEADERS, [w.step_row(s) for s in r.steps], width))
    if r.by_vm:
        rows = [w.step_row(s) for s in _top(r.by_vm, top)]
        title = _title("VMs × steps, slowest first (p95)", len(rows), len(r.by_vm))
        parts.append(_table(title, w.BY_VM_HEADERS, rows, width))
    if r.vms:
        rows = [[w.name(v.vm), count(v.runs), count(v.failed), w.rate(v.failure_rate)]
                for v in _top(r.vms, top)]  # fmt: skip
        title = _title("VMs, most failed first", len(rows), len(r.vms))
        parts.append(_table(title, w.VM_HEADERS, rows, width))
    if r.failures:
        parts += _failures(r, top)
    if r.commands:
        rows = [[w.name(c.command), count(c.runs), count(c.ok), count(c.failed),
                 *w.timing(c.duration)] for c in r.commands]  # fmt: skip
        parts.append(_table("runs per command", w.COMMAND_HEADERS, rows, width))
    parts += [Text(said) for said in (w.tokens(r),) if said]
    note = w.sketch_note(r)
    if note:
        parts.append(Text(note, style="muted"))
    return Group(*parts)


T = TypeVar("T")


def _failures(r: Report, top: int) -> list[RenderableType]:
    """Each failure text with its count, and under it where it was first and last read."""
    shown = _top(r.failures, top)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(justify="right", no_wrap=True)
    grid.add_column(overflow="fold")
    for f in shown:
        where = f"first {w.name(f.first)}" + (f" · last {w.name(f.last)}" if f.count > 1 else "")
        grid.add_row(Text(count(f.count), style="bad"), Text(w.name(f.text, w.MAX_TEXT)))
        grid.add_row("", Text(where, style="muted"))
    title = _title("failures, most frequent first", len(shown), len(r.failures))
    return [Text(title, style="heading"), grid, Text("")]


def _top(rows: list[T], top: int) -> list[T]:
    return rows[:top] if top else rows


def _title(what: str, shown: int, total: int) -> str:
    return what if shown == total else f"{what} ({shown:,} of {total:,})"


def _table(title: str, headers: Sequence[str], rows: list[list[str]], width: int) -> Group:
    natural = [max(width_of(h), *(width_of(row[i]) for row in rows)) for i, h in enumerate(headers)]
    gaps = len(headers) - 1
    tight = sum(natural) + 2 + 3 * gaps > width  # an edge each side, 3 cells between columns
    texts = [i for i, h in enumerate(headers) if h not in w.NUMBERS]
    order = [(i, 12) for i in sorted(texts, key=lambda i: -natural[i])]
    widths = narrowed(natural, width - 2 - 2 * gaps, order) if tight else natural
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=tight)
    for header, fitted in zip(headers, widths, strict=True):
        justify: JustifyMethod = "right" if header in w.NUMBERS else "left"
        table.add_column(header, justify=justify, no_wrap=True, overflow="ellipsis", width=fitted)
    for row in rows:
        table.add_row(*row)
    return Group(Text(title, style="heading"), table)
