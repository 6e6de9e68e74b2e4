"""Invisible characters are shown as escapes, and columns are measured in display cells."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from castra_tail.contract import events as ev
from castra_tail.contract.levels import Level
from castra_tail.render.panel import panel
from castra_tail.render.text import clean, clean_lines, escape
from castra_tail.render.theme import Palette
from castra_tail.render.timeline import timeline
from castra_tail.run.records import Step
from castra_tail.run.state import Run
from castra_tail.run.vm import Bootstrap, Vm

from conftest import EXAMPLES, ROOT, run_cli

#: One of each kind that used to reach the terminal raw.
INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "word joiner": "\u2060",
    "BOM": "\ufeff",
    "arabic letter mark": "\u061c",
    "soft hyphen": "\u00ad",
    "tag character": "\U000e0041",
    "private use": "\ue000",
    "private use, plane 15": "\U000f0001",
    "unassigned": "\u0378",
    "unassigned, plane 3": "\U0003fffe",
    "surrogate": "\ud800",
    "tab": "\t",
    # Default-ignorable yet printable (Unicode's DerivedCoreProperties): drawn as nothing.
    "combining grapheme joiner": "\u034f",
    "hangul filler": "\u3164",
    "halfwidth hangul filler": "\uffa0",
    "hangul choseong filler": "\u115f",
    "mongolian variation selector": "\u180b",
    "variation selector 1": "\ufe00",
    "variation selector 16 after ASCII": "\ufe0f",
    "variation selector 17": "\U000e0100",
}
#: The default-ignorable code points str.isprintable() accepts (DerivedCoreProperties.txt).
HIDDEN = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x3164, 0xFFA0]
    + list(range(0xFE00, 0xFE10))
    + list(range(0xE0100, 0xE01F0))
)
ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp"})
CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def unsafe(text: str) -> list[str]:
    """The characters of ``text`` (our own escape sequences removed) that a reader can't see."""
    text = CSI.sub("", text)
    return [
        c
        for c in text
        if c != "\n" and (unicodedata.category(c) in ESCAPED_CATEGORIES or ord(c) in HIDDEN)
    ]


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_are_escaped(char: str) -> None:
    shown = clean(f"web{char}-0")
    assert shown != "web-0" and shown.startswith("web\\") and shown.endswith("-0")
    assert not unsafe(shown)


def test_a_character_is_escaped_exactly_when_it_is_not_printable_and_not_a_space() -> None:
    # clean() skips translate() for printable strings: that is only safe if every
    # escaped character is one str.isprintable() rejects, over the whole code space.
    for c in range(0x110000):
        char = chr(c)
        escaped = escape(char) != char
        if escaped:
            assert not char.isprintable(), hex(c)
        assert escaped == (unicodedata.category(char) in ESCAPED_CATEGORIES), hex(c)


def test_every_hidden_character_is_escaped_but_an_emoji_keeps_its_presentation() -> None:
    for c in HIDDEN:
        assert chr(c).isprintable()
        assert clean(f"web{chr(c)}-0") != "web-0", hex(c)
        assert clean_lines(f"web{chr(c)}-0\nx") != ["web-0", "x"], hex(c)
    # After an emoji, VS16 asks for its colour form: the emoji stays as it was written.
    assert clean("\u26a0\ufe0f disk") == "\u26a0\ufe0f disk"
    assert clean("\u2764\ufe0e") == "\u2764\ufe0e"


def test_spaces_stay_blanks_and_escapes_read_as_python_would() -> None:
    assert clean("a\u00a0b\u3000c") == "a\u00a0b\u3000c"
    assert clean("\t\x1b\u200b\U000e0001") == "\\t\\x1b\\u200b\\U000e0001"


def test_a_tab_in_a_field_is_escaped_and_in_multi_line_text_moves_to_a_tab_stop() -> None:
    assert clean("web\t0") == "web\\t0"
    assert clean_lines("total 8\ndrwx\t2 root\n") == ["total 8", "drwx    2 root", ""]


def poisoned_examples() -> bytes:
    """Every example line with an invisible character in each of its strings."""
    # A lone surrogate is not valid UTF-8, and not valid JSON in a string: not an event.
    payload = "".join(c for name, c in INVISIBLE.items() if name != "surrogate")

    def poison(value: object) -> object:
        if isinstance(value, str):
            return f"x{payload}y"
        if isinstance(value, list):
            return [poison(v) for v in value]
        if isinstance(value, dict):
            kept = ("type", "phase", "severity", "status", "action")
            return {k: (v if k in kept else poison(v)) for k, v in value.items()}
        return value

    lines = [
        json.dumps(poison(json.loads(raw)), ensure_ascii=False)
        for path in sorted(EXAMPLES.glob("*.ndjson"))
        for raw in path.read_bytes().splitlines()
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("colour", ["never", "always"])
def test_no_invisible_character_of_any_field_reaches_the_output(colour: str) -> None:
    result = run_cli(["--color", colour, "--width", "100"], stdin=poisoned_examples())
    assert result.code in (0, 1), result.stderr
    assert "malformed" not in result.out
    assert "x\\u200b" in result.out
    assert not unsafe(result.out)


def test_no_invisible_character_reaches_a_real_terminal(tmp_path: Path) -> None:
    stream = tmp_path / "poisoned.ndjson"
    stream.write_bytes(poisoned_examples())
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "castra_tail", "--width", "100", str(stream)],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        cwd=ROOT,
        env=os.environ | {"TERM": "xterm-256color"},
    )
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 60  # a hang, not a speed: it takes a second
    while time.monotonic() < deadline:
        if not select.select([master], [], [], 1)[0]:
            if proc.poll() is not None:
                break
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.wait(timeout=20) in (0, 1)
    shown = seen.decode("utf-8").replace("\r\n", "\n")
    assert "x\\u200b\\u200d\\u2060\\ufeff" in shown
    assert not unsafe(shown)


# --- columns by display cells -----------------------------------------------------

NAMES = ("web-0", "漢字-1", "e\u0301e\u0301-2", "ｗｅｂ-3")


def column_of(line: str, needle: str) -> int:
    """The display cell where ``needle`` starts in ``line``."""
    return cell_len(line[: line.index(needle)])


def test_the_vm_column_of_event_lines_is_padded_by_display_cells() -> None:
    lines = [
        json.dumps({"type": "bootstrap.step", "vm": name, "step": step, "status": "success",
                    "duration_ms": 1200})
        for name in NAMES
        for step in ("connect", "適用")
    ]  # fmt: skip
    out = run_cli(["--color", "never", "--width", "120"], stdin="\n".join(lines).encode()).out
    rows = [line for line in out.splitlines() if " step " in line]
    assert len(rows) == 2 * len(NAMES)
    assert len({column_of(row, "✓ step") for row in rows}) == 1, rows
    assert len({column_of(row, "1.2s") for row in rows}) == 1, rows  # after a CJK step name too


def test_timeline_rows_line_up_with_wide_step_names() -> None:
    steps = [Step(name, "success", 1000) for name in ("connect", "転送", "e\u0301tape", "適用検証")]
    vm = Vm("a", bootstrap=Bootstrap(status="success", duration_ms=4000, steps=steps))
    rows = [line for line in timeline(vm, 80, Palette(None)).splitlines() if "▕" in line]
    assert len(rows) == 4
    assert len({column_of(row, "▕") for row in rows}) == 1, rows
    assert len({column_of(row, "▏") for row in rows}) == 1, rows


def test_connect_list_lines_up_the_commands_of_wide_names(tmp_path: Path) -> None:
    lines = [
        json.dumps(event)
        for name in NAMES
        for event in (
            {"type": "vm.lifecycle", "vm": name, "phase": "launched", "pid": 1},  # up: connectable
            {"type": "bootstrap.planned", "vm": name, "mode": "auto", "action": "would_run",
             "reason": "r", "ssh": {"user": "root", "host": "127.0.0.1", "port": 2222}},
        )
    ]  # fmt: skip
    out = run_cli(
        ["--color", "never", "--width", "60", "--summary-only"], stdin="\n".join(lines).encode()
    ).out
    rows = [line for line in out.splitlines() if "ssh -p" in line]
    assert len(rows) == len(NAMES)
    assert len({column_of(row, "ssh -p") for row in rows}) == 1, rows


def test_panel_rows_line_up_with_wide_names() -> None:
    run = Run()
    for name in (*NAMES, "長" * 30):
        run.add(
            ev.BootstrapStarted(vm=name, base_hash="b", artifact_hash="a", trigger="auto"),
            Level.PROGRESS,
            "-",
            1,
        )
    console = Console(file=io.StringIO(), width=100, color_system=None)
    console.print(panel(run, {}, 0.0, 1.0, 100, 20))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    rows = [line for line in out.splitlines() if "bootstrapping" in line]
    assert len(rows) == len(NAMES) + 1
    assert len({column_of(row, "▸ bootstrapping") for row in rows}) == 1, rows
    assert all(cell_len(row.rstrip()) <= 100 for row in rows)
