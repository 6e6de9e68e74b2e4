"""The words of ``stats``, shared by the terminal and Markdown: headers, cells, the headline.

Every string from the stream (step and VM names, failure texts, commands, file
names) is ``clean``ed here; Markdown escapes it once more (``md``). A
percentile read from the sketch is marked ``≈``.
"""

from __future__ import annotations

from typing import Final

from castra_tail.render.text import clean, count, duration, plural
from castra_tail.run.kept import OTHER
from castra_tail.stats.report import Report, StepRow, Timing

STEP_HEADERS: Final = ("step", "count", "p50", "p95", "max", "failed", "rate")
BY_VM_HEADERS: Final = ("VM", *STEP_HEADERS)
VM_HEADERS: Final = ("VM", "runs", "failed", "rate")
FAILURE_HEADERS: Final = ("count", "failure", "first", "last")
COMMAND_HEADERS: Final = ("command", "runs", "ok", "failed", "p50", "p95", "max")
#: Columns that hold numbers (right-aligned).
NUMBERS: Final = frozenset({"count", "p50", "p95", "max", "failed", "rate", "runs", "ok"})
#: The widest a name is shown.
MAX_NAME: Final = 60
MAX_TEXT: Final = 120


def headline(r: Report) -> str:
    """``24,390 runs (2,431 failed) · 1,000,000 lines of 2 inputs · 3 malformed``."""
    inputs = ", ".join(clean(i, 60) for i in r.inputs[:3])
    if len(r.inputs) > 3:
        inputs += f" and {len(r.inputs) - 3:,} more"
    said = f"{plural(r.runs, 'run')} ({count(r.runs_failed)} failed) · "
    said += f"{plural(r.lines, 'line')} of {inputs}"
    if r.malformed:
        said += f" · {plural(r.malformed, 'malformed line')}"
        if r.first_malformed:
            said += f" (first {clean(r.first_malformed)}, last {clean(r.last_malformed or '?')})"
    return said


def nothing(r: Report) -> str:
    """What is said when no run was read."""
    lines = f"{plural(r.lines, 'line')}, {count(r.malformed)} of them malformed"
    return f"nothing to compare: no Castra events in the input ({lines})"


def ms(value: int | None, exact: bool = True) -> str:
    """A duration, ``≈`` before it when it comes from the sketch."""
    if value is None:
        return "—"
    return duration(value) if exact else f"≈{duration(value)}"


def timing(t: Timing) -> list[str]:
    """p50, p95 and max."""
    return [ms(t.p50, t.exact), ms(t.p95, t.exact), ms(t.max)]


def name(text: str, limit: int = MAX_NAME) -> str:
    """A name from the stream, cleaned; OTHER as it is."""
    return text if text == OTHER else clean(text, limit)


def step_row(row: StepRow) -> list[str]:
    """The cells of a step's row (with its VM first when it has one)."""
    t = row.timing
    cells = [name(row.step), count(t.count), *timing(t), count(row.failed), rate(row.failure_rate)]
    return [name(row.vm), *cells] if row.vm is not None else cells


def rate(value: float) -> str:
    """``12.5%``."""
    return f"{value:.1f}%"


def sketch_note(r: Report) -> str | None:
    """What ``≈`` means, when a value shown has it."""
    rows = [*r.steps, *(r.by_vm or [])]
    if (
        all(row.timing.exact for row in rows)
        and r.tokens.exact
        and all(c.duration.exact for c in r.commands)
    ):
        return None
    exact = r.exact_up_to
    return (
        f"≈: past {count(exact['step'])} durations a step ({count(exact['vm_step'])} a VM's "
        f"step), percentiles come from a log histogram, within {r.relative_error:.0%}"
    )


def tokens(r: Report) -> str | None:
    """``tokens per run: p50 4,500 · p95 5,100 · max 6,200 · 123,456 in all (24,390 runs)``."""
    t = r.tokens
    if not t.count:
        return None
    approx = "" if t.exact else "≈"
    return (
        f"tokens per run: p50 {approx}{count(t.p50 or 0)} · p95 {approx}{count(t.p95 or 0)} · "
        f"max {count(t.max or 0)} · {count(r.tokens_total)} in all ({plural(t.count, 'run')})"
    )
