"""castra-tail's exit statuses: one table, read by the app, the checks and the command line."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    """castra-tail's exit codes (README, "Exit status")."""

    OK = 0
    FAILED = 1
    USAGE = 2
    #: Output could not be written (a full disk, a closed stdout), or input not read
    #: (sysexits' EX_IOERR).
    IO_ERROR = 74
    #: The wrapped command could not be started, as a shell reports it.
    CANNOT_RUN = 127
    INTERRUPTED = 128 + 2  # SIGINT
    TERMINATED = 128 + 15  # SIGTERM
    #: The reader of stdout went away, as a shell reports SIGPIPE.
    PIPE_CLOSED = 128 + 13
