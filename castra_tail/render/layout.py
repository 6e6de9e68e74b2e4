"""The text view's line layout: ``VM  MARK LABEL     BODY``, continuation lines under BODY.

A body or continuation line wider than the screen is folded under BODY's
column (``folding``), never back to column 0 — but an ssh command (``Whole``)
stays one line, to paste.

Shared by the contract's families (``lines``) and the harness transcript
(``transcript``). Styles are resolved to ANSI strings once (``Palette``) and
lines are built with plain string formatting: Rich's per-call cost would cap
the stream at a few ten thousand lines a second.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable
from typing import Final

import msgspec

from castra_tail.contract.levels import Level
from castra_tail.render.folding import fold, wrap
from castra_tail.render.text import clean, clean_lines, fit, pad, width_of
from castra_tail.render.theme import LEVEL_STYLE, VM_COLOURS, Palette

# Module globals, not Level.X: an enum attribute lookup costs a hot path dearly.
INFO, PROGRESS, WARN, ERROR, BLOCKER = Level

LABEL_WIDTH: Final = 9
MIN_VM_WIDTH: Final = 8
MAX_VM_WIDTH: Final = 24
#: What a narrow screen keeps for the body at least (and the VM column gives way to it).
MIN_BODY_WIDTH: Final = 16
#: VMs whose cell and colour are remembered; past it, a VM's colour comes from its name.
MAX_REMEMBERED: Final = 10_000
#: Longer VM names are not remembered: a key keeps its whole string alive.
MAX_KEY: Final = 256

Pair = tuple[str, str]


class Layout:
    """Lays out one line of the text view; remembers the VM column's width and colours."""

    def __init__(self, palette: Palette, width: int = 0) -> None:
        self.p = palette
        self.width = width  # for wrapping long text; 0: never wrap
        self.vm_width = MIN_VM_WIDTH
        self.max_vm_width = MAX_VM_WIDTH
        self._vm_cells: dict[str | None, str] = {}
        #: Counts the changes of the columns (a resize, a wider VM): what was laid out before
        #: a change is laid out again (render/fused.py keeps line starts until then).
        self.epoch = 0
        self.resize(width)
        self._heads: dict[tuple[Pair, str, str], str] = {}
        self._vm_colour: dict[str, int] = {}
        self._level = {level: palette.pair(LEVEL_STYLE[level]) for level in Level}
        self.muted = palette.pair("muted")
        self.hint = palette.pair("hint")
        self.ssh = palette.pair("ssh")
        self.success = palette.pair("step.success")
        #: Marks ``--grep``'s matches in a body (render/highlight.py); None: nothing to mark.
        self.mark: Callable[[str], str] | None = None

    def resize(self, width: int) -> None:
        """Lay out for ``width`` columns from now on (0: never wrap)."""
        self.width = width
        #: The widest the VM column grows: narrower on a narrow screen, so lines fit.
        room = width - 5 - LABEL_WIDTH - MIN_BODY_WIDTH if width else MAX_VM_WIDTH
        self.max_vm_width = min(MAX_VM_WIDTH, max(MIN_VM_WIDTH, room))
        if self.vm_width > self.max_vm_width:
            self.vm_width = self.max_vm_width
        self._vm_cells.clear()  # names are cut to the new width
        self.epoch += 1

    @property
    def indent(self) -> str:
        """The blank that puts a continuation line under the body."""
        return " " * (self.vm_width + 5 + LABEL_WIDTH)  # "VM  M LABEL "

    @property
    def body_width(self) -> int:
        """Columns left for a body after ``VM  M LABEL`` (0: do not wrap)."""
        if not self.width:
            return 0
        return max(MIN_BODY_WIDTH // 2, self.width - (self.vm_width + 5 + LABEL_WIDTH))

    def level_pair(self, level: Level) -> Pair:
        """The style of an attention level, as ANSI strings."""
        return self._level[level]

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
        style: Pair | None = None,
    ) -> str:
        """One event's lines: the head line, then ``more`` under its body (each ends in \\n)."""
        pair = style if style is not None else self._level[level]
        styled = body_styled or (style is None and level is INFO)
        start = self.start(vm, pair, mark, label)  # first: it may widen the column
        room = self.body_width
        # ASCII takes a cell a character at most (escapes only add to its length), as fold says
        fits = body.isascii() and (not room or len(body) <= room)
        if fits and not more and body and self.mark is None:  # one line: the common case
            return f"{start}{pair[0]}{body}{pair[1]}\n" if styled else f"{start}{body}\n"
        if room:
            body, *folded = fold(body, room)
            if folded:
                more = [*(self.styled(folded, pair) if styled else folded), *more]
            more = [piece for m in more for piece in fold(m, room)]
        if styled:
            body = f"{pair[0]}{body}{pair[1]}" if body else body
        if self.mark is not None:
            body, more = self.mark(body), [self.mark(m) for m in more]
        line = f"{start}{body}\n"
        if not more:
            return line
        indent = self.indent
        return line + "".join(f"{indent}{m}\n" if m else "\n" for m in more)

    def start(self, vm: str | None, pair: Pair, mark: str, label: str) -> str:
        """A head line up to its body: the VM's cell and ``MARK LABEL`` in ``pair``'s style.

        It may widen the VM column (a VM seen first): ``body_width`` is read after it.
        """
        cell = self._vm_cells.get(vm) or self._vm_cell(vm)
        head = self._heads.get((pair, mark, label))
        if head is None:
            head = self._head(pair, mark, label)
        return f"{cell}  {head}"

    def styled(self, lines: Iterable[str], pair: Pair) -> list[str]:
        """Each line in a style."""
        start, end = pair
        return [f"{start}{line}{end}" for line in lines] if start else list(lines)

    def text_lines(self, text: str, level: Level) -> tuple[str, list[str]]:
        """A multi-line text from the stream: its first line, and the rest in the level's style."""
        lines = clean_lines(text)
        return lines[0], self.styled(lines[1:], self._level[level])

    def hint_lines(self, hint: str | None) -> list[str]:
        """A remediation, as ``↳`` lines."""
        if not hint:
            return []
        return self.styled(self.hanging("↳ ", clean_lines(hint)), self.hint)

    def hanging(self, mark: str, lines: Iterable[str]) -> list[str]:
        """Lines marked (``↳ ``, ``! ``), each folded under its own text, not under the mark."""
        room = self.body_width - len(mark) if self.body_width else 0
        out = []
        for line in lines:
            first, *rest = wrap(line, room) if room else [line]
            out += [mark + first, *(" " * len(mark) + piece for piece in rest)]
        return out

    def _head(self, pair: Pair, mark: str, label: str) -> str:
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
            name = fit(clean(vm, 4 * MAX_VM_WIDTH), self.max_vm_width)
            width = width_of(name)
            if width > self.vm_width:
                self.vm_width = width
                self._vm_cells.clear()
                self.epoch += 1
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


def fields(raw: bytes, skip: tuple[str, ...]) -> str:
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
