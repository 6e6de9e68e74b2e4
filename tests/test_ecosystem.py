"""Fitting the ecosystem: Markdown for CI, --save, compressed logs, incomplete runs,
shell completion, environment defaults."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from castra_tail.render.markdown import code, md

from conftest import ROOT, example, run_cli

CELL_SPLIT = re.compile(r"(?<!\\)\|")


def table(markdown: str, header: str) -> list[dict[str, str]]:
    """The GFM table whose first cell is ``header``, parsed back into rows of cells."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = []
    names = [c.strip() for c in CELL_SPLIT.split(lines[start].strip().strip("|"))]
    assert re.fullmatch(r"\|( -+:? \|)+", lines[start + 1]), lines[start + 1]
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip().replace("\\|", "|") for c in CELL_SPLIT.split(line.strip()[1:-1])]
        assert len(cells) == len(names), line
        rows.append(dict(zip(names, cells, strict=True)))
    return rows


def test_markdown_report_parses_back_as_tables() -> None:
    result = run_cli([str(example("up-fail")), "--format", "markdown"])
    assert result.code == 1 and "\x1b" not in result.out
    assert result.out.startswith("### ❌ castra up: failed (exit 1)")
    vms = table(result.out, "VM")
    assert [(r["VM"], r["state"], r["bootstrap"]) for r in vms] == [
        ("db-0", "failed", "✗ failed 5.6s"),  # problems first
        ("web-0", "ready", "✓ success 8.0s"),
    ]
    assert vms[0]["err"] == "3" and vms[0]["ssh"].startswith("`ssh -i ~/.ssh/castra")
    totals = {r["total"]: r[""] for r in table(result.out, "total")}
    assert totals["tokens"] == "3,100 prompt (0 cached) · 420 completion · 3,520 total"
    assert "**db\\-0**" in result.out or "**db-0**" in result.out
    # the error in full, in a code block, and what to do about it
    block = "  ```\n  apply: /var/lib/castra/bootstrap/run.sh exited with status 100\n"
    assert block + "  E: Unable to locate package postgresql-17\n  ```" in result.out
    assert "↳ pin postgresql-16 in bootstrap/db/packages.txt" in result.out


def test_markdown_escapes_stream_strings(tmp_path: Path) -> None:
    path = tmp_path / "evil.ndjson"
    path.write_text(
        json.dumps(
            {
                "type": "bootstrap.planned",
                "vm": "a|<b>*x*[y](z)",
                "mode": "auto",
                "action": "would_run",
                "reason": "r",
            }
        )
        + "\n"
    )
    out = run_cli([str(path), "--format", "markdown"]).out
    row = table(out, "VM")[0]
    assert row["VM"] == md("a|<b>*x*[y](z)").replace("\\|", "|")
    assert "<b>" not in out and "&lt;b&gt;" in out
    assert code("a`b|c") == "``a`b\\|c``"


def test_save_writes_the_raw_input_byte_for_byte(tmp_path: Path) -> None:
    raw = (
        b"\xef\xbb\xbf"
        + example("up").read_bytes().replace(b"\n", b"\r\n", 3)
        + b"not json\n\n{broken\n"
        + b'{"type":"message","severity":"info","text":"no newline"}'
    )
    saved = tmp_path / "saved.ndjson"
    result = run_cli(["--save", str(saved), "--format", "ndjson"], stdin=raw)
    assert result.code == 0
    assert saved.read_bytes() == raw


def test_save_follows_several_files_in_order(tmp_path: Path) -> None:
    saved = tmp_path / "all.ndjson"
    run_cli([str(example("up")), str(example("down")), "--save", str(saved), "--summary-only"])
    assert saved.read_bytes() == example("up").read_bytes() + example("down").read_bytes()


def test_save_to_an_unwritable_place_is_a_usage_error() -> None:
    result = run_cli([str(example("up")), "--save", "/no/such/dir/x.ndjson"])
    assert result.code == 2 and "cannot write '/no/such/dir/x.ndjson'" in result.stderr


PACKERS = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}


@pytest.mark.parametrize("suffix", sorted(PACKERS))
def test_compressed_files_read_as_the_plain_ones(tmp_path: Path, suffix: str) -> None:
    plain = example("up-fail")
    packed = tmp_path / f"up-fail.ndjson.{suffix}"
    packed.write_bytes(PACKERS[suffix](plain.read_bytes()))
    for args in (["--format", "ndjson"], ["--color", "never", "--width", "300"]):
        expected = run_cli([str(plain), *args])
        got = run_cli([str(packed), *args])
        assert got.code == expected.code == 1
        assert got.stdout.replace(str(packed).encode(), str(plain).encode()) == expected.stdout


def test_compressed_stdin_and_several_gzip_members(tmp_path: Path) -> None:
    data = gzip.compress(example("up").read_bytes()) + gzip.compress(example("down").read_bytes())
    result = run_cli(["--format", "ndjson"], stdin=data)
    assert result.stdout == example("up").read_bytes() + example("down").read_bytes()


def test_a_truncated_archive_keeps_what_it_holds_and_says_so(tmp_path: Path) -> None:
    packed = gzip.compress(example("up").read_bytes() * 20)[:1000]
    path = tmp_path / "cut.ndjson.gz"
    path.write_bytes(packed)
    held = zlib.decompressobj(wbits=31).decompress(packed)  # what the cut archive holds
    report = json.loads(run_cli([str(path), "--format", "json"]).stdout)
    assert report["lines"] == held.count(b"\n") + 2  # and the cut line, and the note
    assert report["totals"]["events"] == held.count(b"\n")
    assert report["malformed"][-1]["reason"].startswith("gzip data ends early (truncated)")


def test_a_small_archive_of_a_huge_line_stays_small(tmp_path: Path) -> None:
    path = tmp_path / "bomb.ndjson.gz"
    path.write_bytes(
        gzip.compress(b"x" * (64 << 20) + b'\n{"type":"command.accepted","command":"up"}\n')
    )
    report = json.loads(
        run_cli([str(path), "--format", "json", "--max-line-bytes", "1048576"]).stdout
    )
    assert report["malformed"][0]["reason"] == "line of 64.0 MiB is longer than --max-line-bytes"
    assert report["totals"]["by_type"] == {"command.accepted": 1}


def test_incomplete_stream_exits_1_and_names_what_is_missing(tmp_path: Path) -> None:
    cut = tmp_path / "cut.ndjson"
    cut.write_bytes(b"".join(example("up").read_bytes().splitlines(keepends=True)[:25]))
    text = run_cli([str(cut), "--color", "never", "--width", "200"])
    assert text.code == 1
    gaps = (
        "bootstrap of web-0 never finished; bootstrap of web-1 never finished; "
        "bootstrap of db-0 never finished; command 'up' never completed"
    )
    assert f"incomplete  {gaps}" in text.out
    assert f"✗ failed (exit 1): incomplete: {gaps}" in " ".join(text.out.split("\n")[-3:])
    report = json.loads(run_cli([str(cut), "--format", "json"]).stdout)
    assert report["exit_code"] == 1 and "command 'up' never completed" in report["incomplete"]
    markdown = run_cli([str(cut), "--format", "markdown"]).out
    # The reasons end the report, before the gantt of the bootstraps.
    report_part = markdown.split("\n```mermaid\n")[0]
    assert "| incomplete |" in markdown and report_part.rstrip().endswith(f"- incomplete: {gaps}")


def test_a_harness_only_transcript_is_not_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "usage.ndjson"
    path.write_bytes(
        b'{"type":"usage","prompt_tokens":1,"completion_tokens":2}\n'
        b'{"type":"message","severity":"info","text":"hello"}\n'
    )
    assert run_cli([str(path)]).code == 0


def test_an_interrupted_run_says_interrupted_not_incomplete(tmp_path: Path) -> None:
    from castra_tail.filters import Selector
    from castra_tail.input.read import read_inputs
    from castra_tail.input.sources import FileSource
    from castra_tail.output.modes import Silent
    from castra_tail.pipeline import consume
    from castra_tail.render.markdown import markdown
    from castra_tail.run.stream import Stream
    from castra_tail.run.verdict import judge

    cut = tmp_path / "cut.ndjson"
    cut.write_bytes(b"".join(example("up").read_bytes().splitlines(keepends=True)[:25]))
    stream = Stream()
    consume(read_inputs([FileSource(str(cut))], 1 << 20), stream, Silent(), Selector(), None)
    stream.finish(interrupted=True)
    out = markdown(stream, judge(stream, signal=2))
    assert (
        out.startswith("### ❌ castra up: interrupted (exit 130)") and "| incomplete |" not in out
    )
    # The command was still running: stopped, not failed to complete; said once
    assert "never completed" not in out and "command up** interrupted" in out
    assert "interrupted (exit 130): interrupted" not in out
    from castra_tail.render.facts import verdict

    head, rest = verdict(judge(stream, signal=2))
    assert (head.text, rest) == ("✗ interrupted", "(exit 130)")


def test_shell_completion_script_and_answers() -> None:
    # Typer detects the shell castra-tail runs under; this test names it instead.
    script = run_cli(
        ["--show-completion", "bash"], env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    )
    assert "_CASTRA_TAIL_COMPLETE" in script.out
    assert complete("castra-tail --type boot") == [
        "bootstrap",
        "bootstrap.planned",
        "bootstrap.started",
        "bootstrap.step",
        "bootstrap.completed",
        "bootstrap.failed",
    ]
    for flag, expected in (
        ("--level", "warn"),
        ("--fail-on", "never"),
        ("--format", "markdown"),
        ("--color", "always"),
    ):
        assert expected in complete(f"castra-tail {flag} "), flag


def complete(words: str) -> list[str]:
    """What bash completion offers for the last of ``words``, asked as bash asks it."""
    env = dict(
        os.environ,
        _CASTRA_TAIL_COMPLETE="complete_bash",
        COMP_WORDS=words,
        COMP_CWORD=str(len(words.split(" ")) - 1),
    )
    done = subprocess.run(
        [sys.executable, "-m", "castra_tail"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    return done.stdout.split()


@pytest.mark.parametrize(
    ("env", "check"),
    [
        ({"CASTRA_TAIL_FORMAT": "ndjson"}, lambda r: r.stdout == example("down").read_bytes()),
        ({"CASTRA_TAIL_FAIL_ON": "warn"}, lambda r: r.code == 1),
        (
            {"CASTRA_TAIL_LEVEL": "warn", "CASTRA_TAIL_FORMAT": "ndjson"},
            lambda r: len(r.stdout.splitlines()) == 5,
        ),  # timed out, 2 escalations, warn, forced
        ({"CASTRA_TAIL_COLOR": "always"}, lambda r: "\x1b[" in r.out),
        ({"CASTRA_TAIL_WIDTH": "120"}, lambda r: max(map(len, r.out.splitlines())) > 80),
    ],
)
def test_environment_defaults_are_honoured(env: dict[str, str], check: object) -> None:
    result = run_cli([str(example("down"))], env=env)  # type: ignore[arg-type]
    assert check(result)  # type: ignore[operator]


def test_a_flag_wins_over_the_environment() -> None:
    result = run_cli(
        [str(example("down")), "--fail-on", "error"], env={"CASTRA_TAIL_FAIL_ON": "warn"}
    )
    assert result.code == 0


def test_help_lists_the_environment_variables() -> None:
    out = run_cli(["--help"], env={"COLUMNS": "200"}).out
    for name in (
        "CASTRA_TAIL_COLOR",
        "CASTRA_TAIL_LEVEL",
        "CASTRA_TAIL_FAIL_ON",
        "CASTRA_TAIL_FORMAT",
        "CASTRA_TAIL_WIDTH",
        "CASTRA_TAIL_JOBS",
    ):
        assert name in out
