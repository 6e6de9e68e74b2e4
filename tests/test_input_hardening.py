"""Input as a hostile or unlucky user gives it: outputs that are inputs, cut archives,
FIFOs, followed archives, and blank-line bombs (issue 10, points 1, 6, 7, 8, 15)."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import ROOT, example

CASTRA_TAIL = [sys.executable, "-m", "castra_tail"]
MESSAGE = b'{"type":"message","severity":"info","text":"%s"}\n'
PACKERS: dict[str, Callable[[bytes], bytes]] = {
    "gz": gzip.compress,
    "bz2": bz2.compress,
    "xz": lzma.compress,
}
KINDS = {"gz": "gzip", "bz2": "bzip2", "xz": "xz"}


def run(args: list[str], **kw: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [*CASTRA_TAIL, *args], capture_output=True, timeout=60, cwd=ROOT, **kw
    )


def one_usage_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert text.count("\n") == 1 and text.startswith("castra-tail: error: "), text
    assert "Traceback" not in text
    return text


# --- 1. an output that is also an input ----------------------------------------------


@pytest.mark.parametrize("how", ["same path", "symlink", "hard link", "stdin from it", "-F"])
def test_save_never_truncates_an_input(tmp_path: Path, how: str) -> None:
    log = tmp_path / "up.ndjson"
    original = example("up-fail").read_bytes()
    log.write_bytes(original)
    save, args, stdin = str(log), [str(log)], None
    if how == "symlink":
        save = str(tmp_path / "link.ndjson")
        os.symlink(log, save)
    elif how == "hard link":
        save = str(tmp_path / "hard.ndjson")
        os.link(log, save)
    elif how == "stdin from it":
        args, stdin = [], log.open("rb")
    elif how == "-F":  # followed by name, not there yet: it would be the saved file
        save, args = str(tmp_path / "later.ndjson"), ["-F", str(tmp_path / "." / "later.ndjson")]
    try:
        done = run([*args, "--save", save, "--format", "json"], stdin=stdin)
    finally:
        if stdin is not None:
            stdin.close()
    assert done.returncode == 2 and done.stdout == b""
    assert "is also an input" in one_usage_line(done.stderr)
    assert log.read_bytes() == original
    assert how != "-F" or not os.path.exists(save)


@pytest.mark.parametrize("via", ["file", "stdin"])
def test_stdout_appending_to_an_input_is_refused(tmp_path: Path, via: str) -> None:
    log = tmp_path / "a.ndjson"
    original = example("up").read_bytes()
    log.write_bytes(original)
    with log.open("ab") as out, log.open("rb") as inp:  # castra-tail … a.ndjson >> a.ndjson
        args = ["--format", "ndjson"] + ([str(log)] if via == "file" else [])
        done = subprocess.run(
            [*CASTRA_TAIL, *args],
            stdin=inp if via == "stdin" else subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=60,
            cwd=ROOT,
        )
    assert done.returncode == 2
    assert "input file is output file" in one_usage_line(done.stderr)
    assert log.read_bytes() == original


def test_stdout_to_an_emptied_input_is_not_refused(tmp_path: Path) -> None:
    # `castra-tail a > a`: the shell emptied it first; nothing can loop (GNU cat agrees).
    log = tmp_path / "a.ndjson"
    log.write_bytes(example("up").read_bytes())
    with log.open("wb") as out:
        done = subprocess.run(
            [*CASTRA_TAIL, str(log), "--format", "json"],
            stdout=out,
            stderr=subprocess.PIPE,
            timeout=60,
            cwd=ROOT,
        )
    assert done.returncode == 0, done.stderr
    assert json.loads(log.read_bytes())["totals"]["lines"] == 0
