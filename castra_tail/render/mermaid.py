"""A run's bootstraps as a Mermaid ``gantt`` block, which GitHub draws in job summaries and PRs.

One section per VM (``db-0 · failed`` when its bootstrap went wrong), one
task per step with its duration, the failed step marked ``crit`` (skipped
ones ``done``); times from ``clock.timing``. At most
MAX_VMS VMs (those with problems first, as the summary picks them) and
MAX_STEPS steps a VM; the rest are counted under the block, so a fleet stays
within what Mermaid agrees to draw (50,000 characters by default).

Names from the stream go through ``text``: Mermaid's gantt grammar ends a task
name at ``:``, its data at ``#`` or ``;``, takes ``%%`` for a comment and ``#…;``
for an entity, and reads a line that starts with a keyword (``section``,
``click``, ``title``…) as that keyword. So every stream string is cleaned (no
line breaks or controls: they become visible escapes), those characters are
replaced by look-alikes, and every task starts with a status mark, never with
stream text.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from castra_tail.render import facts
from castra_tail.render.clock import MS, RunTimes, Span, VmTimes, timing
from castra_tail.render.text import clean, count, duration
from castra_tail.render.theme import BOOTSTRAP_MARKS, STEP_MARKS
from castra_tail.render.trace import run_label
from castra_tail.run.state import Run
from castra_tail.run.vm import BAD

MAX_VMS: Final = 20
MAX_STEPS: Final = 20
#: Mermaid's own default limit on a diagram's text (``maxTextSize``).
MAX_TEXT: Final = 50_000
#: Times are written as dates of one day, read in the viewer's own time zone: the axis
#: starts at 00:00:00 wherever it is drawn (epoch milliseconds would start at the zone's offset).
_DAY: Final = datetime(2000, 1, 1)
_DATE_FORMAT: Final = "YYYY-MM-DD HH:mm:ss.SSS"
_UNSAFE: Final = str.maketrans(
    {":": "꞉", "#": "＃", ";": "；", "%": "％", "<": "‹", ">": "›", "{": "❴", "}": "❵"}
)
_TAGS: Final = {"failed": "crit, ", "skipped": "done, "}


def text(value: str, limit: int = 40) -> str:
    """Stream text as Mermaid's gantt grammar reads it: one line, no syntax of its own."""
    return clean(value, limit).translate(_UNSAFE).strip() or "?"


def gantt(run: Run) -> str:
    """The ```mermaid block of ``run``'s bootstraps (empty when it has none), then the rest."""
    times = timing([run]).runs[0]
    booted = [t for t in times.vms if t.bootstrap is not None]
    if not booted:
        return ""
    shown, rest = facts.pick_vms([t.vm for t in booted], MAX_VMS)
    picked = {id(vm) for vm in shown}
    lines = _head(run, times)
    for t in booted:
        if id(t.vm) in picked:
            lines += _section(t)
    lines.append("```")
    if rest:
        lines += ["", f"{facts.rest_of_vms(rest)} (not drawn)"]
    return "\n".join(lines) + "\n"


def _head(run: Run, times: RunTimes) -> list[str]:
    longest = times.end - times.start
    return [
        "```mermaid",
        "gantt",
        f"    title {text(run_label(run), 60)} · bootstraps",
        f"    dateFormat {_DATE_FORMAT}",
        f"    axisFormat {'%H:%M:%S' if longest >= 3_600_000 * MS else '%M:%S'}",
        "    todayMarker off",
    ]


def _section(t: VmTimes) -> list[str]:
    b, boot, steps = t.vm.bootstrap, t.bootstrap, t.steps
    assert b is not None and boot is not None
    went_wrong = f" · {text(b.status, 20)}" if b.status in BAD else ""
    lines = [f"    section {text(t.vm.name)}{went_wrong}"]
    if not steps:  # a bootstrap that ended before its first step: one bar for all of it
        status = b.status
        mark = BOOTSTRAP_MARKS.get(status, ("?", ""))[0]
        tag = "crit, " if status == "failed" else ""
        return [*lines, _task(f"{mark} bootstrap {text(status, 20)}", tag, boot)]
    for step, span in steps[:MAX_STEPS]:
        mark = STEP_MARKS.get(step.status, "?")
        label = f"{mark} {text(step.step)} {duration(step.duration_ms)}"
        lines.append(_task(label, _TAGS.get(step.status, ""), span))
    more = steps[MAX_STEPS:]
    if more:
        span = Span(more[0][1].start, more[-1][1].end - more[0][1].start)
        failed = any(step.status == "failed" for step, _ in more)
        label = f"… {count(len(more))} more steps"
        lines.append(_task(label, "crit, " if failed else "", span))
    return lines


def _task(label: str, tag: str, span: Span) -> str:
    return f"    {label} :{tag}{_at(span.start)}, {_at(span.end)}"


def _at(micros: int) -> str:
    """A time on the gantt's axis, as its ``dateFormat`` writes it."""
    moment = _DAY + timedelta(microseconds=micros - micros % MS)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
