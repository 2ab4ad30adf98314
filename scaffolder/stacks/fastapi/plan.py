"""FastAPI plan: the token module, where it is wired in (router include, or page dependency and
template context processor), the widget tag, the browser script for an SPA, the JWT library."""

from __future__ import annotations

import posixpath
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from scaffolder.cors import Permissive, reaching, warn
from scaffolder.cors.python import bearer_only
from scaffolder.escape import py_doc
from scaffolder.exclusions import templates as exclusions
from scaffolder.markup import (
    Template,
    add_attribute,
    append_lines,
    insert_before_body_close,
    newline_of,
    widget_tags,
)
from scaffolder.model import Inspection
from scaffolder.plan import PlanBuilder
from scaffolder.project import Project
from scaffolder.python import cst
from scaffolder.python.deps import plan_requirement
from scaffolder.python.jwtlib import signer
from scaffolder.python.manifests import manifest_root
from scaffolder.python.source import PythonIndex, module_name
from scaffolder.python.style import requote
from scaffolder.python.versions import installed, python_version, unsupported_python
from scaffolder.stacks.fastapi import SPA_TOKEN, renewal, spa, transforms
from scaffolder.stacks.fastapi.codegen import (
    Imports,
    Style,
    import_from_module,
    injected_param,
    optional,
    optional_dependency,
)
from scaffolder.stacks.fastapi.detect import TemplatesInfo
from scaffolder.stacks.fastapi.facts import Chosen, FastAPIFacts, Target, Wiring, wiring
from scaffolder.stacks.fastapi.middleware import CacheOverride
from scaffolder.steps import (
    Step,
    StepResult,
    applied,
    conflict,
    manual,
    skipped,
    widget_tag,
)
from scaffolder.templating import render

MODULE = "bestchatbot.py"
ROUTER = "bestchatbot_router"
PAGE_DEPENDENCY = "remember_widget_token"
CONTEXT_PROCESSOR = "bestchatbot_context"
TOKEN_VAR = "bestchatbot_token"
GUARD = "WidgetTokenNoStore"
PRIVATE = "WidgetTokenPrivate"
USER = "user"


def steps(
    project: Project, insp: Inspection[object], facts: FastAPIFacts, choices: Chosen
) -> list[Step]:
    """The token module, then either its router's include and the SPA's browser script, or
    the middleware that makes token-carrying pages private, the template context processors,
    the page routers' dependency, the layout's tag, and the endpoint with the script that
    renews the page's token while it stays open; the JWT library."""
    endpoint = choices.delivery == "token-endpoint"
    index = PythonIndex.of(project)
    api_key = insp.answers.api_key or ""
    w = wiring(project, facts, choices, SPA_TOKEN.of(insp.answers))
    out: list[Step] = [partial(_token_module, project, index, facts, choices, w)]
    guards = [
        partial(_no_store_guard, project, index, facts, choices, o) for o in facts.cache_overrides
    ]
    if endpoint:
        out.append(partial(_register, index, facts, choices, w))
        out += guards
        out += spa.steps(choices, w, api_key)
    else:
        # first: the app's module is as inspected, so the lines found there still hold
        out.append(partial(_private_pages, project, index, facts, choices))
        out += guards
        out += [
            partial(_context_processor, project, index, facts, t) for t in facts.struct.templates
        ]
        owners = dict.fromkeys(r.owner for r in facts.struct.page_routes)
        out += [partial(_page_dependency, project, index, facts, owner) for owner in owners]
        out.append(partial(_register, index, facts, choices, w))
        out.append(partial(_layout_tag, facts.templates, choices, w, api_key))
        out.append(partial(renewal.script, facts, choices, w, module_path(facts)))
    out.append(partial(_requirement, project, insp.stack.app_root))
    out.append(partial(_cors, index, facts, choices, w))
    return out


def covering(index: PythonIndex, facts: FastAPIFacts, choices: Chosen) -> list[Permissive]:
    """The CORSMiddleware configurations answering any origin with credentials that cover the
    endpoint, unless the app signs requests in only by a header the page attaches (no cookie
    of the visitor's then unlocks the endpoint for another site)."""
    found = reaching(facts.cors, choices.endpoint_url)
    return found if found and not bearer_only(index.modules()) else []


def _cors(
    index: PythonIndex, facts: FastAPIFacts, choices: Chosen, w: Wiring, builder: PlanBuilder
) -> None:
    """A warning for each CORSMiddleware covering the endpoint, where the plan serves it (the
    token module, or the app's own module it is appended to)."""
    endpoint = choices.delivery == "token-endpoint"
    if not endpoint and not _serves_endpoint(builder, facts):
        return
    path = module_path(facts)
    if endpoint and w.target is not None and builder.current(path) is None:
        path = w.target.path
    warn(covering(index, facts, choices), choices.endpoint_url, path, builder)


def _requirement(project: Project, app_root: str, builder: PlanBuilder) -> None:
    library = signer(project, builder, app_root).requirement
    plan_requirement(project, builder, app_root, library, "fastapi")


def module_path(facts: FastAPIFacts) -> str:
    directory = facts.package_dir
    return MODULE if directory in ("", ".") else f"{directory}/{MODULE}"


def module_dotted(facts: FastAPIFacts) -> str:
    return f"{facts.package}.bestchatbot" if facts.package else "bestchatbot"


# -- the token module -------------------------------------------------------------------------


@dataclass
class Generated:
    code: str  # the module's code after its imports
    imports: Imports
    sources: set[str]  # the project modules it imports


def _token_module(
    project: Project,
    index: PythonIndex,
    facts: FastAPIFacts,
    choices: Chosen,
    w: Wiring,
    builder: PlanBuilder,
) -> StepResult:
    """The token module beside the app; for a single-module app's endpoint, appended to the
    app's module instead (a separate module would import it back)."""
    endpoint = choices.delivery == "token-endpoint"
    target = w.target if endpoint else None
    if target is not None and _inline_present(builder, target.path):
        return skipped("token-module", target.path, "widget token endpoint already present")
    path = module_path(facts)
    unsupported = unsupported_python(project, manifest_root(project, facts.app.path))
    if unsupported is not None:
        return conflict("token-module", path, unsupported)
    existing = builder.current(path)
    if existing is not None:
        return _existing_module(path, existing, choices)
    generated = _generate(project, index, facts, choices, builder)
    importers = [target.path] if target else []
    if not endpoint:
        templates = [t.path for t in facts.struct.templates]
        importers = [*templates, *_page_modules(facts), w.target.path]
    circular = [i for i in importers if _imports_back(index, generated.sources, i)]
    if target is not None and circular:
        return _inline(facts, choices, target, generated, builder)
    text = _module_text(facts, choices, generated, builder)
    if circular:
        return manual(
            "token-module",
            circular[0],
            f"the token module needs code that {circular[0]} itself defines or imports, so "
            "importing it there would be circular; move the app's current-user dependency into "
            "a module of its own (e.g. deps.py) and run again",
            text,
        )
    what = (
        f"serves GET {choices.endpoint_url}"
        if endpoint
        else f"renders it into pages, GET {choices.endpoint_url} renews it"
    )
    reason = f"new: mints the widget token for the signed-in user, {what}"
    builder.write(path, text, reason, "python")
    return applied("token-module", path, reason)


_PAGE_PARTS = (f"def {PAGE_DEPENDENCY}(", f"def {CONTEXT_PROCESSOR}(")
_ENDPOINT_PARTS = (ROUTER, renewal.ENDPOINT_FUNCTION)


def _existing_module(path: str, existing: str, choices: Chosen) -> StepResult:
    """A token module already there: ours (skipped), ours from before pages renewed their
    token (kept: skipped, and so is the renewal), or someone else's (a conflict)."""
    endpoint = choices.delivery == "token-endpoint"
    needed = _ENDPOINT_PARTS if endpoint else _PAGE_PARTS + _ENDPOINT_PARTS
    if all(n in existing for n in needed):
        return skipped("token-module", path, "token module already present")
    if not endpoint and all(n in existing for n in _PAGE_PARTS):
        return skipped(
            "token-module",
            path,
            f"token module already present, without GET {choices.endpoint_url}: pages keep "
            f"their token for an hour; to renew it while they stay open, move {path} aside and "
            "run apply again",
        )
    return conflict(
        "token-module",
        path,
        f"{path} already exists and is not bcb-scaffold's token module (or was made for the "
        "other delivery); move it aside and run apply again",
    )


def _serves_endpoint(builder: PlanBuilder, facts: FastAPIFacts) -> bool:
    return renewal.serves_endpoint(builder, module_path(facts))


def _inline_present(builder: PlanBuilder, path: str) -> bool:
    code = builder.current(path) or ""
    return "def read_widget_token(" in code and cst.has_call(code, "include_router", ROUTER)


def _generate(
    project: Project,
    index: PythonIndex,
    facts: FastAPIFacts,
    choices: Chosen,
    builder: PlanBuilder,
) -> Generated:
    dep, email = choices.auth, choices.email
    endpoint = choices.delivery == "token-endpoint"
    first_party = _first_party(project, index)
    imports = Imports(first_party)
    imports.add_module("functools")
    imports.add_module("logging")
    imports.add_module("os")
    imports.add("datetime", "datetime")
    imports.add("datetime", "timedelta")
    imports.add("datetime", "timezone")
    app_root = manifest_root(project, facts.app.path)
    sign = signer(project, builder, app_root)
    for module, name in sign.imports:
        if name:
            imports.add(module, name)
        else:
            imports.add_module(module)
    for name in ("APIRouter", "Response", "status"):
        imports.add("fastapi", name)
    refuse = bool(covering(index, facts, choices))
    if not endpoint or refuse:
        imports.add("fastapi", "Request")
    python = python_version(project, app_root)
    # An app that writes `X | None` runs on 3.10+ (FastAPI evaluates annotations at import),
    # whatever the oldest Python its pins would allow.
    pep604 = _pep604(index)
    generics = pep604 or python is None or python >= (3, 9)
    style = Style(pep604, facts.quote, _supports_annotated(project, facts), generics)
    dict_type = style.dict(imports)
    if dep.mapping:
        imports.add("typing", "Any")
        user_type = f"{dict_type}[str, Any]"
    elif dep.model is not None:
        import_from_module(imports, dep.model.module, dep.model.name)
        user_type = dep.model.name
    else:
        imports.add("typing", "Any")
        user_type = "Any"
    optional_dep = optional_dependency(index, dep, imports, style, user_type)
    guard = bool(facts.cache_overrides)
    if guard or not endpoint:
        imports.add("starlette.datastructures", "MutableHeaders")
        for name in ("ASGIApp", "Message", "Receive", "Scope", "Send"):
            imports.add("starlette.types", name)
    optional_user = optional(style, imports, user_type)
    user_param = injected_param(
        style, imports, USER, optional_user, optional_dep.name, default=False
    )
    if not style.pep604:
        imports.add("typing", "Optional")
    code = render(
        "python/fastapi/bestchatbot.py.j2",
        declarations=optional_dep.declarations,
        wrapper=optional_dep.wrapper,
        endpoint=choices.endpoint_url,
        pages=not endpoint,
        user=USER,
        user_type=user_type,
        user_param=user_param,
        optional_str="str | None" if style.pep604 else "Optional[str]",
        optional_claims=optional(style, imports, f"{dict_type}[str, object]"),
        dict=dict_type,
        sign=sign.sign,
        is_async=dep.is_async,
        guard=GUARD if guard else None,
        private=PRIVATE,
        guard_doc=_guard_doc(facts),
        email=email.expr,
        name=choices.name.expr if choices.name else None,
        user_id=choices.user_id.expr if choices.user_id else None,
        refuse_cross_site=refuse,
    )
    sources = {m for m in imports.froms if m.split(".")[0] in first_party}
    return Generated(code, imports, sources)


def _first_party(project: Project, index: PythonIndex) -> frozenset[str]:
    """The project's top-level import names: its packages, and the folders at the root that
    it imports from as namespace packages (`core/` without `__init__.py`: `core.setup`)."""
    names = {module_name(project, p)[0].split(".")[0] for p in index.paths}
    return frozenset(names | {p.split("/")[0] for p in index.paths if "/" in p})


def _guard_doc(facts: FastAPIFacts) -> str:
    """Why the no-store guard is there, wrapped for its docstring."""
    names = " and ".join(
        dict.fromkeys(f"{o.name} ({o.evidence.file})" for o in facts.cache_overrides)
    )
    text = (
        f"The app's {names} sets Cache-Control on every response once the endpoint has "
        "answered; added after it, this middleware runs outside it and has the last word."
    )
    return textwrap.fill(py_doc(text), 88, initial_indent="    ", subsequent_indent="    ")


def _styled(facts: FastAPIFacts, builder: PlanBuilder, text: str) -> str:
    text = requote(text, facts.quote)
    anchor = builder.current(facts.app.path) or ""
    return text.replace("\n", newline_of(anchor)) if newline_of(anchor) != "\n" else text


def _module_text(
    facts: FastAPIFacts, choices: Chosen, generated: Generated, builder: PlanBuilder
) -> str:
    url = py_doc(choices.endpoint_url)
    about = (
        f"GET {url} serves it to the browser script."
        if choices.delivery == "token-endpoint"
        else (
            "Pages get it as `bestchatbot_token`, the data-user-token of the layout's widget tag;\n"
            f"GET {url} renews it while a page stays open."
        )
    )
    text = render(
        "python/fastapi/module.py.j2",
        about=about,
        imports=generated.imports.render(),
        code=generated.code,
    )
    return _styled(facts, builder, text)


def _inline(
    facts: FastAPIFacts, choices: Chosen, target: Target, generated: Generated, builder: PlanBuilder
) -> StepResult:
    """The endpoint appended to the module that defines both the app and its dependency."""
    mount = next(
        (m for m in facts.struct.statics if m.path == target.path and m.url.rstrip("/") == ""),
        None,
    )
    if mount is not None:
        return manual(
            "token-module",
            target.path,
            f"line {mount.line}: the catch-all mount would hide a route added at the end of the "
            "module; move the app's current-user dependency into a module of its own (e.g. "
            "deps.py) and run again",
            generated.code,
        )
    code = builder.current(target.path)
    assert code is not None
    for module in sorted(generated.imports.plain):
        code = transforms.import_module(code, module, generated.imports.first_party)
    for module, names in sorted(generated.imports.froms.items()):
        if module == target.module:
            continue
        for name in sorted(names):
            code = transforms.import_name(code, module, name)
    prefix = requote(target.prefix_src, facts.quote) if target.prefix_src else None
    args = ROUTER if prefix is None else f"{ROUTER}, prefix={prefix}"
    registrations = f"\n\n{target.var}.include_router({args})\n"
    for override in facts.cache_overrides:
        if override.path == target.path and override.function is None:
            registrations += f"{override.variable}.add_middleware({GUARD})\n"
    header = (
        f"# BestChatBot visitor identity: GET {py_doc(choices.endpoint_url)} mints a widget token "
        "for the\n"
        "# signed-in user (a fresh HS256 JWT signed with BESTCHATBOT_SIGNING_KEY).\n"
    )
    added = header + generated.code + registrations
    code = code.rstrip("\r\n") + "\n\n\n" + _styled(facts, builder, added)
    reason = f"GET {choices.endpoint_url}: mints the widget token for the signed-in user"
    builder.write(target.path, code, reason, "python")
    return applied("token-module", target.path, reason)


def _page_modules(facts: FastAPIFacts) -> list[str]:
    paths = []
    for route in facts.struct.page_routes:
        router = facts.struct.routers.get(route.owner)
        paths.append(router.path if router else facts.app.path)
    return list(dict.fromkeys(paths))


def _imports_back(index: PythonIndex, sources: set[str], importer: str) -> bool:
    """Whether the token module, through what it imports from the app, would import
    `importer`: importing the token module there would then be circular."""
    target = index.module(importer)
    if target is None or not sources:
        return False
    seen: set[str] = set()
    queue = list(sources)
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        mod = index.by_name(name)
        if mod is None:
            if "." in name:
                queue.append(name.rpartition(".")[0])
            continue
        if mod.path == target.path:
            return True
        parts = name.split(".")
        queue += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages run too
        queue += list(mod.imports.values())
    return False


def _supports_annotated(project: Project, facts: FastAPIFacts) -> bool:
    """`Annotated[T, Depends(f)]` parameters need FastAPI 0.95
    (https://fastapi.tiangolo.com/release-notes/#0950); older apps get `x: T = Depends(f)`."""
    version = installed(project, manifest_root(project, facts.app.path), "fastapi")
    return version is None or version >= (0, 95)


def _pep604(index: PythonIndex) -> bool:
    """Whether the project writes `X | None` (Python 3.10+) in its own code."""
    return any("| None" in mod.text for mod in index.modules(containing="| None"))


def _import_from(index: PythonIndex, facts: FastAPIFacts, path: str) -> tuple[str, int] | None:
    """(module, relative level) for importing the token module from the module at `path`,
    following that module's own habit (relative imports, or absolute ones); None when that
    module cannot be parsed."""
    mod = index.module(path)
    if mod is None:
        return None
    package = mod.name if mod.is_package else mod.name.rpartition(".")[0]
    if (
        mod.uses_relative_imports
        and facts.package
        and (package == facts.package or package.startswith(facts.package + "."))
    ):
        depth = package.count(".") - facts.package.count(".")
        return "bestchatbot", depth + 1
    return module_dotted(facts), 0


def _edit_python(
    builder: PlanBuilder,
    step: str,
    path: str,
    edit: str,
    how: str,
    code_snippet: str,
    apply: Callable[[str], str],
    reason: str,
) -> StepResult:
    """Apply a LibCST edit to `path`: applied, skipped when the `edit` is already in place, or
    manual (`how` says where to paste `code_snippet`) when it cannot be made safely."""
    code = builder.current(path)
    assert code is not None
    try:
        new = apply(code)
    except cst.CannotEdit as exc:
        return manual(step, path, f"{exc}; {how}", code_snippet)
    if new == code:
        return skipped(step, path, f"{edit} already in place")
    builder.write(path, new, reason, "python")
    return applied(step, path, reason)


# -- the endpoint -----------------------------------------------------------------------------


def _register(
    index: PythonIndex, facts: FastAPIFacts, choices: Chosen, w: Wiring, builder: PlanBuilder
) -> StepResult | None:
    target = w.target
    code = builder.current(target.path)
    assert code is not None
    if _inline_present(builder, target.path):
        return None  # the endpoint lives in the app's module: the token module step said so
    if not _serves_endpoint(builder, facts):
        return None  # a token module of an earlier apply, kept: the token module step said so
    if cst.has_call(code, "include_router", ROUTER):
        return skipped("register", target.path, f"{ROUTER} is already included")
    prefix = requote(target.prefix_src, facts.quote) if target.prefix_src else None
    args = ROUTER if prefix is None else f"{ROUTER}, prefix={prefix}"
    statement = f"{target.var}.include_router({args})"
    found = _import_from(index, facts, target.path)
    if found is None:
        return manual("register", target.path, "cannot parse it", statement)
    module, relative = found

    def edit(text: str) -> str:
        text = transforms.include_router(text, target.var, ROUTER, prefix, target.function)
        return transforms.import_name(text, module, ROUTER, relative=relative)

    where = f"in {target.function}()" if target.function else f"on {target.var}"
    return _edit_python(
        builder,
        "register",
        target.path,
        f"{ROUTER} include",
        f"add `{statement}` where {target.var} includes its routers",
        statement,
        edit,
        f"include {ROUTER} {where} (GET {choices.endpoint_url})",
    )


def _no_store_guard(
    project: Project,
    index: PythonIndex,
    facts: FastAPIFacts,
    choices: Chosen,
    override: CacheOverride,
    builder: PlanBuilder,
) -> StepResult | None:
    """`app.add_middleware(WidgetTokenNoStore)` right after the app's middleware that sets
    Cache-Control: Starlette runs the middleware added last first, so the guard sees the
    response after it and puts `no-store` back."""
    path = override.path
    statement = f"{override.variable}.add_middleware({GUARD})"
    if _inline_present(builder, path):
        return None  # added with the inline endpoint, after the guard's class
    if not _serves_endpoint(builder, facts):
        return None  # a token module of an earlier apply, kept: the token module step said so
    found = _import_from(index, facts, path)
    sources = _generate(project, index, facts, choices, builder).sources
    if found is None or _imports_back(index, sources, path):
        return manual(
            "no-store-guard",
            path,
            f"the token module cannot be imported here (circular); add `{statement}` after "
            f"{override.name} is registered",
            statement,
        )
    module, relative = found

    def edit(text: str) -> str:
        new = transforms.add_middleware_after(
            text, override.variable, GUARD, override.line, override.function
        )
        if new == text:
            return text
        return transforms.import_name(new, module, GUARD, relative=relative)

    return _edit_python(
        builder,
        "no-store-guard",
        path,
        f"{GUARD} middleware",
        f"add `{statement}` after {override.name} is registered",
        statement,
        edit,
        f"keep GET {choices.endpoint_url} uncached: {override.name} sets Cache-Control on "
        "every response",
    )


# -- server-rendered pages --------------------------------------------------------------------


def _private_pages(
    project: Project,
    index: PythonIndex,
    facts: FastAPIFacts,
    choices: Chosen,
    builder: PlanBuilder,
) -> StepResult:
    """`app.add_middleware(WidgetTokenPrivate)` where the app is created, or after the last of
    its own middleware that sets Cache-Control (Starlette runs the middleware added last first,
    so it sees the response after that one)."""
    app = facts.app
    statement = f"{app.var}.add_middleware({PRIVATE})"
    found = _import_from(index, facts, app.path)
    sources = _generate(project, index, facts, choices, builder).sources
    if found is None or _imports_back(index, sources, app.path):
        return manual(
            "private-pages",
            app.path,
            f"the token module cannot be imported here (circular); add `{statement}` after "
            f"{app.var} is created",
            statement,
        )
    module, relative = found
    overrides = [
        o.line
        for o in facts.cache_overrides
        if (o.path, o.variable, o.function) == (app.path, app.var, app.factory)
    ]
    line = max(overrides, default=app.line)

    def edit(text: str) -> str:
        new = transforms.add_middleware_after(text, app.var, PRIVATE, line, app.factory)
        if new == text:
            return text
        return transforms.import_name(new, module, PRIVATE, relative=relative)

    return _edit_python(
        builder,
        "private-pages",
        app.path,
        f"{PRIVATE} middleware",
        f"add `{statement}` after {app.var} is created",
        statement,
        edit,
        f"{app.var}: pages carrying the widget token are Cache-Control: private",
    )


def _context_processor(
    project: Project,
    index: PythonIndex,
    facts: FastAPIFacts,
    tpl: TemplatesInfo,
    builder: PlanBuilder,
) -> StepResult:
    snippet = f"context_processors=[{CONTEXT_PROCESSOR}]"
    found = _import_from(index, facts, tpl.path)
    if found is None:
        return manual("context-processor", tpl.path, "cannot parse it", snippet)
    module, relative = found
    edit = partial(
        _add_registration,
        var=tpl.var,
        keyword="context_processors",
        item=CONTEXT_PROCESSOR,
        function=None,
        imports=[(module, CONTEXT_PROCESSOR, relative)],
        width=line_length(project, tpl.path),
    )
    return _edit_python(
        builder,
        "context-processor",
        tpl.path,
        "context processor",
        f"pass {snippet} to Jinja2Templates",
        snippet,
        edit,
        f"{tpl.var}: {CONTEXT_PROCESSOR} puts `{TOKEN_VAR}` in every template",
    )


def _add_registration(
    text: str,
    *,
    var: str,
    keyword: str,
    item: str,
    function: str | None,
    imports: list[tuple[str, str, int]],
    width: int,
) -> str:
    new = transforms.add_to_list_argument(text, var, keyword, item, function, max_line=width)
    if new == text:
        return text
    for module, name, relative in imports:
        new = transforms.import_name(new, module, name, relative=relative)
    return new


def _page_dependency(
    project: Project, index: PythonIndex, facts: FastAPIFacts, owner: str, builder: PlanBuilder
) -> StepResult | None:
    item = f"Depends({PAGE_DEPENDENCY})"
    snippet = f"dependencies=[{item}]"
    router = facts.struct.routers.get(owner)
    if router is not None:
        path, var, function = router.path, router.var, None
    elif owner in (facts.app.id, facts.app.ref):
        path, var, function = facts.app.path, facts.app.var, facts.app.factory
    else:
        builder.warn(
            f"pages are also rendered by routes of {owner}, which bcb-scaffold cannot edit: "
            f"add {snippet} where it is created"
        )
        return None
    found = _import_from(index, facts, path)
    if found is None:
        return manual("page-dependency", path, "cannot parse it", snippet)
    module, relative = found
    edit = partial(
        _add_registration,
        var=var,
        keyword="dependencies",
        item=item,
        function=function,
        imports=[("fastapi", "Depends", 0), (module, PAGE_DEPENDENCY, relative)],
        width=line_length(project, path),
    )
    return _edit_python(
        builder,
        "page-dependency",
        path,
        "page dependency",
        f"add {snippet} where `{var}` is created",
        snippet,
        edit,
        f"{var}: compute the widget token for the pages it renders",
    )


# The space inside the condition: anonymous visitors get the tag exactly as before.
ATTRIBUTE = f'{{% if {TOKEN_VAR} %}} data-user-token="{{{{ {TOKEN_VAR} }}}}"{{% endif %}}'


def _tag(api_key: str) -> str:
    return widget_tag(api_key, ATTRIBUTE)


def _layout_tag(
    templates: dict[str, Template], choices: Chosen, w: Wiring, api_key: str, builder: PlanBuilder
) -> StepResult:
    if w.widget is not None:
        path, _ = w.widget
        text = builder.current(path) or ""
        tag = widget_tags(text)[0]
        if tag.has_user_token:
            return skipped("layout-tag", path, "widget tag already carries data-user-token")
        reason = "widget tag: data-user-token for signed-in users"
        builder.write(path, add_attribute(text, tag, ATTRIBUTE, separator=""), reason, "jinja")
        return applied("layout-tag", path, reason)
    layout = choices.layout
    assert layout is not None  # no layout is a question
    path = layout.template.path
    text = builder.current(path) or ""
    reason = "add the widget tag, with data-user-token for signed-in users"
    # Issue 15: where the layout keeps a chat / analytics script off some pages, so the tag.
    guard = exclusions.guard_in(path, text, layout.template.name, templates)
    if guard is not None:
        reason += f", {guard.summary}"

    def place(lines: list[str]) -> str:
        new = insert_before_body_close(text, lines) if layout.mode == "body" else None
        return new if new is not None else append_lines(text, lines)

    builder.write(path, exclusions.place(text, guard, [_tag(api_key)], place), reason, "jinja")
    return applied("layout-tag", path, reason)


def line_length(project: Project, path: str) -> int:
    """The project's configured line length (ruff, black), else black's 88."""
    import tomlkit

    directory = posixpath.dirname(path)
    while True:
        for name in ("ruff.toml", ".ruff.toml", "pyproject.toml"):
            candidate = posixpath.join(directory, name) if directory else name
            if not project.exists(candidate):
                continue
            try:
                doc = tomlkit.parse(project.text(candidate) or "").unwrap()
            except Exception:
                continue
            tool = doc.get("tool", {}) if name == "pyproject.toml" else {"ruff": doc}
            for section in (tool.get("ruff", {}), tool.get("black", {})):
                value = section.get("line-length", section.get("line_length"))
                if isinstance(value, int):
                    return value
        if not directory:
            return 88
        directory = posixpath.dirname(directory)
