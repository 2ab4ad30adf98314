"""The app's own page exclusions (issue 15): the widget goes where the app's other chat or
analytics scripts go, and the report lists the pages it will or will not reach.

Real apps keep a third-party script off some pages with a condition on the page (the request
path against a list such as `EXCLUDED_PATHS`, a per-page flag such as `hide_chat`, a block the
pages override empty) or by rendering those pages outside the layout (a viewer route group with
a root layout of its own, custom domains rewritten to a viewer route by middleware). This
package holds what every stack shares: the third-party scripts recognised, what makes a
condition one on the page (rather than on configuration: `config.CRISP_ID` says whether the
vendor is set up, not where it belongs), the guard found, and the report's page lists.
`templates` beside it reads Jinja / Django layouts (Flask, Django, FastAPI; Express's Nunjucks);
each stack's own finders live in its folder: `stacks.nextjs.exclusions` (JSX),
`stacks.express.exclusion_views` (EJS / Pug / Handlebars views) and
`stacks.express.exclusion_pages` (the code setting what they read),
`stacks.wordpress.exclusions` (PHP's conditional tags).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from scaffolder.model import Evidence, Finding, Note

Kind = Literal["chat", "analytics", "layout"]


class Vendor(NamedTuple):
    """A third-party script: its name, what it is, and the text that gives it away (a script
    host, a global its snippet sets, a component's name). Kind `layout` stands for the app's
    own layout (`<Workspace>`), which a list of paths keeps some pages out of."""

    name: str
    kind: Kind
    markers: tuple[str, ...]


VENDORS: tuple[Vendor, ...] = (
    Vendor("Intercom", "chat", ("widget.intercom.io", "intercomSettings", "Intercom(")),
    Vendor("Crisp", "chat", ("client.crisp.chat", "$crisp", "CRISP_WEBSITE_ID")),
    Vendor("Drift", "chat", ("js.driftt.com", "drift.load(")),
    Vendor("Zendesk", "chat", ("static.zdassets.com", "$zopim", "zE(")),
    Vendor("Tawk.to", "chat", ("embed.tawk.to", "Tawk_API")),
    Vendor("HubSpot", "chat", ("js.hs-scripts.com", "HubSpotConversations")),
    Vendor("Tidio", "chat", ("code.tidio.co",)),
    Vendor("Chatwoot", "chat", ("chatwootSDK", "chatwootSettings")),
    Vendor("Freshchat", "chat", ("wchat.freshchat.com", "fcWidget")),
    Vendor("Help Scout", "chat", ("beacon-v2.helpscout.net", "Beacon(")),
    Vendor("LiveChat", "chat", ("cdn.livechatinc.com", "LiveChatWidget")),
    Vendor("Olark", "chat", ("static.olark.com", "olark(")),
    Vendor("Google Analytics", "analytics", ("googletagmanager.com", "google-analytics.com")),
    Vendor("Segment", "analytics", ("cdn.segment.com", "analytics.load(")),
    Vendor("Plausible", "analytics", ("plausible.io/js",)),
    Vendor("Umami", "analytics", ("umami.is", "/umami.js")),
    Vendor("PostHog", "analytics", ("posthog.init(", ".posthog.com")),
    Vendor("Hotjar", "analytics", ("static.hotjar.com",)),
    Vendor("Matomo", "analytics", ("matomo.js", "piwik.js")),
    Vendor("Mixpanel", "analytics", ("mixpanel.init(", "cdn.mxpnl.com")),
    Vendor("Fathom", "analytics", ("cdn.usefathom.com",)),
    Vendor("Microsoft Clarity", "analytics", ("clarity.ms",)),
    Vendor("Heap", "analytics", ("heap.load(", "heapanalytics.com")),
)

# Words in a component's or partial's name that say it is a chat or analytics script.
_CHAT_WORDS = (
    "intercom", "crisp", "drift", "zendesk", "tawk", "hubspot", "tidio", "chatwoot",
    "freshchat", "helpscout", "livechat", "olark", "chat", "support", "helpdesk", "messenger",
)  # fmt: skip
_ANALYTICS_WORDS = (
    "analytics", "gtag", "googletag", "tagmanager", "segment", "plausible", "umami",
    "posthog", "hotjar", "matomo", "mixpanel", "fathom", "clarity", "tracking", "thirdparty",
)  # fmt: skip


def third_party(text: str) -> Vendor | None:
    """The chat vendor whose script this text loads, else the analytics one; None: neither."""
    found = [v for v in VENDORS if any(m in text for m in v.markers)]
    found.sort(key=lambda v: v.kind != "chat")
    return found[0] if found else None


def named_third_party(name: str) -> Vendor | None:
    """A vendor by the name of a component or partial (`<CrispChat />`, `_intercom.html`)."""
    flat = re.sub(r"[^a-z]", "", name.lower())
    for vendor in VENDORS:
        if re.sub(r"[^a-z]", "", vendor.name.lower()) in flat:
            return vendor
    if any(w in flat for w in _CHAT_WORDS):
        return Vendor(name, "chat", ())
    if any(w in flat for w in _ANALYTICS_WORDS):
        return Vendor(name, "analytics", ())
    return None


# -- conditions on the page ----------------------------------------------------------------------

# What the page is, as the frameworks name it: the request's path or route, the router's.
_PATH = (
    r"\brequest\s*\.\s*(?:path(?:_info)?|full_path|get_full_path|url(?:_rule)?|endpoint"
    r"|blueprint|resolver_match|url_name|route|base_url|script_root)\b"
    r"|\brequest\s*\.\s*scope\s*\[\s*['\"]path['\"]\s*\]"
    r"|\breq\s*\.\s*(?:path|originalUrl|url|baseUrl)\b"
    r"|\b(?:router|location)\s*\.\s*(?:pathname|asPath|route)\b"
    r"|\busePathname\s*\(|\bpathname\b|\burl_name\b|\bview_name\b|\bcurrent_path\b"
    r"|\bcurrent(?:Path|Url|URL|Route)\b"
    # WordPress's conditional tags: which page the query is for
    r"|\bis_(?:page|singular|single|page_template|front_page|home|archive|category|tag|tax"
    r"|author|search|404|attachment|post_type_archive|embed|preview|privacy_policy"
    r"|checkout|cart|account_page|product|shop|woocommerce)\s*\("
)
# A list of paths, routes or pages the app keeps something off (EXCLUDED_PATHS, hiddenRoutes).
PATH_LIST = (
    r"\b[A-Za-z_$][\w$]*(?:_PATHS|_ROUTES|_PAGES|_URLS|_PREFIXES|_ENDPOINTS"
    r"|Paths|Routes|Pages|Urls|Prefixes|_paths|_routes|_pages|_urls|_prefixes|_endpoints)\b"
)
# A flag a page sets (or a context processor computes per page): hide_chat, showChatWidget,
# no_intercom, CRISP_CHATBOX_ENABLED.
_SWITCHES = (
    "hide", "show", "no", "disable", "enable", "without", "with", "hidden", "visible",
    "allowed", "allow", "off", "on", "display",
)  # fmt: skip
_THINGS = (
    "chat", "widget", "support", "help", "intercom", "crisp", "drift", "zendesk", "tawk",
    "messenger", "livechat", "chatbot", "chatbox", "tracking", "analytics", "thirdparty",
    "scripts", "bubble", "assistant",
)  # fmt: skip
_IDENT = r"[A-Za-z_$][\w$]*"
_WORDS = r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+"
_NEGATED = r"\bnot\b|!=|!(?!=)|\bexclude"


def page_flag(name: str) -> bool:
    """Whether a variable's name says it switches a chat / analytics script per page."""
    words = [w.lower() for w in re.findall(_WORDS, name.replace("$", ""))]
    switch = any(w in _SWITCHES or w.rstrip("d") in _SWITCHES for w in words)
    return switch and any(any(t in w for t in _THINGS) for w in words)


_MEMBERSHIP = r"(?i)\bin\b|\.(?:includes|some|indexOf|has|find)\s*\(|starts_?with"
# Objects whose attributes are configuration, never a page's: `config.INTERCOM_ENABLED`.
_CONFIG = r"(?i)\b(?:config|settings|conf|env|environ|options)\s*(?:\.|\[\s*['\"])$"


def page_reason(condition: str) -> str | None:
    """Why `condition` is about the page (None: it is about something else: configuration,
    the environment, the signed-in user)."""
    listed = re.search(PATH_LIST, condition)
    if listed is not None and re.search(_MEMBERSHIP, condition):
        return f"checks the page against {listed.group(0)}"
    if re.search(_PATH, condition):
        return "checks the page's path or route"
    for m in re.finditer(_IDENT, condition):
        if page_flag(m.group(0)) and not re.search(_CONFIG, condition[: m.start()]):
            return f"a per-page flag, {m.group(0)}"
    return None


def excludes(condition: str) -> bool:
    """Whether the condition keeps the script off some pages (`not in`, `!=`, `not hide_x`,
    a hide / disable flag) rather than putting it on a few."""
    if re.search(_NEGATED, condition):
        return True
    return any(
        page_flag(i) and re.search(r"(?i)hide|disable|no_|without|off", i)
        for i in re.findall(_IDENT, condition)
    )


def split_top(condition: str, operators: Sequence[str]) -> list[str]:
    """`condition` split on the operators (`and`, `&&`) outside brackets and strings."""
    parts, depth, quote, start, i = [], 0, "", 0, 0
    while i < len(condition):
        c = condition[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            for op in operators:
                word = op.isalpha()
                if condition.startswith(op, i) and (
                    not word
                    or (
                        (i == 0 or not condition[i - 1].isalnum())
                        and not condition[i + len(op) : i + len(op) + 1].isalnum()
                    )
                ):
                    parts.append(condition[start:i].strip())
                    start = i + len(op)
                    i = start - 1
                    break
        i += 1
    parts.append(condition[start:].strip())
    return [p for p in parts if p]


def page_parts(
    condition: str,
    ands: Sequence[str],
    ors: Sequence[str],
    reason: Callable[[str], str | None] = page_reason,
) -> tuple[list[str], bool]:
    """The conjuncts of `condition` that are about the page (`reason` says why one is), and
    whether that is all of it (a conjunct joining a page test and something else with `or` is
    not one on the page)."""
    page, pure = [], True
    for part in split_top(condition, ands):
        alternatives = split_top(part, ors)
        if all(reason(a) for a in alternatives):
            page.append(part)
        else:
            pure = False
    return page, pure


# -- what was found ------------------------------------------------------------------------------

Mode = Literal["inside", "wrap"]


@dataclass(frozen=True)
class Guard:
    """The app's own rule that keeps a third-party script off some pages, as the widget
    follows it: `inside` the same conditional (or block), at `offset` (the start of the line
    holding the tag that ends the guarded part), or `wrap`: the widget's lines under a copy of
    `condition` where they would go anyway (the guard sits in `<head>`, in a partial, or joins
    configuration the widget does not share)."""

    path: str
    line: int
    vendor: Vendor
    condition: str
    """The condition as the template / code spells it (`request.path not in EXCLUDED_PATHS`),
    or the block's name for a block the pages override."""
    reason: str
    mode: Mode
    offset: int = -1
    evidence: tuple[Evidence, ...] = ()
    """Where the exclusion applies (pages overriding the block, pages setting the flag)."""
    block: bool = False
    """`condition` names a block (`{% block chat %}`) that pages override to drop the script."""
    end_line: int = 0
    """`inside`: the line the widget's lines go at, the end of the guarded part."""

    @property
    def summary(self) -> str:
        """How the plan's reasons name it."""
        return f"{self.describe} at {self.path}:{self.line}, like {self.script}"

    @property
    def describe(self) -> str:
        if self.block:
            return f"in {{% block {self.condition} %}} ({self.reason})"
        return f"under `{self.condition}` ({self.reason})"

    @property
    def script(self) -> str:
        if self.vendor.kind == "layout":
            return f"the app's own layout ({self.vendor.name})"
        return f"the app's {self.vendor.name} {self.vendor.kind} script"

    def finding(self) -> Finding:
        where = Evidence(self.path, self.line, f"keeps {self.script} off some pages: {self.reason}")
        return Finding("widget-guard", self.condition, (where, *self.evidence))

    def placement(self) -> Finding:
        """Where the widget goes under the rule: `inside` it (the line its lines go at), or
        under a copy of it (`wrap`: where the widget would go anyway, the report says)."""
        rule = f"the app's own rule at {self.path}:{self.line} (`{self.condition}`)"
        if self.mode == "inside":
            why = f"inside {rule}, beside {self.script}"
            return Finding(
                "widget-placement",
                "inside",
                (Evidence(self.path, self.end_line or self.line, why),),
            )
        why = f"under a copy of {rule}"
        return Finding("widget-placement", "wrap", (Evidence(self.path, self.line, why),))


class Page(NamedTuple):
    """A page the report lists: whether the widget reaches it, and why."""

    path: str
    line: int
    carries: bool | None
    """None: the app's own rule, which the widget follows, decides (a path it checks)."""
    why: str


@dataclass
class Pages:
    """The report's page lists and the guard the widget follows (issue 15)."""

    guard: Guard | None = None
    pages: list[Page] = field(default_factory=list)

    def findings(self) -> list[Finding]:
        out = [self.guard.finding(), self.guard.placement()] if self.guard else []
        kinds = {True: "page-with-widget", False: "page-without-widget", None: "page-under-rule"}
        for page in self.pages:
            kind = kinds[page.carries]
            out.append(
                Finding(kind, page.path, (Evidence(page.path, page.line, page.why),), "medium")
            )
        return out

    def notes(self) -> list[Note]:
        out = []
        if self.guard is not None:
            g = self.guard
            what = f"the widget follows the app's own page exclusion, as {g.script} does"
            out.append(Note(f"{what}: {g.describe}", g.path, g.line))
        labels: tuple[tuple[bool | None, str], ...] = (
            (False, "will not appear on"),
            (None, "appears where the app's own rule allows, on"),
            (True, "will appear on"),
        )
        for carries, label in labels:
            listed = [p for p in self.pages if p.carries is carries]
            if not listed:
                continue
            shown = "; ".join(f"{p.path}:{p.line} ({p.why})" for p in listed[:MAX_LISTED])
            more = len(listed) - MAX_LISTED
            if more > 0:
                shown += f"; and {more} more"
            out.append(Note(f"the widget {label}: {shown}"))
        return out


MAX_LISTED = 8
"""Pages named in each note (the findings list them all)."""

# Path segments that say a page is a public viewer (a shared document, an embed, a customer's
# domain) rather than the app's own; `public` and `published` say so less surely (marketing
# pages live under `(public)` too).
VIEWER_WORDS = frozenset(
    {
        "view", "viewer", "share", "shared", "shares", "embed", "embeds", "embedded",
        "preview", "previews", "present", "presentation", "iframe",
    }
)  # fmt: skip
LOOSE_WORDS = frozenset({"public", "published"})


def viewer_segment(path: str, *, strict: bool = False) -> str | None:
    """The segment of a page's path that says it is a public viewer (`share`, `embed`,
    `[domain]`, `d` before a dynamic segment as in `d/[id]`), None otherwise; `strict` leaves
    out the words marketing pages use too (`public`)."""
    words = VIEWER_WORDS if strict else VIEWER_WORDS | LOOSE_WORDS
    parts = [posixpath.splitext(p)[0].lower() for p in path.split("/") if p]
    for i, part in enumerate(parts):
        bare = part.strip("()_").replace("_", "-")
        following = parts[i + 1] if i + 1 < len(parts) else ""
        if bare in ("d", "domains") and following.startswith(("[", "<")):
            return f"{part}/{following}"
        if bare in words or any(w in words for w in bare.split("-")):
            return part
        if part in ("[domain]", "[host]", "[hostname]", "[customdomain]"):
            return part
    return None


def setters(texts: Iterable[tuple[str, str]], name: str) -> list[Evidence]:
    """Where a flag is set for a page: a keyword or dict key in Python, `{% with %}` / `{% set
    %}` in a template, a JSX prop (first few, path:line)."""
    pattern = re.compile(
        rf"""(?:['"]{re.escape(name)}['"]\s*:|\b{re.escape(name)}\s*=(?!=)|\b{re.escape(name)}=\{{)"""
    )
    out = []
    for path, text in texts:
        m = pattern.search(text)
        if m is not None:
            out.append(Evidence(path, text.count("\n", 0, m.start()) + 1, f"sets {name}"))
        if len(out) >= MAX_LISTED:
            break
    return out
