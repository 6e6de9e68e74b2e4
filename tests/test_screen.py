"""The screen at 80 columns: lines folded under their text, summary rows on one line, the
verdict broken between phrases, and the bootstraps compared on one axis, bars capped."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from castra_tail.render.folding import fold, wrap
from castra_tail.render.theme import Palette
from castra_tail.render.timeline import MAX_BAR, timeline
from castra_tail.render.verdict import phrase_lines

from conftest import EXAMPLES, FIXTURES, replay, run_cli

STREAMS = [*sorted(EXAMPLES.glob("*.ndjson")), FIXTURES / "mixed.ndjson"]
TEXT_COLUMN = 22  # "VM        M LABEL     " at the narrowest VM column
SSH = re.compile(r"^\s+(ssh |[\w.-]+\s+ssh )")  # a command to paste: one line, by design


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
@pytest.mark.parametrize("extra", [[], ["--elapsed"]], ids=["plain", "elapsed"])
def test_every_line_fits_80_columns(path: Path, extra: list[str]) -> None:
    out = run_cli([str(path), "--width", "80", "--color", "never", *extra]).out
    # Lines that are not JSON (the producer's stderr) are shown as they came, as tail would.
    raw = [line for line in path.read_text().splitlines() if not line.startswith("{")]
    too_wide = [
        line
        for line in out.splitlines()
        if cell_len(line) > 80 and not SSH.match(line) and not any(map(line.endswith, raw))
    ]
    assert too_wide == []


@pytest.mark.parametrize("width", [30, 40, 60])
def test_event_lines_fit_a_narrow_screen_too(tmp_path: Path, width: int) -> None:
    # A long VM name and a long path used to hold the columns at 80-column sizes.
    deep = tmp_path / ("a-rather-long-directory-name" * 2)
    deep.mkdir()
    second = deep / "up-fail.ndjson"
    second.write_bytes((EXAMPLES / "up-fail.ndjson").read_bytes())
    first = tmp_path / "long-names.ndjson"
    name = "a-very-long-vm-name-that-exceeds-the-column"
    first.write_text(
        json.dumps({"type": "bootstrap.started", "vm": name, "base_hash": "x",
                    "artifact_hash": "y", "trigger": "auto"}) + "\n"
    )  # fmt: skip
    args = [str(first), str(second), "--width", str(width), "--color", "never"]
    out = run_cli([*args, "--no-summary", "--no-timelines"]).out
    assert "── run 2 · up · …" in out and "ndjson:1 ─" in out  # the end of the path stays
    too_wide = [line for line in out.splitlines() if cell_len(line) > width and not SSH.match(line)]
    assert too_wide == []


def test_a_long_line_folds_under_its_text_column(tmp_path: Path) -> None:
    words = " ".join(f"word{i}" for i in range(60))
    log = tmp_path / "long.ndjson"
    log.write_text(
        json.dumps(
            {
                "type": "message",
                "severity": "warn",
                "text": words,
                "remediation": words,
                "vm": "web-0",
            }
        )
        + "\n"
    )
    out = run_cli([str(log), "--width", "80", "--color", "never", "--no-summary"]).out
    head, *rest = out.splitlines()
    assert head.startswith("web-0     ! warn      word0 word1")
    hint = next(i for i, line in enumerate(rest) if line.lstrip().startswith("↳"))
    text, hints = rest[:hint], rest[hint:]
    assert all(line.startswith(" " * TEXT_COLUMN) and line[TEXT_COLUMN] != " " for line in text)
    assert " ".join(line.strip() for line in [head[TEXT_COLUMN:], *text]) == words
    assert hints[0].startswith(" " * TEXT_COLUMN + "↳ word0")
    assert all(line.startswith(" " * (TEXT_COLUMN + 2) + "word") for line in hints[1:])  # ↳'s
    assert all(cell_len(line) <= 80 for line in out.splitlines())


def test_an_ssh_command_is_never_folded() -> None:
    out = run_cli([str(EXAMPLES / "up.ndjson"), "--width", "80", "--color", "never"]).out
    commands = [line.strip() for line in out.splitlines() if line.strip().startswith("ssh -i")]
    assert commands and all(line.endswith("root@127.0.0.1") for line in commands)


def test_fold_keeps_the_style_around_each_piece() -> None:
    styled = "\x1b[1;31m" + "a " * 50 + "\x1b[0m"
    pieces = fold(styled, 30)
    assert len(pieces) == 4
    assert all(p.startswith("\x1b[1;31m") and p.endswith("\x1b[0m") for p in pieces)
    assert fold("short", 30) == ["short"]
    assert wrap("双" * 20, 10) == ["双" * 5] * 4  # by display cells


def test_a_size_is_never_split_from_its_unit() -> None:
    line = "up ok · exit 0 · 15.3s · VMs 3 ok / 0 failed of 3 · 22.4 MiB transferred"
    assert wrap(line, 56) == [
        "up ok · exit 0 · 15.3s · VMs 3 ok / 0 failed of 3 ·",
        "22.4 MiB transferred",
    ]
    assert wrap("pid-file 6 B removed", 10) == ["pid-file", "6 B", "removed"]
    assert wrap("payload (12.4 MiB) to", 12) == ["payload", "(12.4 MiB)", "to"]


def summary_rows(out: str) -> list[str]:
    lines = out.splitlines()
    rule = next(i for i, line in enumerate(lines) if "───" in line)
    return lines[rule + 1 : lines.index("", rule)]


def test_a_summary_row_stays_one_line_at_80(tmp_path: Path) -> None:
    events = [
        {"type": "bootstrap.started", "vm": "database-primary-0", "trigger": "auto"},
        {
            "type": "bootstrap.step",
            "vm": "database-primary-0",
            "step": "wait-handshake",
            "status": "success",
            "duration_ms": 12500,
        },
        {
            "type": "bootstrap.failed",
            "vm": "database-primary-0",
            "duration_ms": 13000,
            "error": "boom",
        },
        {"type": "vm.lifecycle", "vm": "database-primary-0", "phase": "shutdown_requested"},
        {"type": "bootstrap.started", "vm": "web-0", "trigger": "auto"},
        {
            "type": "bootstrap.step",
            "vm": "web-0",
            "step": "wait-handshake",
            "status": "success",
            "duration_ms": 2500,
        },
    ]
    log = tmp_path / "wide.ndjson"
    log.write_text("".join(json.dumps(e) + "\n" for e in events))
    out = run_cli([str(log), "--width", "80", "--color", "never", "--summary-only"]).out
    rows = summary_rows(out)
    assert len(rows) == 2, out  # one line a VM
    assert "wait-handshake 12.5s" in rows[0] and "wait-handshake 2.5s" in rows[1]
    assert all(cell_len(line) <= 80 for line in out.splitlines())


def test_the_verdict_breaks_between_phrases() -> None:
    verdict = (
        "✗ failed (exit 1): 5 events at error or above (first: examples/up-fail.ndjson:18 "
        "bootstrap.step db-0); incomplete: up.ndjson.gz: gzip data ends early (truncated)"
    )
    assert phrase_lines(verdict, 80) == [
        "✗ failed (exit 1): 5 events at error or above",
        "  (first: examples/up-fail.ndjson:18 bootstrap.step db-0);",
        "  incomplete: up.ndjson.gz: gzip data ends early (truncated)",
    ]
    assert phrase_lines("✓ passed (exit 0)", 80) == ["✓ passed (exit 0)"]
    narrow = phrase_lines(verdict, 30)
    assert all(cell_len(line) <= 30 for line in narrow)
    assert " ".join(p.strip() for p in narrow) == verdict


def bars(text: str) -> dict[str, str]:
    """Each row's bar (between ▕ and ▏) by the name before it."""
    found = re.findall(r"(\S+)\s+▕([^▏]*)▏", text)
    return dict(found)


def test_the_bootstraps_are_compared_on_one_axis() -> None:
    out = run_cli([str(EXAMPLES / "up.ndjson"), "--width", "80", "--color", "never"]).out
    chart = out.split("bootstraps on one time axis\n", 1)[1].split("\n\n", 1)[0]
    drawn = bars(chart)
    assert set(drawn) == {"web-0", "web-1", "db-0"}
    full = len(drawn["db-0"].rstrip())  # the longest bootstrap (14.1s) fills the bar
    assert full == len(drawn["db-0"])
    assert len(drawn["web-0"].rstrip()) == round(full * 8.2 / 14.1)
    assert chart.splitlines()[-1].strip() == "0" + " " * (full - 6) + "14.1s"
    run = replay([str(EXAMPLES / "up.ndjson")])
    own = timeline(run.vms["web-0"], 80, Palette(None))
    assert "8.2s" in own.splitlines()[-1]  # its own timeline keeps its own scale


def test_the_comparison_shows_the_vms_asked_for_and_needs_two() -> None:
    up = str(EXAMPLES / "up.ndjson")
    chart = run_cli([up, "--vm", "web-*", "--width", "80"]).out.split("time axis\n", 1)[1]
    assert set(bars(chart.split("\n\n", 1)[0])) == {"web-0", "web-1"}
    out = run_cli([up, "--vm", "web-0", "--width", "80"]).out
    assert "bootstraps on one time axis" not in out


@pytest.mark.parametrize("width", [80, 200, 1000])
def test_bars_are_capped_on_a_wide_terminal(width: int) -> None:
    out = run_cli([str(EXAMPLES / "up.ndjson"), "--width", str(width), "--color", "never"]).out
    widths = {len(bar) for bar in bars(out).values()}
    assert widths and max(widths) <= MAX_BAR
    if width > 80:
        assert widths == {MAX_BAR}
