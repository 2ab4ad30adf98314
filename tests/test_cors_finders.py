"""The CORS finders (scaffolder.cors): each shape of a policy that answers any origin with
credentials is found at its line, with the paths it covers; allow-lists, fixed origins, `*`
without reflection, values read at run time and development settings yield nothing."""

from __future__ import annotations

import ast
import textwrap

import pytest

from scaffolder.cors import Permissive, matches_any_origin, reaching
from scaffolder.cors import javascript as js
from scaffolder.cors import python as py
from scaffolder.js.syntax import Source
from scaffolder.python.source import PyModule


def module(path: str, text: str) -> PyModule:
    text = textwrap.dedent(text)
    name = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
    return PyModule(path, name, ast.parse(text), text, path.endswith("__init__.py"))


def lines(found: list[Permissive]) -> list[tuple[str, int]]:
    return [(p.file, p.line) for p in found]


# -- Flask-CORS ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "line", "covers"),
    [
        pytest.param(
            """\
            from flask_cors import CORS
            app = Flask(__name__)
            CORS(app, supports_credentials=True)
            """,
            3,
            True,
            id="default origins",
        ),
        pytest.param(
            """\
            import flask_cors
            flask_cors.CORS(app, origins="*", supports_credentials=True)
            """,
            2,
            True,
            id="origins star, module import",
        ),
        pytest.param(
            """\
            from flask_cors import CORS
            ORIGINS = [r"https?://.*"]
            CORS(app, origins=ORIGINS, supports_credentials=True)
            """,
            3,
            True,
            id="catch-all pattern through a constant",
        ),
        pytest.param(
            """\
            from flask_cors import CORS
            CORS(app, resources={r"/api/*": {"origins": "*", "supports_credentials": True}})
            """,
            2,
            True,
            id="a resource covering the API",
        ),
        pytest.param(
            """\
            from flask_cors import CORS
            CORS(app, resources={r"/public/*": {}}, supports_credentials=True)
            """,
            2,
            False,
            id="a resource elsewhere",
        ),
    ],
)
def test_flask_cors_fixes(code: str, line: int, covers: bool) -> None:
    found = py.flask_cors([module("app/__init__.py", code)])
    assert lines(found) == [("app/__init__.py", line)]
    assert "Flask-CORS" in found[0].why and "origins=[" in found[0].fix
    assert bool(reaching(found, "/api/widget-token")) is covers


def test_flask_cors_init_app_in_another_module_with_the_config() -> None:
    extensions = module("app/extensions.py", "from flask_cors import CORS\ncors = CORS()\n")
    factory = module(
        "app/__init__.py",
        """\
        from .extensions import cors
        def create_app():
            app = Flask(__name__)
            cors.init_app(app)
            return app
        """,
    )
    config = module("config.py", "class Config:\n    CORS_SUPPORTS_CREDENTIALS = True\n")
    assert lines(py.flask_cors([extensions, factory, config])) == [("app/__init__.py", 4)]


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("CORS(app)\n", id="no credentials"),
        pytest.param(
            'CORS(app, origins=["https://app.example.com"], supports_credentials=True)\n',
            id="an allow-list",
        ),
        pytest.param(
            "CORS(app, origins=settings.ORIGINS, supports_credentials=True)\n",
            id="origins read at run time",
        ),
        pytest.param(
            "CORS(app, supports_credentials=settings.DEBUG)\n", id="credentials read at run time"
        ),
        pytest.param("CORS(app, **options)\n", id="spread options"),
        pytest.param(
            "CORS(app, supports_credentials=True, send_wildcard=True)\n",
            id="send_wildcard (Flask-CORS refuses it)",
        ),
        pytest.param("cors = CORS(supports_credentials=True)\n", id="never initialised"),
    ],
)
def test_flask_cors_noop(code: str) -> None:
    mod = module("app.py", "from flask_cors import CORS\n" + code)
    assert py.flask_cors([mod]) == []


def test_flask_cors_development_config_and_tests_are_not_the_app() -> None:
    config = module(
        "config.py",
        """\
        class DevelopmentConfig:
            CORS_SUPPORTS_CREDENTIALS = True
        """,
    )
    app = module("app.py", "from flask_cors import CORS\nCORS(app)\n")
    in_tests = module(
        "tests/conftest.py", "from flask_cors import CORS\nCORS(app, supports_credentials=True)\n"
    )
    assert py.flask_cors([config, app, in_tests]) == []


# -- django-cors-headers -------------------------------------------------------------------------

MIDDLEWARE = 'MIDDLEWARE = ["corsheaders.middleware.CorsMiddleware"]\n'


@pytest.mark.parametrize(
    ("settings", "line", "covers"),
    [
        pytest.param(
            "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n",
            2,
            True,
            id="allow all",
        ),
        pytest.param(
            "CORS_ORIGIN_ALLOW_ALL = True\nCORS_ALLOW_CREDENTIALS = True\n",
            2,
            True,
            id="the older name",
        ),
        pytest.param(
            'CORS_ALLOWED_ORIGIN_REGEXES = [r"^https?://.*$"]\nCORS_ALLOW_CREDENTIALS = True\n',
            2,
            True,
            id="catch-all regex",
        ),
        pytest.param(
            "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n"
            'CORS_URLS_REGEX = r"^/public/.*$"\n',
            2,
            False,
            id="limited to other URLs",
        ),
    ],
)
def test_django_cors_fixes(settings: str, line: int, covers: bool) -> None:
    found = py.django_cors([module("site/settings.py", MIDDLEWARE + settings)])
    assert lines(found) == [("site/settings.py", line)]
    assert "CORS_ALLOWED_ORIGINS" in found[0].fix
    assert bool(reaching(found, "/api/widget-token/")) is covers


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param("CORS_ALLOW_ALL_ORIGINS = True\n", id="no credentials"),
        pytest.param(
            'CORS_ALLOWED_ORIGINS = ["https://shop.example.com"]\nCORS_ALLOW_CREDENTIALS = True\n',
            id="an allow-list",
        ),
        pytest.param(
            'CORS_ALLOWED_ORIGIN_REGEXES = [r"^https://\\w+\\.example\\.com$"]\n'
            "CORS_ALLOW_CREDENTIALS = True\n",
            id="a subdomain pattern",
        ),
        pytest.param(
            "if DEBUG:\n    CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n",
            id="under if DEBUG",
        ),
        pytest.param(
            'CORS_ALLOW_ALL_ORIGINS = env.bool("CORS_ALL")\nCORS_ALLOW_CREDENTIALS = True\n',
            id="read from the environment",
        ),
    ],
)
def test_django_cors_noop(settings: str) -> None:
    assert py.django_cors([module("site/settings.py", MIDDLEWARE + settings)]) == []


def test_django_cors_without_its_middleware() -> None:
    text = "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n"
    assert py.django_cors([module("site/settings.py", text)]) == []


def test_django_settings_chains_follow_star_imports_and_leave_development_out() -> None:
    base = module(
        "site/settings/base.py",
        MIDDLEWARE + "CORS_ALLOW_CREDENTIALS = True\nCORS_ALLOW_ALL_ORIGINS = True\n",
    )
    prod = module("site/settings/prod.py", "from .base import *\nCORS_ALLOW_ALL_ORIGINS = False\n")
    staging = module("site/settings/staging.py", "from .base import *\nDEBUG = False\n")
    dev = module("site/settings/dev.py", "from .base import *\nCORS_ALLOW_ALL_ORIGINS = True\n")
    chains = py.settings_chains([base, prod, staging, dev])
    assert [[m.path for m in c] for c in chains] == [
        ["site/settings/base.py", "site/settings/dev.py"],
        ["site/settings/base.py", "site/settings/prod.py"],
        ["site/settings/base.py", "site/settings/staging.py"],
    ]
    found = [lines(py.django_cors(chain)) for chain in chains]
    assert found == [[], [], [("site/settings/base.py", 3)]]


# -- Starlette / FastAPI -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "line"),
    [
        pytest.param(
            """\
            from fastapi.middleware.cors import CORSMiddleware
            app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
            """,
            2,
            id="add_middleware star",
        ),
        pytest.param(
            """\
            from starlette.middleware import Middleware
            from starlette.middleware.cors import CORSMiddleware
            app = Starlette(middleware=[
                Middleware(CORSMiddleware, allow_origin_regex=".*", allow_credentials=True),
            ])
            """,
            4,
            id="Middleware catch-all regex",
        ),
        pytest.param(
            """\
            from starlette.middleware.cors import CORSMiddleware
            ORIGINS = ("*",)
            application = CORSMiddleware(app, allow_origins=ORIGINS, allow_credentials=True)
            """,
            3,
            id="wrapping the app, through a constant",
        ),
    ],
)
def test_starlette_cors_fixes(code: str, line: int) -> None:
    found = py.starlette_cors([module("main.py", code)])
    assert lines(found) == [("main.py", line)]
    assert "allow_origins" in found[0].fix and found[0].scope is None


@pytest.mark.parametrize(
    "options",
    [
        pytest.param('allow_origins=["*"]', id="no credentials"),
        pytest.param(
            'allow_origins=["https://a.example.com"], allow_credentials=True', id="a list"
        ),
        pytest.param("allow_origins=settings.ORIGINS, allow_credentials=True", id="settings"),
        pytest.param(
            'allow_origin_regex=r"https://.*\\.example\\.com", allow_credentials=True',
            id="a subdomain pattern",
        ),
    ],
)
def test_starlette_cors_noop(options: str) -> None:
    code = "from fastapi.middleware.cors import CORSMiddleware\n"
    code += f"app.add_middleware(CORSMiddleware, {options})\n"
    assert py.starlette_cors([module("main.py", code)]) == []


@pytest.mark.parametrize(
    ("code", "bearer"),
    [
        pytest.param('oauth2 = OAuth2PasswordBearer(tokenUrl="token")\n', True, id="oauth2 only"),
        pytest.param(
            'oauth2 = OAuth2PasswordBearer(tokenUrl="token")\n'
            'def user(request):\n    return request.cookies.get("sid")  # a cookie too\n',
            False,
            id="a cookie read too",
        ),
        pytest.param("app.add_middleware(SessionMiddleware)\n", False, id="sessions"),
        pytest.param("# OAuth2PasswordBearer, said in a comment\n", False, id="no scheme"),
    ],
)
def test_bearer_only(code: str, bearer: bool) -> None:
    assert py.bearer_only([module("deps.py", code)]) is bearer


# -- the cors package and headers set by hand ----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "code", "line", "covers"),
    [
        pytest.param(
            "app.js",
            """\
            const cors = require("cors");
            app.use(cors({ origin: true, credentials: true }));
            """,
            2,
            True,
            id="origin true",
        ),
        pytest.param(
            "app.mjs",
            """\
            import cors from "cors";
            const corsOptions = { origin: /.*/, credentials: true };
            app.use("/api", cors(corsOptions));
            """,
            3,
            True,
            id="catch-all RegExp through a const, mounted at /api",
        ),
        pytest.param(
            "server.ts",
            """\
            import cors from "cors";
            app.use(cors({
              origin: (origin: string | undefined, cb: (e: Error | null, ok?: boolean) => void) =>
                cb(null, true),
              credentials: true,
            }));
            """,
            2,
            True,
            id="a callback allowing every origin",
        ),
        pytest.param(
            "app.js",
            """\
            const cors = require("cors");
            function echo(origin, callback) {
              callback(null, origin);
            }
            app.use(cors({ origin: echo, credentials: true }));
            """,
            5,
            True,
            id="a declared callback echoing the origin",
        ),
        pytest.param(
            "app.js",
            """\
            const cors = require("cors");
            app.use(cors({ credentials: true, origin(origin, done) { return done(null, true); } }));
            """,
            2,
            True,
            id="a method allowing every origin",
        ),
        pytest.param(
            "app.js",
            """\
            const cors = require("cors");
            app.use("/public", cors({ origin: true, credentials: true }));
            """,
            2,
            False,
            id="mounted elsewhere",
        ),
    ],
)
def test_express_cors_fixes(path: str, code: str, line: int, covers: bool) -> None:
    found = js.express_cors([Source.of(path, textwrap.dedent(code))])
    assert lines(found) == [(path, line)]
    assert bool(reaching(found, "/api/widget-token")) is covers


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("app.use(cors());\n", id="defaults: * without credentials"),
        pytest.param("app.use(cors({ credentials: true }));\n", id="* with credentials"),
        pytest.param(
            'app.use(cors({ origin: ["https://app.example.com"], credentials: true }));\n',
            id="an allow-list",
        ),
        pytest.param("app.use(cors({ origin: true }));\n", id="no credentials"),
        pytest.param(
            "app.use(cors({ origin: /\\.example\\.com$/, credentials: true }));\n",
            id="a domain RegExp",
        ),
        pytest.param(
            "app.use(cors({ origin(origin, cb) { cb(null, allowed.has(origin)); }, "
            "credentials: true }));\n",
            id="a callback checking a list",
        ),
        pytest.param(
            'app.options("*", cors({ origin: true, credentials: true }));\n',
            id="preflights only",
        ),
        pytest.param("app.use(cors(config.cors));\n", id="options read at run time"),
    ],
)
def test_express_cors_noop(code: str) -> None:
    source = Source.of("app.js", 'const cors = require("cors");\n' + code)
    assert js.express_cors([source]) == []


REFLECTING = """\
function allowCredentials(req, res, next) {
  const origin = req.headers.origin;
  if (origin) {
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Access-Control-Allow-Credentials", "true");
  }
  next();
}
"""


def test_reflected_by_express_middleware() -> None:
    found = js.reflected([Source.of("src/cors.js", REFLECTING)], middleware_only=True)
    assert lines(found) == [("src/cors.js", 4)] and "allow-list" in found[0].fix


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(
            REFLECTING.replace("if (origin)", "if (allowed.includes(origin))"), id="an allow-list"
        ),
        pytest.param(REFLECTING.replace('"true"', '"false"'), id="no credentials"),
        pytest.param(
            REFLECTING.replace("req.headers.origin", '"https://app.example.com"'),
            id="a fixed origin",
        ),
        pytest.param(
            REFLECTING.replace("(req, res, next)", "(req, res)").replace("  next();\n", ""),
            id="a route's own handler",
        ),
    ],
)
def test_reflected_noop(code: str) -> None:
    assert js.reflected([Source.of("src/cors.js", code)], middleware_only=True) == []


NEXT_MIDDLEWARE = """\
import { NextResponse, type NextRequest } from "next/server";

export function middleware(request: NextRequest) {
  const response = NextResponse.next();
  response.headers.set("Access-Control-Allow-Origin", request.headers.get("origin") ?? "*");
  response.headers.set("Access-Control-Allow-Credentials", "true");
  return response;
}
"""


@pytest.mark.parametrize(
    ("config", "covers"),
    [
        pytest.param("", True, id="no matcher"),
        pytest.param('export const config = { matcher: "/api/:path*" };\n', True, id="the API"),
        pytest.param(
            'export const config = { matcher: ["/((?!api|_next/static|favicon.ico).*)"] };\n',
            False,
            id="everything but the API",
        ),
        pytest.param(
            'export const config = { matcher: [{ source: "/embed/:path*" }] };\n',
            False,
            id="elsewhere",
        ),
    ],
)
def test_reflected_by_nextjs_middleware(config: str, covers: bool) -> None:
    source = Source.of("src/middleware.ts", NEXT_MIDDLEWARE + config)
    found = js.reflected([source], middleware_only=False)
    assert lines(found) == [("src/middleware.ts", 5)]
    assert bool(reaching(found, "/api/widget-token")) is covers


@pytest.mark.parametrize(
    ("pattern", "how", "any_origin"),
    [
        (".*", "fullmatch", True),
        ("https?://.*", "fullmatch", True),
        (r"https://.*\.example\.com", "fullmatch", False),
        (r"^https://(www\.)?example\.com$", "match", False),
        (".", "search", True),
        (r"example\.com$", "search", False),
        ("(", "match", False),
    ],
)
def test_matches_any_origin(pattern: str, how: str, any_origin: bool) -> None:
    assert matches_any_origin(pattern, how) is any_origin  # type: ignore[arg-type]
