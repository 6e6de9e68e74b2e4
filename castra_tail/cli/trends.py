"""The tools across runs: ``compare`` (what changed between two) and ``stats`` (all of them)."""

# No `from __future__ import annotations`: Typer evaluates these signatures.
import re
from typing import Annotated, Any, Final

import typer

from castra_tail.cli import flags as f
from castra_tail.cli import numbers, words
from castra_tail.cli.help import HelpCommand

FORMATS: Final = ("text", "json", "markdown")
_PERCENT: Final = re.compile(r"(\d+(?:\.\d*)?)\s*%?")
_DURATION: Final = re.compile(r"(\d+(?:\.\d*)?)\s*(ms|s|m)?")
_UNIT_MS: Final = {None: 1, "ms": 1, "s": 1000, "m": 60_000}
_DIGITS: Final = 30  # a percentage or a duration with more is no threshold anyone means
_REGRESSIONS: Final = "Regressions"
_COMPARE_EPILOG: Final = """Examples:
  castra-tail compare events.ndjson              (last two runs of one command)
  castra-tail compare main.ndjson.gz pr.ndjson --fail-on-regression
  castra-tail compare events.ndjson@first events.ndjson@-1 --threshold 10%
  castra-tail compare ci.ndjson --format markdown >> $GITHUB_STEP_SUMMARY
  cat events.ndjson | castra-tail compare -@1 -@2

Exit status: 0 compared; 1 with --fail-on-regression, something regressed or
newly failed; 2 usage error (a run that is not there says how many there are).
"""
_STATS_EPILOG: Final = """Examples:
  castra-tail stats /var/log/castra/events-*.ndjson.gz
  castra-tail stats ci/*.ndjson --by-vm --top 20 --format markdown
  castra-tail stats events.ndjson --format json | jq '.failures[:3]'

Exit status: 0 read; 2 usage error.
"""


def _percent(text: str | float) -> float:
    if isinstance(text, float):  # the default
        return text
    found = _PERCENT.fullmatch(text.strip())
    if found is None:
        raise typer.BadParameter(f"{text!r} is not a percentage: 20, 20%, 7.5")
    if len(found[1].split(".")[0]) > _DIGITS:  # beyond a float: inf (decimals never are)
        raise typer.BadParameter(f"{found[1][:20]}… is too large a percentage")
    return float(found[1])


def _duration(text: str | int) -> int:
    if isinstance(text, int):  # the default
        return text
    found = _DURATION.fullmatch(text.strip().lower())
    if found is None:
        raise typer.BadParameter(f"{text!r} is not a duration: 250 (ms), 250ms, 1.5s, 2m")
    if len(found[1].split(".")[0]) > _DIGITS:  # beyond any duration a run has (and a float)
        raise typer.BadParameter(f"{found[1][:20]}… is too long a duration")
    return round(float(found[1]) * _UNIT_MS[found[2]])


#: Put before a side that reads like an option, to be taken off again (argv holds no NUL).
_SIDE: Final = "\0"


class _CompareCommand(HelpCommand):
    """``compare``, whose sides may be standard input's runs: ``-@1`` is no option."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        end = args.index("--") if "--" in args else len(args)
        sides = [_SIDE + a if a.startswith("-@") else a for a in args[:end]]
        return super().parse_args(ctx, [*sides, *args[end:]])


def _format(help_text: str) -> object:
    return typer.Option(
        "--format",
        metavar="FORMAT",
        callback=words.chooser("format", FORMATS),
        autocompletion=f.complete_from(FORMATS),
        rich_help_panel=f.OUTPUT,
        help=help_text,
        show_default=False,
    )


def compare_app() -> typer.Typer:
    """``castra-tail compare``."""
    app = f.typer_app()

    @app.command(
        help="Compare two runs, per VM and step: old, new, Δ and %, regressions and new "
        "failures first, then fixed, faster, new and gone steps, plan changes, VMs added or "
        "removed, and the totals. OLD and NEW are FILE (its last run) or FILE@RUN (last, "
        "first, N, -N); with FILE alone, its last run and the one before it of the same "
        "command. Exit 0; see --fail-on-regression.",
        epilog=_COMPARE_EPILOG,
        cls=_CompareCommand,
    )
    def compare(
        old: Annotated[str, typer.Argument(metavar="OLD", show_default=False)],
        new: Annotated[str | None, typer.Argument(metavar="NEW", show_default=False)] = None,
        threshold: Annotated[
            float,
            typer.Option(
                "--threshold",
                metavar="PERCENT",
                rich_help_panel=_REGRESSIONS,
                parser=_percent,
                help="Slower by this much (and --min-delta) is a regression (20).",
                show_default=False,
            ),
        ] = 20.0,
        min_delta: Annotated[
            int,
            typer.Option(
                "--min-delta",
                metavar="DURATION",
                rich_help_panel=_REGRESSIONS,
                parser=_duration,
                help="And by at least this much: 250 (ms), 1.5s (250ms).",
                show_default=False,
            ),
        ] = 250,
        fail_on_regression: Annotated[
            bool,
            typer.Option(
                "--fail-on-regression",
                rich_help_panel=_REGRESSIONS,
                help="Exit 1 when anything got slower or newly failed.",
            ),
        ] = False,
        fmt: Annotated[
            str, _format("text (the default): tables; json: one document; markdown: for a PR.")
        ] = "text",
        color: f.Colour = "auto",
        no_color: f.NoColour = False,
        width: f.Width = None,
        max_line_bytes: f.MaxLineBytes = f.DEFAULT_MAX_LINE,
    ) -> None:
        from castra_tail.compare import run
        from castra_tail.compare.records import Thresholds
        from castra_tail.output.env import Env

        env = Env.from_process()
        status = run.run(
            old.removeprefix(_SIDE),
            new.removeprefix(_SIDE) if new is not None else None,
            env,
            fmt=fmt,
            thresholds=Thresholds(threshold, min_delta),
            fail_on_regression=fail_on_regression,
            color="never" if no_color else color,
            max_line=max_line_bytes,
            width=env.width(width),
        )
        raise typer.Exit(status)

    return app


def stats_app() -> typer.Typer:
    """``castra-tail stats``."""
    app = f.typer_app()

    @app.command(
        help="Across every run of the FILEs (or standard input): per step the count, p50, p95 "
        "and max duration and the failure rate; per VM the failure rate; the most frequent "
        "failure texts (numbers, hashes and paths masked) with where they were first and "
        "last; runs per command; tokens per run. Exit 0.",
        epilog=_STATS_EPILOG,
        cls=HelpCommand,
    )
    def stats(
        files: f.Files = None,
        by_vm: Annotated[
            bool, typer.Option("--by-vm", help="Also per VM × step, slowest first.")
        ] = False,
        top: Annotated[
            int,
            typer.Option(
                "--top",
                parser=numbers.whole(0),
                metavar="N",
                help="Rows of the VM, VM × step and failure tables (10; 0: all).",
                show_default=False,
            ),
        ] = 10,
        fmt: Annotated[
            str, _format("text (the default): tables; json: one document; markdown.")
        ] = "text",
        color: f.Colour = "auto",
        no_color: f.NoColour = False,
        width: f.Width = None,
        jobs: Annotated[
            int | None,
            typer.Option(
                "--jobs",
                "-j",
                rich_help_panel=f.INPUT,
                parser=numbers.whole(1, cap=True),
                metavar="N",
                envvar="CASTRA_TAIL_JOBS",
                help="Processes for a big plain file (default: one per core).",
                show_default=False,
            ),
        ] = None,
        max_line_bytes: f.MaxLineBytes = f.DEFAULT_MAX_LINE,
    ) -> None:
        from castra_tail.cli.tools import inputs
        from castra_tail.stats import run

        env, sources = inputs(files, "no input: pipe event streams in, or name the files")
        status = run.run(
            sources,
            env,
            fmt=fmt,
            by_vm=by_vm,
            top=top,
            jobs=jobs,
            color="never" if no_color else color,
            max_line=max_line_bytes,
            width=env.width(width),
        )
        raise typer.Exit(status)

    return app
