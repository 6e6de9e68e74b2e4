"""The files castra-tail writes besides stdout (--junit, --save): a place that cannot be
written is refused up front — one line, exit 2, before a byte of input is read — and the
check leaves nothing behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import example, run_cli

SCRIPT = Path(sys.executable).with_name("castra-tail")
HANG = 60  # seconds: only to mark a hang
UP = str(example("up"))


def refused_on_an_idle_pipe(args: list[str]) -> str:
    """castra-tail ARGS with stdin a pipe that never ends: it must refuse without reading."""
    read, write = os.pipe()
    try:
        done = subprocess.run(
            [str(SCRIPT), *args, "-"], stdin=read, capture_output=True, timeout=HANG
        )
    finally:
        os.close(read)
        os.close(write)
    assert done.returncode == 2, done
    assert done.stdout == b""
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("castra-tail: error: cannot write "), lines
    return lines[0]


@pytest.mark.parametrize("flag", ["--junit", "--save"])
def test_a_directory_is_refused_before_reading(tmp_path: Path, flag: str) -> None:
    line = refused_on_an_idle_pipe([flag, str(tmp_path)])
    assert "Is a directory" in line


@pytest.mark.parametrize("flag", ["--junit", "--save"])
def test_a_place_that_cannot_be_created_is_refused_before_reading(flag: str) -> None:
    # /proc takes no new files, whoever asks (root too, unlike a chmod).
    line = refused_on_an_idle_pipe([flag, "/proc/castra-tail-report.xml"])
    assert "/proc/castra-tail-report.xml" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
@pytest.mark.parametrize("flag", ["--junit", "--save"])
def test_a_read_only_file_is_refused_before_reading(tmp_path: Path, flag: str) -> None:
    target = tmp_path / "ro.xml"
    target.write_text("kept")
    target.chmod(0o444)
    assert "Permission denied" in refused_on_an_idle_pipe([flag, str(target)])
    assert target.read_text() == "kept"


def test_the_check_leaves_no_file_behind(tmp_path: Path) -> None:
    """A later usage error (--since 10m on a pipe) finds no empty report made by the check."""
    report = tmp_path / "j.xml"
    got = run_cli(["--junit", str(report), "--since", "10m", "-"], stdin=b"")
    assert got.code == 2 and "--since" in got.stderr
    assert not report.exists()


def test_the_check_does_not_empty_a_report_already_there(tmp_path: Path) -> None:
    report = tmp_path / "j.xml"
    report.write_text("<old/>")
    got = run_cli(["--junit", str(report), "--since", "10m", "-"], stdin=b"")
    assert got.code == 2
    assert report.read_text() == "<old/>"


def test_a_writable_report_is_still_written(tmp_path: Path) -> None:
    report = tmp_path / "j.xml"
    got = run_cli([UP, "-q", "--junit", str(report)])
    assert got.code == 0, got.stderr
    assert report.read_text().startswith("<?xml")
