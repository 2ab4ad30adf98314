"""Splices into the app's shell (a root layout, or `pages/_app`): the identity component mounted
inside the auth provider's element, and the widget `<Script>` from `next/script`.

Pure text -> text functions over the syntax tree; every result is re-parsed before it is used.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from scaffolder.errors import BadInput
from scaffolder.escape import jsx_attr
from scaffolder.js.imports import add_import, imported
from scaffolder.js.style import Style, detect
from scaffolder.js.syntax import (
    Element,
    Source,
    checked_splice,
    child_indent,
    contains,
    default_export,
    insert_child,
    jsx_elements,
    returned_jsx,
)
from scaffolder.markup import WIDGET_HOST, WIDGET_SRC

PRINT_WIDTH = 80
"""Prettier's default line width: a longer `<Script ... />` gets one attribute per line."""


@dataclass(frozen=True)
class Mount:
    """What to add to a shell."""

    component: str | None
    """Local name of the identity component (None: only the widget `<Script>` goes in this
    shell, the component mounts in the route groups that have the provider)."""
    specifier: str
    """Where the shell imports it from."""
    providers: frozenset[str] = frozenset()
    """JSX names whose element puts children inside the auth provider (the provider itself, or
    the app's own wrapper such as `<Providers>`)."""
    api_key: str | None = None
    """Add the widget `<Script>` with this key (None: the app already loads the widget)."""
    guard: tuple[int, int] | None = None
    """Byte range of the element the app's own page rule renders only on some pages (issue
    15, `scaffolder.stacks.nextjs.exclusions`): the `<Script>` goes there, and the component too
    where that element is inside the one the component goes into (or no provider element
    says where that is)."""


def jsx_quote(source: Source) -> str:
    """The quote the file uses for JSX attribute strings (double by default, as Prettier)."""
    votes: Counter[str] = Counter()
    for element in jsx_elements(source):
        for attr in element.attributes.values():
            raw = source.text_of(attr.node).split("=", 1)[-1]
            if raw[:1] in ("'", '"'):
                votes[raw[0]] += 1
    return votes.most_common(1)[0][0] if votes else '"'


def renders(source: Source, name: str) -> bool:
    return bool(jsx_elements(source, None, name))


def target_element(source: Source, providers: frozenset[str]) -> tuple[Element, str]:
    """The element the component goes into, and why: inside the provider's element, within
    `<body>` (a provider wrapping `<html>` gets it in `<body>`)."""
    fn = default_export(source)
    if fn is None:
        raise BadInput(f"{source.path}: no default-exported component", file=source.path)
    bodies = jsx_elements(source, fn.node, "body")
    body = bodies[0] if bodies else None
    if not providers:
        providers = frozenset({"\0"})  # no provider element: nothing matches
    inside = [
        e
        for e in jsx_elements(source, fn.node, *providers)
        if not e.self_closing and (body is None or contains(body.node, e.node))
    ]
    if inside:
        return inside[-1], f"inside <{inside[-1].name}>"
    if body is not None:
        wrapping = [e for e in jsx_elements(source, fn.node, *providers) if not e.self_closing]
        why = f"in <body>, inside <{wrapping[0].name}>" if wrapping else "in <body>"
        return body, why
    roots = returned_jsx(source, fn)
    if not roots:
        raise BadInput(f"{source.path}: the component returns no JSX", file=source.path)
    return roots[0], f"in <{roots[0].name or 'fragment'}>"


def mount(source: Source, spec: Mount, style: Style | None = None) -> str:
    """The shell's text with the component (and the widget `<Script>`) added, plus imports.
    Parts already present are left alone; the text comes back unchanged when nothing is new."""
    style = style or detect(source.text, source.language)
    text = source.text
    script_name = imported(source, "next/script") or "Script"
    guarded = _element_at(source, spec.guard) if spec.guard else None
    if guarded is not None and (spec.component is None or not spec.providers):
        element = guarded  # no provider to stay inside: the rule's element holds it all
    else:
        element, _why = target_element(source, spec.providers)
        if guarded is not None and contains(element.node, guarded.node):
            element = guarded  # under the rule, and still inside the provider
    need_component = spec.component is not None and not renders(source, spec.component)
    need_script = spec.api_key is not None and not _has_widget_script(source, script_name)
    if not need_component and not need_script:
        return text
    q = jsx_quote(source)
    fn = default_export(source)
    bodies = jsx_elements(source, fn.node, "body") if fn is not None else []
    script_target = guarded or (bodies[0] if bodies else element)
    edits: list[tuple[Element, str]] = []
    if need_component:
        edits.append((element, f"<{spec.component} />"))
    if need_script:
        attributes = [
            f"src={q}{WIDGET_SRC}{q}",
            f"data-api-key={q}{jsx_attr(spec.api_key or '')}{q}",
            f"strategy={q}afterInteractive{q}",
        ]
        one_line = f"<{script_name} {' '.join(attributes)} />"
        width = len(child_indent(source, script_target, style.indent)) + len(one_line)
        if (script_target.self_closing and guarded is None) or width <= PRINT_WIDTH:
            edits.append((script_target, one_line))
        else:
            inner = "".join(f"\n{style.indent}{a}" for a in attributes)
            edits.append((script_target, f"<{script_name}{inner}\n/>"))
    if element.self_closing and guarded is None:
        text = _wrap_in_fragment(source, element, [s for _, s in edits], style.indent)
    else:
        splices = []
        for target in {t.node.start_byte: t for t, _ in edits}.values():
            snippets = [s for t, s in edits if t.node.start_byte == target.node.start_byte]
            if target.self_closing:
                splices.append(_fragment(source, target, snippets, style.indent))
            else:
                splices += [insert_child(source, target, s, style.indent) for s in snippets]
        text = checked_splice(text, splices, source.language, source.path)
    if need_component and spec.component is not None:
        text = add_import(
            Source(text, source.language, source.path),
            spec.specifier,
            default=spec.component,
            style=style,
        )
    if need_script and imported(source, "next/script") is None:
        text = add_import(
            Source(text, source.language, source.path), "next/script", default="Script", style=style
        )
    return text


def _has_widget_script(source: Source, script_name: str) -> bool:
    for element in jsx_elements(source, None, script_name, "Script", "script"):
        src = element.attributes.get("src")
        if src is not None and WIDGET_HOST in (src.value or src.expression or ""):
            return True
    return False


def _element_at(source: Source, span: tuple[int, int]) -> Element | None:
    found = [e for e in jsx_elements(source) if (e.node.start_byte, e.node.end_byte) == span]
    return found[0] if found else None


def _wrap_in_fragment(source: Source, element: Element, snippets: list[str], unit: str) -> str:
    """`return <Component {...pageProps} />;` -> a fragment holding it and the snippets."""
    edit = _fragment(source, element, snippets, unit)
    return checked_splice(source.text, [edit], source.language, source.path)


def _fragment(
    source: Source, element: Element, snippets: list[str], unit: str
) -> tuple[int, int, str]:
    """The splice putting a self-closing element and the snippets into a fragment."""
    node = element.node
    parent = node.parent
    base = source.indent_at(node.start_byte)
    nl = "\r\n" if "\r\n" in source.text else "\n"
    own_line = parent is not None and parent.type == "parenthesized_expression"
    own_line = own_line and source.only_whitespace_before(node.start_byte)
    outer = base if own_line else base + unit
    lines = [source.text_of(node), *(line for s in snippets for line in s.split("\n"))]
    fragment = f"<>{nl}" + "".join(f"{outer}{unit}{line}{nl}" for line in lines) + f"{outer}</>"
    if not own_line:
        fragment = f"({nl}{outer}{fragment}{nl}{base})"
    return node.start_byte, node.end_byte, fragment
