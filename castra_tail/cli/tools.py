"""The tools beside the main command: `runs`, `check`, `schema` (for producers) and `demo`."""

# No `from __future__ import annotations`: Typer evaluates these signatures, and the
# demo's names a module imported inside demo_app().
from typing import TYPE_CHECKING, Annotated

import typer

from castra_tail import CONTRACT_VERSION
from castra_tail.cli import flags as f
from castra_tail.cli import numbers, words
from castra_tail.cli.help import HelpCommand

if TYPE_CHECKING:
    from castra_tail.input.sources import FileSource
    from castra_tail.output.env import Env

#: The subcommands, as ``castra-tail --help`` lists them: (usage, what it does).
COMMANDS = (
    ("runs [FILE]...", "List the runs of appended logs."),
    ("compare OLD [NEW]", "What changed between two runs: slower, failed, fixed."),
    ("stats [FILE]...", "Per step p50, p95, failure rate across every run."),
    ("check [FILE]...", "Validate streams against Event Contract v1."),
    ("schema", "Print the contract's JSON Schema."),
    ("demo [NAME]", "Replay a shipped example (up, up-fail, down, …)."),
)


def inputs(files: list[str] | None, no_input: str) -> "tuple[Env, list[FileSource]]":
    """The process's environment and the inputs a tool names (standard input when none)."""
    from castra_tail.input.sources import open_files
    from castra_tail.output.env import Env

    env = Env.from_process()
    return env, open_files(
        files or (), stdin_tty=env.stdin_tty, stdin_closed=env.stdin_closed, no_input=no_input
    )


def demo_app() -> typer.Typer:
    """``castra-tail demo``."""
    from castra_tail import demo

    app = f.typer_app()

    @app.command(
        help=f"Replay NAME, a shipped example stream ({', '.join(demo.names())}; default "
        f"{demo.DEFAULT}): at a realistic pace on a terminal, at once otherwise.",
        cls=HelpCommand,
    )
    def run_demo(
        name: Annotated[
            str,
            typer.Argument(
                metavar="NAME",
                help=f"Example to replay: {', '.join(demo.names())} (default {demo.DEFAULT}).",
                show_default=False,
            ),
        ] = demo.DEFAULT,
        speed: Annotated[
            float,
            typer.Option(
                "--speed",
                parser=numbers.rate,
                metavar="X",
                help="How many times faster than real (default 1); 0 replays at once.",
            ),
        ] = 1.0,
        color: f.Colour = "auto",
        no_color: f.NoColour = False,
    ) -> None:
        raise typer.Exit(demo.run(name, speed=speed, color="never" if no_color else color))

    return app


def check_app() -> typer.Typer:
    """``castra-tail check``."""
    app = f.typer_app()

    @app.command(
        help="Validate each FILE (or standard input) against Event Contract v1: each "
        "violation as FILE:LINE: reason. Exit 1 when there is any (notes do not count).",
        cls=HelpCommand,
    )
    def check(
        files: f.Files = None,
        fmt: Annotated[
            str,
            typer.Option(
                "--format",
                metavar="FORMAT",
                callback=words.chooser("format", words.CHECK_FORMATS),
                autocompletion=f.complete_from(words.CHECK_FORMATS),
                help="text (the default): a line per finding; json: one document for machines.",
                show_default=False,
            ),
        ] = "text",
        max_line_bytes: f.MaxLineBytes = f.DEFAULT_MAX_LINE,
    ) -> None:
        from castra_tail import check as checking

        env, sources = inputs(files, "no input: pipe an event stream in, or name a file")
        raise typer.Exit(checking.run(sources, env.stdout, fmt=fmt, max_line=max_line_bytes))

    return app


def runs_app() -> typer.Typer:
    """``castra-tail runs``."""
    app = f.typer_app()

    @app.command(
        help="List the runs of event streams (appended logs hold many): number, command, "
        "where each starts, VMs, duration, result. Exit 0: listing is not judging.",
        cls=HelpCommand,
    )
    def runs(
        files: f.Files = None,
        fmt: Annotated[
            str,
            typer.Option(
                "--format",
                metavar="FORMAT",
                callback=words.chooser("format", words.CHECK_FORMATS),
                autocompletion=f.complete_from(words.CHECK_FORMATS),
                help="text (the default): a table; json: {runs: [{number, command, source, "
                "line, ok, exit_code, vms, duration_ms, reasons}…]}.",
                show_default=False,
            ),
        ] = "text",
        width: f.Width = None,
        max_line_bytes: f.MaxLineBytes = f.DEFAULT_MAX_LINE,
    ) -> None:
        from castra_tail import listing

        env, sources = inputs(files, "no input: pipe an event stream in, or name a file")
        status = listing.run(sources, env, fmt=fmt, max_line=max_line_bytes, width=env.width(width))
        raise typer.Exit(status)

    return app


def schema_app() -> typer.Typer:
    """``castra-tail schema``."""
    app = f.typer_app()

    @app.command(
        help=f"Print the JSON Schema (draft 2020-12) of Event Contract "
        f"{CONTRACT_VERSION}, generated from castra-tail's own types.",
        cls=HelpCommand,
    )
    def schema() -> None:
        from castra_tail.contract.schema import encode
        from castra_tail.output.env import Env

        out = Env.from_process().stdout
        out.write_bytes(encode())
        out.flush()

    return app
