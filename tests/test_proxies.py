"""What sits in front of the route: the prefixes proxies in the repository forward to a backend
(`scaffolder.proxies`), and the endpoint prefix chosen under them."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path

import pytest

from scaffolder import proxies
from scaffolder.model import Evidence
from scaffolder.project import Project
from scaffolder.proxies import Forward
from tests.helpers import (
    apply_twice,
    assert_contract,
    copy_fixture,
    imported,
    run_json,
    tree_digest,
    verify,
)
from tests.test_verify_e2e import serving


def found(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str, bool, str]]:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return [
        (f.prefix, f.target, f.rewrites, f.evidence.location())
        for f in proxies.forwards(Project(tmp_path))
    ]


NGINX = """\
    upstream api_upstream { server backend:8000; }
    server {
        listen 80;
        location / {
            root /usr/share/nginx/html;
            try_files $uri /index.html;
        }
        location /api/ {
            proxy_pass http://api_upstream;
        }
        location ^~ /backend/ {
            proxy_pass http://backend:8000/;  # strips /backend
        }
        location = /healthz { proxy_pass http://backend:8000; }
    }
"""


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(
            {"deploy/nginx/site.conf": NGINX},
            [
                ("/api", "http://api_upstream", False, "deploy/nginx/site.conf:8"),
                ("/backend", "http://backend:8000/", True, "deploy/nginx/site.conf:11"),
            ],
            id="nginx-locations",
        ),
        pytest.param(
            {
                "nginx.conf": """\
                location / { try_files $uri @app; }
                location @app { proxy_pass http://app_server; }
                """
            },
            [("/", "http://app_server", False, "nginx.conf:1")],
            id="nginx-named-location",
        ),
        pytest.param(
            {
                "docker-compose.yml": """\
                services:
                  api:
                    build: ./backend
                    labels:
                      - "traefik.http.routers.api.rule=Host(`x.test`) && PathPrefix(`/api`)"
                  web:
                    labels:
                      - traefik.http.routers.web.rule=Host(`x.test`)
                """
            },
            [
                ("/api", "api", False, "docker-compose.yml:5"),
                ("/", "web", False, "docker-compose.yml:8"),
            ],
            id="traefik-labels",
        ),
        pytest.param(
            {
                "traefik/dynamic.yml": """\
                http:
                  routers:
                    django:
                      rule: "PathPrefix(`/accounts`) || PathPrefix(`/drf`)"
                """
            },
            [
                ("/accounts", "django", False, "traefik/dynamic.yml:4"),
                ("/drf", "django", False, "traefik/dynamic.yml:4"),
            ],
            id="traefik-dynamic-yaml",
        ),
        pytest.param(
            {
                "web/vite.config.ts": """\
                export default defineConfig({
                  server: {
                    proxy: {
                      "/api": "http://localhost:8000",
                      "^/backend/.*": { target: "http://localhost:5000", changeOrigin: true },
                      "/auth": { target: "http://localhost:5000", rewrite: (p) => p.slice(5) },
                      "^/(a|b)/": "http://localhost:5000",
                    },
                  },
                })
                """
            },
            [
                ("/api", "http://localhost:8000", False, "web/vite.config.ts:4"),
                ("/backend", "http://localhost:5000", False, "web/vite.config.ts:5"),
                ("/auth", "http://localhost:5000", True, "web/vite.config.ts:6"),
            ],
            id="vite-server-proxy",
        ),
        pytest.param(
            {
                "webpack.config.js": """\
                module.exports = {
                  devServer: {
                    proxy: [{ context: ["/api", "/auth"], target: "http://localhost:3000" }],
                  },
                };
                """
            },
            [
                ("/api", "http://localhost:3000", False, "webpack.config.js:3"),
                ("/auth", "http://localhost:3000", False, "webpack.config.js:3"),
            ],
            id="webpack-array-proxy",
        ),
        pytest.param(
            {"client/package.json": '{\n  "name": "c",\n  "proxy": "http://localhost:5000"\n}\n'},
            [("/", "http://localhost:5000", False, "client/package.json:3")],
            id="create-react-app",
        ),
        pytest.param(
            {
                "proxy.conf.json": """\
                {
                  "/api/*": { "target": "http://localhost:8080", "secure": false },
                  "/raw": { "target": "http://localhost:8080", "pathRewrite": { "^/raw": "" } }
                }
                """
            },
            [
                ("/api", "http://localhost:8080", False, "proxy.conf.json:2"),
                ("/raw", "http://localhost:8080", True, "proxy.conf.json:3"),
            ],
            id="angular-proxy-conf",
        ),
        pytest.param(
            {
                "next.config.js": """\
                module.exports = {
                  async rewrites() {
                    return [
                      { source: "/py/:path*", destination: "http://127.0.0.1:8000/py/:path*" },
                      { source: "/docs", destination: "/documentation" },
                    ];
                  },
                  async redirects() {
                    return [{ source: "/gh", destination: "https://github.com", permanent: true }];
                  },
                };
                """
            },
            [("/py", "http://127.0.0.1:8000", False, "next.config.js:4")],
            id="nextjs-rewrites-to-another-origin",
        ),
        pytest.param(
            {
                "vercel.json": json.dumps(
                    {"rewrites": [{"source": "/api/(.*)", "destination": "https://api.test/$1"}]},
                    indent=2,
                ),
                "netlify.toml": """\
                [[redirects]]
                from = "/backend/*"
                to = "https://api.test/backend/:splat"
                status = 200

                [[redirects]]
                from = "/old"
                to = "https://elsewhere.test/"
                status = 301
                """,
            },
            [
                ("/backend", "https://api.test", False, "netlify.toml:2"),
                ("/api", "https://api.test", True, "vercel.json:4"),
            ],
            id="vercel-and-netlify",
        ),
    ],
)
def test_forwards(
    tmp_path: Path, files: dict[str, str], expected: list[tuple[str, str, bool, str]]
) -> None:
    assert found(tmp_path, files) == expected


def test_no_proxy_noop(tmp_path: Path) -> None:
    assert found(tmp_path, {"vite.config.js": "export default { plugins: [] }\n"}) == []


def fwd(prefix: str, target: str = "http://backend:8000", file: str = "nginx.conf") -> Forward:
    return Forward(prefix, target, Evidence(file, 1, "forwards"))


@pytest.mark.parametrize(
    ("forwards", "default", "routes", "expected"),
    [
        pytest.param([], "/api", [], proxies.Reach("/api"), id="no-proxy"),
        pytest.param([fwd("/api")], "/api", [], proxies.Reach("/api"), id="default-forwarded"),
        pytest.param([fwd("/")], "/api", [], proxies.Reach("/api"), id="catch-all"),
        pytest.param(
            [fwd("/backend")],
            "/api",
            [],
            proxies.Reach("/backend", fwd("/backend")),
            id="only-forwarded",
        ),
        pytest.param(
            [fwd("/auth"), fwd("/svc")],
            "/api",
            ["/svc/v1", "/svc/v2"],
            proxies.Reach("/svc", fwd("/svc")),
            id="where-the-routes-live",
        ),
        pytest.param(
            [fwd("/auth"), fwd("/svc")],
            "/api",
            [],
            proxies.Reach(None, fwd("/auth"), ("/auth", "/svc")),
            id="several-question",
        ),
        pytest.param(
            [fwd("/drf", "django", "t.toml"), fwd("/", "react", "t.toml")],
            "/api",
            [],
            proxies.Reach("/drf", fwd("/drf", "django", "t.toml")),
            id="the-frontend-catch-all-is-not-the-app",
        ),
        pytest.param(
            [Forward("/backend", "b", Evidence("n.conf", 1, "strips"), rewrites=True)],
            "/api",
            [],
            proxies.Reach(None, Forward("/backend", "b", Evidence("n.conf", 1, "strips"), True)),
            id="a-rewritten-prefix-is-never-chosen",
        ),
    ],
)
def test_reach(
    forwards: list[Forward], default: str, routes: list[str], expected: proxies.Reach
) -> None:
    assert proxies.reach(forwards, default, routes) == expected


def test_nginx_in_front_of_a_flask_api(tmp_path: Path) -> None:
    """An nginx conf forwarding only /backend/: the endpoint goes there, with a note citing it."""
    root = copy_fixture("flask-vite-proxy", tmp_path)
    (root / "frontend/vite.config.js").write_text("export default { server: {} };\n")
    conf = root / "deploy/nginx/default.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        "server {\n  location / { try_files $uri /index.html; }\n"
        "  location /backend/ { proxy_pass http://api:5000; }\n}\n"
    )
    code, report = run_json("inspect", root)
    assert code == 0
    notes = [n for n in report["notes"] if n["file"] == "deploy/nginx/default.conf"]
    assert [n["line"] for n in notes] == [3]
    assert "/backend/widget-token, not under /api" in notes[0]["message"]


def test_unmatched_proxy_asks(tmp_path: Path) -> None:
    root = copy_fixture("flask-vite-proxy", tmp_path)
    (root / "frontend/vite.config.js").write_text(
        'export default { server: { proxy: { "/a": "http://x:1", "/b": "http://x:1" } } };\n'
    )
    before = tree_digest(root)
    code, report = run_json("apply", root, "--yes", "--api-key", "pk")
    assert code != 0
    question = next(q for q in report["questions"] if q["id"] == "api_prefix")
    assert question["choices"] == ["/a", "/b"]
    assert tree_digest(root) == before


def test_answered_prefix_wins(tmp_path: Path) -> None:
    root = copy_fixture("flask-vite-proxy", tmp_path)
    code, report = run_json("apply", root, "--dry-run", "--api-key", "pk", "--api-prefix", "/v2")
    assert code == 0
    assert "/v2/widget-token" in report["diff"]
    assert "/backend/widget-token" not in report["diff"]
    assert not any(n["file"] == "frontend/vite.config.js" for n in report["inspection"]["notes"])


@pytest.mark.e2e
def test_flask_api_behind_the_vite_proxy(tmp_path: Path, signing_key: str) -> None:
    """The endpoint sits under the prefix Vite forwards; the identity script written into the
    SPA's public folder (loaded by its index.html) fetches it through that proxy (its own
    regex), and, run under node against the patched app on loopback, follows sign-in and
    sign-out."""
    root = copy_fixture("flask-vite-proxy", tmp_path)
    (pattern,) = re.findall(r'"(\^/backend[^"]*)"', (root / "frontend/vite.config.js").read_text())
    applied = apply_twice(root, "--api-key", "pk_pinboard")
    assert "frontend/public/bestchatbot-identity.js" in applied.changed
    shell = (root / "frontend/index.html").read_text()
    assert 'data-api-key="pk_pinboard"' in shell
    (src,) = re.findall(r'<script src="(/[^"]*bestchatbot-identity\.js)"', shell)
    script = root / "frontend/public" / src.lstrip("/")  # Vite serves public/ at its base
    (url,) = re.findall(r'const ENDPOINT = "([^"]+)"', script.read_text())
    assert url == "/backend/widget-token"
    assert re.match(pattern, url), f"{url} does not go through the Vite proxy {pattern}"

    with imported(root / "backend", "pinboard") as pkg:
        from pinboard.extensions import db  # type: ignore[import-not-found]
        from pinboard.models import Member  # type: ignore[import-not-found]

        app = pkg.create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'pins.db'}"}
        )
        with app.app_context():
            db.create_all()
            mae = Member(email="Mae.Jemison@Example.org", display_name="Mae Jemison")
            mae.set_password("endeavour")
            db.session.add(mae)
            db.session.commit()
        client = app.test_client()
        assert client.get("/api/widget-token").status_code == 404
        anonymous = client.get(url)
        assert (anonymous.status_code, anonymous.json) == (401, {"token": None})
        assert anonymous.headers["Cache-Control"] == "no-store"
        with serving(app) as origin:
            harness = tmp_path / "harness.js"
            harness.write_text(BROWSER)
            out = subprocess.run(
                ["node", str(harness), str(script), origin, pattern],
                capture_output=True,
                text=True,
                timeout=60,
            )
    assert out.returncode == 0, out.stderr
    # The page loads signed out, signs in through the app's own login, then signs out.
    before, signed_in, after = out.stdout.split()
    assert (before, after) == ("clear", "clear")
    assert signed_in.startswith("set:")
    assert_contract(
        verify(signed_in.removeprefix("set:")),
        email="mae.jemison@example.org",
        name="Mae Jemison",
        user_id="1",
    )


# A page at the Vite dev server's origin: the identity script runs as the browser would run it,
# its requests to the proxied prefix go to the app with the session cookie the app set.
BROWSER = r"""
const fs = require("fs");
const vm = require("vm");
const [script, origin, proxied] = process.argv.slice(2);
const jar = new Map();
const send = async (path, init = {}) => {
  const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const response = await fetch(origin + path, { ...init, headers: { ...init.headers, cookie } });
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const at = pair.indexOf("=");
    const value = pair.slice(at + 1);
    if (value && !/expires=thu, 01 jan 1970/i.test(line)) jar.set(pair.slice(0, at), value);
    else jar.delete(pair.slice(0, at));
  }
  return response;
};
const calls = [];
const context = {
  window: {},
  document: {
    visibilityState: "visible",
    querySelector: () => ({ addEventListener: () => {} }),
    addEventListener: () => {},
  },
  fetch: async (url, init) => {
    if (!new RegExp(proxied).test(url)) throw new Error(`${url} is not proxied to the app`);
    if (init.cache !== "no-store" || init.credentials === "omit") throw new Error("cached");
    return send(url);
  },
  atob: (s) => Buffer.from(s, "base64").toString("binary"),
  setTimeout: () => 0, clearTimeout: () => {}, Date, JSON, Math,
};
context.window.BestChatBot = {
  setUserToken: (t) => calls.push("set:" + t),
  clearUserToken: () => calls.push("clear"),
};
const settled = async (n) => {
  for (let i = 0; calls.length < n; i++) {
    if (i > 500) throw new Error("the script never synced the widget");
    await new Promise((r) => setTimeout(r, 10));
  }
};
vm.runInNewContext(fs.readFileSync(script, "utf8"), context);
(async () => {
  await settled(1);
  const login = { email: "mae.jemison@example.org", password: "endeavour" };
  const headers = { "Content-Type": "application/json" };
  const body = JSON.stringify(login);
  const signedIn = await send("/backend/login", { method: "POST", headers, body });
  if (!signedIn.ok) throw new Error("login: " + signedIn.status);
  await context.window.BestChatBotIdentity.refresh();
  await send("/backend/logout", { method: "POST" });
  await context.window.BestChatBotIdentity.refresh();
  console.log(calls.join("\n"));
})().catch((e) => { console.error(e); process.exit(1); });
"""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("deploy/nginx/site.conf", "nginx"),
        ("nginx.conf", "nginx"),
        ("docker-compose.yml", "traefik"),
        ("traefik/dynamic.toml", "traefik"),
        ("web/vite.config.ts", "js-config"),
        ("webpack.dev.js", "js-config"),
        ("client/package.json", "package-json"),
        ("proxy.conf.json", "angular"),
        ("vercel.json", "vercel"),
        ("netlify.toml", "netlify"),
        ("app/templates/base.html", None),
        ("config.py", None),
        ("pyproject.toml", None),
    ],
)
def test_proxy_files_are_told_by_name(path: str, kind: str | None) -> None:
    """inspect loads the proxies' readers only when one of these files is in the project."""
    from scaffolder.proxy_files import kind_of, proxy_files

    assert kind_of(path) == kind
    assert proxy_files([path]) == ([(path, kind)] if kind else [])
