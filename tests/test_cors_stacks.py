"""CORS answering any origin with credentials, per stack (scaffolder.cors): the fixtures with
such a policy added where their own code would have it. `inspect` reports it (`cors-credentials`,
path:line), `apply` warns with the stack's fix and its endpoint refuses cross-site cookie
requests (`Sec-Fetch-Site`); with an allow-list instead, nothing of it; `check` passes the
applied integration and flags the policy over an endpoint written without the refusal."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from scaffolder import check
from scaffolder.cors import KIND, REFUSAL
from scaffolder.project import Project
from tests.helpers import copy_fixture, run


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new))


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


@dataclass(frozen=True)
class Shape:
    fixture: str
    config: str
    """The file the policy is written in."""
    marker: str
    """What its line says."""
    add: Callable[[Path, bool], None]
    """Writes the policy into the copy: permissive (True) or as an allow-list (False)."""
    flags: tuple[str, ...] = ("--api-key", "pk_test_cors")
    fix: str = ""


def _express(root: Path, permissive: bool) -> None:
    origin = "true" if permissive else "['https://recipes.example.com']"
    edit(root / "app.js", "const passport", "const cors = require('cors');\nconst passport")
    edit(
        root / "app.js",
        "app.use(express.urlencoded",
        f"app.use(cors({{ origin: {origin}, credentials: true }}));\napp.use(express.urlencoded",
    )
    manifest = json.loads((root / "package.json").read_text())
    manifest["dependencies"]["cors"] = "^2.8.5"
    (root / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _flask(root: Path, permissive: bool) -> None:
    origins = "" if permissive else 'origins=["https://books.example.com"], '
    edit(root / "app/__init__.py", "from config", "from flask_cors import CORS\nfrom config")
    edit(
        root / "app/__init__.py",
        "    db.init_app(app)\n",
        f"    db.init_app(app)\n    CORS(app, {origins}supports_credentials=True)\n",
    )


def _django(settings: str) -> Callable[[Path, bool], None]:
    def add(root: Path, permissive: bool) -> None:
        path = root / settings
        text = path.read_text()
        text = re.sub(
            r"MIDDLEWARE = \[\n",
            "MIDDLEWARE = [\n    'corsheaders.middleware.CorsMiddleware',\n",
            text,
            count=1,
        )
        allowed = (
            "CORS_ALLOW_ALL_ORIGINS = True"
            if permissive
            else ("CORS_ALLOWED_ORIGINS = ['https://app.example.com']")
        )
        path.write_text(text + f"\n{allowed}\nCORS_ALLOW_CREDENTIALS = True\n")

    return add


def _fastapi(path: str, anchor: str) -> Callable[[Path, bool], None]:
    def add(root: Path, permissive: bool) -> None:
        origins = '["*"]' if permissive else '["https://recipes.example.com"]'
        module = root / path
        module.write_text(
            "from fastapi.middleware.cors import CORSMiddleware\n" + module.read_text()
        )
        edit(
            module,
            anchor,
            f"app.add_middleware(CORSMiddleware, allow_origins={origins}, allow_credentials=True)\n"
            + anchor,
        )

    return add


def _nextjs(root: Path, permissive: bool) -> None:
    test = "origin" if permissive else "origin && TRUSTED.has(origin)"
    edit(
        root / "src/middleware.ts",
        "  return await updateSession(request);",
        "  const response = await updateSession(request);\n"
        '  const origin = request.headers.get("origin");\n'
        f"  if ({test}) {{\n"
        '    response.headers.set("Access-Control-Allow-Origin", origin);\n'
        '    response.headers.set("Access-Control-Allow-Credentials", "true");\n'
        "  }\n"
        "  return response;",
    )
    if not permissive:
        edit(
            root / "src/middleware.ts",
            "export async function",
            'const TRUSTED = new Set(["https://app.example.com"]);\n\nexport async function',
        )


def _nextjs_pages(root: Path, permissive: bool) -> None:
    """A Pages Router app's middleware written for its partners' sites."""
    test = "origin" if permissive else "origin && PARTNERS.has(origin)"
    (root / "src/middleware.ts").write_text(
        'import { NextResponse, type NextRequest } from "next/server";\n\n'
        'const PARTNERS = new Set(["https://partner.example.com"]);\n\n'
        "export function middleware(request: NextRequest) {\n"
        "  const response = NextResponse.next();\n"
        '  const origin = request.headers.get("origin");\n'
        f"  if ({test}) {{\n"
        '    response.headers.set("Access-Control-Allow-Origin", origin);\n'
        '    response.headers.set("Access-Control-Allow-Credentials", "true");\n'
        "  }\n"
        "  return response;\n"
        "}\n\n"
        'export const config = { matcher: ["/api/:path*"] };\n'
    )


SHAPES = {
    "express": Shape(
        "express-passport-ejs", "app.js", "app.use(cors(", _express, fix="give cors() the app's"
    ),
    "flask": Shape(
        "flask-login", "app/__init__.py", "CORS(app", _flask, fix="Flask-CORS's `origins=[...]`"
    ),
    "django": Shape(
        "django-auth",
        "recipebox/settings.py",
        "CORS_ALLOW_ALL_ORIGINS",
        _django("recipebox/settings.py"),
        fix="CORS_ALLOWED_ORIGINS",
    ),
    "django-drf": Shape(
        "django-drf-spa",
        "backend/server/settings.py",
        "CORS_ALLOW_ALL_ORIGINS",
        _django("backend/server/settings.py"),
        fix="CORS_ALLOWED_ORIGINS",
    ),
    "django-ninja": Shape(
        "django-ninja",
        "tidepool/settings.py",
        "CORS_ALLOW_ALL_ORIGINS",
        _django("tidepool/settings.py"),
        fix="CORS_ALLOWED_ORIGINS",
    ),
    "fastapi": Shape(
        "fastapi-jinja",
        "app/main.py",
        "CORSMiddleware, allow_origins",
        _fastapi("app/main.py", "app.add_middleware(SessionMiddleware"),
        fix="CORSMiddleware's allow_origins",
    ),
    "nextjs": Shape(
        "nextjs-supabase",
        "src/middleware.ts",
        '"Access-Control-Allow-Origin"',
        _nextjs,
        flags=(),
        fix="an allow-list",
    ),
    "nextjs-pages": Shape(
        "nextjs-nextauth-pages",
        "src/middleware.ts",
        '"Access-Control-Allow-Origin"',
        _nextjs_pages,
        fix="an allow-list",
    ),
}


def prepared(tmp_path: Path, shape: Shape, permissive: bool) -> Path:
    root = copy_fixture(shape.fixture, tmp_path)
    shape.add(root, permissive)
    return root


def inspected(root: Path, *flags: str) -> list[dict[str, object]]:
    result = run("inspect", root, "--json", *flags)
    assert result.exit_code == 0, result.output
    return [f for f in json.loads(result.stdout)["findings"] if f["kind"] == KIND]


def planned(root: Path, *flags: str) -> dict[str, object]:
    result = run("apply", root, "--dry-run", "--json", *flags)
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


def cors_warnings(document: dict[str, object]) -> list[str]:
    warnings = document["warnings"]
    assert isinstance(warnings, list)
    return [w for w in warnings if "impersonate them in the chat" in w]


@pytest.mark.parametrize("stack", SHAPES)
def test_a_permissive_policy_is_reported_warned_and_refused(tmp_path: Path, stack: str) -> None:
    shape = SHAPES[stack]
    root = prepared(tmp_path, shape, permissive=True)
    line = line_of(root / shape.config, shape.marker)
    [finding] = inspected(root, *shape.flags)
    assert finding["evidence"] == [{"file": shape.config, "line": line, "why": finding["value"]}]
    document = planned(root, *shape.flags)
    [warning] = cors_warnings(document)
    assert warning.startswith(f"{shape.config}:{line}: ") and shape.fix in warning
    assert "meanwhile the endpoint answers 403" in warning
    diff = str(document["diff"])
    assert REFUSAL.search(diff) and "403" in diff and "cross-site" in diff
    # written, the integration passes its own check (apply checks the plan before writing)
    assert run("apply", root, "--yes", *shape.flags).exit_code == 0
    report = check.run(Project(root))
    assert report.found and not [v for v in report.violations if v.rule.startswith("endpoint")]


@pytest.mark.parametrize("stack", SHAPES)
def test_an_allow_list_is_nothing(tmp_path: Path, stack: str) -> None:
    shape = SHAPES[stack]
    root = prepared(tmp_path, shape, permissive=False)
    assert inspected(root, *shape.flags) == []
    document = planned(root, *shape.flags)
    assert cors_warnings(document) == []
    assert not REFUSAL.search(str(document["diff"]))


def test_a_bearer_only_fastapi_app_gets_no_refusal(tmp_path: Path) -> None:
    """Another site's page has no bearer token to send: the finding stays, the plan neither
    warns nor adds the refusal, and the check agrees."""
    shape = Shape(
        "fastapi-http-bearer",
        "app/main.py",
        "CORSMiddleware, allow_origins",
        _fastapi("app/main.py", "app.include_router("),
    )
    root = prepared(tmp_path, shape, permissive=True)
    assert len(inspected(root)) == 1
    document = planned(root)
    assert cors_warnings(document) == [] and not REFUSAL.search(str(document["diff"]))
    assert run("apply", root, "--yes").exit_code == 0
    assert check.run(Project(root)).ok


def test_check_flags_the_policy_over_an_endpoint_without_the_refusal(tmp_path: Path) -> None:
    """The refusal taken out of the applied Express module: the policy's line is flagged."""
    shape = SHAPES["express"]
    root = prepared(tmp_path, shape, permissive=True)
    assert run("apply", root, "--yes", *shape.flags).exit_code == 0
    module = next(p for p in root.rglob("bestchatbot.js") if "node_modules" not in p.parts)
    text = module.read_text()
    start = text.index("  // The app's CORS policy")
    end = text.index("  if (!claims)")
    module.write_text(text[:start] + text[end:])
    found = [
        v for v in check.run(Project(root)).violations if v.rule == "endpoint-cors-credentials"
    ]
    assert [(v.file, v.line) for v in found] == [("app.js", line_of(root / "app.js", "cors({"))]
