"""The app's own page exclusions (issue 15) for Express: the guard a view puts around its chat or
analytics script, which the widget tag (and the identity script after it) goes under, and the
report's pages (`exclusion_views`, `exclusion_pages`)."""

from __future__ import annotations

from scaffolder.exclusions import Pages
from scaffolder.js.syntax import Source
from scaffolder.markup import Layout
from scaffolder.stacks.express import exclusion_pages as report
from scaffolder.stacks.express import exclusion_views as rule
from scaffolder.stacks.express import inline
from scaffolder.stacks.express.detect import ExpressFacts


def guard(facts: ExpressFacts, path: str, text: str) -> rule.ViewGuard | None:
    """The rule of the view at `path` (its `text` as planned so far), as the widget follows it."""
    if facts.views.engine is None:
        return None
    views = {lay.template.path: lay.template.text for lay in _views(facts)}
    views[path] = text
    names = report.path_locals(_modules(facts, "locals"))
    found = rule.guard_in(facts.engine, path, text, views, facts.views.dirs, names)
    return found or rule.guard_beside(facts.engine, path, views, names)


def pages(facts: ExpressFacts, layouts: list[Layout]) -> Pages:
    """The guard the widget follows in the views that get the tag, and the pages listed."""
    engine = facts.views.engine
    if engine is None:
        return Pages()
    found = None
    for lay in layouts:
        found = guard(facts, lay.template.path, lay.template.text)
        if found is not None:
            break
    targets = [lay.template.path for lay in layouts]
    return report.report(engine, _views(facts), targets, _modules(facts, None), found)


def _views(facts: ExpressFacts) -> list[Layout]:
    """The views of the engine (not the pages built in code)."""
    return [lay for lay in facts.all_views if lay.mode != inline.MODE]


def _modules(facts: ExpressFacts, containing: str | None) -> list[Source]:
    return [mod.source for mod in facts.index.modules(containing)]
