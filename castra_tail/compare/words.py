"""The words of a comparison, shared by the terminal and Markdown: cells, marks, the tally.

Each cell is a ``Fact`` (cleaned text and a tone) as in the summary; every
string from the stream (VM and step names, hashes, reasons, file names) goes
through ``clean`` here, and Markdown escapes it once more (``md``).
"""

from __future__ import annotations

from collections import Counter
from typing import Final

from castra_tail.compare.records import RANK, Comparison, Row, RunSide, Total, VmDiff
from castra_tail.render.facts import Fact
from castra_tail.render.text import clean, count, duration, size

HEADERS: Final = ("VM", "step", "old", "new", "Δ", "%", "change")
#: The step column of a VM's whole bootstrap (its last row).
WHOLE: Final = "(total)"
#: How each change is shown: its words and tone.
LABELS: Final = {
    "failed": ("✗ new failure", "bad"),
    "regression": ("▲ slower", "sev.warn"),
    "failing": ("✗ still failing", "sev.error"),
    "removed": ("− VM removed", "sev.warn"),
    "added": ("+ VM added", "hint"),
    "gone": ("− gone", "sev.warn"),
    "new": ("+ new", "hint"),
    "fixed": ("✓ fixed", "ok"),
    "faster": ("▼ faster", "ok"),
    "more": ("more", ""),
    "less": ("less", ""),
    "same": ("same", "muted"),
}
#: The totals, as the table names them, and how their values are written.
TOTALS: Final = {
    "duration_ms": "duration",
    "bytes_transferred": "transferred",
    "tokens": "tokens",
    "cleanup_bytes": "cleaned up",
    "vms": "VMs",
    "events": "events",
    "malformed": "malformed lines",
}
_SIZES: Final = frozenset({"bytes_transferred", "cleanup_bytes"})
#: The tally's words for each change of a step: (one, many).
_STEP_WORDS: Final = {
    "failed": ("new failure", "new failures"),
    "regression": ("slower", "slower"),
    "failing": ("still failing", "still failing"),
    "gone": ("gone", "gone"),
    "new": ("new", "new"),
    "fixed": ("fixed", "fixed"),
    "faster": ("faster", "faster"),
    "same": ("the same", "the same"),
}


def label(change: str) -> Fact:
    """A change in words, with its mark and tone."""
    text, tone = LABELS[change]
    return Fact(text, tone)


def side(s: RunSide) -> list[Fact]:
    """One run: where it was read, what it ran, how it ended, how long it took."""
    result = Fact("✓ ok", "ok") if s.ok else Fact("✗ failed", "bad")
    said = [Fact(clean(s.label), "heading"), Fact(clean(s.command or "—")), result]
    said.append(Fact(duration(s.duration_ms)))
    if not s.ok and s.reasons:
        said.append(Fact(clean(s.reasons[0]), "muted"))
    return said


def notes(c: Comparison) -> list[str]:
    """What to bear in mind: lines that were no events, runs of different commands."""
    said = []
    for s in (c.old, c.new):
        if s.malformed:
            lines = "1 malformed line" if s.malformed == 1 else f"{s.malformed:,} malformed lines"
            first = f" (first: {clean(s.first_malformed)})" if s.first_malformed else ""
            said.append(f"{lines} in {clean(s.label)}{first}")
    said += [s.chosen for s in (c.old, c.new) if s.chosen]
    if c.old.command != c.new.command:
        old, new = (clean(s.command or "no command", 40) for s in (c.old, c.new))
        said.append(f"the runs ran different commands: {old}, then {new}")
    return said


def shown(vm: VmDiff) -> bool:
    """Whether a VM has rows to show: steps, a bootstrap, or being in one run only."""
    return bool(vm.steps) or vm.bootstrap is not None or vm.presence is not None


def vm_rows(vm: VmDiff) -> list[tuple[str, list[Fact]]]:
    """A VM's rows as (step, cells): its steps, then its whole bootstrap; a VM in one run
    only with no bootstrap still gets a row, so that it is named."""
    rows = [(step_name(r), cells(r)) for r in vm.steps]
    if vm.bootstrap is not None:
        rows.append((WHOLE, cells(vm.bootstrap)))
    if not rows and vm.presence is not None:
        rows.append(("—", [Fact("—", "muted")] * 4 + [label(vm.presence)]))
    return rows


def vm_name(vm: VmDiff) -> str:
    """The VM as named in the first of its rows: ``db-0 (added)`` when in one run only."""
    name = clean(vm.name, 200)
    return f"{name} ({vm.presence})" if vm.presence is not None else name


def heading(c: Comparison) -> tuple[str, str]:
    """The tally without its mark, and the icon a heading gets: ❌ for a regression or a
    run that (still) fails, ✅ otherwise."""
    said, _ = tally(c)
    icon = "❌" if c.regressed or not c.new.ok else "✅"
    return said[2:] if said[:2] in ("✗ ", "~ ", "= ") else said, icon


def step_name(row: Row) -> str:
    """The step as shown: its name, and which attempt when it ran more than once."""
    name = clean(row.step, 200)
    return f"{name} #{row.attempt}" if row.attempt > 1 else name


def cells(row: Row) -> list[Fact]:
    """The old, new, Δ, % and change cells of a row."""
    return [
        _timed(row.old_ms, row.old_status),
        _timed(row.new_ms, row.new_status),
        Fact(signed_duration(row.delta_ms), _tone(row.change)),
        Fact(percent(row.percent), _tone(row.change)),
        label(row.change),
    ]


def _timed(ms: int | None, status: str | None) -> Fact:
    if status is None:
        return Fact("—", "muted")
    shown = duration(ms) if ms is not None else clean(status, 20)
    if status in ("failed", "error"):
        return Fact(f"✗ {shown}", "sev.error")
    if status not in ("success", "noop", "skipped"):
        return Fact(f"{shown} ({clean(status, 20)})" if ms is not None else shown, "sev.warn")
    return Fact(shown, "muted" if status == "skipped" else "")


def _tone(change: str) -> str:
    return {"regression": "sev.warn", "faster": "ok"}.get(change, "")


def signed_duration(ms: int | None) -> str:
    """``+0.9s``, ``−1.2s``, ``±0ms``; ``—`` when there is no difference to take."""
    if ms is None:
        return "—"
    sign = "+" if ms > 0 else "−" if ms < 0 else "±"
    return sign + duration(abs(ms))


def percent(value: float | None) -> str:
    """``+43%``, ``−12%``, ``0%``; ``—`` when there was nothing to take it of."""
    if value is None:
        return "—"
    if value == 0:
        return "0%"
    sign = "+" if value > 0 else "−"
    shown = f"{abs(value):.0f}" if abs(value) >= 10 else f"{abs(value):.1f}"
    return f"{sign}{shown}%"


def total(name: str, t: Total) -> list[Fact]:
    """A total's row: what it is, old, new, Δ, % and change."""

    def value(n: int | None) -> str:
        if n is None:
            return "—"
        if name == "duration_ms":
            return duration(n)
        return size(n) if name in _SIZES else count(n)

    if name == "duration_ms":
        delta = signed_duration(t.delta)
    elif t.delta is None:
        delta = "—"
    else:
        delta = ("+" if t.delta > 0 else "−" if t.delta < 0 else "±") + value(abs(t.delta))
    return [
        Fact(TOTALS[name], "heading"),
        Fact(value(t.old)),
        Fact(value(t.new)),
        Fact(delta, _tone(t.change)),
        Fact(percent(t.percent), _tone(t.change)),
        label(t.change),
    ]


def plan_change(old: str | None, new: str | None) -> str:
    """``would_run → would_skip`` (``—`` for a field that was not there)."""
    return f"{clean(old or '—', 80)} → {clean(new or '—', 80)}"


def tally(c: Comparison) -> tuple[str, str]:
    """What changed, in one line, and its tone: the steps, the VMs, the plans, the run."""
    if c.unchanged:
        return "= nothing changed", "ok"
    steps = Counter(row.change for vm in c.vms for row in vm.steps)
    said = [
        f"{n:,} {_STEP_WORDS[change][n != 1]}"
        for change, n in sorted(steps.items(), key=lambda kv: RANK[kv[0]])
    ]
    parts = [f"steps: {', '.join(said)}"] if said else []
    vms = Counter(vm.presence for vm in c.vms if vm.presence is not None)
    parts += [f"{n:,} VM{'s' * (n != 1)} {change}" for change, n in sorted(vms.items())]
    plans = sum(1 for vm in c.vms if vm.plan)
    if plans:
        parts.append(f"{plans:,} plan{'s' * (plans != 1)} changed")
    result = {
        "failed": "the run newly failed",
        "fixed": "the run is fixed",
        "failing": "the run still fails",
    }.get(c.result)
    if result:
        parts.append(result)
    took = c.totals["duration_ms"]
    if took.change in ("regression", "faster"):
        slower = "slower" if took.change == "regression" else "faster"
        parts.append(
            f"the run {slower} by {duration(abs(took.delta or 0))} ({percent(took.percent)})"
        )
    tone = "bad" if c.regressed else "sev.warn"
    return ("✗ " if c.regressed else "~ ") + " · ".join(parts or ["the totals changed"]), tone
