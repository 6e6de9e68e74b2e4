"""The optional compiled build (``make compiled``, mypyc) runs when asked, and only then.

``make test-compiled`` runs the whole suite with CASTRA_TAIL_COMPILED=1 and the
compiled copy of the package (build/compiled) first on the path: there, the hot
modules must be the compiled ones, in this process and in the ones the tests
start. Everywhere else the checkout's sources run: no compiled module lies
beside them to shadow an edited one.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import pytest

from conftest import ROOT

HOT = ("castra_tail.pipeline", "castra_tail.run.intake", "castra_tail.render.lines")
COMPILED = os.environ.get("CASTRA_TAIL_COMPILED") == "1"


def test_no_compiled_module_lies_beside_the_sources() -> None:
    assert sorted((ROOT / "castra_tail").rglob("*.so")) == []
    assert "*.so" in (ROOT / ".gitignore").read_text().split()


@pytest.mark.parametrize("name", HOT)
def test_the_hot_modules_are_compiled_exactly_when_asked(name: str) -> None:
    path = importlib.import_module(name).__file__ or ""
    assert path.endswith(".so") is COMPILED
    assert path.startswith(str(ROOT / "castra_tail")) is not COMPILED


def test_a_started_castra_tail_runs_the_same_build() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "castra_tail", "--version"],
        capture_output=True,
        cwd=ROOT,
        check=True,
    )
    assert out.returncode == 0
    probe = "import castra_tail.pipeline as p; print(p.__file__)"
    path = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, cwd=ROOT, text=True, check=True
    ).stdout.strip()
    assert path.endswith(".so") is COMPILED
