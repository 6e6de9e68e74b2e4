"""One event → its readable line(s): the hot path of text mode, for the contract's families.

Lines are laid out by ``layout.Layout`` (``VM  MARK LABEL  BODY``); the
harness's transcript events by ``transcript``. Every string from the stream
goes through ``clean``, so nothing in it can reach the terminal as a control
sequence. A renderer reads nothing but its arguments: what the state knows
about the event's VM comes in as ``vm``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.render.folding import Whole
from castra_tail.render.layout import ERROR, INFO, LABEL_WIDTH, WARN, Layout, fields
from castra_tail.render.text import (
    clean,
    count,
    duration,
    pad,
    show_bytes,
    size,
    tail,
    vm_counts,
    width_of,
)
from castra_tail.render.theme import MARKS, STEP_MARKS, Palette
from castra_tail.render.transcript import Transcript
from castra_tail.run.ssh import left_out_text, ssh_of
from castra_tail.run.vm import Vm

Method = Callable[[Any, Level, bytes, "Vm | None"], str]


class Lines:
    """Formats events as text lines (each ending in a newline)."""

    def __init__(self, palette: Palette, width: int = 0) -> None:
        self.layout = layout = Layout(palette, width)
        self.line = layout.line
        self._methods: dict[type, Method] = {
            ev.Message: self._message,
            ev.VmLifecycle: self._lifecycle,
            ev.BootstrapPlanned: self._planned,
            ev.BootstrapStarted: self._started,
            ev.BootstrapStep: self._step,
            ev.BootstrapCompleted: self._completed,
            ev.BootstrapFailed: self._failed,
            ev.Usage: self._usage,
            ev.Cleanup: self._cleanup,
            ev.CommandAccepted: self._command,
            ev.CommandRejected: self._command,
            ev.CommandCompleted: self._command,
            ev.CommandFailed: self._command,
            ev.Summary: self._summary,
            **Transcript(layout).methods(),
        }

    # --- entry points ---------------------------------------------------------------

    def event(self, event: ev.Event, level: Level, raw: bytes, vm: Vm | None = None) -> str:
        """The lines showing one event; ``vm``: the state of its VM, once the event was added."""
        return self._methods[type(event)](event, level, raw, vm)

    def unknown(self, type_name: str, raw: bytes) -> str:
        """A generic line for an event of a type this contract version does not know."""
        label = clean(type_name, LABEL_WIDTH * 3)
        return self.line(None, INFO, "?", label, fields(raw, skip=("type",)))

    def malformed(self, where: str, reason: str, raw: bytes | None) -> str:
        """A located report of a line that is not a valid event, with an excerpt."""
        head = self.line(None, WARN, "⚠", "malformed", f"{where}: {clean(reason)}")
        if raw is None:
            return head
        start, end = self.layout.muted
        return f"{head}{self.layout.indent}{start}{show_bytes(raw, 160)}{end}\n"

    def notice(self, source: str, text: str) -> str:
        """One line about a source (a followed file replaced or truncated)."""
        return self.line(None, WARN, "↻", "input", f"{clean(source)} {clean(text)}")

    def separator(self, number: int, command: str, where: str, width: int) -> str:
        """``── run 2 · up · up.ndjson:24 ─────``: another run begins."""
        words = [f"run {number}", *([clean(command, 40)] if command else [])]
        room = max(8, width - width_of(f"── {' · '.join(words)} · ") - 3) if width else 80
        place = tail(clean(where, 4096), room)  # a narrow screen keeps the file's name and line
        head = f"── {' · '.join([*words, place])} "
        return self.layout.p.wrap("heading", head + "─" * max(2, width - width_of(head))) + "\n"

    def text(self, raw: bytes) -> str:
        """A line that is not JSON (castra's stderr), dimmed, as it is."""
        start, end = self.layout.muted
        return f"{start}{show_bytes(raw)}{end}\n"

    # --- families ---------------------------------------------------------------------

    def _message(self, e: ev.Message, level: Level, raw: bytes, vm: Vm | None) -> str:
        first, rest = self.layout.text_lines(e.text, level)
        label = e.severity if e.severity in ev.SEVERITIES else clean(e.severity, LABEL_WIDTH)
        more = rest + self.layout.hint_lines(e.remediation) if level >= WARN else rest
        return self.line(e.vm, level, MARKS[level], label, first, more, body_styled=True)

    def _lifecycle(self, e: ev.VmLifecycle, level: Level, raw: bytes, vm: Vm | None) -> str:
        describe = PHASES.get(e.phase)
        if describe is None:
            body = f"{clean(e.phase, 60)} {fields(raw, skip=('type', 'vm', 'phase'))}"
            return self.line(e.vm, level, MARKS[level], "lifecycle", body)
        label, body = describe(e, vm)
        more = [self.layout.muted[0] + clean(e.detail) + self.layout.muted[1]] if e.detail else []
        return self.line(e.vm, level, MARKS[level], label, body, more)

    def _planned(self, e: ev.BootstrapPlanned, level: Level, raw: bytes, vm: Vm | None) -> str:
        action = e.action.replace("_", " ")
        trigger = f", trigger {clean(e.trigger)}" if e.trigger else ""
        body = f"{clean(e.mode)} → {clean(action)}: {clean(e.reason)}{trigger}"
        more = self.layout.styled(
            self.layout.hanging("! ", (clean(w) for w in e.warnings)),
            self.layout.level_pair(WARN),
        )
        ssh = ssh_of(e.ssh) if e.ssh is not None else None
        if ssh is not None and ssh.command:
            more += [Whole(m) for m in self.layout.styled([clean(ssh.command)], self.layout.ssh)]
        if ssh is not None and ssh.left_out:
            more += self.layout.styled(
                [f"! {clean(left_out_text(ssh.left_out))}"], self.layout.level_pair(WARN)
            )
        facts = _plan_facts(e)
        if facts:
            more.insert(0, self.layout.muted[0] + facts + self.layout.muted[1])
        mark = MARKS[level] if level >= WARN else "▸"
        return self.line(e.vm, level, mark, "plan", body, more, body_styled=level >= ERROR)

    def _started(self, e: ev.BootstrapStarted, level: Level, raw: bytes, vm: Vm | None) -> str:
        body = (
            f"started, trigger {clean(e.trigger)}"
            f" (base {clean(e.base_hash, 16)}, artifact {clean(e.artifact_hash, 16)})"
        )
        return self.line(e.vm, level, MARKS[level], "bootstrap", body)

    def _step(self, e: ev.BootstrapStep, level: Level, raw: bytes, vm: Vm | None) -> str:
        mark = STEP_MARKS.get(e.status, "?")
        status = "" if e.status == "success" else f" {clean(e.status, 20)}"
        body = f"{pad(clean(e.step, 40), 14)} {duration(e.duration_ms):>6}{status}"
        detail, more = (None, []) if e.detail is None else self.layout.text_lines(e.detail, level)
        if detail:
            body = f"{body}  {detail}"
        return self.line(e.vm, level, mark, "step", body, more, body_styled=level >= ERROR)

    def _completed(self, e: ev.BootstrapCompleted, level: Level, raw: bytes, vm: Vm | None) -> str:
        stamp = f", stamp {clean(e.stamp, 40)}" if e.stamp else ""
        body = f"{clean(e.status, 20)} in {duration(e.duration_ms)}{stamp}"
        return self.line(e.vm, level, "✓", "bootstrap", body, style=self.layout.success)

    def _failed(self, e: ev.BootstrapFailed, level: Level, raw: bytes, vm: Vm | None) -> str:
        first, rest = self.layout.text_lines(e.error, level)
        body = f"failed after {duration(e.duration_ms)}: {first}"
        return self.line(e.vm, level, MARKS[level], "bootstrap", body, rest, body_styled=True)

    def _usage(self, e: ev.Usage, level: Level, raw: bytes, vm: Vm | None) -> str:
        prompt, cached, completion = (
            e.prompt_tokens or 0,
            e.cached_tokens or 0,
            e.completion_tokens or 0,
        )
        cached_part = f" ({count(cached)} cached)" if cached else ""
        model = f" · {clean(e.model, 60)}" if e.model else ""
        body = f"{count(prompt)} prompt{cached_part} + {count(completion)} completion{model}"
        return self.line(e.vm, level, MARKS[level], "usage", body)

    def _cleanup(self, e: ev.Cleanup, level: Level, raw: bytes, vm: Vm | None) -> str:
        verb = "would remove" if e.dry_run else "removed"
        body = f"{verb} {clean(e.category or '?', 20)} {size(e.bytes)}  {clean(e.path)}"
        return self.line(e.vm, level, MARKS[level], "cleanup", body)

    def _command(self, e: ev.CommandEvent, level: Level, raw: bytes, vm: Vm | None) -> str:
        status = ev.TYPE_OF[type(e)].removeprefix("command.")
        facts = []
        if e.exit_code is not None:
            facts.append(f"exit {e.exit_code}")
        if e.duration_ms is not None:
            facts.append(f"in {duration(e.duration_ms)}")
        body = f"{clean(e.command, 60)} {status}" + (f" ({', '.join(facts)})" if facts else "")
        more: list[str] = []
        if e.detail:
            detail, more = self.layout.text_lines(e.detail, level)
            body = f"{body}: {detail}"
        return self.line(
            None, level, MARKS[level], "command", body, more, body_styled=level >= ERROR
        )

    def _summary(self, e: ev.Summary, level: Level, raw: bytes, vm: Vm | None) -> str:
        verdict = "ok" if e.exit_code == 0 else "failed"
        parts = [
            f"{clean(e.operation, 40)} {verdict}",
            f"exit {e.exit_code}",
            duration(e.duration_ms),
        ]
        if e.vms is not None:
            parts.append(vm_counts(e.vms))
        if e.bytes_transferred is not None:
            parts.append(f"{size(e.bytes_transferred)} transferred")
        body = " · ".join(parts)
        return self.line(None, level, MARKS[level], "summary", body, body_styled=level >= ERROR)


def _coop_succeeded(e: ev.VmLifecycle, vm: Vm | None) -> tuple[str, str]:
    method = vm.shutdown.method if vm and vm.shutdown and vm.shutdown.method else "cooperative"
    return "shutdown", f"{clean(method, 20)} shutdown succeeded after {duration(e.elapsed_ms)}"


def _coop_timed_out(e: ev.VmLifecycle, vm: Vm | None) -> tuple[str, str]:
    reason = (e.reason or "?").replace("_", " ")
    return (
        "shutdown",
        f"cooperative shutdown gave up after {duration(e.waited_ms)}: {clean(reason)}",
    )


def _escalated(e: ev.VmLifecycle, vm: Vm | None) -> tuple[str, str]:
    timeout = f", waiting {duration(e.timeout_ms)}" if e.timeout_ms is not None else ""
    return "shutdown", f"escalating to {clean(e.signal or '?', 20).upper()}{timeout}"


def _plan_facts(e: ev.BootstrapPlanned) -> str:
    """What the plan would run, compactly: ``script … · payload … (5.0 MiB) · verify …``."""
    facts = []
    if e.script_path:
        facts.append(f"script {clean(e.script_path, 80)}")
    if e.payload_path or e.payload_bytes is not None:
        bytes_ = f" ({size(e.payload_bytes)})" if e.payload_bytes is not None else ""
        facts.append(f"payload {clean(e.payload_path or '?', 80)}{bytes_}")
    if e.remote_dir:
        facts.append(f"to {clean(e.remote_dir, 80)}")
    if e.env_keys:
        keys = ", ".join(clean(k, 40) for k in e.env_keys[:8])
        facts.append(f"env {keys}" + (" …" if len(e.env_keys) > 8 else ""))
    if e.verify is not None and (e.verify.command or e.verify.path):
        facts.append(f"verify {clean(e.verify.command or e.verify.path or '', 80)}")
    if e.handshake_timeout_secs is not None:
        facts.append(f"handshake {duration(e.handshake_timeout_secs * 1000)}")
    if e.artifact_hash:
        facts.append(f"artifact {clean(e.artifact_hash, 16)}")
    return " · ".join(facts)


def _complete(e: ev.VmLifecycle, vm: Vm | None) -> tuple[str, str]:
    # Castra's `changed`: true when the VM was running and was stopped, false when it
    # already was (Castra prints "already stopped").
    if e.changed is False:
        return "stopped", f"already stopped ({clean(e.outcome or '?', 20)}, {duration(e.total_ms)})"
    return "stopped", f"{clean(e.outcome or '?', 20)} in {duration(e.total_ms)}"


def _attempted(e: ev.VmLifecycle, vm: Vm | None) -> tuple[str, str]:
    if e.method == "unavailable":  # Castra: no cooperative channel, it escalates at once
        return "shutdown", "no cooperative channel — escalating"
    return "shutdown", f"trying {clean(e.method or '?', 20)}, timeout {duration(e.timeout_ms)}"


def _discarded(e: ev.VmLifecycle, vm: Vm | None) -> tuple[str, str]:
    body = f"discarded, reclaimed {size(e.reclaimed_bytes)} ({clean(e.reason or '?', 30)})"
    return "overlay", f"{body}  {clean(e.overlay_path or '')}"


#: How each lifecycle phase is shown: its label and body (also read by render/fused.py).
PHASES: Final[dict[str, Callable[[ev.VmLifecycle, Vm | None], tuple[str, str]]]] = {
    "overlay_prepared": lambda e, vm: ("overlay", f"prepared {clean(e.overlay_path or '')}"),
    "launched": lambda e, vm: ("launched", f"pid {e.pid}"),
    "shutdown_requested": lambda e, vm: ("shutdown", "requested"),
    "cooperative_attempted": _attempted,
    "cooperative_succeeded": _coop_succeeded,
    "cooperative_timed_out": _coop_timed_out,
    "shutdown_escalated": _escalated,
    "shutdown_complete": _complete,
    "overlay_discarded": _discarded,
}
