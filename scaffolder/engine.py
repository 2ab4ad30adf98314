"""inspect -> plan -> write: the library behind every command (CLI and MCP alike)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scaffolder import answer_rules
from scaffolder.errors import BadInput, ScaffoldError, UnsupportedStack, UsageError
from scaffolder.model import Answers, Evidence, Inspection, Note, Question, StackReport
from scaffolder.project import Project
from scaffolder.registry import Detection, load, manifests, triage

if TYPE_CHECKING:  # planning's modules load with `plan()`: `inspect` never needs them
    from scaffolder.plan import Plan

# Marker files of stacks bcb-scaffold does not rewrite, for a useful "unsupported" report.
_OTHER_STACKS = (
    ("Gemfile", "ruby", "a Ruby app (Rails, Sinatra?)"),
    ("go.mod", "go", "a Go module"),
    ("pom.xml", "java", "a Maven project (Spring?)"),
    ("build.gradle", "java", "a Gradle project (Spring?)"),
    ("build.gradle.kts", "kotlin", "a Gradle project (Spring, Ktor?)"),
    ("Cargo.toml", "rust", "a Rust crate"),
    ("mix.exs", "elixir", "an Elixir project (Phoenix?)"),
    ("composer.json", "php", "a PHP project (Laravel, Symfony?)"),
    ("artisan", "php", "a Laravel app"),
    ("package.json", "javascript", "a Node.js project"),
    ("pyproject.toml", "python", "a Python project"),
    ("requirements.txt", "python", "a Python project"),
)


@dataclass
class Result:
    project: Project
    inspection: Inspection[object]
    plan: Plan


def open_project(root: Path) -> Project:
    if not root.exists():
        raise UsageError(f"{root}: no such directory")
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory")
    return Project(root)


def inspect(root: Path, answers: Answers) -> tuple[Project, Inspection[object]]:
    project = open_project(root)
    answers = answer_rules.validate(answers, project.root)
    detections = [d for s in triage(project) if (d := s.detect(project)) is not None]
    chosen = _choose(detections, answers)
    if chosen is not None:
        inspection = load(chosen.stack).inspect(project, chosen, answers)
    elif detections:
        inspection = _owner(project, detections, answers) or _ambiguous(project, detections)
    else:
        inspection = _unsupported(project)
    return project, dataclasses.replace(inspection, answers=answers).with_notes(project.notes)


def plan(root: Path, answers: Answers) -> Result:
    """Inspect and plan; the plan is empty when questions remain (see `inspection.questions`)."""
    from scaffolder import envfile, validate
    from scaffolder.plan import Plan, PlanBuilder

    project, inspection = inspect(root, answers)
    # A file that could not be read or parsed stops the run only where it may matter: when no
    # app was found or a question is left that the project's files could have settled (the
    # file may be the app, the user model or the layout), or when the plan reads or edits it.
    # Otherwise a file the tool only scanned is a note in the report.
    blocking = [n for n in inspection.notes if n.blocking]
    unsettled = [q for q in inspection.questions if q.id not in _NOT_IN_FILES]
    if blocking and (not inspection.supported or unsettled):
        raise _blocked(blocking)
    if not inspection.supported:
        raise UnsupportedStack(unsupported_message(inspection))
    if inspection.questions:
        return Result(project, inspection, Plan())

    touched: set[str] = set()
    wide: dict[str, str] = {}  # files read as UTF-16 / UTF-32: fine to read, never rewritten

    def read(path: str) -> tuple[str, bool] | None:
        touched.add(path)
        if not project.abspath(path).is_file():
            return None
        source = project.read(path)
        if source.encoding != "utf-8":
            wide[path] = source.encoding
        return source.text, source.bom

    builder = PlanBuilder(read)
    stack = load(inspection.stack.framework or "")
    try:
        stack.plan(project, inspection, builder)
        if stack.uses_env_file:
            envfile.plan_env_example(project, inspection.stack.app_root, builder)
    except ScaffoldError:
        raise
    except Exception:
        # Planning on a file the analysis could not read (a LibCST parse of a broken module):
        # name that file rather than crash.
        if blocking:
            raise _blocked(blocking) from None
        raise
    result = builder.build()
    needed = [n for n in blocking if n.file in touched]
    if needed:
        raise _blocked(needed)
    for edit in result.edits:
        if edit.path in wide:
            raise BadInput(
                f"{edit.path}: {wide[edit.path].upper()} text; bcb-scaffold edits UTF-8 files "
                "only (convert it, or make the change by hand); nothing written",
                file=edit.path,
            )
    for edit in result.edits:
        validate.check(edit)
    _self_check(project, result)
    return Result(project, inspection, result)


def _self_check(project: Project, plan: Plan) -> None:
    """`check` on the plan before anything is written: a finding the plan adds (a rule broken
    in a file it writes, more often than before) is a bug of bcb-scaffold, never written."""
    from collections import Counter

    from scaffolder import check

    if plan.empty:
        return
    written = {e.path for e in plan.edits}
    overlay = {e.path: e.after for e in plan.edits}
    before = Counter((v.rule, v.file) for v in check.run(project).violations if v.file in written)
    after = check.run(project, overlay).violations
    added = Counter((v.rule, v.file) for v in after if v.file in written) - before
    if added:
        shown = "; ".join(
            f"{v.file}:{v.line} [{v.rule}] {v.message}" for v in after if (v.rule, v.file) in added
        )
        raise ScaffoldError(  # exit 1: a bug
            f"the planned integration fails its own check ({shown}); this is a bug of "
            "bcb-scaffold: nothing was written (please report it)"
        )


# Questions no file of the project answers (the widget's public key comes from the dashboard).
_NOT_IN_FILES = frozenset({"api_key"})


def _blocked(notes: list[Note]) -> BadInput:
    first = notes[0]
    where = f"{first.file}:{first.line}" if first.line else f"{first.file}"
    more = f" (and {len(notes) - 1} more file(s))" if len(notes) > 1 else ""
    return BadInput(
        f"{where}: {first.message.removesuffix('; skipped')}{more}; "
        "fix it (or git-ignore it) and run again; nothing written",
        file=first.file,
    )


def unsupported_message(inspection: Inspection[object]) -> str:
    names = ", ".join(sorted(manifests()))
    found = inspection.stack.evidence[0].why if inspection.stack.evidence else "no web framework"
    import shlex

    return (
        f"unsupported stack: found {found}; bcb-scaffold rewrites {names} apps. For this one, "
        f"`bcb-scaffold prompt {shlex.quote(str(inspection.root))}` (MCP: the `prompt` tool) "
        "prints the assistant prompt with phase 1 already answered"
    )


def _choose(detections: list[Detection], answers: Answers) -> Detection | None:
    if answers.framework:
        for d in detections:
            if d.stack == answers.framework:
                return d
        return Detection(answers.framework, "low", ())
    if not detections:
        return None
    best = max(d.rank[0] for d in detections)
    top = [d for d in detections if d.rank[0] == best]
    return top[0] if len(top) == 1 else None


def _owner(
    project: Project, detections: list[Detection], answers: Answers
) -> Inspection[object] | None:
    """Of frameworks detected alike (a Next.js app and a small API server beside it), the one
    that serves pages and owns sign-in, when it is the only one: the widget goes there, with a
    note naming the others. None when two real candidates remain (the `framework` question)."""
    best = max(d.rank[0] for d in detections)
    inspected: list[tuple[Detection, Inspection[object] | None]] = []
    for d in (d for d in detections if d.rank[0] == best):
        try:
            inspected.append((d, load(d.stack).inspect(project, d, answers)))
        except ScaffoldError:
            inspected.append((d, None))  # an answer meant for another app: a real candidate
    owners = [(d, i) for d, i in inspected if i is None or _serves_signed_in_pages(i)]
    if len(owners) != 1:
        return None
    chosen, inspection = owners[0]
    if inspection is None:
        return None
    names = {m.id: m.name for m in manifests().values()}
    others: list[Note] = []
    for d, _ in inspected:
        if d is not chosen:
            # Where the app is built rather than the manifest declaring the package.
            markers = {marker for marker, _, _ in _OTHER_STACKS}
            built = [e for e in d.evidence if e.file.rsplit("/", 1)[-1] not in markers]
            at = next(iter(built or d.evidence), None)
            others.append(
                Note(
                    f"{names.get(d.stack, d.stack)} is used here too"
                    + (f" ({at.location()})" if at else "")
                    + f", with no pages or no sign-in of its own: the widget goes to the "
                    f"{names.get(chosen.stack, chosen.stack)} app (pass --framework {d.stack} "
                    "to integrate that one instead)",
                    at.file if at else None,
                    at.line if at else None,
                )
            )
    return inspection.with_notes(others)


def _serves_signed_in_pages(inspection: Inspection[object]) -> bool:
    return (
        inspection.supported
        and inspection.stack.rendering in ("server-rendered", "spa")
        and inspection.auth.library is not None
    )


def _ambiguous(project: Project, detections: list[Detection]) -> Inspection[object]:
    best = max(d.rank[0] for d in detections)
    top = sorted(d.stack for d in detections if d.rank[0] == best)
    return Inspection(
        root=project.root,
        stack=StackReport(
            confidence="low", evidence=tuple(e for d in detections for e in d.evidence)
        ),
        questions=(
            Question(
                "framework",
                f"Several frameworks are used here ({', '.join(top)}): which app gets the widget?",
                tuple(top),
            ),
        ),
    )


def _unsupported(project: Project) -> Inspection[object]:
    evidence = tuple(
        Evidence(path, 1, why)
        for marker, _lang, why in _OTHER_STACKS
        for path in project.named(marker)[:1]
    )
    language = next((lang for marker, lang, _ in _OTHER_STACKS if project.named(marker)), None)
    return Inspection(
        root=project.root,
        stack=StackReport(language=language, confidence="low", evidence=evidence[:3]),
        supported=False,
    )
