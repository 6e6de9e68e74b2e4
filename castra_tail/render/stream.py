"""One event → one readable line (plus hint lines): the hot path of text mode.

Styles are resolved to ANSI strings once (``Palette``) and lines are built
with plain string formatting: Rich's per-call cost would cap the stream at a
few ten thousand lines a second. Every string from the stream goes through
``clean``, so nothing in it can reach the terminal as a control sequence.

Layout: ``VM  MARK LABEL     BODY``, continuation lines aligned under BODY.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from typing import Any, Final

import msgspec

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.render.theme import LEVEL_STYLE, MARKS, STEP_MARKS, VM_COLOURS, Palette
from castra_tail.render.transcript import Transcript
from castra_tail.ssh import left_out_text, ssh_of
from castra_tail.state import Run
from castra_tail.text import (
    clean,
    clean_lines,
    count,
    duration,
    fit,
    pad,
    show_bytes,
    size,
    vm_counts,
    width_of,
)

# Module globals, not Level.X: an enum attribute lookup costs a hot path dearly.
INFO, PROGRESS, WARN, ERROR, BLOCKER = Level

LABEL_WIDTH: Final = 9
MIN_VM_WIDTH: Final = 8
MAX_VM_WIDTH: Final = 24
#: VMs whose cell and colour are remembered; past it, a VM's colour comes from its name.
MAX_REMEMBERED: Final = 10_000
#: Longer VM names are not remembered: a key keeps its whole string alive.
MAX_KEY: Final = 256


class StreamRenderer:
    """Formats events as text lines; reads the ``Run`` for context, never writes it."""

    def __init__(self, palette: Palette, run: Run, width: int = 0) -> None:
        self.p = palette
        self.run = run
        self.width = width  # for wrapping transcript text; 0: never wrap
        self.vm_width = MIN_VM_WIDTH
        self._vm_cells: dict[str | None, str] = {}
        self._heads: dict[tuple[tuple[str, str], str, str], str] = {}
        self._vm_colour: dict[str, int] = {}
        self._level = {level: palette.pair(LEVEL_STYLE[level]) for level in Level}
        self._muted = palette.pair("muted")
        self._hint = palette.pair("hint")
        self._ssh = palette.pair("ssh")
        self._success = palette.pair("step.success")
        self._methods: dict[type, Callable[[Any, Level, bytes], str]] = {
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
            **Transcript(self).methods(),
        }

    # --- entry points ---------------------------------------------------------------

    def event(self, event: ev.Event, level: Level, raw: bytes) -> str:
        """The lines (each ending in a newline) showing one event."""
        return self._methods[type(event)](event, level, raw)

    def unknown(self, type_name: str, raw: bytes) -> str:
        """A generic line for an event of a type this contract version does not know."""
        label = clean(type_name, LABEL_WIDTH * 3)
        return self.line(None, INFO, "?", label, _fields(raw, skip=("type",)))

    def malformed(self, where: str, reason: str, raw: bytes | None) -> str:
        """A located report of a line that is not a valid event, with an excerpt."""
        head = self.line(None, WARN, "⚠", "malformed", f"{where}: {clean(reason)}")
        if raw is None:
            return head
        start, end = self._muted
        return f"{head}{self._indent}{start}{show_bytes(raw, 160)}{end}\n"

    def notice(self, source: str, text: str) -> str:
        """One line about a source (a followed file replaced or truncated)."""
        return self.line(None, WARN, "↻", "input", f"{clean(source)} {clean(text)}")

    def text(self, raw: bytes) -> str:
        """A line that is not JSON (castra's stderr), dimmed, as it is."""
        start, end = self._muted
        return f"{start}{show_bytes(raw)}{end}\n"

    # --- layout ---------------------------------------------------------------------

    @property
    def _indent(self) -> str:
        return " " * (self.vm_width + 5 + LABEL_WIDTH)  # "VM  M LABEL "

    @property
    def body_width(self) -> int:
        """Columns left for a body after ``VM  M LABEL`` (0: do not wrap)."""
        return max(20, self.width - len(self._indent)) if self.width else 0

    @property
    def muted_pair(self) -> tuple[str, str]:
        """The dim style, as ANSI strings."""
        return self._muted

    @property
    def success_pair(self) -> tuple[str, str]:
        """The style of a success mark, as ANSI strings."""
        return self._success

    def level_pair(self, level: Level) -> tuple[str, str]:
        """The style of an attention level, as ANSI strings."""
        return self._level[level]

    def fields(self, raw: bytes, skip: tuple[str, ...]) -> str:
        """The fields of a JSON line as ``key=value`` words (for kinds not known)."""
        return _fields(raw, skip)

    def _head(self, pair: tuple[str, str], mark: str, label: str) -> str:
        """``MARK LABEL`` in its style, padded: formatted once per kind of line."""
        head = f"{pair[0]}{mark} {pad(label, LABEL_WIDTH)}{pair[1]} "
        if len(self._heads) < 1_000:
            self._heads[(pair, mark, label)] = head
        return head

    def _vm_cell(self, vm: str | None) -> str:
        """The VM column, in the VM's colour, padded (cached per VM and column width)."""
        if vm is None:
            cell = " " * self.vm_width
        else:
            name = fit(clean(vm, 4 * MAX_VM_WIDTH), MAX_VM_WIDTH)
            width = width_of(name)
            if width > self.vm_width:
                self.vm_width = width
                self._vm_cells.clear()
            start, end = self.p.pair(f"vm.{self._colour(vm)}")
            cell = f"{start}{name}{end}" + " " * (self.vm_width - width)
        if len(self._vm_cells) < MAX_REMEMBERED and (vm is None or len(vm) <= MAX_KEY):
            self._vm_cells[vm] = cell
        return cell

    def _colour(self, vm: str) -> int:
        """The VM's colour: the next one for each new VM, from a hash of its name past the cap.

        crc32, not hash(): hash() is salted per process, and colours must not change
        from one run to the next.
        """
        colour = self._vm_colour.get(vm)
        if colour is not None:
            return colour
        if len(self._vm_colour) >= MAX_REMEMBERED or len(vm) > MAX_KEY:
            return zlib.crc32(vm.encode("utf-8", "surrogatepass")) % len(VM_COLOURS)
        colour = self._vm_colour[vm] = len(self._vm_colour) % len(VM_COLOURS)
        return colour

    def line(
        self,
        vm: str | None,
        level: Level,
        mark: str,
        label: str,
        body: str,
        more: Iterable[str] = (),
        *,
        body_styled: bool = False,
        style: tuple[str, str] | None = None,
    ) -> str:
        pair = style if style is not None else self._level[level]
        if body_styled or (style is None and level is INFO):
            body = f"{pair[0]}{body}{pair[1]}" if body else body
        head = self._heads.get((pair, mark, label))
        if head is None:
            head = self._head(pair, mark, label)
        cell = self._vm_cells.get(vm) or self._vm_cell(vm)
        line = f"{cell}  {head}{body}\n"
        if not more:
            return line
        indent = self._indent
        return line + "".join(f"{indent}{m}\n" if m else "\n" for m in more)

    def styled(self, lines: Iterable[str], pair: tuple[str, str]) -> list[str]:
        start, end = pair
        return [f"{start}{line}{end}" for line in lines] if start else list(lines)

    def _text_lines(self, text: str, level: Level) -> tuple[str, list[str]]:
        lines = clean_lines(text)
        return lines[0], self.styled(lines[1:], self._level[level])

    def _hint_lines(self, hint: str | None) -> list[str]:
        if not hint:
            return []
        return self.styled((f"↳ {line}" for line in clean_lines(hint)), self._hint)

    # --- families ---------------------------------------------------------------------

    def _message(self, e: ev.Message, level: Level, raw: bytes) -> str:
        first, rest = self._text_lines(e.text, level)
        label = e.severity if e.severity in ev.SEVERITIES else clean(e.severity, LABEL_WIDTH)
        more = rest + self._hint_lines(e.remediation) if level >= WARN else rest
        return self.line(e.vm, level, MARKS[level], label, first, more, body_styled=True)

    def _lifecycle(self, e: ev.VmLifecycle, level: Level, raw: bytes) -> str:
        describe = _PHASES.get(e.phase)
        if describe is None:
            body = f"{clean(e.phase, 60)} {_fields(raw, skip=('type', 'vm', 'phase'))}"
            return self.line(e.vm, level, MARKS[level], "lifecycle", body)
        label, body = describe(e, self.run)
        more = [self._muted[0] + clean(e.detail) + self._muted[1]] if e.detail else []
        return self.line(e.vm, level, MARKS[level], label, body, more)

    def _planned(self, e: ev.BootstrapPlanned, level: Level, raw: bytes) -> str:
        action = e.action.replace("_", " ")
        trigger = f", trigger {clean(e.trigger)}" if e.trigger else ""
        body = f"{clean(e.mode)} → {clean(action)}: {clean(e.reason)}{trigger}"
        more = self.styled((f"! {clean(w)}" for w in e.warnings), self._level[WARN])
        ssh = ssh_of(e.ssh) if e.ssh is not None else None
        if ssh is not None and ssh.command:
            more += self.styled([clean(ssh.command)], self._ssh)
        if ssh is not None and ssh.left_out:
            more += self.styled([f"! {clean(left_out_text(ssh.left_out))}"], self._level[WARN])
        mark = MARKS[level] if level >= WARN else "▸"
        return self.line(e.vm, level, mark, "plan", body, more, body_styled=level >= ERROR)

    def _started(self, e: ev.BootstrapStarted, level: Level, raw: bytes) -> str:
        body = (
            f"started, trigger {clean(e.trigger)}"
            f" (base {clean(e.base_hash, 16)}, artifact {clean(e.artifact_hash, 16)})"
        )
        return self.line(e.vm, level, MARKS[level], "bootstrap", body)

    def _step(self, e: ev.BootstrapStep, level: Level, raw: bytes) -> str:
        mark = STEP_MARKS.get(e.status, "?")
        status = "" if e.status == "success" else f" {clean(e.status, 20)}"
        body = f"{pad(clean(e.step, 40), 14)} {duration(e.duration_ms):>6}{status}"
        detail, more = (None, []) if e.detail is None else self._text_lines(e.detail, level)
        if detail:
            body = f"{body}  {detail}"
        return self.line(e.vm, level, mark, "step", body, more, body_styled=level >= ERROR)

    def _completed(self, e: ev.BootstrapCompleted, level: Level, raw: bytes) -> str:
        stamp = f", stamp {clean(e.stamp, 40)}" if e.stamp else ""
        body = f"{clean(e.status, 20)} in {duration(e.duration_ms)}{stamp}"
        return self.line(e.vm, level, "✓", "bootstrap", body, style=self._success)

    def _failed(self, e: ev.BootstrapFailed, level: Level, raw: bytes) -> str:
        first, rest = self._text_lines(e.error, level)
        body = f"failed after {duration(e.duration_ms)}: {first}"
        return self.line(e.vm, level, MARKS[level], "bootstrap", body, rest, body_styled=True)

    def _usage(self, e: ev.Usage, level: Level, raw: bytes) -> str:
        prompt, cached, completion = (
            e.prompt_tokens or 0,
            e.cached_tokens or 0,
            e.completion_tokens or 0,
        )
        cached_part = f" ({count(cached)} cached)" if cached else ""
        model = f" · {clean(e.model, 60)}" if e.model else ""
        body = f"{count(prompt)} prompt{cached_part} + {count(completion)} completion{model}"
        return self.line(e.vm, level, MARKS[level], "usage", body)

    def _cleanup(self, e: ev.Cleanup, level: Level, raw: bytes) -> str:
        verb = "would remove" if e.dry_run else "removed"
        body = f"{verb} {clean(e.category or '?', 20)} {size(e.bytes)}  {clean(e.path)}"
        return self.line(e.vm, level, MARKS[level], "cleanup", body)

    def _command(self, e: ev.CommandEvent, level: Level, raw: bytes) -> str:
        status = ev.TYPE_OF[type(e)].removeprefix("command.")
        facts = []
        if e.exit_code is not None:
            facts.append(f"exit {e.exit_code}")
        if e.duration_ms is not None:
            facts.append(f"in {duration(e.duration_ms)}")
        body = f"{clean(e.command, 60)} {status}" + (f" ({', '.join(facts)})" if facts else "")
        more: list[str] = []
        if e.detail:
            detail, more = self._text_lines(e.detail, level)
            body = f"{body}: {detail}"
        return self.line(
            None, level, MARKS[level], "command", body, more, body_styled=level >= ERROR
        )

    def _summary(self, e: ev.Summary, level: Level, raw: bytes) -> str:
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


def _fields(raw: bytes, skip: tuple[str, ...]) -> str:
    """The fields of a JSON object as ``key=value`` words (for types and phases not known)."""
    try:
        value = msgspec.json.decode(raw)
    except Exception:  # noqa: BLE001 - decoded once already; never fail a render
        return ""
    if not isinstance(value, dict):
        return ""
    words = [
        f"{key}={msgspec.json.encode(val).decode()}"
        for key, val in value.items()
        if key not in skip
    ]
    return clean(" ".join(words), 300)


def _coop_succeeded(e: ev.VmLifecycle, run: Run) -> tuple[str, str]:
    vm = run.find(e.vm)
    method = vm.shutdown.method if vm and vm.shutdown and vm.shutdown.method else "cooperative"
    return "shutdown", f"{clean(method, 20)} shutdown succeeded after {duration(e.elapsed_ms)}"


def _coop_timed_out(e: ev.VmLifecycle, run: Run) -> tuple[str, str]:
    reason = (e.reason or "?").replace("_", " ")
    return (
        "shutdown",
        f"cooperative shutdown gave up after {duration(e.waited_ms)}: {clean(reason)}",
    )


def _escalated(e: ev.VmLifecycle, run: Run) -> tuple[str, str]:
    timeout = f", waiting {duration(e.timeout_ms)}" if e.timeout_ms is not None else ""
    return "shutdown", f"escalating to {clean(e.signal or '?', 20).upper()}{timeout}"


def _complete(e: ev.VmLifecycle, run: Run) -> tuple[str, str]:
    changed = ", overlay changed" if e.changed else ""
    return "stopped", f"{clean(e.outcome or '?', 20)} in {duration(e.total_ms)}{changed}"


def _discarded(e: ev.VmLifecycle, run: Run) -> tuple[str, str]:
    body = f"discarded, reclaimed {size(e.reclaimed_bytes)} ({clean(e.reason or '?', 30)})"
    return "overlay", f"{body}  {clean(e.overlay_path or '')}"


_PHASES: Final[dict[str, Callable[[ev.VmLifecycle, Run], tuple[str, str]]]] = {
    "overlay_prepared": lambda e, r: ("overlay", f"prepared {clean(e.overlay_path or '')}"),
    "launched": lambda e, r: ("launched", f"pid {e.pid}"),
    "shutdown_requested": lambda e, r: ("shutdown", "requested"),
    "cooperative_attempted": lambda e, r: (
        "shutdown",
        f"trying {clean(e.method or '?', 20)}, timeout {duration(e.timeout_ms)}",
    ),
    "cooperative_succeeded": _coop_succeeded,
    "cooperative_timed_out": _coop_timed_out,
    "shutdown_escalated": _escalated,
    "shutdown_complete": _complete,
    "overlay_discarded": _discarded,
}
