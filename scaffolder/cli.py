"""The `bcb-scaffold` command: parses flags, calls the library, renders output. Nothing else.

Heavy modules (libcst, Jinja2, the stacks) are imported inside the commands, so `--help` and
`--version` stay fast.
"""

from __future__ import annotations

# ruff: noqa: E402 (the imports below run with the garbage collector off)
import gc

# Start-up makes objects that live as long as the process (click's and the stacks' modules, the
# commands and their options): the cyclic collector would walk them some thirty times while
# they are made, a twentieth of an `inspect`. They are made without it and frozen out of its
# passes once made (the end of this module); `main` keeps it off for the command itself.
_COLLECTING = gc.isenabled()
gc.disable()

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from scaffolder import __version__
from scaffolder.errors import Interrupted, Refused, ScaffoldError
from scaffolder.exitcodes import ExitCode, describe
from scaffolder.model import Answers

if TYPE_CHECKING:
    from scaffolder.model import Question

F = TypeVar("F", bound=Callable[..., Any])

EPILOG = "Exit codes: " + "; ".join(f"{code} {meaning}" for code, _, meaning in describe())


def _answer_options(func: F) -> F:
    """One `--flag TEXT` per answer: the shared ones, then the union of the stacks' manifests'
    (read from the light manifests: `--help` imports no stack's code)."""
    for name, help_text in reversed(Answers.fields_help()):
        func = click.option("--" + name.replace("_", "-"), name, metavar="TEXT", help=help_text)(
            func
        )
    return func


def _answers(values: dict[str, Any]) -> Answers:
    """The answer options of a command (every `_answer_options` flag) as `Answers`."""
    return Answers(**{k: values.pop(k) for k, _ in Answers.fields_help()})


def _echo(message: str | None = None, **kwargs: Any) -> None:
    """click.echo that outlives its reader: once the pipe is closed (`| head -1`), the rest of
    the output goes to /dev/null instead of aborting the command half-way, a write included."""
    try:
        click.echo(message, **kwargs)
    except BrokenPipeError:
        stream = sys.stderr if kwargs.get("err") else sys.stdout
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stream.fileno())
            os.close(devnull)


def _emit_json(document: dict[str, Any]) -> None:
    import json  # only --json needs it: --help, --version and the text reports do not

    _echo(json.dumps(document, indent=2, ensure_ascii=False))


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


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
    except Exception as exc:
        if os.environ.get("BCB_DEBUG"):
            raise
        message = f"internal error: {type(exc).__name__}: {exc} (BCB_DEBUG=1 shows the traceback)"
        _fail("internal-error", message, ExitCode.INTERNAL, as_json)
    sys.exit(code)


class _Group(click.Group):
    """Click's own usage errors become one line (and an error document with --json)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.update(prog_name="bcb-scaffold", standalone_mode=False)
        as_json = "--json" in (kwargs.get("args") or (args[0] if args else None) or sys.argv)
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.Abort:
            _fail("refused", "aborted; nothing was written", ExitCode.REFUSED, as_json)
        except click.ClickException as exc:
            message = exc.format_message()
            if isinstance(exc, click.UsageError) and exc.ctx is not None:
                message += f" (see: {exc.ctx.command_path} --help)"
            _fail("usage", message, ExitCode.USAGE, as_json)
        sys.exit(code if isinstance(code, int) else 0)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EPILOG,
)
@click.version_option(__version__, "-V", "--version", prog_name="bcb-scaffold")
def cli() -> None:
    """Wire BestChatBot visitor identity (a signed HS256 JWT) into a web app.

    `inspect` reports the stack, where users sign in and where the widget loads; `apply`
    writes the signing code. Both work by static analysis and speak JSON with --json.
    `prompt` prints an AI-assistant prompt with phase 1 answered, for stacks it cannot
    rewrite; `mcp` serves inspect / plan / apply / prompt to editor agents.
    """


@cli.command(epilog=EPILOG)
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@_answer_options
def inspect(path: Path, as_json: bool, **values: Any) -> None:
    """Phase 1: report the stack, the auth library and where the widget loads, with evidence."""

    def body() -> int:
        from scaffolder import engine

        answers = _answers(values)
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

    _guarded(as_json, body)


@cli.command(epilog=EPILOG)
@click.argument("path", default=".", type=click.Path(path_type=Path))
@_answer_options
@click.option("--yes", "-y", is_flag=True, help="Write without asking.")
@click.option("--dry-run", is_flag=True, help="Show the diff; write nothing.")
@click.option(
    "--patch",
    "patch_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a `git apply`-able patch to FILE instead of changing the project.",
)
@click.option("--allow-dirty", is_flag=True, help="Edit files that have uncommitted changes.")
@click.option(
    "--install",
    is_flag=True,
    help="After writing, update the lockfiles the new dependencies make stale (lockfile only: "
    "`npm install --package-lock-only`, `uv lock`, ...) and run the printed install commands.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def apply(
    path: Path,
    yes: bool,
    dry_run: bool,
    patch_file: Path | None,
    allow_dirty: bool,
    install: bool,
    as_json: bool,
    **values: Any,
) -> None:
    """Phase 2: plan the edits, show the diff, and write them (with --yes or after asking)."""

    def body() -> int:
        from scaffolder import engine, outcome
        from scaffolder.documents import apply_document
        from scaffolder.render import colour_diff, outcome_text

        answers = _answers(values)
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
            if not click.confirm("Write these changes?", default=False):
                raise Refused("declined; nothing was written")
        done = outcome.applied(insp, plan, allow_dirty=allow_dirty)
        try:
            if install:
                done = outcome.install(done, None if as_json else _announce)
            elif not (yes or as_json):  # at the terminal that confirmed the write
                accepted = [
                    lock
                    for lock in plan.locks
                    if outcome.runnable(lock)
                    and click.confirm(f"Update {lock.path} now?", default=True)
                ]
                done = outcome.update_locks(done, accepted, _announce)
            return show(done)
        except (KeyboardInterrupt, click.exceptions.Abort):
            raise Interrupted(
                f"interrupted after writing; the changes are in place: {', '.join(done.changed)}"
            ) from None

    _guarded(as_json, body)


@cli.command("prompt", epilog=EPILOG)
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@_answer_options
def prompt_command(path: Path, as_json: bool, **values: Any) -> None:
    """Print the two-phase prompt for an AI assistant, phase 1 answered from the inspection.

    For stacks bcb-scaffold does not rewrite (Rails, Laravel, Go, Spring, ...) and cases it
    declined: hand the text to your assistant (Cursor, Claude Code, Copilot, ...).
    """

    def body() -> int:
        from scaffolder import prompt

        result = prompt.build(path, _answers(values))
        if as_json:
            _emit_json(result.to_json())
        else:
            _echo(result.text, nl=False)
            if result.supported:
                import shlex

                where = shlex.quote(str(path))
                _echo(f"\nbcb-scaffold can write this itself: bcb-scaffold apply {where}", err=True)
        return int(ExitCode.OK)

    _guarded(as_json, body)


@cli.command("check", epilog=EPILOG)
@click.argument("path", default=".", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "sarif"]),
    default=None,
    help="text (default), json (as --json) or sarif (SARIF 2.1.0, for code-scanning UIs).",
)
def check_command(path: Path, as_json: bool, output_format: str | None) -> None:
    """Audit the widget-identity integration in PATH against the token contract, statically.

    Finds the code that mints the widget token, the widget tag and the setUserToken /
    clearUserToken calls in every supported stack, whoever wrote them, and reports each
    broken rule with path:line and the fix. Exit 0 when no error is found (or no integration),
    8 when one is. Never executes the project.
    """
    as_json = as_json or output_format == "json"

    def body() -> int:
        from scaffolder import check, engine

        report = check.run(engine.open_project(path))
        if output_format == "sarif":
            _emit_json(report.sarif())
        elif as_json:
            _emit_json(report.to_json())
        else:
            _echo(report.text(), nl=False)
        return int(ExitCode.OK if report.ok else ExitCode.VIOLATIONS)

    _guarded(as_json or output_format == "sarif", body)


@cli.command("verify", epilog=EPILOG)
@click.argument("url")
@click.option(
    "--cookie",
    "cookies",
    multiple=True,
    metavar="NAME=VALUE",
    help="A cookie of a signed-in session (repeatable); sent, never printed.",
)
@click.option(
    "--header",
    "headers",
    multiple=True,
    metavar="'NAME: VALUE'",
    help="A header of a signed-in session, e.g. 'Authorization: Bearer ...' (repeatable).",
)
@click.option(
    "--endpoint",
    metavar="PATH",
    help="Check the token endpoint at PATH (e.g. /api/widget-token) instead of the page's tag.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout.")
def verify_command(
    url: str,
    cookies: tuple[str, ...],
    headers: tuple[str, ...],
    endpoint: str | None,
    as_json: bool,
) -> None:
    """Check a running app's widget token against the contract, on loopback.

    Fetches URL (or --endpoint) signed in, with the session you pass as --cookie or --header,
    and anonymously; decodes the token with BESTCHATBOT_SIGNING_KEY from the environment and
    reports each rule (HS256, exp within 24 h, lowercased email, nothing for anonymous
    visitors, Cache-Control). Prints the claims, never the key, the token or your session.
    """

    def body() -> int:
        from scaffolder import verify

        report = verify.verify(
            url,
            key=os.environ.get(verify.KEY_ENV, ""),
            cookies=cookies,
            headers=headers,
            endpoint=endpoint,
        )
        if as_json:
            _emit_json(report.to_json())
        else:
            _echo(verify.text(report))
        return int(ExitCode.OK if report.ok else ExitCode.VIOLATIONS)

    _guarded(as_json, body)


@cli.command(epilog=EPILOG)
@click.option(
    "--print-config",
    "client",
    type=click.Choice(["claude-code", "cursor", "vscode"]),
    metavar="CLIENT",
    help="Print the MCP configuration for CLIENT (claude-code, cursor, vscode); do not serve.",
)
def mcp(client: str | None) -> None:
    """Serve the MCP tools inspect / plan / apply / prompt over stdio, for editor agents."""
    from scaffolder.mcp import INSTALL_HINT

    if client:
        from scaffolder.mcp.config import CLIENTS

        config = CLIENTS[client]
        click.echo(config.text, nl=False)
        click.echo(f"{config.client}: save it as {config.file} ({config.how})", err=True)
        return
    try:
        from scaffolder.mcp.server import serve
    except ImportError:
        _fail("usage", INSTALL_HINT, ExitCode.USAGE, False)
    if sys.stdin.isatty():
        click.echo("bcb-scaffold: MCP server on stdio; stop it with Ctrl-D", err=True)
    gc.enable()  # a server runs for hours: its garbage is collected (see `main`)
    with contextlib.suppress(KeyboardInterrupt):
        serve()


def _announce(line: str) -> None:
    _echo(line, err=True)


def _prompt(answers: Answers, questions: Sequence[Question]) -> Answers:
    from scaffolder.render import question_text

    given: dict[str, str] = {}
    for q in questions:
        click.echo(question_text(q), err=True)
        choice = click.Choice(list(q.choices)) if q.choices and q.id != "layout" else None
        given[q.id] = click.prompt(f"  {q.flag}", type=choice, err=True)
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
        cli()
    finally:
        gc.freeze()


_WITHOUT_COLLECTOR = (None, "inspect", "prompt")  # None: --version, --help
