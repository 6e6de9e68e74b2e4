"""The final summary on a terminal: the runs, the last run in full, the verdict (Rich).

When several runs were read, a table of them comes first; then the run shown
in full (the last one chosen): a table per VM — or, for a plan-only run, its
plan — how to connect, what failed and why, the totals; then the verdict,
which covers every run chosen. The words come from ``facts``, ``runs`` and
``why``; this module lays them out and colours them.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, JustifyMethod, RenderableType
from rich.table import Table
from rich.text import Text

from castra_tail.render import facts, runs, why
from castra_tail.render.facts import HEADERS, Fact
from castra_tail.render.fitting import narrowed
from castra_tail.render.text import clean, pad, width_of
from castra_tail.render.verdict import verdict_text
from castra_tail.run.failures import failures_of
from castra_tail.run.log import RunRecord
from castra_tail.run.state import Run
from castra_tail.run.stream import Stream
from castra_tail.run.verdict import Verdict
from castra_tail.run.vm import Vm


def summary(stream: Stream, verdict: Verdict, width: int) -> RenderableType:
    """The whole summary, drawn for ``width`` columns."""
    parts: list[RenderableType] = []
    several = runs.several(stream)
    if several:
        parts += [runs_table(stream), Text("")]
    run = stream.detail
    if run is not None:
        title = facts.title(run, numbered=stream.runs > 1)
        if run.plan_only:
            parts += _plan_table(run, title)
        elif run.vms:
            parts += _vm_table(run, width, title)
        parts += _failures(run)
        parts.append(_totals(run))
    parts.append(verdict_text(verdict, width))
    return Group(*parts)


def runs_table(
    stream: Stream, *, every: bool = False, records: list[RunRecord] | None = None
) -> RenderableType:
    """The table of the runs chosen (``every``: all the runs kept, not only the first few;
    ``records``: those runs, as the caller judged them)."""
    if records is None:
        records = stream.log.records() if every else stream.records()
    rows, passed, failed = (records, 0, 0) if every else runs.shown_runs(records)
    table = Table(box=box.SIMPLE_HEAD, title="runs", title_style="heading", pad_edge=False)
    for header in runs.RUN_HEADERS:
        table.add_column(
            header, no_wrap=header != "result", min_width=12 if header == "result" else None
        )
    for r in rows:
        table.add_row(*(_text(fact) for fact in runs.run_row(r)))
    parts: list[RenderableType] = [table]
    more = runs.rest_of_runs(passed, failed + (stream.log.dropped if every else 0))
    if more:
        parts.append(Text(f" {more}", style="muted"))
    return Group(*parts)


def _plan_table(run: Run, title: str) -> list[RenderableType]:
    table = Table(box=box.SIMPLE_HEAD, title=title, title_style="heading", pad_edge=False)
    for header in runs.PLAN_HEADERS:
        table.add_column(header, no_wrap=header in ("VM", "action", "mode", "payload"))
    vms, more = runs.planned_vms(run)
    for row in runs.plan_rows(vms):
        table.add_row(*(_text(fact) for fact in row))
    parts: list[RenderableType] = [table]
    if more:
        parts.append(Text(f" +{more:,} more planned VMs", style="muted"))
    parts.append(_text(runs.planned(run)))
    return [*parts, *_ssh_notes(vms), Text("")]


def _text(fact: Fact) -> Text:
    return Text(fact.text, style=fact.tone)


def _vm_table(run: Run, width: int, title: str) -> list[RenderableType]:
    vms, rest = facts.shown_vms(run)
    rows = [facts.vm_row(vm) for vm in vms]
    ssh = [clean(vm.ssh) if vm.ssh and vm.is_up else "—" for vm in vms]
    any_ssh = any(vm.ssh and vm.is_up for vm in vms)
    in_table = any_ssh and _natural_width(rows, ssh) <= width
    widths, tight = _widths(rows, width)
    table = Table(
        box=box.SIMPLE_HEAD,
        title=title,
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
    up = [vm for vm in vms if vm.ssh and vm.is_up]  # a VM stopped cannot be connected to
    if up and not in_table:
        # One unbroken line per VM, whatever the width: a wrapped command can't be pasted.
        name_width = max(width_of(clean(vm.name, 40)) for vm in up)
        parts.append(Text("connect", style="heading"))
        parts += [
            Text.assemble(
                (f"  {pad(clean(vm.name, 40), name_width)}  ", "heading"),
                (clean(vm.ssh or ""), "ssh"),
                no_wrap=True,
                overflow="ignore",
            )
            for vm in up
        ]
    notes = _ssh_notes(vms)
    parts += notes
    if notes or (up and not in_table):
        parts.append(Text(""))
    return parts


def _ssh_notes(vms: list[Vm]) -> list[RenderableType]:
    """What each VM's ssh command leaves out, and why: one warning line each."""
    return [
        Text.assemble(("  ! ", "sev.warn"), (f"{name}: ", "heading"), (note, "sev.warn"))
        for name, note in facts.ssh_notes(vms)
    ]


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
    """What failed and why, in full: the first thing to read at 2 a.m.

    Each failure's lines hang under its headline, wrapped in their own column.
    """
    found = failures_of(run)
    if not found:
        return []
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, width=3)
    grid.add_column()
    for f in found[: why.MAX_SHOWN]:
        w = why.why(f)
        at = (f" ({w.where})", "muted") if w.where else ""
        grid.add_row(Text("  ✗", style="bad"), Text.assemble((w.who, "bad"), f" {w.what}", at))
        for line in w.error:
            grid.add_row("", Text(line, style="sev.error"))
        if w.step:
            grid.add_row("", Text(w.step))
        for remedy in w.remedies:
            grid.add_row("", Text(f"↳ {remedy}", style="hint"))
    parts: list[RenderableType] = [Text("failures", style="heading"), grid]
    more_failures = why.rest(found)
    if more_failures:
        parts.append(Text(f"  {more_failures}", style="muted"))
    return [*parts, Text("")]


def _totals(run: Run) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="heading", no_wrap=True)
    grid.add_column()
    for label, fact in facts.totals(run):
        grid.add_row(label, _text(fact))
    return grid
