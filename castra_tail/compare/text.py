"""A comparison on a terminal (Rich): the two runs, a row per VM and step, plans, totals, tally.

Rows come as ``diff`` ordered them (new failures and regressions first); each
VM's whole bootstrap is its last row. The words are ``words``'s.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from castra_tail.compare import words
from castra_tail.compare.records import Comparison, VmDiff
from castra_tail.render.facts import Fact
from castra_tail.render.fitting import narrowed
from castra_tail.render.text import clean, duration, width_of

#: The widest a VM name is drawn among the plan changes (a longer one is cut with …).
MAX_NAME = 30


def comparison(c: Comparison, width: int) -> RenderableType:
    """The whole comparison, drawn for ``width`` columns."""
    parts: list[RenderableType] = [_sides(c)]
    rows = [vm for vm in c.vms if words.shown(vm)]
    if rows:
        parts.append(_table(rows, width))
    else:
        parts += [Text(""), Text("no bootstrap in either run: only the totals compare", "muted")]
    parts += _plans(c)
    parts.append(_totals(c))
    parts += [Text(f"! {note}", style="sev.warn") for note in words.notes(c)]
    said, tone = words.tally(c)
    parts.append(Text(said, style=tone))
    t = c.thresholds
    parts.append(
        Text(
            f"slower or faster: by {t.percent:g}% and {duration(t.min_delta_ms)} or more",
            style="muted",
        )
    )
    return Group(*parts)


def _text(fact: Fact) -> Text:
    return Text(fact.text, style=fact.tone)


def _sides(c: Comparison) -> Table:
    """A line per run (``old  up.ndjson@1 · up · ✓ ok · 15.3s``), and why it failed."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, style="heading")
    grid.add_column()
    for name, s in (("old", c.old), ("new", c.new)):
        label, command, result, took, *why = words.side(s)
        line = Text.assemble(_text(label), " · ", _text(command), " · ", _text(result))
        line.append_text(Text.assemble(" · ", _text(took)))
        grid.add_row(name, line)
        for fact in why:
            grid.add_row("", _text(fact))
    return grid


#: The columns narrowed first when a row would not fit: (column, floor).
_NARROW = ((0, 8), (1, 10), (6, 8))


def _table(vms: list[VmDiff], width: int) -> Table:
    rows: list[list[Fact]] = []
    for vm in vms:
        for i, (step, cells) in enumerate(words.vm_rows(vm)):
            name = Fact(words.vm_name(vm), "heading") if i == 0 else Fact("")
            rows.append([name, Fact(step, "heading" if step == words.WHOLE else ""), *cells])
    natural = [
        max(width_of(h), *(width_of(r[i].text) for r in rows)) for i, h in enumerate(words.HEADERS)
    ]
    gaps = len(natural) - 1
    tight = sum(natural) + 2 + 3 * gaps > width  # an edge each side, 3 cells between columns
    widths = narrowed(natural, width - 2 - 2 * gaps, _NARROW) if tight else natural
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=tight)
    for header, fitted in zip(words.HEADERS, widths, strict=True):
        right = header in ("old", "new", "Δ", "%")
        table.add_column(
            header,
            justify="right" if right else "left",
            no_wrap=True,
            overflow="ellipsis",
            width=fitted,
        )
    for cells in rows:
        table.add_row(*(_text(fact) for fact in cells))
    return table


def _plans(c: Comparison) -> list[RenderableType]:
    changed = [vm for vm in c.vms if vm.plan]
    if not changed:
        return []
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, max_width=MAX_NAME, overflow="ellipsis")
    grid.add_column(no_wrap=True)
    grid.add_column()
    for vm in changed:
        for i, p in enumerate(vm.plan):
            name = Text(clean(vm.name, 200), style="heading") if i == 0 else Text("")
            grid.add_row(name, Text(p.field), Text(words.plan_change(p.old, p.new)))
    return [Text("plan changes", style="heading"), grid]


def _totals(c: Comparison) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=None)
    for header in ("total", "old", "new", "Δ", "%", "change"):
        right = header in ("old", "new", "Δ", "%")
        table.add_column(header, justify="right" if right else "left", no_wrap=True)
    for name, t in c.totals.items():
        table.add_row(*(_text(f) for f in words.total(name, t)))
    return table
