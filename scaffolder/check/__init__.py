"""`bcb-scaffold check`: audit an existing widget-identity integration, whoever wrote it, against
the token contract, statically.

The runner lists the project's files (git-ignored ones left out, as every command does), hands
them to each language's checker (`python`, `javascript`, `php`: imported only when the project
has files of theirs), and reports the integration's sites and the violations of `rules.RULES`
as text, JSON (`bcb-scaffold/check@1`) or SARIF 2.1.0. Reading a project never executes it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaffolder.check.rules import RULES, Found, Site, Sources, Violation
from scaffolder.documents import CHECK_SCHEMA
from scaffolder.markup import WIDGET_SRC
from scaffolder.project import Project

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# language -> (checker module, the suffixes it reads)
CHECKERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "python": ("scaffolder.check.python", (".py",)),
    "javascript": (
        "scaffolder.check.javascript",
        (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"),
    ),
    "php": ("scaffolder.check.php", (".php",)),
}


@dataclass(frozen=True)
class Report:
    root: Path
    sites: tuple[Site, ...]
    violations: tuple[Violation, ...]

    @property
    def ok(self) -> bool:
        return not any(v.severity == "error" for v in self.violations)

    @property
    def found(self) -> bool:
        return bool(self.sites)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": CHECK_SCHEMA,
            "ok": self.ok,
            "integration": [
                {"kind": s.kind, "file": s.file, "line": s.line, "what": s.what} for s in self.sites
            ],
            "findings": [
                {
                    "rule": v.rule,
                    "severity": v.severity,
                    "file": v.file,
                    "line": v.line,
                    "message": v.message,
                    "fix": RULES[v.rule].fix,
                }
                for v in self.violations
            ],
            "notes": [] if self.found else [NO_INTEGRATION],
        }

    def sarif(self) -> dict[str, Any]:
        from scaffolder import __version__

        used = sorted({v.rule for v in self.violations})
        index = {rule: i for i, rule in enumerate(used)}
        return {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "bcb-scaffold",
                            "version": __version__,
                            "informationUri": "https://widget.bestchatbot.io/",
                            "rules": [
                                {
                                    "id": rule,
                                    "shortDescription": {"text": RULES[rule].title},
                                    "help": {"text": RULES[rule].fix},
                                    "defaultConfiguration": {"level": RULES[rule].severity},
                                }
                                for rule in used
                            ],
                        }
                    },
                    "results": [
                        {
                            "ruleId": v.rule,
                            "ruleIndex": index[v.rule],
                            "level": v.severity,
                            "message": {"text": v.message},
                            "locations": [
                                {
                                    "physicalLocation": {
                                        "artifactLocation": {"uri": v.file},
                                        "region": {"startLine": max(v.line, 1)},
                                    }
                                }
                            ],
                        }
                        for v in self.violations
                    ],
                }
            ],
        }

    def text(self) -> str:
        if not self.found:
            return f"check {self.root}: {NO_INTEGRATION}\n"
        lines = [f"check {self.root}: {len(self.sites)} integration site(s)"]
        lines += [f"  {s.file}:{s.line}: {s.kind}: {s.what}" for s in self.sites]
        for v in self.violations:
            lines.append(f"{v.file}:{v.line}: {v.severity} [{v.rule}] {v.message}")
            lines.append(f"    fix: {RULES[v.rule].fix}")
        errors = sum(v.severity == "error" for v in self.violations)
        warnings = len(self.violations) - errors
        lines.append(
            "ok: the integration meets the contract"
            + (f" ({warnings} warning(s))" if warnings else "")
            if self.ok
            else f"{errors} error(s), {warnings} warning(s)"
        )
        return "\n".join(lines) + "\n"


NO_INTEGRATION = (
    "no widget-identity integration found (no code mints a widget token, no widget tag): "
    "nothing to check; `bcb-scaffold apply` writes one"
)


# Templates the widget tag may sit in (the code checkers read their own languages' files).
TEMPLATES: tuple[str, ...] = (".html", ".htm", ".jinja", ".jinja2", ".j2", ".ejs", ".hbs")
TEMPLATES += (".handlebars", ".njk", ".pug", ".twig", ".liquid", ".erb", ".mustache")


def sources(project: Project, overlay: Mapping[str, str] | None = None) -> Sources:
    suffixes = tuple(s for _, found in CHECKERS.values() for s in found) + TEMPLATES
    paths = tuple(p for p in project.files if p.endswith(suffixes))
    return Sources(paths, project.text, dict(overlay or {}))


def widget_tags(given: Sources) -> list[Site]:
    """The widget tag in templates, with or without an inline token (the code checkers report
    the tags in their own languages: JSX, PHP)."""
    found = []
    for path in given.with_suffix(*TEMPLATES):
        text = given.text(path) or ""
        at = text.find(WIDGET_SRC)
        if at < 0:
            continue
        line = text.count("\n", 0, at) + 1
        inline = "data-user-token" in text[at : at + 2000]
        what = "the widget tag" + (" with an inline data-user-token" if inline else "")
        found.append(Site("widget-tag", path, line, what))
    return found


def run(project: Project, overlay: Mapping[str, str] | None = None) -> Report:
    """Check the project (with `overlay` texts over its files: a plan about to be written)."""
    given = sources(project, overlay)
    found = Found(sites=widget_tags(given))
    for module, suffixes in CHECKERS.values():
        if not any(True for _ in given.with_suffix(*suffixes)):
            continue
        checker = importlib.import_module(module).check
        found.extend(checker(given))
    sites = sorted(set(found.sites), key=lambda s: (s.file, s.line, s.kind))
    violations = sorted(set(found.violations), key=lambda v: (v.file, v.line, v.rule))
    return Report(project.root, tuple(sites), tuple(violations))
