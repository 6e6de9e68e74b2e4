"""The optional compiled build (``make compiled``, mypyc) runs when asked, and only then.

``make test-compiled`` runs the whole suite with CASTRA_TAIL_COMPILED=1 and the
compiled copy of the package (build/compiled) first on the path: there, the hot
modules must be the compiled ones, in this process and in the ones the tests
start. Everywhere else the checkout's sources run: no compiled module lies
beside them to shadow an edited one.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import os
import re
import subprocess
import sys

import msgspec
import pytest

from conftest import ROOT


def hot_modules() -> list[str]:
    """The modules the Makefile compiles (its ``HOT`` list), as import names."""
    makefile = (ROOT / "Makefile").read_text()
    listed = re.search(r"^HOT\s*:=((?:.*\\\n)*.*)$", makefile, re.MULTILINE)
    assert listed is not None
    files = listed[1].replace("\\", " ").split()
    return ["castra_tail." + f.removesuffix(".py").replace("/", ".") for f in files]


HOT = hot_modules()
COMPILED = os.environ.get("CASTRA_TAIL_COMPILED") == "1"


def test_no_compiled_module_lies_beside_the_sources() -> None:
    assert sorted((ROOT / "castra_tail").rglob("*.so")) == []
    assert "*.so" in (ROOT / ".gitignore").read_text().split()


@pytest.mark.parametrize("name", HOT)
def test_the_hot_modules_are_compiled_exactly_when_asked(name: str) -> None:
    path = importlib.import_module(name).__file__ or ""
    assert path.endswith(".so") is COMPILED
    assert path.startswith(str(ROOT / "castra_tail")) is not COMPILED


def test_the_list_is_read_whole() -> None:
    assert {"castra_tail.pipeline", "castra_tail.run.kept", "castra_tail.render.text"} <= set(HOT)


@pytest.mark.parametrize("name", HOT)
def test_no_compiled_module_declares_what_msgspec_encodes(name: str) -> None:
    """mypyc drops a struct's options (``tag``, ``frozen``) and makes a dataclass a class
    msgspec cannot decode: what -j sends would change, or fail."""
    module = importlib.import_module(name)
    declared = [
        cls.__name__
        for cls in vars(module).values()
        if inspect.isclass(cls)
        and cls.__module__ == name
        and (issubclass(cls, msgspec.Struct) or dataclasses.is_dataclass(cls))
    ]
    assert declared == []


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
