"""Human-readable output: the phase-1 report and the apply summary (colour only on a terminal;
the CLI strips the styling otherwise: `scaffolder.ansi`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scaffolder.ansi import style
from scaffolder.model import Evidence, Finding, Inspection, Question, UserExpr

if TYPE_CHECKING:  # `inspect` renders no outcome: apply's modules stay unimported
    from scaffolder.outcome import Outcome

_RENDERING = {
    "server-rendered": "server-rendered pages",
    "spa": "single-page app over a JSON API",
    "api": "JSON API (no pages in this project)",
}
_DELIVERY = {
    "script-attribute": "data-user-token on the widget <script> tag, rendered per request",
    "token-endpoint": "a token endpoint, plus setUserToken / clearUserToken in the browser",
}


def _evidence(lines: list[str], evidence: tuple[Evidence, ...], indent: str = "     ") -> None:
    for e in evidence:
        lines.append(f"{indent}{style(e.location(), fg='cyan')}  {e.why}")


def _expr(label: str, value: UserExpr | None) -> str:
    if value is None:
        return f"     {label:<8} {style('not found', fg='yellow')}"
    where = f"  {style(f'{value.file}:{value.line}', fg='cyan')}" if value.file else ""
    return f"     {label:<8} {value.expr}{where}"


def inspection_text(insp: Inspection[object]) -> str:
    lines = [style(f"bcb-scaffold inspect: {insp.root}", bold=True), ""]
    s = insp.stack
    lines.append(style("1. Stack", bold=True))
    if not insp.supported:
        lines.append(f"   {s.language or 'unknown language'}: no supported web framework found")
    else:
        parts = [p for p in (s.language, s.framework) if p]
        desc = " / ".join(parts) or "undetermined"
        if s.rendering:
            desc += f", {_RENDERING[s.rendering]}"
        if s.app_root not in (".", ""):
            desc += f" (in {s.app_root}/)"
        lines.append(f"   {desc}")
    _evidence(lines, s.evidence)
    if insp.supported and s.framework:
        a = insp.auth
        lines += ["", style("2. Authentication", bold=True)]
        lines.append(f"   {a.library or style('not determined', fg='yellow')}")
        lines += [_expr("email", a.email), _expr("name", a.name), _expr("user id", a.user_id)]
        _evidence(lines, a.evidence)
        w = insp.widget
        evidence = w.evidence
        lines += ["", style("3. Widget", bold=True)]
        if w.present:
            token = "with" if w.has_user_token else "without"
            lines.append(f"   loads at {w.file}:{w.line} ({token} data-user-token)")
        elif w.file:
            lines.append(f"   not present; it belongs {_placement(insp, f'{w.file}:{w.line}')}")
            if _inside(insp):  # not where it would go without the app's rule
                evidence = tuple(e for e in w.evidence if (e.file, e.line) != (w.file, w.line))
        elif any(q.id == "layout" for q in insp.questions):
            lines.append("   not present; which template should carry it is a question below")
        else:
            lines.append("   not present, and no page of this project should carry it")
        _evidence(lines, evidence)
        if insp.delivery:
            lines += ["", f"Delivery: {insp.delivery} ({_DELIVERY[insp.delivery]})"]
    if insp.questions:
        lines += ["", style("Questions", bold=True, fg="yellow")]
        lines += [question_text(q) for q in insp.questions]
    if insp.notes:
        lines += ["", style("Notes", bold=True)]
        for n in insp.notes:
            where = f"{n.file}:{n.line}: " if n.file and n.line else f"{n.file}: " if n.file else ""
            lines.append(f"   {where}{n.message}")
    return "\n".join(lines) + "\n"


def _placement(insp: Inspection[object], target: str) -> str:
    """Where the missing tag goes: `target`, unless the app's own page rule moves it inside
    its guard, or puts a copy of the rule around it there (issue 15, `scaffolder.exclusions`)."""
    found = _widget_placement(insp)
    if found is None:
        return f"in {target}"
    where = found.evidence[0]
    if found.value == "inside":
        return f"{where.why}: at {style(where.location(), fg='cyan')}"
    return f"in {target}, {where.why}"


def _widget_placement(insp: Inspection[object]) -> Finding | None:
    return next((f for f in insp.findings if f.kind == "widget-placement"), None)


def _inside(insp: Inspection[object]) -> bool:
    found = _widget_placement(insp)
    return found is not None and found.value == "inside"


def question_text(q: Question) -> str:
    choices = f" [{', '.join(q.choices)}]" if q.choices else ""
    return f"   ? {q.text}{choices}\n     answer with {style(q.flag, bold=True)}"


def colour_diff(diff: str) -> str:
    out = []
    for line in diff.splitlines(keepends=True):
        if line.startswith(("+++", "---", "diff --git", "new file")):
            out.append(style(line, bold=True))
        elif line.startswith("+"):
            out.append(style(line, fg="green"))
        elif line.startswith("-"):
            out.append(style(line, fg="red"))
        elif line.startswith("@@"):
            out.append(style(line, fg="cyan"))
        else:
            out.append(line)
    return "".join(out)


def outcome_text(outcome: Outcome) -> str:
    """What `apply` prints on stdout once it is done (the diff comes before, when there is one)."""
    if outcome.status == "questions":
        return inspection_text(outcome.inspection)
    if outcome.status == "nothing-to-do":
        return "Nothing to do: BestChatBot visitor identity is already wired in.\n"
    if outcome.patch_file is not None:
        where = outcome.patch_file
        return f"Patch written to {where} (apply it with: git apply {where})\n" + plan_summary(
            outcome
        )
    return plan_summary(outcome)


def plan_summary(outcome: Outcome) -> str:
    plan = outcome.plan
    lines = []
    verb = "Changed" if outcome.written else "Would change"
    lines.append(style(f"{verb} {len(plan.edits)} file(s):", bold=True))
    for e in plan.edits:
        lines.append(f"   {e.action:<7} {e.path}  ({e.reason})")
    if outcome.locks:
        lines.append(style("Lockfiles, part of the change:", bold=True))
        for state in outcome.locks:
            if state.status == "updated":
                lines.append(f"   {state.message}")
            else:
                lines.append(style(f"   ! {state.message}", fg="yellow"))
    if plan.skipped:
        lines.append("Already in place:")
        lines += [f"   {s.path}: {s.why}" for s in plan.skipped]
    if outcome.warnings:
        lines.append(style("Warnings:", fg="yellow", bold=True))
        lines += [f"   ! {w}" for w in outcome.warnings]
    if outcome.next_steps:
        lines.append(style("Next steps:", bold=True))
        lines += [f"   - {s}" for s in outcome.next_steps]
    if outcome.reminder:
        lines.append(style(outcome.reminder, fg="magenta", bold=True))
    return "\n".join(lines) + "\n"
