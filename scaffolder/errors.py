"""Errors that end a command with a one-line message and a documented exit code."""

from __future__ import annotations

from scaffolder.exitcodes import ExitCode


class ScaffoldError(Exception):
    """An expected failure: reported as one line, never as a traceback."""

    exit_code = ExitCode.INTERNAL
    code = "internal-error"

    def __init__(self, message: str, *, file: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file


class UsageError(ScaffoldError):
    exit_code = ExitCode.USAGE
    code = "usage"


class UnsupportedStack(ScaffoldError):
    exit_code = ExitCode.UNSUPPORTED
    code = "unsupported-stack"


class Refused(ScaffoldError):
    exit_code = ExitCode.REFUSED
    code = "refused"


class BadInput(ScaffoldError):
    exit_code = ExitCode.BAD_INPUT
    code = "bad-input"


class WriteFailed(ScaffoldError):
    exit_code = ExitCode.WRITE_FAILED
    code = "write-failed"


class Interrupted(ScaffoldError):
    exit_code = ExitCode.INTERRUPTED
    code = "interrupted"
