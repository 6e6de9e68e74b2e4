"""--format markdown: each table is a table and each paragraph a paragraph, whatever precedes it.

A Markdown table or paragraph right after a list item, with no blank line
between, is read as more of that item; so the report is rendered here as
GitHub renders it (cmarkgfm) and its tables counted.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import EXAMPLES, example, run_cli

cmarkgfm = pytest.importorskip("cmarkgfm")

#: A table's delimiter row, as the report writes it.
DELIMITER = re.compile(r"^\| (?:---:?)(?: \| ---:?)* \|$", re.MULTILINE)
SSH = {"user": "root", "host": "127.0.0.1", "port": 22, "options": ["Host *"]}
PLAN = {"type": "bootstrap.planned", "vm": "v07", "mode": "auto", "reason": "r", "ssh": SSH}


def stream(tmp_path: Path, name: str, events: list[dict[str, object]]) -> Path:
    path = tmp_path / f"{name}.ndjson"
    path.write_text("".join(json.dumps(e) + "\n" for e in events))
    return path


def fixtures(tmp_path: Path) -> list[Path]:
    """Every example, and reports where a list (the ssh notes) comes before other blocks."""
    plan = stream(tmp_path, "plan", [{**PLAN, "action": "would_run"}])
    plan_error = stream(
        tmp_path, "plan-error", [{**PLAN, "action": "would_run"}, {**PLAN, "vm": "v08",
                                 "action": "error"}],
    )  # fmt: skip
    up = stream(
        tmp_path, "up", [
            {"type": "vm.lifecycle", "vm": "v07", "phase": "launched", "pid": 7},
            {**PLAN, "action": "would_run"},
            {"type": "bootstrap.started", "vm": "v07", "base_hash": "a", "artifact_hash": "b",
             "trigger": "auto"},
            {"type": "bootstrap.failed", "vm": "v07", "duration_ms": 20, "error": "boom"},
        ],
    )  # fmt: skip
    appended = tmp_path / "appended.ndjson"
    appended.write_bytes(plan.read_bytes() + example("up-fail").read_bytes())
    return [*sorted(EXAMPLES.glob("*.ndjson")), plan, plan_error, up, appended]


def test_every_table_is_a_table_and_no_block_runs_into_a_list_item(tmp_path: Path) -> None:
    for path in fixtures(tmp_path):
        out = run_cli(["--format", "markdown", str(path)]).out
        page = cmarkgfm.github_flavored_markdown_to_html(out)
        tables = len(DELIMITER.findall(out))
        assert tables and page.count("<table>") == tables, (path.name, out)
        assert "| --- |" not in page, path.name  # no table left as text
        items = re.findall(r"<li>(.*?)</li>", page, re.DOTALL)
        assert not [i for i in items if "<strong>Failures</strong>" in i], path.name


@pytest.mark.parametrize("command", ["compare", "stats"])
def test_compare_and_stats_tables_are_tables_too(tmp_path: Path, command: str) -> None:
    appended = fixtures(tmp_path)[-1]
    also = tmp_path / "more.ndjson"
    also.write_bytes(appended.read_bytes() + example("up").read_bytes())
    for path in (appended, also):
        out = run_cli([command, "--format", "markdown", str(path)]).out
        page = cmarkgfm.github_flavored_markdown_to_html(out)
        tables = len(DELIMITER.findall(out))
        assert tables and page.count("<table>") == tables, (command, out)
