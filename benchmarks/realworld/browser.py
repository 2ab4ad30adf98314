"""The Express deep check's browser: cookies kept, redirects followed, forms' hidden fields
(CSRF tokens) sent back, and the three visits the judge reads (anonymous, signed in through the
app's own login, signed out), each with the page's `data-user-token` or the endpoint's answer."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from typing import Any

REQUEST_TIMEOUT = 30
TOKEN = re.compile(r'data-user-token="([^"]*)"')
INPUT = re.compile(r"<input\b[^>]*>", re.I)
ATTR = re.compile(r'([\w:-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


class Browser:
    """Cookies kept, redirects followed, forms' hidden fields (CSRF tokens) sent back."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def request(
        self,
        url: str,
        method: str = "GET",
        form: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str, dict[str, str]]:
        data = None
        sent = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        ask = urllib.request.Request(self.base + url, data=data, method=method, headers=sent)
        try:
            with self.opener.open(ask, timeout=REQUEST_TIMEOUT) as answer:
                body = answer.read().decode("utf-8", "replace")
                return answer.status, body, dict(answer.headers.items())
        except urllib.error.HTTPError as answer:
            body = answer.read().decode("utf-8", "replace")
            return answer.code, body, dict(answer.headers.items())

    def submit(self, step: dict[str, Any], headers: dict[str, str]) -> tuple[int, str]:
        """GET the form first when it is one (cookies, CSRF token), then send it. `form_page`:
        the page holding the form when it is not at its own URL (a sign-out button)."""
        form = step.get("form")
        method = str(step.get("method", "POST"))
        if form is not None and method == "POST":
            _, html, _ = self.request(str(step.get("form_page", step["url"])), headers=headers)
            form = {**hidden_fields(html), **form}
        status, text, _ = self.request(str(step["url"]), method, form, step.get("json"), headers)
        return status, text


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the page's forms, as the browser would send them."""
    fields = {}
    for tag in INPUT.findall(html):
        attrs = {name.lower(): double or single for name, double, single in ATTR.findall(tag)}
        if attrs.get("type", "").lower() == "hidden" and "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


def observe(browser: Browser, recipe: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    if recipe.get("page"):
        status, text, _ = browser.request(str(recipe["page"]), headers=headers)
        found = TOKEN.search(text)
        seen["page"] = {"status": status, "token": found.group(1) if found else None}
    if recipe.get("endpoint"):
        status, text, got = browser.request(str(recipe["endpoint"]), headers=headers)
        try:
            body = json.loads(text)
        except ValueError:
            body = {"unparsed": text[:200]}
        cache_control = {k.lower(): v for k, v in got.items()}.get("cache-control", "")
        seen["endpoint"] = {"status": status, "body": body, "cache_control": cache_control}
    return seen


def bearer(text: str, path: str) -> str | None:
    """The access token at `path` (dotted: tokens.access.token) of the login's JSON answer."""
    try:
        value: Any = json.loads(text)
        for part in path.split("."):
            value = value[part]
    except (ValueError, KeyError, TypeError):
        return None
    return str(value) if isinstance(value, str) else None


def visit(base: str, recipe: dict[str, Any]) -> dict[str, Any]:
    """The three visits, in the shape deep_python.judge reads."""
    browser = Browser(base)
    out: dict[str, Any] = {"anonymous": observe(browser, recipe, {})}
    if recipe.get("signup"):
        out["signup"] = browser.submit(recipe["signup"], {})[0]
    status, text = browser.submit(recipe["login"], {})
    out["login"] = status
    headers: dict[str, str] = {}
    if recipe["login"].get("bearer"):
        token = bearer(text, str(recipe["login"]["bearer"]))
        if token is None:
            out["login_error"] = text[:200]
        else:
            headers = {"Authorization": "Bearer " + token}
    out["signed_in"] = observe(browser, recipe, headers)
    if recipe.get("logout"):
        browser.submit(recipe["logout"], headers)
        out["logged_out"] = observe(browser, recipe, {})
    return out


def no_store(observed: dict[str, Any]) -> str | None:
    for visit in ("anonymous", "signed_in", "logged_out"):
        endpoint = observed.get(visit, {}).get("endpoint")
        if endpoint and "no-store" not in endpoint["cache_control"]:
            where = visit.replace("_", " ")
            return f"{where}: the endpoint answered Cache-Control {endpoint['cache_control']!r}"
    return None
