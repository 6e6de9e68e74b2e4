"""What the summary says, as plain cleaned text with a tone: shared by Rich and Markdown.

Each fact is a string (stream strings already ``clean``ed) and a style name
(``tone``) that a terminal colours and a Markdown report ignores. Layout is
the renderers' business; the words are decided once, here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final

from castra_tail.render.text import clean, count, duration, plural, size, tail, vm_counts
from castra_tail.render.theme import BOOTSTRAP_MARKS
from castra_tail.run.records import Command
from castra_tail.run.ssh import left_out_text
from castra_tail.run.state import Run
from castra_tail.run.verdict import Verdict
from castra_tail.run.vm import Vm
from castra_tail.run.vms import MAX_VMS

SHOWN_PROBLEMS: Final = 5
SHOWN_COMMANDS: Final = 5
#: VM rows in a table; past it, VMs with problems first and a line for the rest.
MAX_ROWS: Final = 30
HEADERS: Final = ("VM", "state", "bootstrap", "slowest", "shutdown", "warn", "err")
_BAD_STATES: Final = frozenset({"failed", "incomplete", "interrupted"})
_STATE_TONE: Final = {
    "ready": "ok",
    "stopped": "sev.progress",
    "failed": "bad",
    "incomplete": "sev.warn",
    "interrupted": "sev.warn",
}


@dataclass(frozen=True, slots=True)
class Fact:
    """A piece of the summary: its words, and the style a terminal shows them in."""

    text: str
    tone: str = ""


NONE: Final = Fact("—", "muted")


def title(run: Run, *, numbered: bool = False) -> str:
    """``castra up · summary`` (``run 3 · castra down · summary`` among several), from the
    operation (or the first command)."""
    operation = run.summary.operation if run.summary else None
    if operation is None and run.commands:
        operation = run.commands[0].name
    if operation is None and run.plan_only:
        operation = "up --plan"
    name = f"castra {clean(operation, 20)} · summary" if operation else "summary"
    return f"run {run.number} · {name}" if numbered else name


def shown_vms(run: Run, limit: int = MAX_ROWS) -> tuple[list[Vm], list[Vm]]:
    """The VMs that get a row — those with problems first, then the rest, each in stream
    order — and those past ``limit``."""
    return pick_vms(list(run.vms.values()), limit)


def pick_vms(vms: list[Vm], limit: int) -> tuple[list[Vm], list[Vm]]:
    """``vms`` with problems first, then the rest (each in order): the first ``limit``,
    and those past it."""
    ordered = [vm for vm in vms if _troubled(vm)] + [vm for vm in vms if not _troubled(vm)]
    return ordered[:limit], ordered[limit:]


def _troubled(vm: Vm) -> bool:
    forced = vm.shutdown is not None and vm.shutdown.outcome == "forced"
    return bool(vm.errors or vm.warnings or forced) or vm.state in _BAD_STATES


def rest_of_vms(rest: list[Vm]) -> str:
    """``+370 more VMs: 360 ready, 10 stopped``."""
    states = Counter(vm.state for vm in rest)
    listed = ", ".join(f"{count(n)} {state}" for state, n in states.most_common())
    return f"+{count(len(rest))} more VMs: {listed}"


def dropped_vms(run: Run) -> str | None:
    """``+12 VMs not tracked, past the first 10,000``: VMs the state never tracked."""
    if not run.vms_not_tracked:
        return None
    more = " or more" if run.untracked_overflow else ""
    return f"+{count(run.vms_not_tracked)}{more} VMs not tracked, past the first {count(MAX_VMS)}"


def vm_row(vm: Vm) -> list[Fact]:
    """The facts of a VM's row, in ``HEADERS`` order."""
    b = vm.bootstrap
    boot, slowest = NONE, NONE
    if b is not None:
        mark, tone = BOOTSTRAP_MARKS.get(b.status, ("?", "muted"))
        word = f"{mark} {clean(b.status, 20)}"
        took = f" {duration(b.duration_ms)}" if b.duration_ms is not None else ""
        boot = Fact(word + took, tone)
        step = b.slowest_step
        if step is not None:
            slowest = Fact(f"{clean(step.step, 20)} {duration(step.duration_ms)}")
    return [
        Fact(clean(vm.name, 40), "heading"),
        Fact(vm.state, _STATE_TONE.get(vm.state, "")),
        boot,
        slowest,
        _shutdown(vm),
        Fact(str(vm.warnings), "sev.warn" if vm.warnings else "muted"),
        Fact(str(vm.errors), "sev.error" if vm.errors else "muted"),
    ]


def ssh_notes(vms: list[Vm]) -> list[tuple[str, str]]:
    """(VM, what its ssh command leaves out and why) for each VM whose plan asked for more."""
    return [
        (clean(vm.name, 40), clean(left_out_text(vm.ssh_left_out))) for vm in vms if vm.ssh_left_out
    ]


def _shutdown(vm: Vm) -> Fact:
    s = vm.shutdown
    if s is None:
        return NONE
    if s.outcome is None:
        return Fact("requested, not complete", "sev.warn")
    signal = f" ({clean(s.signals[-1], 12).upper()})" if s.signals else ""
    tone = "sev.warn" if s.outcome == "forced" else ""
    return Fact(f"{clean(s.outcome, 20)}{signal} {duration(s.total_ms)}", tone)


def totals(run: Run) -> list[tuple[str, Fact]]:
    """The totals, as (label, fact) rows."""
    rows: list[tuple[str, Fact]] = []
    families = " · ".join(f"{name} {count(n)}" for name, n in run.by_family.items())
    rows.append(("events", Fact(f"{count(run.events)}" + (f" ({families})" if families else ""))))
    if run.token_source is not None:
        t = run.tokens
        source = " (from the turns)" if run.token_source == "turns" else ""
        rows.append(
            (
                "tokens",
                Fact(
                    f"{count(t['prompt'])} prompt ({count(t['cached'])} cached) · "
                    f"{count(t['completion'])} completion · "
                    f"{count(t['prompt'] + t['completion'])} total{source}"
                ),
            )
        )
    if run.harness.seen:
        rows.append(("harness", _harness(run)))
    for label, kind, verb in (
        ("cleanup", "real", "reclaimed"),
        ("dry run", "dry_run", "would reclaim"),
    ):
        per_category = run.cleanup[kind]
        if per_category:
            detail = ", ".join(f"{clean(c, 20)} {size(n)}" for c, n in per_category.items())
            rows.append((label, Fact(f"{verb} {size(sum(per_category.values()))} ({detail})")))
    reclaimed = sum(vm.reclaimed_bytes for vm in run.vms.values())
    if reclaimed:
        rows.append(("overlays", Fact(f"reclaimed {size(reclaimed)}")))
    rows += _commands(run)
    if run.summary is not None:
        rows.append(("operation", _operation(run)))
    missing = run.missing if run.finished and not run.interrupted else []
    if missing:
        rows.append(("incomplete", Fact("; ".join(clean(gap) for gap in missing), "sev.error")))
    if run.malformed:
        rows.append(("malformed", _problems(run)))
    if run.unknown_types:
        listed = ", ".join(f"{clean(t, 40)} ×{n}" for t, n in run.unknown_types.most_common(5))
        more = len(run.unknown_types) - 5
        rows.append(("unknown", Fact(listed + (f", +{more} more types" if more > 0 else ""))))
    return rows


def _harness(run: Run) -> Fact:
    h = run.harness
    parts = [
        f"{plural(h.turns, 'turn')} ({count(h.turns_failed)} failed)",
        f"{plural(h.commands_run, 'command')} run ({count(h.commands_failed)} failed)",
        f"{plural(h.files_changed, 'file')} changed",
    ]
    if h.errors:
        parts.append(plural(h.errors, "error"))
    bad = h.turns_failed or h.commands_failed or h.errors
    return Fact(" · ".join(parts), "sev.error" if bad else "")


def _commands(run: Run) -> list[tuple[str, Fact]]:
    total = sum(n for per in run.command_totals.values() for n in per.values())
    if total <= SHOWN_COMMANDS:
        return [("command", _command(c, run.interrupted)) for c in run.commands]
    rows = []  # a long log: how many of each, not a line each
    for name, per_status in run.command_totals.items():
        words = {"accepted": "never completed"}
        parts = ", ".join(f"{count(k)} {words.get(s, s)}" for s, k in per_status.items() if k)
        bad = per_status.get("failed") or per_status.get("rejected")
        text = f"{clean(name, 40)} ×{count(sum(per_status.values()))}: {parts}"
        rows.append(("commands", Fact(text, "sev.error" if bad else "")))
    return rows


def _command(c: Command, interrupted: bool) -> Fact:
    facts = [f"exit {c.exit_code}"] if c.exit_code is not None else []
    if c.duration_ms is not None:
        facts.append(f"in {duration(c.duration_ms)}")
    status = c.status
    if status == "accepted":  # still running when the reading stopped, or never ended
        status = "interrupted" if interrupted else "never completed"
    text = f"{clean(c.name, 40)} {status}" + (f" ({', '.join(facts)})" if facts else "")
    if c.detail:
        text += f": {clean(c.detail)}"
    bad = c.status in ("rejected", "failed") or c.exit_code
    return Fact(text, "sev.error" if bad else "")


def _operation(run: Run) -> Fact:
    s = run.summary
    assert s is not None
    parts = [clean(s.operation, 40), f"exit {s.exit_code}", duration(s.duration_ms)]
    if s.vms is not None:
        parts.append(vm_counts(s.vms))
    if s.bytes_transferred is not None:
        parts.append(f"{size(s.bytes_transferred)} transferred")
    return Fact(" · ".join(parts), "" if s.exit_code == 0 else "sev.error")


def _problems(run: Run) -> Fact:
    shown = run.problems[:SHOWN_PROBLEMS]
    # A bare line number is a line of the file the run began in; any other file is named.
    began = {run.where.source} if run.where is not None else set()
    several_sources = len({p.where.source for p in shown} | began) > 1
    where = ", ".join(
        f"{tail(clean(p.where.source, 4096), 60)}:{p.where.line}"
        if several_sources
        else str(p.where.line)
        for p in shown
    )
    if not several_sources:
        where = f"line{'s' * (len(shown) > 1)} {where}"
    more = " …" if run.malformed > len(shown) else ""
    text_note = f", {count(run.text_lines)} of them plain text" if run.text_lines else ""
    return Fact(f"{plural(run.malformed, 'line')}{text_note} ({where}{more})", "sev.warn")


def verdict(v: Verdict) -> tuple[Fact, str]:
    """The verdict's head (``✓ passed``, ``✗ failed``, ``✗ interrupted``) and the rest."""
    code = int(v.status)
    if v.ok:
        return Fact("✓ passed", "ok"), f"(exit {code})"
    reasons = v.reasons
    head = "failed"
    if reasons[:1] == ("interrupted",):  # the head says it: not again as a reason
        head, reasons = "interrupted", reasons[1:]
    said = f": {clean('; '.join(reasons))}" if reasons else ""
    return Fact(f"✗ {head}", "bad"), f"(exit {code}){said}"
