"""Command line: argv → a command → flags → one ``Options`` → ``app.run`` → exit.

Only this package exits (``main``). ``castra-tail [OPTIONS] [FILE]...`` reads
streams (``tail``); ``check``, ``schema`` and ``demo`` are tools for producers
and newcomers (``tools``). Usage errors are one line on stderr and exit 2.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import NoReturn, cast

from castra_tail import CONTRACT_VERSION, __version__, early
from castra_tail.output import stdio


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point of the ``castra-tail`` command.

    Output that cannot be written ends here, whichever command wrote it: a
    reader that went away is 141, anything else one line on stderr and 74.
    A stop signal from here on is the run's to act on (early.py).
    """
    early.hold()  # the console script held them already; called in-process, from here
    stdio.take_over()
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        if args in (["--version"], ["-V"]):  # before any heavy import: start-up matters
            print(f"castra-tail {__version__} (Event Contract {CONTRACT_VERSION})")
            status = 0
        else:
            status = _invoke(args)
        sys.stdout.flush()  # what print() or Typer left buffered: its failure is said here
    except stdio.StdoutClosed:
        from castra_tail.status import ExitStatus

        status = ExitStatus.PIPE_CLOSED
    except stdio.IOFailure as exc:
        from castra_tail.output.env import message_line
        from castra_tail.status import ExitStatus

        sys.stderr.write(message_line(str(exc)))
        status = ExitStatus.IO_ERROR
    finally:
        # Called in-process (argv given), the caller's handlers come back. As the process
        # (the console script), the recording ones stay to the end: a late signal is no
        # traceback either, and the status is decided already.
        if argv is not None:
            early.release(deliver=False)
    sys.exit(status)


def _invoke(args: list[str]) -> int:
    from castra_tail.output.env import tame_size_variables

    tame_size_variables(os.environ)  # before Typer and Rich read them
    import typer

    from castra_tail.cli import tail, tools, trends
    from castra_tail.options import UsageError
    from castra_tail.status import ExitStatus

    # Typer vendors click in some releases: find its base exception through the MRO.
    click_error = cast(
        "type[Exception]",
        next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"),
    )
    subcommands = {
        "demo": tools.demo_app,
        "check": tools.check_app,
        "schema": tools.schema_app,
        "runs": tools.runs_app,
        "compare": trends.compare_app,
        "stats": trends.stats_app,
    }
    prog = "castra-tail"
    if args[:1] and args[0] in subcommands:
        prog = f"castra-tail {args[0]}"
        app, args = subcommands[args[0]](), args[1:]
        try:  # the tools have no handlers of their own: a signal held so far comes now
            early.release()
        except KeyboardInterrupt:
            return int(ExitStatus.INTERRUPTED)
    else:
        command: tuple[str, ...] = ()
        if "--" in args:  # castra-tail [OPTIONS] -- COMMAND [ARGS]...
            split = args.index("--")
            args, command = args[:split], tuple(args[split + 1 :])
            if not command:
                return _usage("-- must be followed by a command to run", prog)
        app = tail.tail_app(command)
    try:
        status = app(args=args, prog_name=prog, standalone_mode=False)
    except click_error as exc:
        return _usage(_click_message(exc), prog)
    except UsageError as exc:
        return _usage(str(exc) + _meant_command(args, subcommands), prog)
    except KeyboardInterrupt:
        return int(ExitStatus.INTERRUPTED)
    return status if isinstance(status, int) else 0


def _click_message(exc: Exception) -> str:
    """What Typer's parser says, with castra-tail's own guess for a flag it does not have."""
    if type(exc).__name__ == "NoSuchOption":
        from castra_tail.cli.habits import unknown_option

        ctx = getattr(exc, "ctx", None)
        params = ctx.command.params if ctx is not None else []
        own = [name for p in params for name in (*p.opts, *p.secondary_opts)]
        return unknown_option(str(getattr(exc, "option_name", "")), own)
    param, ctx = getattr(exc, "param", None), getattr(exc, "ctx", None)
    if type(exc).__name__ == "BadParameter" and param is not None and param.opts:
        flag = next((o for o in param.opts if o.startswith("--")), param.opts[0])
        source = ctx.get_parameter_source(param.name) if ctx is not None else None
        if source is not None and source.name == "ENVIRONMENT":
            flag = f"${param.envvar} (for {flag})"
        return f"{flag}: {getattr(exc, 'message', exc)}"
    return str(getattr(exc, "format_message", exc.__str__)())


def _meant_command(args: list[str], subcommands: Iterable[str]) -> str:
    """`` (did you mean castra-tail check?)`` when the first argument, not a file, is close to
    a subcommand's name."""
    import difflib

    first = args[0] if args else ""
    if not first or first.startswith("-") or os.path.lexists(first):
        return ""
    close = difflib.get_close_matches(first, list(subcommands), n=1, cutoff=0.7)
    return f"; did you mean castra-tail {close[0]}?" if close else ""


def _usage(message: str, prog: str = "castra-tail") -> int:
    from castra_tail.output.env import message_line
    from castra_tail.status import ExitStatus

    sys.stderr.write(message_line(f"{message} (see {prog} --help)"))
    return int(ExitStatus.USAGE)
