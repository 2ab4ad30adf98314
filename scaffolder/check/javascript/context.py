"""What every rule of the JavaScript checker reads: the program, the value follower, the files
bundled for the browser, the widget-token mints; and where the findings go."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from tree_sitter import Node

from scaffolder.check.javascript import mints
from scaffolder.check.javascript.mints import Mint
from scaffolder.check.javascript.program import Module, NodeKey, Program, client_modules
from scaffolder.check.javascript.values import Flow, Leaf
from scaffolder.check.rules import Found, Site, SiteKind, Violation


@dataclass
class Context:
    program: Program
    flow: Flow
    found: Found = field(default_factory=Found)
    memo: dict[str, Any] = field(default_factory=dict)
    """Indexes a rule builds once per run (route registrations, ...)."""

    @cached_property
    def client(self) -> set[str]:
        return client_modules(self.program)

    @cached_property
    def mints(self) -> list[Mint]:
        return [mint for module in self.program.modules() for mint in mints.find(self.flow, module)]

    @cached_property
    def results(self) -> set[NodeKey]:
        """Every node whose value is a freshly signed widget token."""
        return {key for mint in self.mints for key in mint.results}

    def is_token(self, leaf: Leaf) -> bool:
        return leaf.module.key(leaf.node) in self.results

    def flag(self, rule: str, module: Module, where: Node | int, message: str) -> None:
        line = where if isinstance(where, int) else module.line(where)
        self.found.violations.append(Violation(rule, module.path, line, message))

    def flag_leaf(self, rule: str, leaf: Leaf, message: str) -> None:
        module, node = leaf.where
        self.flag(rule, module, node, message)

    def site(self, kind: SiteKind, module: Module, node: Node, what: str) -> None:
        self.found.sites.append(Site(kind, module.path, module.line(node), what))
