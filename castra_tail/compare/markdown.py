"""A comparison as GitHub-flavoured Markdown, for a pull request comment.

The words are ``words``'s; every one of them goes through ``md`` (or
``code``), so no VM name, step, hash or reason from the stream can make a
link, a table cell, emphasis or HTML of its own.
"""

from __future__ import annotations

from castra_tail.compare import words
from castra_tail.compare.records import Comparison
from castra_tail.render.facts import Fact
from castra_tail.render.markdown import code, md
from castra_tail.render.text import clean, duration


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _cell(fact: Fact) -> str:
    return md(fact.text) or " "


def comparison(c: Comparison) -> str:
    """The whole comparison: the tally as its heading, the runs, the rows, plans, totals."""
    said, icon = words.heading(c)
    out = [f"### {icon} compare: {md(said)}", ""]
    out += ["| | run | command | result | took |", "| --- | --- | --- | --- | --- |"]
    for name, s in (("old", c.old), ("new", c.new)):
        run, command, result, took, *why = words.side(s)
        why_text = f" ({md(why[0].text)})" if why else ""
        out.append(
            _row([name, code(run.text), _cell(command), _cell(result) + why_text, _cell(took)])
        )
    out.append("")
    out += _rows(c)
    out += _plans(c)
    out += ["**Totals**", "", _row(["total", "old", "new", "Δ", "%", "change"])]
    out.append("| --- | ---: | ---: | ---: | ---: | --- |")
    out += [_row([_cell(f) for f in words.total(n, t)]) for n, t in c.totals.items()]
    notes = words.notes(c)
    out += ["", *(f"- ⚠️ {md(note)}" for note in notes)] if notes else []
    t = c.thresholds
    out += ["", f"Slower or faster: by {t.percent:g}% and {duration(t.min_delta_ms)} or more."]
    return "\n".join(out) + "\n"


def _rows(c: Comparison) -> list[str]:
    vms = [vm for vm in c.vms if words.shown(vm)]
    if not vms:
        return ["No bootstrap in either run: only the totals compare.", ""]
    out = [_row(list(words.HEADERS)), "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for vm in vms:
        for i, (step, cells) in enumerate(words.vm_rows(vm)):
            name = f"**{md(clean(vm.name, 200))}**" if i == 0 else " "
            if i == 0 and vm.presence is not None:
                name += f" ({vm.presence})"
            out.append(_row([name, md(step), *(_cell(f) for f in cells)]))
    return [*out, ""]


def _plans(c: Comparison) -> list[str]:
    changed = [vm for vm in c.vms if vm.plan]
    if not changed:
        return []
    out = ["**Plan changes**", ""]
    for vm in changed:
        said = "; ".join(f"{md(p.field)}: {md(words.plan_change(p.old, p.new))}" for p in vm.plan)
        out.append(f"- **{md(clean(vm.name, 200))}** {said}")
    return [*out, ""]
