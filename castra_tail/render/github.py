"""GitHub Actions workflow commands (``--format github``): groups and annotations, made safe.

The Actions runner reads every line a step writes; one that starts, after
blanks, with ``::`` is a workflow command (``::error::``, ``::add-mask::``,
``::stop-commands::``…), and the log viewer folds or colours lines that start
with ``##[``. So:

- the commands castra-tail means are escaped by the runner's own rules: in
  their data ``%``, CR and LF (``%25``, ``%0D``, ``%0A``); in their
  properties ``:`` and ``,`` too (``%3A``, ``%2C``) — a VM called
  ``web\\n::error::x`` stays inside one annotation;
- every other line, which may start with stream text (a VM's name, the next
  line of an error, a line of stderr), goes through ``inert``: a line the
  runner would take for a command gets a ``\\`` in front, shown as it is.

Annotations (``problems``) are built from the state and the verdict, with
what the messages said about the same VM: the why, and the remediation. The
runner shows 10 errors and 10 warnings a step: past that, the rest are one
annotation that counts them, and the verdict is always the last error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.render import facts
from castra_tail.render.text import clean, duration
from castra_tail.run.kept import keep
from castra_tail.run.state import Run
from castra_tail.run.verdict import Verdict
from castra_tail.run.vm import Vm

#: Annotations of each kind the runner shows for one step.
MAX_SHOWN: Final = 10
#: Messages remembered for annotations; the runner would not show more.
MAX_NOTES: Final = 1_000
_DATA: Final = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A"})
_PROPERTY: Final = str.maketrans({"%": "%25", "\r": "%0D", "\n": "%0A", ":": "%3A", ",": "%2C"})
#: What the runner reads as a command, or the viewer as a log marker: after blanks and
#: colour codes (a runner that drops them must still not see one), ``::`` or ``##[``.
_COMMAND_LIKE: Final = re.compile(r"(?:\s|\x1b\[[0-9;]*m)*(?:::|##\[)")


def data(text: str) -> str:
    """Text as a command's data (after its ``::``)."""
    return text.translate(_DATA)


def prop(text: str) -> str:
    """Text as a command's property value (``title=…``)."""
    return text.translate(_PROPERTY)


def command(name: str, message: str = "", **props: str) -> str:
    """One workflow command line: ``::name k=v,k=v::message``."""
    listed = ",".join(f"{key}={prop(value)}" for key, value in props.items())
    return f"::{name}{' ' + listed if listed else ''}::{data(message)}\n"


def inert(text: str) -> str:
    """Output lines that the runner cannot take for a command nor the viewer for a marker."""
    if "::" not in text and "##[" not in text:
        return text
    return "\n".join(
        "\\" + line if _COMMAND_LIKE.match(line) else line for line in text.split("\n")
    )


@dataclass(frozen=True, slots=True)
class Said:
    """A message at warn level or above, as an annotation tells it."""

    error: bool
    vm: str | None
    text: str
    remediation: str | None

    @classmethod
    def of(cls, e: ev.Message, level: Level) -> Said:
        """What a ``message`` event said, its strings kept as the state keeps them."""
        return cls(level >= Level.ERROR, keep(e.vm), keep(e.text), keep(e.remediation))


@dataclass(slots=True)
class Notes:
    """What the messages of each run said at warn level or above, for the annotations."""

    said: dict[int, list[Said]] = field(default_factory=dict)
    count: int = 0

    def add(self, run: int, said: Said) -> None:
        """Remember a message of run ``run``: the first MAX_NOTES of them all, far more than
        the runner shows."""
        if self.count < MAX_NOTES:
            self.said.setdefault(run, []).append(said)
            self.count += 1

    def of(self, run: int) -> list[Said]:
        """What the messages of run ``run`` said."""
        return self.said.get(run, [])


@dataclass(frozen=True, slots=True)
class Problem:
    """One annotation: ``error`` or ``warning``, its title and its message."""

    kind: str
    title: str
    message: str

    def line(self) -> str:
        """The workflow command."""
        return command(self.kind, self.message, title=self.title)


def problems(runs: Sequence[Run], verdict: Verdict, notes: Notes) -> list[Problem]:
    """The annotations of the finished ``runs`` (titled ``run 2 · …`` when several), errors
    first, at most MAX_SHOWN of each kind: the same for every run."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for run in runs:
        said = notes.of(run.number)
        named = f"run {run.number} · " if len(runs) > 1 else ""
        found = _errors(run, said) + _warnings(run, said)
        errors += [Problem(p.kind, named + p.title, p.message) for p in found if p.kind == "error"]
        warnings += [
            Problem(p.kind, named + p.title, p.message) for p in found if p.kind != "error"
        ]
    verdict_problem = []
    if not verdict.ok:
        head, rest = facts.verdict(verdict)
        title = f"castra-tail: {head.text[2:]} (exit {int(verdict.status)})"
        verdict_problem = [Problem("error", title, "\n".join(clean(r) for r in verdict.reasons))]
    return (
        _capped(errors, MAX_SHOWN - len(verdict_problem))
        + verdict_problem
        + _capped(warnings, MAX_SHOWN)
    )


def _errors(run: Run, said: list[Said]) -> list[Problem]:
    """One error per problem: a failed bootstrap (with what was said of its VM), a plan that
    would error (even on a VM whose bootstrap failed too), a failed or rejected command, an
    error message about no VM whose bootstrap failed."""
    failed = {vm.name for vm in run.vms.values() if _failed(vm)}
    errors = [_bootstrap_failed(vm, said) for vm in run.vms.values() if vm.name in failed]
    errors += [_plan_error(vm) for vm in run.vms.values() if _plan_failed(vm)]
    errors += [
        Problem("error", f"command {clean(c.name, 40)} {c.status}", clean(c.detail or c.status))
        for c in run.commands
        if c.status in ("failed", "rejected")
    ]
    return errors + [_said(s) for s in said if s.error and s.vm not in failed]


def _warnings(run: Run, said: list[Said]) -> list[Problem]:
    warnings = [_said(s) for s in said if not s.error]
    warnings += [
        Problem("warning", f"{clean(vm.name, 40)}: plan warning", clean(w))
        for vm in run.vms.values()
        if vm.plan is not None
        for w in vm.plan.warnings
    ]
    warnings += [_forced(vm) for vm in run.vms.values() if _was_forced(vm)]
    return warnings + [
        Problem("warning", "malformed lines", fact.text)
        for label, fact in facts.totals(run)
        if label == "malformed"
    ]


def _capped(found: list[Problem], room: int) -> list[Problem]:
    if len(found) <= room:
        return found
    kept, rest = found[: room - 1], found[room - 1 :]
    kind = found[0].kind
    more = f"+{len(rest)} more {kind}s"
    return [*kept, Problem(kind, more, "\n".join(p.title for p in rest[:50]) + "\n(see the log)")]


def _failed(vm: Vm) -> bool:
    return vm.bootstrap is not None and vm.bootstrap.status == "failed"


def _plan_failed(vm: Vm) -> bool:
    return vm.plan is not None and vm.plan.action == "error"


def _was_forced(vm: Vm) -> bool:
    return vm.shutdown is not None and vm.shutdown.outcome == "forced"


def _lines(parts: Iterable[str | None]) -> str:
    return "\n".join(_multiline(p) for p in parts if p)


def _multiline(text: str) -> str:
    """Stream text, cleaned line by line: its line breaks are kept (escaped as data)."""
    return "\n".join(clean(line) for line in text.replace("\r\n", "\n").split("\n"))


def _bootstrap_failed(vm: Vm, said: list[Said]) -> Problem:
    b = vm.bootstrap
    assert b is not None
    step = b.failed_step
    at = f" at {clean(step.step, 40)}" if step else ""
    title = f"{clean(vm.name, 40)}: bootstrap failed{at} after {duration(b.duration_ms)}"
    why = [b.error, f"{step.step}: {step.detail}" if step and step.detail else None]
    for s in said:
        if s.vm == vm.name and s.error:
            why.append(s.text)
            if s.remediation:
                why.append(f"Remediation: {s.remediation}")
    return Problem("error", title, _lines(why))


def _plan_error(vm: Vm) -> Problem:
    assert vm.plan is not None
    return Problem("error", f"{clean(vm.name, 40)}: plan error", _multiline(vm.plan.reason))


def _forced(vm: Vm) -> Problem:
    s = vm.shutdown
    assert s is not None
    signal = f" with {s.signals[-1].upper()}" if s.signals else ""
    why = f"the cooperative shutdown did not finish ({s.timed_out})" if s.timed_out else ""
    return Problem("warning", f"{clean(vm.name, 40)}: shutdown forced{signal}", clean(why))


def _said(s: Said) -> Problem:
    kind = "error" if s.error else "warning"
    title = f"{clean(s.vm, 40)}: {kind}" if s.vm else kind
    rest = f"Remediation: {s.remediation}" if s.remediation else None
    return Problem(kind, title, _lines((s.text, rest)))
