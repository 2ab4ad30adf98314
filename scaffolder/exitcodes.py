"""Exit codes of every command: stable, documented in the README, distinct per outcome."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    """Success, including "nothing to do" on an already-integrated project."""
    INTERNAL = 1
    """A bug in bcb-scaffold; nothing was written."""
    USAGE = 2
    """Bad flags or arguments (unknown option, PATH that does not exist, bad expression)."""
    QUESTIONS = 3
    """Questions are left unanswered; they are printed, nothing was written."""
    UNSUPPORTED = 4
    """No supported framework was found in PATH."""
    REFUSED = 5
    """Refused to write: not a terminal without --yes, uncommitted changes (or git cannot
    tell), a file changed since planning or while writing, a path resolving outside the
    project, a conflicting existing file, or the user declined."""
    BAD_INPUT = 6
    """A file it must read or change is unreadable, not UTF-8, unparseable or read-only."""
    WRITE_FAILED = 7
    """Writing failed part-way; every file written so far was restored."""
    VIOLATIONS = 8
    """`verify` (and `check`) found a rule of the token contract broken: the report lists each
    rule with its message. Nothing was written (these commands never write)."""
    FOLLOW_UP_FAILED = 9
    """Every file was written, but a command run after the write (`--install`, or a lockfile
    update accepted at the prompt) failed or could not run; the changes are kept, and the summary
    gives the command's exit status and the command to run by hand."""
    INTERRUPTED = 130
    """SIGINT or SIGTERM (128 + SIGINT, as shells report it): during the write, every file
    written so far was restored; once every file was written (printing the summary, running
    --install), the changes are kept and the message says so. Ctrl-C before the write starts
    stays a refusal (5): nothing was written."""


def describe() -> list[tuple[int, str, str]]:
    """(code, name, meaning) rows, for the README and `--help`."""
    rows = []
    for code in ExitCode:
        doc = _DOCS[code]
        rows.append((int(code), code.name.lower().replace("_", "-"), doc))
    return rows


_DOCS = {
    ExitCode.OK: "success, including nothing to do",
    ExitCode.INTERNAL: "internal error (a bug); nothing was written",
    ExitCode.USAGE: "usage error: bad flag, PATH missing, invalid answer",
    ExitCode.QUESTIONS: "questions left unanswered; nothing was written",
    ExitCode.UNSUPPORTED: "unsupported stack: no supported framework found",
    ExitCode.REFUSED: "refused: no --yes off a terminal, uncommitted changes, conflict, declined",
    ExitCode.BAD_INPUT: "bad input: a needed file is unreadable, not UTF-8, unparseable, read-only",
    ExitCode.WRITE_FAILED: "write failed part-way; everything written was restored",
    ExitCode.VIOLATIONS: "check / verify: a rule of the token contract is broken",
    ExitCode.FOLLOW_UP_FAILED: "written and kept, but a command run after it (--install) failed",
    ExitCode.INTERRUPTED: "interrupted (SIGINT/SIGTERM): mid-write all restored, after it kept",
}
