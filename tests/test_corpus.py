"""The JSONTestSuite corpus: each document, as a line among valid events, loses none."""

from __future__ import annotations

from pathlib import Path

import pytest

from castra_tail.input.framing import BOM

from conftest import replay, shared

BEFORE = b'{"type":"message","severity":"info","text":"before"}'
AFTER = b'{"type":"message","severity":"info","text":"after"}'


def corpus() -> list[Path]:
    return sorted(shared("jsontestsuite", "test_parsing").glob("*.json"))


@pytest.mark.parametrize("as_is", [False, True], ids=["newlines-removed", "as-is"])
def test_every_document_leaves_the_stream_intact(tmp_path: Path, as_is: bool) -> None:
    documents = corpus()
    assert len(documents) == 318
    for doc in documents:
        data = doc.read_bytes()
        if not as_is:
            data = data.replace(b"\r", b"").replace(b"\n", b"")
        path = tmp_path / "stream.ndjson"
        path.write_bytes(BEFORE + b"\n" + data + b"\n" + AFTER + b"\n")
        run = replay([str(path)])
        # The events on both sides survive, and the document itself is reported.
        assert run.events == run.messages["info"] == 2, doc.name
        if data.removeprefix(BOM).strip():  # a lone BOM is framing, not a line
            assert run.malformed >= 1, doc.name
            assert all(p.where.line >= 2 and p.reason for p in run.problems), doc.name
