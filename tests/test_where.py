"""Each failure points at the line that says what went wrong, in every format."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

LINES = [
    # 1: an error about web-0 that is not where its bootstrap failed
    {"type": "message", "severity": "error", "text": "disk is slow", "vm": "web-0"},
    {"type": "command.accepted", "command": "up"},  # 2
    {"type": "message", "severity": "info", "text": "loaded castra.toml"},  # 3
    {"type": "bootstrap.planned", "vm": "db-0", "mode": "auto", "action": "error", "reason": "r"},
    {"type": "bootstrap.started", "vm": "web-0", "base_hash": "a", "artifact_hash": "b",
     "trigger": "auto"},  # 5
    {"type": "bootstrap.step", "vm": "web-0", "step": "connect", "status": "success",
     "duration_ms": 5},  # 6
    {"type": "bootstrap.failed", "vm": "web-0", "duration_ms": 9, "error": "lost"},  # 7
    {"type": "bootstrap.started", "vm": "db-0", "base_hash": "a", "artifact_hash": "b",
     "trigger": "auto"},  # 8
    {"type": "bootstrap.step", "vm": "db-0", "step": "apply", "status": "failed",
     "duration_ms": 5, "detail": "exit 2"},  # 9
    {"type": "bootstrap.failed", "vm": "db-0", "duration_ms": 9, "error": "apply failed"},  # 10
    {"type": "message", "severity": "info", "text": "done"},  # 11
    {"type": "command.completed", "command": "up", "exit_code": 1, "duration_ms": 20},  # 12
]  # fmt: skip


def stream(tmp_path: Path) -> Path:
    path = tmp_path / "where.ndjson"
    path.write_text("".join(json.dumps(line) + "\n" for line in LINES))
    return path


def test_failures_point_at_the_line_that_failed(tmp_path: Path) -> None:
    result = run_cli([str(stream(tmp_path)), "--format", "json"])
    assert result.code == 1
    found = {
        (p["vm"] or p["command"], p["what"].split(" ")[0], p["line"])
        for p in json.loads(result.out)["problems"]
    }
    assert found == {
        ("web-0", "bootstrap", 7),  # no failed step: the line that ended it, not line 1
        ("db-0", "plan", 4),  # the plan, not the first error about db-0
        ("db-0", "bootstrap", 9),  # the failed step, where its detail is
        ("up", "exited", 12),  # it had no line at all
    }


def test_the_summary_and_markdown_name_the_same_lines(tmp_path: Path) -> None:
    path = stream(tmp_path)
    text = run_cli([str(path), "--summary-only", "--no-color", "--width", "200"]).out
    text = text.replace(str(tmp_path) + "/", "")
    assert "web-0 bootstrap failed after 9ms (where.ndjson:7)" in text
    markdown = run_cli([str(path), "--format", "markdown"]).out
    assert "where.ndjson:9)" in markdown and "where.ndjson:12)" in markdown
