"""Shared test helpers: paths, an in-process CLI runner, golden files."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from castra_tail.filters import Selector
from castra_tail.input.framing import DEFAULT_MAX_LINE
from castra_tail.input.read import read_inputs
from castra_tail.input.sources import FileSource
from castra_tail.output.modes import Silent
from castra_tail.pipeline import consume
from castra_tail.run.selection import ALL, Selection
from castra_tail.run.state import Run
from castra_tail.run.stream import MAX_FULL_VMS, Stream

#: `make fuzz` multiplies the examples of the fuzzing properties (CASTRA_TAIL_FUZZ=100).
FUZZ = int(os.environ.get("CASTRA_TAIL_FUZZ", "1"))


def fuzz(examples: int) -> int:
    """How many examples a fuzzing property runs: ``examples`` in the suite, more by hand."""
    return examples * FUZZ


ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent / "golden"
SHARED = ROOT.parent / "shared" / "testdata"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite tests/golden/* from the current output instead of comparing",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """Compare text with tests/golden/NAME, or rewrite it under --update-goldens."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"missing golden {name}: run pytest --update-goldens"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"{name} differs; if intended: pytest --update-goldens"

    return check


@dataclass
class Result:
    """What one in-process run of castra-tail produced."""

    code: int
    stdout: bytes
    stderr: str

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8")


def run_cli(
    args: list[str], stdin: bytes = b"", env: dict[str, str | None] | None = None
) -> Result:
    """Run ``castra-tail ARGS`` in this process, as the console script would.

    Typer's ``CliRunner`` isolates the standard streams and the environment;
    ``cli.main`` is the real entry point, usage-error formatting included.
    """
    from typer.testing import CliRunner

    from castra_tail.cli import main

    quiet_env: dict[str, str | None] = {"NO_COLOR": None, "FORCE_COLOR": None, "COLUMNS": None}
    with CliRunner().isolation(input=stdin, env=quiet_env | (env or {})) as (out, err, _):
        try:
            main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
        return Result(code, out.getvalue(), err.getvalue().decode("utf-8"))


def example(name: str) -> Path:
    """The path of a shipped example."""
    return EXAMPLES / f"{name}.ndjson"


def shared(*parts: str) -> Path:
    """A path under ../shared/testdata, or skip the test when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared/testdata is not beside this checkout")
    return path


def replay_stream(
    paths: list[str],
    max_line: int = DEFAULT_MAX_LINE,
    selection: Selection = ALL,
    max_full_vms: int = MAX_FULL_VMS,
) -> Stream:
    """The finished ``Stream`` of some files, read as the app reads them, nothing shown
    (``selection``: what ``--run`` chose; ``max_full_vms``: the VMs its whole runs hold)."""
    stream = Stream(selection=selection, max_full_vms=max_full_vms)
    items = read_inputs([FileSource(p) for p in paths], max_line)
    consume(items, stream, Silent(), Selector(), None)
    stream.finish()
    return stream


def replay(paths: list[str], max_line: int = DEFAULT_MAX_LINE) -> Run:
    """The last ``Run`` of some files, finished, read as the app reads them."""
    return replay_stream(paths, max_line).current
