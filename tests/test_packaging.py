"""The package as users get it: a wheel that carries the examples, one version, the script."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from castra_tail import __version__

from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot build a wheel here (no build backend?): {done.stderr[-300:]}")
    (path,) = out.glob("castra_tail-*.whl")
    return path


def test_the_wheel_has_one_version_the_script_and_the_examples(wheel: Path) -> None:
    assert wheel.name.startswith(f"castra_tail-{__version__}-")
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {n.rsplit("/", 1)[-1] for n in names if n.startswith("castra_tail/examples/")}
    assert shipped == {p.name for p in (ROOT / "examples").glob("*.ndjson")}
    entry_points = (
        zipfile.ZipFile(wheel)
        .read(next(n for n in names if n.endswith("entry_points.txt")))
        .decode()
    )
    assert "castra-tail = castra_tail.__main__:main" in entry_points


def test_the_installed_wheel_runs_its_demo_offline(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    env = dict(os.environ, PYTHONPATH=str(site))
    run = subprocess.run(
        [sys.executable, "-m", "castra_tail", "demo", "down", "--speed", "0"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert run.returncode == 0 and "castra down · summary" in run.stdout
    version = subprocess.run(
        [sys.executable, "-m", "castra_tail", "--version"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    assert version.stdout.strip() == f"castra-tail {__version__} (Event Contract v1)"
