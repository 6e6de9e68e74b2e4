"""What failed and why, in words: shared by the terminal summary, Markdown and the JSON report.

For each failure: who (a VM, a command), what failed, the error in full (all
its lines, cut at ten with ``… N more lines``), the failed step's detail, what
the messages about it said to do, and where in the input it was read.
Strings from the stream are ``clean``ed here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from castra_tail.render.text import clean, clean_lines, count, duration, plural
from castra_tail.run.failures import MAX_LINES, Failure

#: Failures explained one by one; past it, counted.
MAX_SHOWN: Final = 10


@dataclass(frozen=True, slots=True)
class Why:
    """One failure, in words."""

    who: str  # ``db-0``, ``command up``
    what: str  # ``bootstrap failed at apply after 5.6s``
    error: list[str]  # its lines, the last one ``… 3 more lines`` when cut
    step: str | None  # ``apply: run.sh exited with status 100 after apt-get install``
    remedies: list[str]
    where: str | None  # ``up-fail.ndjson:21``


def why(f: Failure) -> Why:
    """A failure in words."""
    who = clean(f.vm, 40) if f.vm is not None else f"command {clean(f.command or '?', 40)}"
    error = clean_lines("\n".join(f.error)) if f.error else []
    if f.error_lines > MAX_LINES:
        error.append(f"… {plural(f.error_lines - MAX_LINES, 'more line')}")
    step = f"{clean(f.step or '?', 40)}: {clean(f.step_detail)}" if f.step_detail else None
    where = f"{clean(f.source)}:{f.line}" if f.source is not None else None
    return Why(who, what(f), error, step, [clean(r) for r in f.remediation], where)


def what(f: Failure) -> str:
    """What failed, in a few words."""
    took = f" after {duration(f.duration_ms)}" if f.duration_ms is not None else ""
    if f.kind == "bootstrap":
        at = f" at {clean(f.step, 40)}" if f.step else ""
        if f.status == "failed":
            return f"bootstrap failed{at}{took}"
        return f"bootstrap {clean(f.status, 20)}: never finished{at}"
    if f.kind == "plan":
        return "plan would error"
    if f.kind == "shutdown":
        return "shutdown never completed"
    code = f", exit {f.exit_code}" if f.exit_code is not None else ""
    status = "exited non-zero" if f.status == "completed" else clean(f.status, 20)
    return f"{status}{code}{took}"


def rest(failures: list[Failure]) -> str | None:
    """``+3 more failures`` past MAX_SHOWN."""
    more = len(failures) - MAX_SHOWN
    return f"+{count(more)} more failure{'s' * (more != 1)}" if more > 0 else None
