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
from castra_tail.render.text import ELLIPSIS, clean, duration, fit, width_of

#: The widest a VM name is drawn among the plan changes (a longer one is cut in the middle).
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
        name = Fact(_fitted_name(cells[0].text, widths[0]), cells[0].tone)
        table.add_row(*(_text(fact) for fact in [name, *cells[1:]]))
    return table


def _fitted_name(text: str, width: int) -> str:
    """A VM's name cell in ``width`` cells, its `` (added)``/`` (removed)`` kept whole."""
    for mark in (" (added)", " (removed)"):
        room = width - width_of(mark)
        if text.endswith(mark) and width_of(text) > width and room >= 5:
            return middle(text.removesuffix(mark), room) + mark
    return middle(text, width)


def middle(text: str, width: int) -> str:
    """Cleaned ``text`` in at most ``width`` cells, cut in the middle with ``…``: VM names
    often share a long prefix (``castra-ci-runner-eu-west-1a``, ``…-1b``) and differ at
    their end, which a cut at the end would lose."""
    if width_of(text) <= width or width < 3:
        return text if width_of(text) <= width else fit(text, width)
    head = width // 2
    return _take(text, head) + ELLIPSIS + _take(text[::-1], width - 1 - head)[::-1]


def _take(text: str, width: int) -> str:
    """The longest start of ``text`` in at most ``width`` cells."""
    used = 0
    for i, char in enumerate(text):
        used += width_of(char)
        if used > width:
            return text[:i]
    return text


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
            name = Text(middle(clean(vm.name, 200), MAX_NAME), "heading") if i == 0 else Text("")
            grid.add_row(name, Text(p.field), Text(words.plan_change(p.old, p.new)))
    return [Text("plan changes", style="heading"), grid]


def _totals(c: Comparison) -> Table:
    rows = [words.total(name, t) for name, t in c.totals.items()]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=None)
    for i, header in enumerate(("total", "old", "new", "Δ", "%", "change")):
        right = header in ("old", "new", "Δ", "%")
        # Huge values fold onto more lines rather than push a column out or cut a digit.
        folds = header in ("old", "new", "Δ")
        least = max(width_of(header), *(width_of(r[i].text) for r in rows))
        table.add_column(
            header,
            justify="right" if right else "left",
            no_wrap=not folds,
            overflow="fold" if folds else "ellipsis",
            min_width=min(least, 8) if folds else least,
        )
    for cells in rows:
        table.add_row(*(_text(f) for f in cells))
    return table
