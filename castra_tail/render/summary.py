"""The final summary: a table per VM, the totals, and the verdict behind the exit status."""

from __future__ import annotations

from collections import Counter
from typing import Final

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from castra_tail.model import Command, Vm
from castra_tail.state import Run
from castra_tail.text import clean, clean_lines, count, duration, size, vm_counts
from castra_tail.verdict import Verdict

SHOWN_PROBLEMS: Final = 5
#: VM rows in the table; past it, VMs with problems first and a line for the rest.
MAX_ROWS: Final = 30
_BAD_STATES: Final = frozenset({"failed", "incomplete", "interrupted"})
SHOWN_COMMANDS: Final = 5
_STATE_STYLE: Final = {
    "ready": "ok",
    "stopped": "sev.progress",
    "failed": "bad",
    "incomplete": "sev.warn",
    "interrupted": "sev.warn",
}
_BOOT: Final = {
    "success": ("✓ success", "step.success"),
    "noop": ("✓ noop", "step.success"),
    "failed": ("✗ failed", "step.failed"),
    "incomplete": ("… incomplete", "sev.warn"),
    "interrupted": ("… interrupted", "sev.warn"),
    "running": ("▸ running", "sev.progress"),
    "planned": ("· planned", "muted"),
}
_HEADERS: Final = ("VM", "state", "bootstrap", "slowest", "shutdown", "warn", "err")


def summary(run: Run, verdict: Verdict, width: int) -> RenderableType:
    """The whole summary, drawn for ``width`` columns."""
    parts: list[RenderableType] = []
    if run.vms:
        parts += _vm_table(run, width)
        parts += _failures(run)
    parts.append(_totals(run))
    parts.append(_verdict(verdict))
    return Group(*parts)


def shown_vms(run: Run, limit: int = MAX_ROWS) -> tuple[list[Vm], list[Vm]]:
    """The VMs that get a row (those with problems first, then in order) and the rest."""
    vms = list(run.vms.values())
    if len(vms) <= limit:
        return vms, []
    troubled = [vm for vm in vms if _troubled(vm)][:limit]
    picked = {id(vm) for vm in troubled}
    calm = [vm for vm in vms if id(vm) not in picked][: limit - len(troubled)]
    picked |= {id(vm) for vm in calm}
    return [vm for vm in vms if id(vm) in picked], [vm for vm in vms if id(vm) not in picked]


def _troubled(vm: Vm) -> bool:
    forced = vm.shutdown is not None and vm.shutdown.outcome == "forced"
    return bool(vm.errors or vm.warnings or forced) or vm.state in _BAD_STATES


def _vm_table(run: Run, width: int) -> list[RenderableType]:
    vms, rest = shown_vms(run)
    rows = [_vm_row(vm) for vm in vms]
    ssh = [clean(vm.ssh) if vm.ssh else "—" for vm in vms]
    any_ssh = any(vm.ssh for vm in vms)
    in_table = any_ssh and _natural_width(rows, ssh) <= width
    table = Table(box=box.SIMPLE_HEAD, title=_title(run), title_style="heading", pad_edge=False)
    for header in _HEADERS:
        justify = "right" if header in ("warn", "err") else "left"
        table.add_column(header, justify=justify, no_wrap=header != "slowest")
    if in_table:
        table.add_column("ssh", no_wrap=True)
    for row, command in zip(rows, ssh, strict=True):
        table.add_row(*row, *([Text(command, style="ssh")] if in_table else []))
    parts: list[RenderableType] = [table]
    if rest:
        states = Counter(vm.state for vm in rest)
        listed = ", ".join(f"{count(n)} {state}" for state, n in states.most_common())
        parts.append(Text(f" +{count(len(rest))} more VMs: {listed}", style="muted"))
    if run.vms_dropped:
        parts.append(Text(f"(+{count(run.vms_dropped)} events about VMs past the first {len(vms)})"))
    if any_ssh and not in_table:
        # One unbroken line per VM, whatever the width: a wrapped command can't be pasted.
        name_width = max(len(clean(vm.name, 40)) for vm in vms if vm.ssh)
        parts.append(Text("connect", style="heading"))
        parts += [
            Text.assemble(
                (f"  {clean(vm.name, 40):<{name_width}}  ", "heading"),
                (clean(vm.ssh), "ssh"),
                no_wrap=True,
                overflow="ignore",
            )
            for vm in vms
            if vm.ssh
        ]
        parts.append(Text(""))
    return parts


def _failures(run: Run) -> list[RenderableType]:
    """What failed and why, one VM a line: the first thing to read at 2 a.m."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    failed = [vm for vm in run.vms.values() if vm.bootstrap and vm.bootstrap.status == "failed"]
    for vm in failed[:MAX_ROWS]:
        b = vm.bootstrap
        assert b is not None
        step = b.failed_step
        at = f" at {clean(step.step, 40)}" if step else ""
        error = clean_lines(b.error or "")[0]
        grid.add_row(
            Text(f"  ✗ {clean(vm.name, 40)}", style="bad"),
            Text.assemble(
                f"bootstrap failed{at} after {duration(b.duration_ms)}: ", (error, "sev.error")
            ),
        )
    if len(failed) > MAX_ROWS:
        grid.add_row(Text(f"  +{count(len(failed) - MAX_ROWS)} more", style="muted"), Text(""))
    return [Text("failures", style="heading"), grid, Text("")] if grid.row_count else []


def _title(run: Run) -> str:
    operation = run.summary.operation if run.summary else None
    if operation is None and run.commands:
        operation = run.commands[0].name
    return f"castra {clean(operation, 20)} · summary" if operation else "summary"


def _vm_row(vm: Vm) -> list[Text]:
    b = vm.bootstrap
    boot, slowest = Text("—", style="muted"), Text("—", style="muted")
    if b is not None:
        word, style = _BOOT.get(b.status, (clean(b.status, 20), "muted"))
        took = f" {duration(b.duration_ms)}" if b.duration_ms is not None else ""
        boot = Text(word + took, style=style)
        step = b.slowest_step
        if step is not None:
            slowest = Text(f"{clean(step.step, 20)} {duration(step.duration_ms)}")
    return [
        Text(clean(vm.name, 40), style="heading"),
        Text(vm.state, style=_STATE_STYLE.get(vm.state, "")),
        boot,
        slowest,
        _shutdown(vm),
        Text(str(vm.warnings), style="sev.warn" if vm.warnings else "muted"),
        Text(str(vm.errors), style="sev.error" if vm.errors else "muted"),
    ]


def _shutdown(vm: Vm) -> Text:
    s = vm.shutdown
    if s is None:
        return Text("—", style="muted")
    if s.outcome is None:
        return Text("requested, not complete", style="sev.warn")
    signal = f" ({s.signals[-1].upper()})" if s.signals else ""
    style = "sev.warn" if s.outcome == "forced" else ""
    return Text(f"{clean(s.outcome, 20)}{clean(signal, 20)} {duration(s.total_ms)}", style=style)


def _natural_width(rows: list[list[Text]], ssh: list[str]) -> int:
    columns = list(zip(*rows, strict=True)) + [tuple(ssh)]
    headers = (*_HEADERS, "ssh")
    widths = [max(len(h), *(len(c) for c in col)) for h, col in zip(headers, columns, strict=True)]
    return sum(widths) + 2 * (len(widths) - 1)


def _totals(run: Run) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="heading", no_wrap=True)
    grid.add_column()
    families = " · ".join(f"{name} {count(n)}" for name, n in run.by_family.items())
    grid.add_row("events", f"{count(run.events)}" + (f" ({families})" if families else ""))
    if run.usage_events:
        t = run.tokens
        grid.add_row(
            "tokens",
            f"{count(t['prompt'])} prompt ({count(t['cached'])} cached) · "
            f"{count(t['completion'])} completion · {count(t['prompt'] + t['completion'])} total",
        )
    for label, kind in (("cleanup", "real"), ("dry run", "dry_run")):
        per_category = run.cleanup[kind]
        if per_category:
            verb = "reclaimed" if kind == "real" else "would reclaim"
            detail = ", ".join(f"{clean(c, 20)} {size(n)}" for c, n in per_category.items())
            grid.add_row(label, f"{verb} {size(sum(per_category.values()))} ({detail})")
    reclaimed = sum(vm.reclaimed_bytes for vm in run.vms.values())
    if reclaimed:
        grid.add_row("overlays", f"reclaimed {size(reclaimed)}")
    total_commands = sum(n for per in run.command_totals.values() for n in per.values())
    if total_commands <= SHOWN_COMMANDS:
        for command in run.commands:
            grid.add_row("command", _command(command))
    else:  # a long log: how many of each, not a line each
        for name, per_status in run.command_totals.items():
            grid.add_row("commands", _command_tally(name, per_status))
    if run.summary is not None:
        grid.add_row("operation", _operation(run))
    if run.malformed:
        grid.add_row("malformed", _problems(run))
    if run.unknown_types:
        listed = ", ".join(f"{clean(t, 40)} ×{n}" for t, n in run.unknown_types.most_common(5))
        more = len(run.unknown_types) - 5
        grid.add_row("unknown", listed + (f", +{more} more types" if more > 0 else ""))
    return grid


def _command_tally(name: str, per_status: dict[str, int]) -> Text:
    n = sum(per_status.values())
    words = {"accepted": "never completed"}
    parts = ", ".join(f"{count(k)} {words.get(s, s)}" for s, k in per_status.items() if k)
    text = Text(f"{clean(name, 40)} ×{count(n)}: {parts}")
    if per_status.get("failed") or per_status.get("rejected"):
        text.stylize("sev.error")
    return text


def _command(c: Command) -> Text:
    facts = [f"exit {c.exit_code}"] if c.exit_code is not None else []
    if c.duration_ms is not None:
        facts.append(f"in {duration(c.duration_ms)}")
    status = "never completed" if c.status == "accepted" else c.status
    text = Text(f"{clean(c.name, 40)} {status}" + (f" ({', '.join(facts)})" if facts else ""))
    if c.status in ("rejected", "failed") or c.exit_code:
        text.stylize("sev.error")
    if c.detail:
        text.append(f": {clean(c.detail)}")
    return text


def _operation(run: Run) -> Text:
    s = run.summary
    assert s is not None
    parts = [clean(s.operation, 40), f"exit {s.exit_code}", duration(s.duration_ms)]
    if s.vms is not None:
        parts.append(vm_counts(s.vms))
    if s.bytes_transferred is not None:
        parts.append(f"{size(s.bytes_transferred)} transferred")
    return Text(" · ".join(parts), style="" if s.exit_code == 0 else "sev.error")


def _problems(run: Run) -> Text:
    shown = run.problems[:SHOWN_PROBLEMS]
    several_sources = len({p.where.source for p in shown}) > 1
    where = ", ".join(
        f"{clean(p.where.source, 60)}:{p.where.line}" if several_sources else str(p.where.line)
        for p in shown
    )
    if not several_sources:
        where = f"line{'s' * (len(shown) > 1)} {where}"
    more = " …" if run.malformed > len(shown) else ""
    text_note = f", {count(run.text_lines)} of them plain text" if run.text_lines else ""
    plural = "s" if run.malformed != 1 else ""
    return Text(f"{count(run.malformed)} line{plural}{text_note} ({where}{more})", style="sev.warn")


def _verdict(verdict: Verdict) -> Text:
    code = int(verdict.status)
    if verdict.ok:
        return Text.assemble(("✓ passed", "ok"), f" (exit {code})")
    head = "interrupted" if verdict.reasons[:1] == ("interrupted",) else "failed"
    reasons = clean("; ".join(verdict.reasons))
    return Text.assemble((f"✗ {head}", "bad"), f" (exit {code}): {reasons}")
