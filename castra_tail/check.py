"""``castra-tail check``: does a stream keep Event Contract v1? For producers' own tests.

Each finding is ``FILE:LINE: reason``. Errors: a line that is not a valid
event (exactly what ``--strict`` counts as malformed: the same decoder says
so), an enum value the contract does not name, a number out of range, a bad
``ts``, and per-VM order problems (a step before ``bootstrap.started``, a
second completion, a step after the end). Notes, which do not fail the check:
an unknown ``type`` (forward compatibility), and values the contract says
consumers must show as they are (a new phase, step name or operation).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import msgspec

from castra_tail import events as ev
from castra_tail import native
from castra_tail.decode import BLANK, Malformed, Unknown, decode
from castra_tail.inputs import Chunk, Source, read_inputs
from castra_tail.output import StdoutClosed, Writer
from castra_tail.reader import Skipped
from castra_tail.text import clean, os_text, plural
from castra_tail.verdict import ExitStatus

MAX_TRACKED_VMS: Final = 100_000
_RFC3339: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
)

#: Per type: (field, known values, open). An open field's new value is a note:
#: the contract tells consumers to show it as it is.
ENUMS: Final[dict[type, tuple[tuple[str, tuple[str, ...], bool], ...]]] = {
    ev.VmLifecycle: (
        ("phase", ev.PHASES, True),
        ("method", ev.COOP_METHODS, False),
        ("signal", ev.SIGNALS, False),
        ("outcome", ev.OUTCOMES, False),
    ),
    ev.BootstrapPlanned: (
        ("mode", ev.PLAN_MODES, False),
        ("action", ev.PLAN_ACTIONS, False),
        ("trigger", ev.TRIGGERS, False),
    ),
    ev.BootstrapStarted: (("trigger", ev.TRIGGERS, False),),
    ev.BootstrapStep: (("step", ev.STEPS, True), ("status", ev.STEP_STATUSES, False)),
    ev.BootstrapCompleted: (("status", ev.COMPLETED_STATUSES, False),),
    ev.Cleanup: (("category", ev.CATEGORIES, False),),
    ev.Summary: (("operation", ev.OPERATIONS, True),),
}
_PHASE_REASONS: Final = {
    "cooperative_timed_out": ev.TIMEOUT_REASONS,
    "overlay_discarded": ev.DISCARD_REASONS,
}
_BOOTSTRAP_END: Final = (ev.BootstrapCompleted, ev.BootstrapFailed)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing ``check`` has to say about a line."""

    source: str
    line: int
    kind: str  # "error" or "note"
    reason: str

    def text(self) -> str:
        """``FILE:LINE: reason``, or ``FILE:LINE: note: reason``."""
        note = "note: " if self.kind == "note" else ""
        return f"{self.source}:{self.line}: {note}{self.reason}"


class Checker:
    """Checks lines in order, remembering per VM where its bootstrap is."""

    def __init__(self) -> None:
        self.lines = 0
        self.errors = 0
        self.notes = 0
        self._bootstraps: dict[str, tuple[str, int]] = {}  # vm → (state, line)

    def check(self, sources: Sequence[Source], max_line: int) -> Iterator[list[Finding]]:
        """The findings about every line of ``sources``, in order, a list per batch read."""
        source = None
        for item in read_inputs(sources, max_line):
            if not isinstance(item, Chunk):
                continue
            if item.source != source:  # each file is a stream of its own
                source = item.source
                self._bootstraps.clear()
            yield list(self._chunk(item))

    def _chunk(self, item: Chunk) -> Iterator[Finding]:
        name = os_text(item.source)  # a file name that is not UTF-8 still makes JSON
        for lineno, raw in enumerate(item.lines, item.first):
            self.lines += 1
            for kind, reason in self._line(raw):
                if kind == "error":
                    self.errors += 1
                else:
                    self.notes += 1
                yield Finding(name, lineno, kind, reason)

    def _line(self, raw: bytes) -> Iterator[tuple[str, str]]:
        if isinstance(raw, Skipped):
            yield "error", raw.reason
            return
        decoded = decode(raw) if raw else BLANK
        if isinstance(decoded, Malformed):
            if decoded is not BLANK:
                yield "error", decoded.reason
            return
        if isinstance(decoded, Unknown):
            yield "note", f'unknown type "{decoded.type}" (a newer contract?)'
            return
        variant = native.variant_of(raw)
        if variant is not None:
            yield "note", f"Castra's native form ({variant}), read as {ev.TYPE_OF[type(decoded)]}"
        yield from _fields(decoded)
        yield from self._order(decoded)

    def _order(self, e: ev.Event) -> Iterator[tuple[str, str]]:
        if not isinstance(
            e, ev.BootstrapStarted | ev.BootstrapStep | ev.BootstrapCompleted | ev.BootstrapFailed
        ):
            return
        state, since = self._bootstraps.get(e.vm, ("none", 0))
        name = ev.TYPE_OF[type(e)]
        at = f" (line {since})" if since else ""
        if isinstance(e, ev.BootstrapStarted):
            if state == "started":
                yield "error", f"{name} for {e.vm}: its bootstrap already started{at}"
            self._remember(e.vm, "started")
        elif state == "none":
            yield "error", f"{name} for {e.vm} before bootstrap.started"
        elif state in ("completed", "failed"):
            yield "error", f"{name} for {e.vm} after bootstrap.{state}{at}"
        if isinstance(e, _BOOTSTRAP_END) and state != "none":
            self._remember(e.vm, "failed" if isinstance(e, ev.BootstrapFailed) else "completed")

    def _remember(self, vm: str, state: str) -> None:
        if vm in self._bootstraps or len(self._bootstraps) < MAX_TRACKED_VMS:
            self._bootstraps[vm] = (state, self.lines)


def _fields(e: ev.Event) -> Iterator[tuple[str, str]]:
    name = ev.TYPE_OF[type(e)]
    for field, values, open_ in ENUMS.get(type(e), ()):
        value = getattr(e, field)
        if value is not None and value not in values:
            yield ("note" if open_ else "error"), _unknown_value(name, field, value, values)
    if isinstance(e, ev.Message) and e.severity not in ev.SEVERITIES:
        # decoding folded "Warning" into "warn" already; anything left is unknown
        yield "error", _unknown_value(name, "severity", e.severity, ev.SEVERITIES)
    if isinstance(e, ev.ItemEvent):
        yield from _item(name, e.item)
    if isinstance(e, ev.VmLifecycle):
        reasons = _PHASE_REASONS.get(e.phase)
        if reasons and e.reason not in reasons:
            yield "error", _unknown_value(f"{name} {e.phase}", "reason", e.reason, reasons)
    for path, number in _numbers(e):
        if number > ev.U64_MAX:
            yield "error", f"{name}: {path}: {number} does not fit in 64 bits"
    if e.ts is not None and not _is_timestamp(e.ts):
        yield "error", f'{name}: ts: "{e.ts}" is not an RFC 3339 timestamp'


def _item(name: str, item: ev.Item) -> Iterator[tuple[str, str]]:
    if item.type not in ev.ITEM_TYPES:  # shown generically: a note, as for a new type
        yield "note", _unknown_value(name, "item.type", item.type, ev.ITEM_TYPES)
    if item.status is not None and item.status not in ev.ITEM_STATUSES:
        yield "error", _unknown_value(name, "item.status", item.status, ev.ITEM_STATUSES)
    for change in item.changes:
        if change.kind not in ev.CHANGE_KINDS:
            yield "error", _unknown_value(name, "item.changes.kind", change.kind, ev.CHANGE_KINDS)


def _unknown_value(name: str, field: str, value: object, values: tuple[str, ...]) -> str:
    return f'{name}: {field}: unknown value "{value}" (known: {", ".join(values)})'


def _numbers(e: msgspec.Struct, prefix: str = "") -> Iterator[tuple[str, int]]:
    for field in e.__struct_fields__:
        value = getattr(e, field)
        if isinstance(value, int) and not isinstance(value, bool):
            yield prefix + field, value
        elif isinstance(value, msgspec.Struct):
            yield from _numbers(value, f"{prefix}{field}.")


def _is_timestamp(ts: str) -> bool:
    if not _RFC3339.fullmatch(ts):
        return False
    try:
        datetime.fromisoformat(ts.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def run(sources: Sequence[Source], out: Writer, *, fmt: str, max_line: int) -> int:
    """Check ``sources``, write the findings to ``out``, and return the exit status.

    Findings are written as they are found, flushed once per batch read (a
    huge broken log costs no memory, and the first finding shows at once),
    the JSON form too: its array is streamed, the totals come last.
    """
    checker = Checker()
    try:
        if fmt == "json":
            out.write('{"findings": [')
            first = True
            for batch in checker.check(sources, max_line):
                for finding in batch:
                    out.write_bytes((b"\n  " if first else b",\n  ") + msgspec.json.encode(finding))
                    first = False
                out.flush()
            totals = {
                "lines": checker.lines,
                "errors": checker.errors,
                "notes": checker.notes,
                "ok": checker.errors == 0,
            }
            out.write_bytes(b"\n], " + msgspec.json.encode(totals)[1:] + b"\n")
        else:
            for batch in checker.check(sources, max_line):
                out.write("".join(clean(finding.text()) + "\n" for finding in batch))
                out.flush()
            verdict = "ok" if checker.errors == 0 else "FAILED"
            out.write(
                f"check {verdict}: {plural(checker.lines, 'line')}, "
                f"{plural(checker.errors, 'error')}, {plural(checker.notes, 'note')}\n"
            )
        out.flush()
    except StdoutClosed:
        return ExitStatus.PIPE_CLOSED
    return 1 if checker.errors else 0
