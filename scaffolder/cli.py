"""The `bcb-scaffold` command: parses flags, calls the library, renders output. Nothing else.

Heavy modules (libcst, Jinja2, the stacks) are imported inside the commands, so `--help` and
`--version` stay fast.
"""

from __future__ import annotations

# ruff: noqa: E402 (the imports below run with the garbage collector off)
import gc

# Start-up makes objects that live as long as the process (the stacks' modules, the command
# line's parser): the cyclic collector would walk them some thirty times while
# they are made, a twentieth of an `inspect`. They are made without it and frozen out of its
# passes once made (the end of this module); `main` keeps it off for the command itself.
_COLLECTING = gc.isenabled()
gc.disable()

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from scaffolder import __version__
from scaffolder.ansi import for_stream
from scaffolder.errors import Interrupted, Refused, ScaffoldError
from scaffolder.exitcodes import ExitCode, describe
from scaffolder.model import Answers

if TYPE_CHECKING:
    from scaffolder.model import Question

EPILOG = "exit codes:\n" + "\n".join(f"  {code:<4} {meaning}" for code, _, meaning in describe())


class _Aborted(Exception):
    """The terminal closed its input while asked a question (end of file)."""


def _echo(message: str | None = None, *, err: bool = False, nl: bool = True) -> None:
    """Print `message` (styled on a terminal only, see `scaffolder.ansi`), outliving its reader:
    once the pipe is closed (`| head -1`), the rest of the output goes to /dev/null instead of
    aborting the command half-way, a write included."""
    stream = sys.stderr if err else sys.stdout
    text = for_stream(message or "", stream) + ("\n" if nl else "")
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)


def _emit_json(document: dict[str, Any]) -> None:
    import json  # only --json needs it: --help, --version and the text reports do not

    _echo(json.dumps(document, indent=2, ensure_ascii=False))


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _ask(text: str, *, err: bool = False) -> str:
    """One line from the terminal after `text`; end of input aborts."""
    _echo(text, err=err, nl=False)
    line = sys.stdin.readline()
    if not line:
        _echo(err=err)
        raise _Aborted
    return line.rstrip("\r\n")


def _confirm(question: str, default: bool) -> bool:
    hint = "[Y/n]" if default else "[y/N]"
    while True:
        reply = _ask(f"{question} {hint}: ").strip().lower()
        if not reply:
            return default
        if reply in ("y", "yes"):
            return True
        if reply in ("n", "no"):
            return False
        _echo("Error: invalid input", err=True)


def _choose(label: str, choices: Sequence[str] | None) -> str:
    shown = f" ({', '.join(choices)})" if choices else ""
    while True:
        reply = _ask(f"{label}{shown}: ", err=True).strip()
        if reply and (not choices or reply in choices):
            return reply
        if reply:
            _echo(
                f"Error: {reply!r} is not one of {', '.join(map(repr, choices or ()))}.", err=True
            )


def _fail(
    kind: str, message: str, code: ExitCode, as_json: bool, file: str | None = None
) -> NoReturn:
    if as_json:
        from scaffolder.documents import error_document

        _emit_json(error_document(kind, message, code, file))
    _echo(f"bcb-scaffold: error: {message}", err=True)
    sys.exit(int(code))


def _guarded(as_json: bool, body: Callable[[], int]) -> NoReturn:
    try:
        code = body()
    except ScaffoldError as exc:
        _fail(exc.code, exc.message, exc.exit_code, as_json, exc.file)
    except KeyboardInterrupt:
        _fail("refused", "interrupted; nothing was written", ExitCode.REFUSED, as_json)
    except _Aborted:
        _fail("refused", "aborted; nothing was written", ExitCode.REFUSED, as_json)
    except Exception as exc:
        if os.environ.get("BCB_DEBUG"):
            raise
        message = f"internal error: {type(exc).__name__}: {exc} (BCB_DEBUG=1 shows the traceback)"
        _fail("internal-error", message, ExitCode.INTERNAL, as_json)
    sys.exit(code)


# -- the commands --------------------------------------------------------------------------------


def inspect(path: Path, as_json: bool, answers: Answers) -> int:
    """Phase 1: report the stack, the auth library and where the widget loads, with evidence."""
    from scaffolder import engine

    _, insp = engine.inspect(path, answers)
    if as_json:
        from scaffolder.documents import inspect_document

        _emit_json(inspect_document(insp))
    else:
        from scaffolder.render import inspection_text

        _echo(inspection_text(insp), nl=False)
        if not insp.supported:
            _echo(engine.unsupported_message(insp))
    return int(ExitCode.OK if insp.supported else ExitCode.UNSUPPORTED)


def apply(
    path: Path,
    answers: Answers,
    *,
    yes: bool,
    dry_run: bool,
    patch_file: Path | None,
    allow_dirty: bool,
    install: bool,
    as_json: bool,
) -> int:
    """Phase 2: plan the edits, show the diff, and write them (with --yes or after asking)."""
    from scaffolder import engine, outcome
    from scaffolder.documents import apply_document
    from scaffolder.render import colour_diff, outcome_text

    if patch_file is not None:
        from scaffolder.answer_rules import check_patch_file

        check_patch_file(patch_file, path)
    result = engine.plan(path, answers)
    ask = _interactive() and not (as_json or yes or dry_run or patch_file)
    for _ in range(10):
        if not (result.inspection.questions and ask):
            break
        answers = _prompt(answers, result.inspection.questions)
        result = engine.plan(path, answers)
    insp, plan = result.inspection, result.plan

    def show(done: outcome.Outcome) -> int:
        if as_json:
            _emit_json(apply_document(done))
        else:
            _echo(outcome_text(done), nl=False)
            if done.status == "questions":
                _echo(
                    "\nbcb-scaffold: questions left unanswered; nothing was written. "
                    "Answer them with the flags shown.",
                    err=True,
                )
        return int(done.exit_code)

    settled = outcome.settled(insp, plan)
    if settled is not None:
        return show(settled)
    if not as_json:
        _echo(colour_diff(plan.diff()), nl=False)
        _echo()
    if dry_run or patch_file:
        return show(outcome.planned(insp, plan, patch_file))
    if not yes:
        if not _interactive():
            raise Refused(
                "not a terminal: pass --yes to write the changes, or --dry-run to see them"
            )
        if not _confirm("Write these changes?", default=False):
            raise Refused("declined; nothing was written")
    done = outcome.applied(insp, plan, allow_dirty=allow_dirty)
    try:
        if install:
            done = outcome.install(done, None if as_json else _announce)
        elif not (yes or as_json):  # at the terminal that confirmed the write
            accepted = [
                lock
                for lock in plan.locks
                if outcome.runnable(lock) and _confirm(f"Update {lock.path} now?", default=True)
            ]
            done = outcome.update_locks(done, accepted, _announce)
        return show(done)
    except (KeyboardInterrupt, _Aborted):
        raise Interrupted(
            f"interrupted after writing; the changes are in place: {', '.join(done.changed)}"
        ) from None


def prompt_command(path: Path, as_json: bool, answers: Answers) -> int:
    """Print the two-phase prompt for an AI assistant, phase 1 answered from the inspection.

    For stacks bcb-scaffold does not rewrite (Rails, Laravel, Go, Spring, ...) and cases it
    declined: hand the text to your assistant (Cursor, Claude Code, Copilot, ...).
    """
    from scaffolder import prompt

    result = prompt.build(path, answers)
    if as_json:
        _emit_json(result.to_json())
    else:
        _echo(result.text, nl=False)
        if result.supported:
            import shlex

            where = shlex.quote(str(path))
            _echo(f"\nbcb-scaffold can write this itself: bcb-scaffold apply {where}", err=True)
    return int(ExitCode.OK)


def check_command(path: Path, as_json: bool, output_format: str | None) -> int:
    """Audit the widget-identity integration in PATH against the token contract, statically.

    Finds the code that mints the widget token, the widget tag and the setUserToken /
    clearUserToken calls in every supported stack, whoever wrote them, and reports each
    broken rule with path:line and the fix. Exit 0 when no error is found (or no integration),
    8 when one is. Never executes the project.
    """
    from scaffolder import check, engine

    report = check.run(engine.open_project(path))
    if output_format == "sarif":
        _emit_json(report.sarif())
    elif as_json:
        _emit_json(report.to_json())
    else:
        _echo(report.text(), nl=False)
    return int(ExitCode.OK if report.ok else ExitCode.VIOLATIONS)


def verify_command(
    url: str, cookies: Sequence[str], headers: Sequence[str], endpoint: str | None, as_json: bool
) -> int:
    """Check a running app's widget token against the contract, on loopback.

    Fetches URL (or --endpoint) signed in, with the session you pass as --cookie or --header,
    and anonymously; decodes the token with BESTCHATBOT_SIGNING_KEY from the environment and
    reports each rule (HS256, exp within 24 h, lowercased email, nothing for anonymous
    visitors, Cache-Control). Prints the claims, never the key, the token or your session.
    """
    from scaffolder import verify

    report = verify.verify(
        url,
        key=os.environ.get(verify.KEY_ENV, ""),
        cookies=tuple(cookies),
        headers=tuple(headers),
        endpoint=endpoint,
    )
    if as_json:
        _emit_json(report.to_json())
    else:
        _echo(verify.text(report))
    return int(ExitCode.OK if report.ok else ExitCode.VIOLATIONS)


def mcp(client: str | None) -> int:
    """Serve the MCP tools inspect / plan / apply / prompt over stdio, for editor agents."""
    from scaffolder.mcp import INSTALL_HINT

    if client:
        from scaffolder.mcp.config import CLIENTS

        config = CLIENTS[client]
        _echo(config.text, nl=False)
        _echo(f"{config.client}: save it as {config.file} ({config.how})", err=True)
        return int(ExitCode.OK)
    try:
        from scaffolder.mcp.server import serve
    except ImportError:
        _fail("usage", INSTALL_HINT, ExitCode.USAGE, False)
    if sys.stdin.isatty():
        _echo("bcb-scaffold: MCP server on stdio; stop it with Ctrl-D", err=True)
    gc.enable()  # a server runs for hours: its garbage is collected (see `main`)
    with contextlib.suppress(KeyboardInterrupt):
        serve()
    return int(ExitCode.OK)


# -- the parser ----------------------------------------------------------------------------------

DESCRIPTION = """Wire BestChatBot visitor identity (a signed HS256 JWT) into a web app.

`inspect` reports the stack, where users sign in and where the widget loads; `apply` writes the
signing code. Both work by static analysis and speak JSON with --json. `prompt` prints an
AI-assistant prompt with phase 1 answered, for stacks it cannot rewrite; `mcp` serves inspect /
plan / apply / prompt to editor agents."""


class _UsageError(Exception):
    def __init__(self, message: str, prog: str) -> None:
        super().__init__(message)
        self.message = message
        self.prog = prog


class _Parser(argparse.ArgumentParser):
    """argparse's usage errors become one line (and an error document with --json)."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message[:1].upper() + message[1:] + ".", self.prog)


def _formatter(prog: str) -> argparse.HelpFormatter:
    """Help at most 100 columns wide; the width is read without importing shutil."""
    try:
        columns = int(os.environ.get("COLUMNS", "")) or os.get_terminal_size().columns
    except (ValueError, OSError):
        columns = 80
    return argparse.RawDescriptionHelpFormatter(prog, width=min(columns, 100) - 2)


def _command(
    commands: argparse._SubParsersAction[_Parser], name: str, doc: str | None
) -> argparse.ArgumentParser:
    text = doc or ""
    summary = text.split("\n\n")[0].replace("\n", " ")
    return commands.add_parser(
        name,
        help=summary,
        description=text.replace("\n    ", "\n"),
        epilog=EPILOG,
        formatter_class=_formatter,
        add_help=False,
    )


def _common(command: argparse.ArgumentParser, *, path: bool = True, answers: bool = True) -> None:
    command.add_argument("-h", "--help", action="help", help="Show this message and exit.")
    if path:
        command.add_argument("path", nargs="?", default=".", type=Path, metavar="PATH")
    command.add_argument(
        "--json", dest="as_json", action="store_true", help="Print one JSON document on stdout."
    )
    if answers:
        # the shared answers, then the union of the stacks' manifests' (read from the light
        # manifests: `--help` imports no stack's code)
        for name, help_text in Answers.fields_help():
            command.add_argument(
                "--" + name.replace("_", "-"), dest=name, metavar="TEXT", help=help_text
            )


def parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The command line: the top parser, and each command's parser by name."""
    top = _Parser(
        prog="bcb-scaffold",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=_formatter,
        add_help=False,
    )
    top.add_argument(
        "-V",
        "--version",
        action="version",
        version=f"bcb-scaffold, version {__version__}",
        help="Show the version and exit.",
    )
    top.add_argument("-h", "--help", action="help", help="Show this message and exit.")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    cmd = {}

    cmd["inspect"] = _command(sub, "inspect", inspect.__doc__)
    _common(cmd["inspect"])

    cmd["apply"] = _command(sub, "apply", apply.__doc__)
    _common(cmd["apply"])
    a = cmd["apply"]
    a.add_argument("--yes", "-y", action="store_true", help="Write without asking.")
    a.add_argument("--dry-run", action="store_true", help="Show the diff; write nothing.")
    a.add_argument(
        "--patch",
        dest="patch_file",
        type=Path,
        metavar="FILE",
        help="Write a `git apply`-able patch to FILE instead of changing the project.",
    )
    a.add_argument(
        "--allow-dirty", action="store_true", help="Edit files that have uncommitted changes."
    )
    a.add_argument(
        "--install",
        action="store_true",
        help="After writing, update the lockfiles the new dependencies make stale (lockfile "
        "only: `npm install --package-lock-only`, `uv lock`, ...) and run the printed install "
        "commands.",
    )

    cmd["prompt"] = _command(sub, "prompt", prompt_command.__doc__)
    _common(cmd["prompt"])

    cmd["check"] = _command(sub, "check", check_command.__doc__)
    _common(cmd["check"], answers=False)
    cmd["check"].add_argument(
        "--format",
        dest="output_format",
        choices=["text", "json", "sarif"],
        help="text (default), json (as --json) or sarif (SARIF 2.1.0, for code-scanning UIs).",
    )

    cmd["verify"] = _command(sub, "verify", verify_command.__doc__)
    v = cmd["verify"]
    v.add_argument("-h", "--help", action="help", help="Show this message and exit.")
    v.add_argument("url", metavar="URL")
    for flag, metavar, help_text in (
        (
            "cookie",
            "NAME=VALUE",
            "A cookie of a signed-in session (repeatable); sent, never printed.",
        ),
        (
            "header",
            "'NAME: VALUE'",
            "A header of a signed-in session, e.g. 'Authorization: Bearer ...' (repeatable).",
        ),
    ):
        v.add_argument(
            f"--{flag}",
            dest=f"{flag}s",
            action="append",
            default=[],
            metavar=metavar,
            help=help_text,
        )
    v.add_argument(
        "--endpoint",
        metavar="PATH",
        help="Check the token endpoint at PATH (e.g. /api/widget-token) instead of the page's tag.",
    )
    v.add_argument(
        "--json", dest="as_json", action="store_true", help="Print one JSON document on stdout."
    )

    cmd["mcp"] = _command(sub, "mcp", mcp.__doc__)
    cmd["mcp"].add_argument("-h", "--help", action="help", help="Show this message and exit.")
    cmd["mcp"].add_argument(
        "--print-config",
        dest="client",
        choices=["claude-code", "cursor", "vscode"],
        metavar="CLIENT",
        help="Print the MCP configuration for CLIENT (claude-code, cursor, vscode); do not serve.",
    )
    return top, cmd


def run(argv: Sequence[str]) -> NoReturn:
    """Parse `argv` (the arguments after the program's name) and run its command."""
    as_json = "--json" in argv
    top, _ = parser()
    try:
        args, extra = top.parse_known_args(list(argv))
        if extra:
            prog = f"bcb-scaffold {args.command}" if args.command else "bcb-scaffold"
            if extra[0].startswith("-"):
                raise _UsageError(f"No such option {extra[0]!r}.", prog)
            raise _UsageError(f"Got unexpected extra argument ({' '.join(extra)}).", prog)
    except _UsageError as exc:
        _fail("usage", f"{exc.message} (see: {exc.prog} --help)", ExitCode.USAGE, as_json)
    values = vars(args)
    command = values.pop("command")
    if command is None:
        _echo(top.format_help(), err=True, nl=False)
        sys.exit(int(ExitCode.USAGE))
    as_json = values.pop("as_json", False)
    if command in ("inspect", "apply", "prompt"):
        answers = Answers(**{k: values.pop(k) for k, _ in Answers.fields_help()})
        path = values.pop("path")
        if command == "inspect":
            _guarded(as_json, lambda: inspect(path, as_json, answers))
        if command == "prompt":
            _guarded(as_json, lambda: prompt_command(path, as_json, answers))
        _guarded(as_json, lambda: apply(path, answers, as_json=as_json, **values))
    if command == "check":
        fmt = values["output_format"]
        json_out = as_json or fmt == "json"
        _guarded(json_out or fmt == "sarif", lambda: check_command(values["path"], json_out, fmt))
    if command == "verify":
        _guarded(as_json, lambda: verify_command(as_json=as_json, **values))
    sys.exit(mcp(values["client"]))


def _announce(line: str) -> None:
    _echo(line, err=True)


def _prompt(answers: Answers, questions: Sequence[Question]) -> Answers:
    from scaffolder.render import question_text

    given: dict[str, str] = {}
    for q in questions:
        _echo(question_text(q), err=True)
        choices = list(q.choices) if q.choices and q.id != "layout" else None
        given[q.id] = _choose(f"  {q.flag}", choices)
    return answers.replace(**given)


# Start-up is over (see `_COLLECTING`): what it made is frozen, the collector back as it was.
gc.freeze()
if _COLLECTING:
    gc.enable()


def main() -> None:
    """The console script: one command, then the process ends.

    `inspect` and `prompt` run without the cyclic garbage collector, as start-up did: what
    they make is freed by reference counting or lives to the end, so the collector's passes
    (walking the stacks' modules and the parsed project) would find little, at a cost; peak
    memory is the same either way (the 100,000-file tree). The commands that parse and rewrite
    whole projects (`apply`, `check`) and the server (`mcp`) collect as usual. At exit the
    objects are frozen out of the interpreter's last collections, which would only free memory
    the OS takes back.
    """
    command = next((a for a in sys.argv[1:] if not a.startswith("-")), None)
    if command in _WITHOUT_COLLECTOR:
        gc.disable()
    else:
        gc.enable()
    try:
        run(sys.argv[1:])
    finally:
        gc.freeze()


_WITHOUT_COLLECTOR = (None, "inspect", "prompt")  # None: --version, --help
