"""Answers that are code: each language's grammar accepts chains read from the signed-in user
and refuses everything else, naming the rule broken."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffolder import exprs
from scaffolder.errors import UsageError
from scaffolder.model import Answers, UserExpr
from tests.helpers import FIXTURES, copy_fixture, run, run_json, tree_digest

FLASK = ("current_user",)
SESSION = ("g",)
USER = ("user",)
EXPRESS = ("user", "req.user", "req.session")
NEXT = ("session",)
WP = ("$user",)


@pytest.mark.parametrize(
    ("expr", "language", "roots"),
    [
        # Python: what the detectors emit, then what an answer writes
        pytest.param("current_user.email", "python", FLASK, id="py-attribute"),
        pytest.param("current_user.get_id()", "python", FLASK, id="py-flask-login-get-id"),
        pytest.param("current_user.get_full_name()", "python", FLASK, id="py-get-full-name"),
        pytest.param("user.full_name()", "python", USER, id="py-full-name-method"),
        pytest.param('g.user["email"]', "python", SESSION, id="py-session-row"),
        pytest.param("user.pk", "python", USER, id="py-django-pk"),
        pytest.param(
            "user.get_full_name() or user.get_username()", "python", USER, id="py-or-methods"
        ),
        pytest.param(
            '" ".join(filter(None, [user.first_name, user.last_name]))',
            "python",
            USER,
            id="py-join-filter",
        ),
        pytest.param('" ".join([user.first_name, user.last_name])', "python", USER, id="py-join"),
        pytest.param("str(user.pk)", "python", USER, id="py-str"),
        pytest.param("str(user.pk).strip()", "python", USER, id="py-str-then-method"),
        pytest.param('user.username + "@corp.example"', "python", USER, id="py-plus-literal"),
        pytest.param(
            'user.first_name + " " + user.last_name', "python", USER, id="py-plus-first-last"
        ),
        pytest.param('f"{user.first_name} {user.last_name}"', "python", USER, id="py-fstring"),
        pytest.param('f"{user.handle!s}@crew.example"', "python", USER, id="py-fstring-bang-s"),
        pytest.param("f'{user.profile[\"nick\"]}'", "python", USER, id="py-fstring-subscript"),
        pytest.param('user.nickname or user.email or ""', "python", USER, id="py-or-literal"),
        pytest.param(
            '(user.nickname or "") + " " + user.last_name', "python", USER, id="py-parens"
        ),
        pytest.param("user.emails[0].address", "python", USER, id="py-integer-subscript"),
        pytest.param("user.email.strip().lower()", "python", USER, id="py-string-methods"),
        pytest.param('"ops" "@corp.example"', "python", USER, id="py-implicit-concat"),
        pytest.param('r"x" + user.email', "python", USER, id="py-raw-string"),
        # JavaScript / TypeScript
        pytest.param("user?.primaryEmailAddress?.emailAddress", "javascript", USER, id="js-clerk"),
        pytest.param(
            "user?.user_metadata?.full_name ?? user?.user_metadata?.name",
            "javascript",
            USER,
            id="js-supabase-name",
        ),
        pytest.param("session?.user.email", "javascript", NEXT, id="js-auth0"),
        pytest.param("session?.user?.id", "javascript", NEXT, id="js-next-auth-id"),
        pytest.param("user.profile?.displayName", "javascript", EXPRESS, id="js-express-shape"),
        pytest.param(
            '[user.firstName, user.lastName].filter(Boolean).join(" ")',
            "javascript",
            EXPRESS,
            id="js-join-filter",
        ),
        pytest.param('[user.firstName, user.lastName].join(" ")', "javascript", USER, id="js-join"),
        pytest.param("user?.emails[0]?.address as string", "javascript", USER, id="ts-as"),
        pytest.param("user.email as string | undefined", "javascript", USER, id="ts-as-union"),
        pytest.param("req.user!.email", "javascript", EXPRESS, id="ts-non-null"),
        pytest.param("String(req.user.id)", "javascript", EXPRESS, id="js-string-conversion"),
        pytest.param("String(user._id)", "javascript", EXPRESS, id="js-mongoose-id"),
        pytest.param("String(user.id).trim()", "javascript", USER, id="js-conversion-method"),
        pytest.param("req.session.user.email", "javascript", EXPRESS, id="js-req-session"),
        pytest.param('req.user["email"]', "javascript", EXPRESS, id="js-req-user-key"),
        pytest.param('user.login + "@corp.example"', "javascript", EXPRESS, id="js-plus"),
        pytest.param("`${user.firstName} ${user.lastName}`", "javascript", USER, id="js-template"),
        pytest.param("`${user.email.trim()}`", "javascript", USER, id="js-template-method"),
        pytest.param('user.nickname || user.name || ""', "javascript", USER, id="js-or"),
        pytest.param("user.email.trim().toLowerCase()", "javascript", USER, id="js-methods"),
        pytest.param("user?.['e-mail']", "javascript", USER, id="js-optional-subscript"),
        pytest.param('"a;b" + user.id', "javascript", USER, id="js-semicolon-in-string"),
        # PHP
        pytest.param("$user->user_email", "php", WP, id="php-property"),
        pytest.param("(string) $user->ID", "php", WP, id="php-string-cast"),
        pytest.param(
            "$user->first_name . ' ' . $user->last_name", "php", WP, id="php-concat-names"
        ),
        pytest.param("$user->nickname ?: $user->user_login", "php", WP, id="php-short-ternary"),
        pytest.param("$user->display_name ?? ''", "php", WP, id="php-coalesce"),
        pytest.param("$user?->user_email", "php", WP, id="php-nullsafe"),
        pytest.param("$user->data['x']", "php", WP, id="php-subscript"),
        pytest.param("$user->roles[0]", "php", WP, id="php-integer-subscript"),
        pytest.param("strtolower(trim($user->user_email))", "php", WP, id="php-functions"),
        pytest.param("\\mb_strtolower($user->user_email)", "php", WP, id="php-global-function"),
        pytest.param("strval($user->ID)", "php", WP, id="php-strval"),
        pytest.param('$user->user_login . "@corp.example"', "php", WP, id="php-double-quoted"),
        pytest.param("'a;b' . $user->ID", "php", WP, id="php-semicolon-in-string"),
    ],
)
def test_accepted(expr: str, language: str, roots: tuple[str, ...]) -> None:
    assert exprs.check(f"  {expr} ", "--email-expr", language, roots) == expr


@pytest.mark.parametrize(
    ("given", "result"),
    [
        pytest.param(
            "strtolower( $user->user_login ) . '@corp.example';",
            "strtolower( $user->user_login ) . '@corp.example'",
            id="php-trailing-semicolon",
        ),
        pytest.param(" $user->ID ; ", "$user->ID", id="php-spaces-around-semicolon"),
    ],
)
def test_php_trailing_semicolon_is_dropped(given: str, result: str) -> None:
    assert exprs.check(given, "--id-expr", "php", WP) == result


@pytest.mark.parametrize(
    ("expr", "roots", "rule"),
    [
        pytest.param("user.(", USER, "not a Python expression", id="syntax"),
        pytest.param("user = 1", USER, "not a Python expression", id="statement"),
        pytest.param("import os", USER, "not a Python expression", id="import-statement"),
        pytest.param("request.args['email']", FLASK, "uses request; it may only use", id="req"),
        pytest.param(
            "request.args.get('email')", FLASK, "uses request; it may only use", id="req-get"
        ),
        pytest.param("session['email']", FLASK, "uses session;", id="flask-session-cookie"),
        pytest.param("current_user.__class__", FLASK, "dunder name `__class__`", id="class"),
        pytest.param(
            "current_user.get_id.__globals__['os'].system('id')",
            FLASK,
            "dunder name `__globals__`",
            id="globals-to-os-system",
        ),
        pytest.param(
            "current_user.__init__.__globals__",
            FLASK,
            "dunder name `__init__`",
            id="init-globals",
        ),
        pytest.param("current_user['__class__']", FLASK, "dunder name", id="dunder-key"),
        pytest.param(
            "current_user._LocalProxy__wrapped",
            FLASK,
            "private name `_LocalProxy__wrapped`",
            id="name-mangled",
        ),
        pytest.param("current_user._email", FLASK, "private name `_email`", id="private"),
        pytest.param("current_user.gi_frame", FLASK, "interpreter frames", id="frame"),
        pytest.param(
            'getattr(current_user, "email")',
            FLASK,
            "calls with arguments are not allowed (`getattr(...)`)",
            id="getattr",
        ),
        pytest.param(
            "current_user.email.format(current_user)",
            FLASK,
            "calls with arguments are not allowed (`current_user.email.format(...)`)",
            id="format-call",
        ),
        pytest.param(
            "'{0.__class__}'.format(current_user)",
            FLASK,
            "(calls and attributes on string literals)",
            id="format-string-attack",
        ),
        pytest.param(
            "current_user.email.format()", FLASK, "is not an allowed call", id="format-no-args"
        ),
        pytest.param("current_user.delete()", FLASK, "is not an allowed call", id="delete"),
        pytest.param("str(current_user.a, 'x')", FLASK, "calls with arguments", id="str-two"),
        pytest.param(
            "__import__('os').system('id')",
            FLASK,
            "calls with arguments are not allowed (`__import__(...)`)",
            id="dunder-import",
        ),
        pytest.param("eval('1')", FLASK, "calls with arguments", id="eval"),
        pytest.param("lambda: current_user.email", FLASK, "(lambda)", id="lambda"),
        pytest.param(
            "[e for e in current_user.emails][0]", FLASK, "(comprehension)", id="comprehension"
        ),
        pytest.param(
            "(x := current_user.email)", FLASK, "(assignment expression `:=`)", id="walrus"
        ),
        pytest.param(
            "current_user.email if current_user else ''",
            FLASK,
            "(conditional expression)",
            id="ternary",
        ),
        pytest.param("current_user.email and 1", FLASK, "only `or` combines", id="and"),
        pytest.param("current_user.id * 2", FLASK, "only `+` joins", id="multiply"),
        pytest.param("current_user.email == 1", FLASK, "(comparison)", id="comparison"),
        pytest.param("current_user[key]", FLASK, "subscripts take one string", id="var-key"),
        pytest.param("current_user.email[1:]", FLASK, "subscripts take one", id="slice"),
        pytest.param("current_user.email + 1", FLASK, "(Integer)", id="number-piece"),
        pytest.param(
            "f'{current_user.email!r}'", FLASK, "conversions other than `!s`", id="fstring-repr"
        ),
        pytest.param(
            "f'{current_user.id:{current_user.x}}'", FLASK, "format specs", id="fstring-spec"
        ),
        pytest.param("f'{current_user.email=}'", FLASK, "format specs and `=`", id="fstring-eq"),
        pytest.param(
            "f'{open(\"/etc/passwd\").read()}'",
            FLASK,
            "calls with arguments",
            id="fstring-call",
        ),
        pytest.param("b'x' + current_user.email", FLASK, "(bytes)", id="bytes"),
        pytest.param("current_user.email # note", FLASK, "comments are not allowed", id="comm"),
        pytest.param("(current_user.email\n)", FLASK, "is one line", id="two-lines"),
        pytest.param("current_user.e\u0301mail", FLASK, "not a plain identifier", id="unicode"),
        pytest.param("await current_user.email", FLASK, "(`await`)", id="await"),
    ],
)
def test_python_refused(expr: str, roots: tuple[str, ...], rule: str) -> None:
    _assert_refused(expr, "python", roots, rule)


@pytest.mark.parametrize(
    ("expr", "roots", "rule"),
    [
        pytest.param("user.(", USER, "not a JavaScript expression", id="syntax"),
        pytest.param("user.email; fetch(x)", USER, "not a JavaScript expression", id="two"),
        pytest.param("user.a) + (user.b", USER, "not a JavaScript expression", id="parens"),
        pytest.param("user.login +", USER, "not a JavaScript expression", id="dangling"),
        pytest.param(
            "req.query.email",
            EXPRESS,
            "`req.query` is not the signed-in user (a request's query, body, params, headers "
            "and cookies are client input); it may only use req.session, req.user, user",
            id="req-query",
        ),
        pytest.param("req.body.email", EXPRESS, "`req.body` is not the signed-in", id="body"),
        pytest.param("req.params.id", EXPRESS, "`req.params` is not the", id="params"),
        pytest.param('req.headers["x-email"]', EXPRESS, "`req.headers` is not", id="headers"),
        pytest.param("req.cookies.email", EXPRESS, "`req.cookies` is not", id="cookies"),
        pytest.param("req.signedCookies.e", EXPRESS, "`req.signedCookies` is", id="signed"),
        pytest.param('req["query"].email', EXPRESS, "`req.query` is not", id="req-key"),
        pytest.param('req.get("x-email")', EXPRESS, "`req.get` is not the", id="req-get"),
        pytest.param('req.header("x-email")', EXPRESS, "`req.header` is not", id="req-header"),
        pytest.param("String(req)", EXPRESS, "`req` is not the signed-in user", id="req-bare"),
        pytest.param("req.body.email", USER, "uses req; it may only use user", id="no-req"),
        pytest.param(
            "request.headers.get('x-email')", USER, "uses request; it may only use", id="next"
        ),
        pytest.param(
            '(await import("child_process")).execSync("id")', USER, "(`await`)", id="await"
        ),
        pytest.param('import("child_process")', USER, "`import` is not allowed", id="import"),
        pytest.param("import.meta.env.SECRET", USER, "`import.meta`", id="import-meta"),
        pytest.param(
            'user.constructor.constructor("return process")()',
            USER,
            "`constructor` is not allowed (it reaches constructors",
            id="constructor-constructor",
        ),
        pytest.param("user.email.constructor", USER, "`constructor` is not", id="constructor"),
        pytest.param('user["constructor"]', USER, "`constructor` is not", id="constructor-key"),
        pytest.param("user.prototype", USER, "`prototype` is not allowed", id="prototype"),
        pytest.param("user.__proto__", USER, "dunder name `__proto__`", id="proto"),
        pytest.param('user["__proto__"]', USER, "dunder name `__proto__`", id="proto-key"),
        pytest.param("user.toString.caller", USER, "`caller` is not allowed", id="caller"),
        pytest.param("user.arguments", USER, "`arguments` is not allowed", id="arguments"),
        pytest.param(
            'user["\\u0063onstructor"]', USER, "without escapes", id="escaped-constructor-key"
        ),
        pytest.param("user.\\u0063onstructor", USER, "not a plain identifier", id="escaped"),
        pytest.param("user[someVar]", USER, "subscripts take one string", id="var-key"),
        pytest.param("user[`email`]", USER, "subscripts take one string", id="template-key"),
        pytest.param("globalThis.process", USER, "uses globalThis;", id="globalThis"),
        pytest.param("process.env.ADMIN_EMAIL", USER, "uses process; it may only", id="env"),
        pytest.param('eval("user.email")', USER, "calls with arguments are not", id="eval"),
        pytest.param('require("fs")', USER, "calls with arguments are not", id="require"),
        pytest.param('new Function("return 1")()', USER, "(`new`)", id="new-function"),
        pytest.param("String`x${user.email}`", USER, "(tagged templates)", id="tagged"),
        pytest.param("`${fetch(user.email)}`", USER, "calls with arguments", id="template-call"),
        pytest.param("`${process.exit()}`", USER, "uses process;", id="template-global-call"),
        pytest.param('"x".constructor', USER, "on string literals", id="string-constructor"),
        pytest.param("user.email.valueOf()", USER, "is not an allowed call", id="valueOf"),
        pytest.param("user.email.at(0)", USER, "calls with arguments", id="method-args"),
        pytest.param("user.email?.trim?.()", USER, "(optional calls)", id="optional-call"),
        pytest.param("user.#secret", USER, "(private fields)", id="private-field"),
        pytest.param("(() => user.email)()", USER, "(functions)", id="arrow"),
        pytest.param("user.email = 'x'", USER, "(assignment)", id="assignment"),
        pytest.param("user.a ? user.a : user.b", USER, "(conditional expression)", id="ternary"),
        pytest.param("user.email && user.email", USER, "only `||`, `??` and `+`", id="and"),
        pytest.param("user.email || 1", USER, "(number)", id="number-piece"),
        pytest.param("user.email, user.name", USER, "(sequence expression)", id="sequence"),
        pytest.param("user.email as typeof import('fs')", USER, "(type)", id="type-import"),
        pytest.param("user.email /* note */", USER, "comments are not allowed", id="comment"),
        pytest.param("user.email // note", USER, "comments are not allowed", id="line-comment"),
        pytest.param("`${user.first}\n${user.last}`", USER, "is one line", id="two-lines"),
        pytest.param("this.user.email", USER, "(this)", id="this"),
    ],
)
def test_javascript_refused(expr: str, roots: tuple[str, ...], rule: str) -> None:
    _assert_refused(expr, "javascript", roots, rule)


@pytest.mark.parametrize(
    ("expr", "rule"),
    [
        pytest.param("$user->", "not a PHP expression", id="syntax"),
        pytest.param("$user->email; exit()", "not a PHP expression", id="two-statements"),
        pytest.param("$user->email ?> <?php", "not a PHP expression", id="close-tag"),
        pytest.param(
            'system("id")',
            "calls with arguments are not allowed (`system(...)`), except mb_strtolower(), "
            "strtolower(), strval(), trim() of one value",
            id="system",
        ),
        pytest.param(
            '$user->user_email . system("id")',
            "calls with arguments are not allowed (`system(...)`)",
            id="concat-system",
        ),
        pytest.param("exec($user->user_login)", "calls with arguments", id="exec"),
        pytest.param("phpinfo()", "`phpinfo()` is not an allowed call", id="no-args"),
        pytest.param("trim($user->a, 'x')", "`trim()` takes one value", id="two-args"),
        pytest.param("trim(...)", "`trim()` takes one value", id="first-class-callable"),
        pytest.param("trim(string: $user->a)", "`trim()` takes one value", id="named-argument"),
        pytest.param("\\Vendor\\trim($user->a)", "calls with arguments", id="namespaced"),
        pytest.param("$f($user->a)", "calls with arguments", id="variable-function"),
        pytest.param(
            'file_get_contents("php://input")',
            "php:// streams are request input",
            id="php-input",
        ),
        pytest.param(
            "$_GET['e']",
            "`$_GET` is a PHP superglobal (request input, never the signed-in user); "
            "it may only use $user",
            id="get",
        ),
        pytest.param("$_POST['email']", "`$_POST` is a PHP superglobal", id="post"),
        pytest.param("$_REQUEST['email']", "`$_REQUEST` is a PHP superglobal", id="request"),
        pytest.param("$_COOKIE['email']", "`$_COOKIE` is a PHP superglobal", id="cookie"),
        pytest.param("$_SERVER['HTTP_X_EMAIL']", "`$_SERVER` is a PHP", id="server"),
        pytest.param("$_FILES['f']['name']", "`$_FILES` is a PHP superglobal", id="files"),
        pytest.param("$_ENV['ADMIN_EMAIL']", "`$_ENV` is a PHP superglobal", id="env"),
        pytest.param("$_SESSION['email']", "`$_SESSION` is a PHP superglobal", id="session"),
        pytest.param("$GLOBALS['user']->user_email", "`$GLOBALS` is a PHP", id="globals"),
        pytest.param("$current_user->user_email", "uses $current_user; it may only", id="other"),
        pytest.param("$this->user_email", "uses $this;", id="this"),
        pytest.param("`id`", "(backtick shell commands)", id="backticks"),
        pytest.param("$$var", "(variable variables)", id="variable-variable"),
        pytest.param("$user->{$x}", "(dynamic property names)", id="dynamic-property"),
        pytest.param("$user->$x", "(dynamic property names)", id="variable-property"),
        pytest.param("$user->data[$k]", "subscripts take one string", id="variable-key"),
        pytest.param('$user->data["\\x5f"]', "without escapes", id="escaped-key"),
        pytest.param("$user->__get('x')", "(method calls; read the user's", id="magic-method"),
        pytest.param("$user->get_name()", "(method calls; read the user's", id="method"),
        pytest.param("$user?->get_name()", "(method calls;", id="nullsafe-method"),
        pytest.param("$user->__x", "dunder name `__x`", id="dunder-property"),
        pytest.param("include 'wp-config.php'", "(`include`)", id="include"),
        pytest.param("require 'wp-config.php'", "(`require`)", id="require"),
        pytest.param("print $user->user_email", "(`print`)", id="print"),
        pytest.param("<<<EOT\n{$_GET['e']}\nEOT", "(heredocs)", id="heredoc"),
        pytest.param('"x{$user->user_email}"', "(interpolation in double-quoted", id="interp"),
        pytest.param('"$user->user_email"', "(interpolation in double-quoted", id="interp-var"),
        pytest.param("(int) $user->ID", "(casts other than `(string)`)", id="int-cast"),
        pytest.param("$user->a ? $user->b : 'x'", "(only the short `?:`", id="ternary"),
        pytest.param("$user->a || 'x'", "only `.`, `??` and `?:`", id="or"),
        pytest.param("User::$email", "(static access)", id="static"),
        pytest.param("User::find(1)", "(static calls)", id="static-call"),
        pytest.param("new WP_User(1)", "(`new`)", id="new"),
        pytest.param("fn() => 1", "(functions)", id="arrow"),
        pytest.param("$user->email = 'x'", "(assignment)", id="assignment"),
        pytest.param("$user->user_email /* x */", "comments are not allowed", id="comment"),
        pytest.param("$user->user_email # x", "comments are not allowed", id="hash-comment"),
    ],
)
def test_php_refused(expr: str, rule: str) -> None:
    _assert_refused(expr, "php", WP, rule)


def _assert_refused(expr: str, language: str, roots: tuple[str, ...], rule: str) -> None:
    with pytest.raises(UsageError) as refused:
        exprs.check(expr, "--email-expr", language, roots)
    message = refused.value.message
    assert message.startswith(f"--email-expr {expr.strip()!r}: ")
    assert rule in message
    assert "\n" not in message


# The roots each stack passes, by fixture: what `inspect` reports must be inside the grammar, so
# that an answer copied from the report and edited is accepted.
_FIXTURE_ROOTS = {
    "flask": ("python", ("current_user", "g")),
    "django": ("python", USER),
    "fastapi": ("python", USER),
    "express": ("javascript", EXPRESS),
    "nextjs-clerk-v4": ("javascript", ("user", "primaryEmail", "fullName")),
    "nextjs-clerk": ("javascript", USER),
    "nextjs-supabase": ("javascript", USER),
    "nextjs-firebase": ("javascript", ("decoded",)),
    "nextjs-nextauth-jwt": ("javascript", USER),  # its getCurrentUser() gives the user
    "nextjs": ("javascript", NEXT),
    "wp": ("php", WP),
}


@pytest.mark.parametrize(
    "fixture", [pytest.param(p.name, id=p.name) for p in sorted(FIXTURES.iterdir())]
)
def test_detected_expressions_are_inside_the_grammar(fixture: str) -> None:
    code, doc = run_json("inspect", str(FIXTURES / fixture))
    assert code in (0, 3), doc
    key = next(k for k in _FIXTURE_ROOTS if fixture.startswith(k))
    language, roots = _FIXTURE_ROOTS[key]
    found = [doc["auth"][k]["expr"] for k in ("email", "name", "user_id") if doc["auth"][k]]
    assert found
    for expr in found:
        assert exprs.check(expr, "--email-expr", language, roots) == expr


def test_user_exprs_keep_what_was_found_unless_answered() -> None:
    found = UserExpr("user.email", "models.py", 3)
    email, name, user_id = exprs.user_exprs(
        found, None, None, Answers(name_expr="user.nickname"), "python", {"user"}
    )
    assert email is found and user_id is None
    assert name == UserExpr("user.nickname", None, None, "given with --name-expr")


def test_the_flag_is_named() -> None:
    with pytest.raises(UsageError, match=r"^--id-expr 'user\.__class__': dunder"):
        exprs.user_exprs(None, None, None, Answers(id_expr="user.__class__"), "python", USER)


@pytest.mark.parametrize(
    ("fixture", "flag", "expr", "rule"),
    [
        pytest.param(
            "flask-login",
            "--email-expr",
            "current_user.get_id.__globals__['os'].system('id')",
            "dunder name `__globals__`",
            id="flask",
        ),
        pytest.param(
            "django-auth",
            "--name-expr",
            "getattr(user, 'email')",
            "calls with arguments are not allowed (`getattr(...)`)",
            id="django",
        ),
        pytest.param(
            "fastapi-oauth2",
            "--email-expr",
            "request.headers['x-email']",
            "uses request; it may only use user",
            id="fastapi",
        ),
        pytest.param(
            "express-passport-ejs",
            "--email-expr",
            "req.query.email",
            "`req.query` is not the signed-in user",
            id="express",
        ),
        pytest.param(
            "nextjs-clerk",
            "--id-expr",
            "user.constructor.constructor('x')()",
            "`constructor` is not allowed",
            id="nextjs",
        ),
        pytest.param(
            "wp-block-theme",
            "--email-expr",
            "$_POST['email']",
            "`$_POST` is a PHP superglobal",
            id="wordpress",
        ),
    ],
)
def test_refused_answer_exits_2_and_changes_nothing(
    tmp_path: Path, fixture: str, flag: str, expr: str, rule: str
) -> None:
    root = copy_fixture(fixture, tmp_path)
    before = tree_digest(root)
    result = run("apply", root, "--yes", "--api-key", "pk_test", flag, expr)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"bcb-scaffold: error: {flag} {expr!r}: ")
    assert rule in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert tree_digest(root) == before
