"""inspect -> plan -> write: the library behind every command (CLI and MCP alike)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scaffolder import envfile, validate
from scaffolder.errors import BadInput, UnsupportedStack, UsageError
from scaffolder.model import DELIVERIES, Answers, Evidence, Inspection, Question, StackReport
from scaffolder.plan import Plan, PlanBuilder
from scaffolder.project import Project
from scaffolder.registry import Detection, stacks

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
    inspection: Inspection
    plan: Plan


def check_answers(answers: Answers) -> None:
    if answers.delivery is not None and answers.delivery not in DELIVERIES:
        raise UsageError(f"--delivery must be one of: {', '.join(DELIVERIES)}")
    registry = stacks()
    if answers.framework is not None and answers.framework not in registry:
        raise UsageError(f"--framework must be one of: {', '.join(sorted(registry))}")


def open_project(root: Path) -> Project:
    if not root.exists():
        raise UsageError(f"{root}: no such directory")
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory")
    return Project(root)


def inspect(root: Path, answers: Answers) -> tuple[Project, Inspection]:
    check_answers(answers)
    project = open_project(root)
    registry = stacks()
    detections = [d for s in registry.values() if (d := s.detect(project)) is not None]
    chosen = _choose(detections, answers)
    if chosen is None:
        inspection = _ambiguous(project, detections) if detections else _unsupported(project)
    else:
        inspection = registry[chosen.stack].inspect(project, chosen, answers)
    inspection.answers = answers
    seen = {(n.file, n.message) for n in inspection.notes}
    inspection.notes.extend(n for n in project.notes if (n.file, n.message) not in seen)
    return project, inspection


def plan(root: Path, answers: Answers) -> Result:
    """Inspect and plan; the plan is empty when questions remain (see `inspection.questions`)."""
    project, inspection = inspect(root, answers)
    blocking = [n for n in inspection.notes if n.blocking]
    if blocking:
        first = blocking[0]
        where = f"{first.file}:{first.line}" if first.line else f"{first.file}"
        more = f" (and {len(blocking) - 1} more file(s))" if len(blocking) > 1 else ""
        raise BadInput(
            f"{where}: {first.message.removesuffix('; skipped')}{more}; "
            "fix it (or git-ignore it) and run again; nothing written",
            file=first.file,
        )
    if not inspection.supported:
        raise UnsupportedStack(unsupported_message(inspection))
    if inspection.questions:
        return Result(project, inspection, Plan())

    def read(path: str) -> tuple[str, bool] | None:
        if not project.abspath(path).is_file():
            return None
        source = project.read(path)
        return source.text, source.bom

    builder = PlanBuilder(read)
    stack = stacks()[inspection.stack.framework or ""]
    stack.plan(project, inspection, builder)
    if stack.uses_env_file:
        envfile.plan_env_example(project, inspection.stack.app_root, builder)
    result = builder.build()
    for edit in result.edits:
        validate.check(edit)
    return Result(project, inspection, result)


def unsupported_message(inspection: Inspection) -> str:
    names = ", ".join(sorted(stacks()))
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


def _ambiguous(project: Project, detections: list[Detection]) -> Inspection:
    best = max(d.rank[0] for d in detections)
    top = sorted(d.stack for d in detections if d.rank[0] == best)
    return Inspection(
        root=project.root,
        stack=StackReport(
            confidence="low", evidence=tuple(e for d in detections for e in d.evidence)
        ),
        questions=[
            Question(
                "framework",
                f"Several frameworks are used here ({', '.join(top)}): which app gets the widget?",
                tuple(top),
            )
        ],
    )


def _unsupported(project: Project) -> Inspection:
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
