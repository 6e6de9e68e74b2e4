"""The README's quick start works as written after `make demo` (which made .venv)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
ACTIVATE = Path(sys.prefix) / "bin" / "activate"


def quick_start() -> list[str]:
    """The commands of the README's quick start, in order."""
    block = README.split("## Quick start", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    return [re.sub(r"\s+#.*$", "", line.removeprefix("$ ")).strip() for line in block.splitlines()]


def test_the_quick_start_first_puts_castra_tail_on_path() -> None:
    commands = quick_start()
    assert commands[0] == "source .venv/bin/activate"
    assert "make demo" in README.split("## Quick start", 1)[0]  # the two commands before it


@pytest.mark.skipif(not ACTIVATE.exists(), reason="not run from a virtual environment")
def test_the_quick_start_runs_as_written(tmp_path: Path) -> None:
    """Each command, in one shell from the checkout's root, with castra-tail not on PATH
    before the first one; only `castra up`, which needs castra itself, is left out."""
    commands = [c for c in quick_start() if not c.startswith("castra up")]
    venv = tmp_path / "clone"
    venv.mkdir()
    (venv / ".venv").symlink_to(Path(sys.prefix))  # the .venv `make demo` made
    (venv / "examples").symlink_to(ROOT / "examples")
    path = os.pathsep.join(
        p for p in os.environ.get("PATH", "").split(os.pathsep) if Path(p) != ACTIVATE.parent
    )
    script = tmp_path / "quick-start.sh"
    lines = [c + " > /dev/null || [ $? -eq 1 ]" for c in commands]  # up-fail's story exits 1
    script.write_text(
        "set -e\n"
        'if command -v castra-tail; then echo "on PATH already" >&2; exit 3; fi\n'
        + "\n".join(lines)
        + "\ncommand -v castra-tail > /dev/null\n"
    )
    done = subprocess.run(
        ["bash", str(script)],
        cwd=venv,
        env={**os.environ, "PATH": path, "VIRTUAL_ENV": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
