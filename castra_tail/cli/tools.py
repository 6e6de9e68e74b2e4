"""The tools beside the main command: `check`, `schema` (for producers) and `demo`."""

# No `from __future__ import annotations`: Typer evaluates these signatures, and the
# demo's names a module imported inside demo_app().
from typing import Annotated

import typer

from castra_tail import CONTRACT_VERSION
from castra_tail.cli import flags as f


def demo_app() -> typer.Typer:
    """``castra-tail demo``."""
    from castra_tail import demo

    app = f.typer_app()

    @app.command(
        help="Replay a shipped example stream: at a realistic pace on a terminal, "
        "at once otherwise."
    )
    def run_demo(
        name: Annotated[
            str, typer.Argument(help=f"Example to replay: {', '.join(demo.names())}.")
        ] = demo.DEFAULT,
        speed: Annotated[
            float,
            typer.Option(
                "--speed", min=0.0, help="How many times faster than real; 0 replays at once."
            ),
        ] = 1.0,
        color: Annotated[f.Color, typer.Option("--color", case_sensitive=False)] = f.Color.auto,
    ) -> None:
        raise typer.Exit(demo.run(name, speed=speed, color=color.value))

    return app


def check_app() -> typer.Typer:
    """``castra-tail check``."""
    app = f.typer_app()

    @app.command(
        help="Validate streams against Event Contract v1: each violation as "
        "FILE:LINE: reason. Exit 1 when there is any (notes do not count)."
    )
    def check(
        files: f.Files = None,
        fmt: Annotated[
            f.CheckFormat,
            typer.Option(
                "--format",
                case_sensitive=False,
                help="text: a line per finding; json: one document for machines.",
            ),
        ] = f.CheckFormat.text,
        max_line_bytes: f.MaxLineBytes = f.DEFAULT_MAX_LINE,
    ) -> None:
        from castra_tail import check as checking
        from castra_tail.input.sources import open_files
        from castra_tail.output.env import Env

        env = Env.from_process()
        sources = open_files(files or (), stdin_tty=env.stdin_tty, stdin_closed=env.stdin_closed)
        raise typer.Exit(checking.run(sources, env.stdout, fmt=fmt.value, max_line=max_line_bytes))

    return app


def runs_app() -> typer.Typer:
    """``castra-tail runs``."""
    app = f.typer_app()

    @app.command(
        help="List the runs of event streams (appended logs hold many): number, command, "
        "where each starts, VMs, duration, result. Exit 0: listing is not judging."
    )
    def runs(
        files: f.Files = None,
        fmt: Annotated[
            f.CheckFormat,
            typer.Option(
                "--format",
                case_sensitive=False,
                help="text: a table; json: {runs: [{number, command, source, line, ok, "
                "exit_code, vms, duration_ms, reasons}…]}.",
            ),
        ] = f.CheckFormat.text,
        width: f.Width = None,
        max_line_bytes: f.MaxLineBytes = f.DEFAULT_MAX_LINE,
    ) -> None:
        from castra_tail import listing
        from castra_tail.input.sources import open_files
        from castra_tail.output.env import Env

        env = Env.from_process()
        sources = open_files(files or (), stdin_tty=env.stdin_tty, stdin_closed=env.stdin_closed)
        status = listing.run(
            sources, env, fmt=fmt.value, max_line=max_line_bytes, width=env.width(width)
        )
        raise typer.Exit(status)

    return app


def schema_app() -> typer.Typer:
    """``castra-tail schema``."""
    app = f.typer_app()

    @app.command(
        help=f"Print the JSON Schema (draft 2020-12) of Event Contract "
        f"{CONTRACT_VERSION}, generated from castra-tail's own types."
    )
    def schema() -> None:
        from castra_tail.contract.schema import encode
        from castra_tail.output.env import Env

        out = Env.from_process().stdout
        out.write_bytes(encode())
        out.flush()

    return app
