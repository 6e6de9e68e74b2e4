"""``--save FILE``: the raw input written through to FILE as it is read, byte for byte."""

from __future__ import annotations

from collections.abc import Sequence

from castra_tail.input.clash import save_clash
from castra_tail.options import UsageError
from castra_tail.output.stdio import IOFailure, cannot_write
from castra_tail.render.text import clean


class SaveFile:
    """``--save``: the raw input, written through as it is read."""

    def __init__(self, path: str, inputs: Sequence[str]) -> None:
        why = save_clash(path, inputs)  # before open() empties it
        if why is not None:
            raise UsageError(why)
        self.error: IOFailure | None = None
        self.name = repr(clean(path))
        try:
            self.file = open(path, "wb")  # noqa: SIM115 - closed by app.run()
        except OSError as exc:
            raise UsageError(f"cannot write {clean(path)!r}: {exc.strerror or exc}") from exc

    def write_through(self, data: bytes) -> None:
        # A full disk stops the saving, not the run (as tee goes on to stdout); app.run() says it.
        if self.error is not None:
            return
        try:
            rest = memoryview(data)
            while rest:  # a pipe (--save >(gzip >up.gz)) may take part of it, then refuse
                rest = rest[self.file.write(rest) :]
            self.file.flush()  # a run cut short still leaves what was read
        except OSError as exc:
            self.error = cannot_write(self.name, exc)

    def close(self) -> None:
        try:
            self.file.close()
        except OSError as exc:  # what the failed write left buffered
            self.error = self.error or cannot_write(self.name, exc)
