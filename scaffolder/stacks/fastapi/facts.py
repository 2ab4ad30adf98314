"""What inspection hands to planning (the `Inspection.facts` of a FastAPI app)."""

from __future__ import annotations

from dataclasses import dataclass, field

from scaffolder.markup import Layout, Tag, Template
from scaffolder.model import Evidence
from scaffolder.python.models import UserFields
from scaffolder.stacks.fastapi.auth import UserDep
from scaffolder.stacks.fastapi.detect import AppInfo, Mount, Structure
from scaffolder.stacks.fastapi.frontend import Frontend, TokenStorage


@dataclass
class Target:
    """Where `bestchatbot_router` is included: a router mounted at the API prefix, or the app
    (then with `prefix=`)."""

    owner: str
    path: str
    var: str
    function: str | None  # the app factory, when the app is built in one
    prefix_src: str | None  # `prefix=` source for an app-level include
    line: int
    module: str


@dataclass
class FastAPIFacts:
    app: AppInfo
    struct: Structure
    mounts: list[Mount]
    api_prefix: str = "/api"
    api_prefix_evidence: Evidence | None = None
    api_prefix_why: str = ""
    target: Target | None = None
    dep: UserDep | None = None
    fields: UserFields = field(default_factory=lambda: UserFields(None, None, None, "low"))
    templates: dict[str, Template] = field(default_factory=dict)
    layouts: list[Layout] = field(default_factory=list)
    widget: tuple[str, Tag] | None = None
    frontend: Frontend | None = None
    token: TokenStorage | None = None
    bearer_expr: str | None = None  # JS expression reading the SPA's bearer token
    quote: str = '"'
    package_dir: str = "."
    package: str = ""

    @property
    def endpoint_url(self) -> str:
        return self.api_prefix.rstrip("/") + "/widget-token"
