"""All the inputs as one sequence of items: every source in order, followed files last."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Final

from castra_tail.input.follow import Followed, follow
from castra_tail.input.framing import batches
from castra_tail.input.sources import Chunk, FileSource, Item, Source

#: How long to wait for a quiet live input before a refresh tick.
IDLE: Final = 0.05


def read_inputs(
    sources: Sequence[Source],
    max_line: int,
    *,
    follow_files: str | None = None,
    live: bool = False,
    tee: Callable[[bytes], object] | None = None,
) -> Iterator[Item]:
    """Every item of every source, in order; followed files last, round robin.

    ``follow_files`` is None, ``"descriptor"`` (``-f``) or ``"name"`` (``-F``). ``live``
    asks for idle ticks (``None`` items) while a source is quiet. ``tee`` gets
    every byte read, in order (``--save``).
    """
    idle = IDLE if live else None
    followed: list[Followed] = []
    for source in sources:
        if follow_files and isinstance(source, FileSource) and source.path != "-":
            followed.append(
                Followed(source.path, max_line, by_name=follow_files == "name", tee=tee)
            )
            continue
        with source.open() as stream:
            for batch in batches(stream, max_line, idle, tee):
                yield None if batch is None else Chunk(source.name, batch[0], batch[1])
    yield from follow(followed)
