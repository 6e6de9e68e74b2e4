"""The final summary on a terminal: a table per VM, the totals, the verdict (Rich).

The words come from ``facts``; this module lays them out and colours them.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from castra_tail.render import facts
from castra_tail.render.facts import HEADERS, Fact
from castra_tail.render.fitting import narrowed
from castra_tail.render.text import clean, pad, width_of
from castra_tail.render.verdict import verdict_text
from castra_tail.run.state import Run
from castra_tail.run.verdict import Verdict


def summary(run: Run, verdict: Verdict, width: int) -> RenderableType:
    """The whole summary, drawn for ``width`` columns."""
    parts: list[RenderableType] = []
    if run.vms:
        parts += _vm_table(run, width)
        parts += _failures(run)
    parts.append(_totals(run))
    parts.append(verdict_text(verdict, width))
    return Group(*parts)


def _text(fact: Fact) -> Text:
    return Text(fact.text, style=fact.tone)


def _vm_table(run: Run, width: int) -> list[RenderableType]:
    vms, rest = facts.shown_vms(run)
    rows = [facts.vm_row(vm) for vm in vms]
    ssh = [clean(vm.ssh) if vm.ssh else "—" for vm in vms]
    any_ssh = any(vm.ssh for vm in vms)
    in_table = any_ssh and _natural_width(rows, ssh) <= width
    widths, tight = _widths(rows, width)
    table = Table(
        box=box.SIMPLE_HEAD,
        title=facts.title(run),
        title_style="heading",
        pad_edge=False,
        collapse_padding=tight,
    )
    for header, fitted in zip(HEADERS, widths, strict=True):
        justify: JustifyMethod = "right" if header in ("warn", "err") else "left"
        table.add_column(
            header, justify=justify, no_wrap=True, overflow="ellipsis", max_width=fitted
        )
    if in_table:
        table.add_column("ssh", no_wrap=True)
    for row, command in zip(rows, ssh, strict=True):
        cells = [_text(fact) for fact in row]
        table.add_row(*cells, *([Text(command, style="ssh")] if in_table else []))
    parts: list[RenderableType] = [table]
    if rest:
        parts.append(Text(f" {facts.rest_of_vms(rest)}", style="muted"))
    dropped = facts.dropped_vms(run)
    if dropped:
        parts.append(Text(f" {dropped}", style="muted"))
    if any_ssh and not in_table:
        # One unbroken line per VM, whatever the width: a wrapped command can't be pasted.
        name_width = max(width_of(clean(vm.name, 40)) for vm in vms if vm.ssh)
        parts.append(Text("connect", style="heading"))
        parts += [
            Text.assemble(
                (f"  {pad(clean(vm.name, 40), name_width)}  ", "heading"),
                (clean(vm.ssh), "ssh"),
                no_wrap=True,
                overflow="ignore",
            )
            for vm in vms
            if vm.ssh
        ]
    notes = facts.ssh_notes(vms)
    parts += [
        Text.assemble(("  ! ", "sev.warn"), (f"{name}: ", "heading"), (note, "sev.warn"))
        for name, note in notes
    ]
    if notes or (any_ssh and not in_table):
        parts.append(Text(""))
    return parts


#: The columns narrowed first when a row would not fit: (column, floor). Never "slowest".
_NARROW = ((0, 8), (4, 12), (2, 10), (1, 7))


def _widths(rows: list[list[Fact]], width: int) -> tuple[list[int], bool]:
    """Each column's width, so that a row stays one line at ``width``, and whether the
    gaps between columns must shrink too (from 3 cells to 2) for that."""
    natural = [
        max(width_of(h), *(width_of(row[i].text) for row in rows)) for i, h in enumerate(HEADERS)
    ]
    gaps = len(HEADERS) - 1
    if sum(natural) + 2 + 3 * gaps <= width:  # an edge each side, 3 cells between columns
        return natural, False
    return narrowed(natural, width - 2 - 2 * gaps, _NARROW), True


def _natural_width(rows: list[list[Fact]], ssh: list[str]) -> int:
    columns = [[fact.text for fact in column] for column in zip(*rows, strict=True)] + [ssh]
    headers = (*HEADERS, "ssh")
    widths = [
        max(len(h), *(width_of(c) for c in col)) for h, col in zip(headers, columns, strict=True)
    ]
    return sum(widths) + 2 * (len(widths) - 1)


def _failures(run: Run) -> list[RenderableType]:
    """What failed and why, one VM a line: the first thing to read at 2 a.m."""
    rows = facts.failures(run)
    if not rows:
        return []
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for vm, what, error in rows:
        if not vm:
            grid.add_row(Text(f"  {what}", style="muted"), Text(""))
            continue
        grid.add_row(
            Text(f"  ✗ {vm}", style="bad"), Text.assemble(f"{what}: ", (error, "sev.error"))
        )
    return [Text("failures", style="heading"), grid, Text("")]


def _totals(run: Run) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="heading", no_wrap=True)
    grid.add_column()
    for label, fact in facts.totals(run):
        grid.add_row(label, _text(fact))
    return grid
