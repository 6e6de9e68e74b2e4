"""The formats of issue 14 are documented where a user looks: --help and the README."""

from __future__ import annotations

import re

from castra_tail.options import Format

from conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_format_is_in_the_readmes_output_table() -> None:
    row = next(line for line in README.splitlines() if line.startswith("| `--format "))
    listed = re.match(r"\| `--format ([^`]+)`", row)
    assert listed is not None
    assert listed.group(1).split("\\|") == [f.value for f in Format]


def test_each_picture_and_ci_report_has_its_paragraph() -> None:
    section = README.split("## Pictures and CI reports", 1)[1].split("\n## ", 1)[0]
    for name in ("markdown", "github", "html", "svg", "trace"):
        assert f"**`--format {name}`**" in section, name
    assert "**`--junit FILE`**" in section
    assert "ui.perfetto.dev" in section  # how to open a trace
    assert "| `--junit FILE` |" in README


def test_help_lists_the_formats_and_junit() -> None:
    result = run_cli(["--help"], env={"COLUMNS": "200"})
    assert result.code == 0
    for f in Format:
        assert f.value in result.out
    assert "--junit" in result.out
