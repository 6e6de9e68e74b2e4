"""Outputs that are also inputs, found before anything is written.

``--save FILE`` opens FILE for writing, which empties it: when FILE is also an
input — the same path, a symlink or hard link to it, or the file standard
input comes from — that would destroy the input. And, as GNU ``cat`` refuses
``cat a >> a`` ("input file is output file"), a stdout that is a regular file
being read as input would feed on itself and grow for ever.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Sequence
from typing import TextIO

from castra_tail.render.text import clean

STDIN = "-"


def save_clash(save: str, inputs: Sequence[str], flag: str = "--save") -> str | None:
    """Why ``--save save`` (or another ``flag`` that writes a file) would overwrite one of
    ``inputs`` (``-``: stdin), or None."""
    target = _stat(save)
    if target is not None and stat.S_ISCHR(target.st_mode):
        return None  # /dev/null, a terminal: writing there destroys nothing
    for path in inputs:
        if path == STDIN:
            same = _same(target, _fstat(_fd(sys.stdin)))
        else:
            # A path not there yet (-F waits for it) is the same if it resolves alike.
            same = _same(target, _stat(path)) or os.path.realpath(save) == os.path.realpath(path)
        if same:
            return (
                f"{flag} {clean(save)!r} is also an input ({_name(path)}): "
                "it would be overwritten; write to another file"
            )
    return None


def stdout_clash(inputs: Sequence[str], *, follow: bool) -> str | None:
    """Why writing to stdout would feed one of ``inputs`` (GNU cat's check), or None.

    Only a regular file on stdout that is a regular-file input with bytes left
    to read (or that is followed) counts: ``castra-tail a > a`` finds ``a``
    already empty, and ``/dev/null`` is no file.
    """
    out = _fstat(_fd(sys.stdout))
    if out is None or not stat.S_ISREG(out.st_mode):
        return None
    for path in inputs:
        fd = _fd(sys.stdin) if path == STDIN else None
        st = _fstat(fd) if fd is not None else _stat(path)
        if st is None or not stat.S_ISREG(st.st_mode) or not _same(st, out):
            continue
        read = _position(fd) if fd is not None else 0
        if follow or read < st.st_size:
            return f"{_name(path)} is both an input and standard output (input file is output file)"
    return None


def _same(a: os.stat_result | None, b: os.stat_result | None) -> bool:
    return a is not None and b is not None and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _stat(path: str) -> os.stat_result | None:
    try:
        return os.stat(path)
    except (OSError, ValueError):
        return None


def _fstat(fd: int | None) -> os.stat_result | None:
    if fd is None:
        return None
    try:
        return os.fstat(fd)
    except OSError:
        return None


def _fd(stream: TextIO | None) -> int | None:
    try:
        return stream.fileno() if stream is not None else None
    except (AttributeError, OSError, ValueError):  # replaced by a test runner: no file
        return None


def _position(fd: int) -> int:
    try:
        return os.lseek(fd, 0, os.SEEK_CUR)
    except OSError:
        return 0


def _name(path: str) -> str:
    return "standard input" if path == STDIN else repr(clean(path))
