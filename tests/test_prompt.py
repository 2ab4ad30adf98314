"""`bcb-scaffold prompt`: the two-phase assistant prompt, phase 1 answered, on stacks
bcb-scaffold cannot rewrite (small but realistic Rails, Laravel, Go and Spring trees) and on a
supported one."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from scaffolder.project import Project
from scaffolder.prompt import manifest_hints, page_hints
from tests.helpers import copy_fixture, run, tree_digest

SECTIONS = ("PHASE 1", "PHASE 2", "CONTRACT", "DELIVERY", "CONSTRAINTS")


def tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


RAILS = {
    "Gemfile": """
        source "https://rubygems.org"

        ruby "3.3.0"

        gem "rails", "~> 7.1.3"
        gem "pg", "~> 1.1"
        gem "puma", ">= 5.0"
        gem "turbo-rails"
        gem "devise", "~> 4.9"

        group :development, :test do
          gem "debug", platforms: %i[ mri windows ]
        end
        """,
    "config/routes.rb": """
        Rails.application.routes.draw do
          devise_for :users
          root "products#index"
        end
        """,
    "app/models/user.rb": """
        class User < ApplicationRecord
          devise :database_authenticatable, :registerable, :recoverable, :validatable
        end
        """,
    "app/views/layouts/application.html.erb": """
        <!DOCTYPE html>
        <html>
          <head>
            <title>Shop</title>
            <%= csrf_meta_tags %>
            <%= javascript_importmap_tags %>
          </head>
          <body>
            <%= yield %>
          </body>
        </html>
        """,
    "app/views/layouts/mailer.html.erb": """
        <html>
          <body>
            <%= yield %>
          </body>
        </html>
        """,
}

LARAVEL = {
    "artisan": "#!/usr/bin/env php\n<?php\n",
    "composer.json": """
        {
            "name": "acme/helpdesk",
            "type": "project",
            "require": {
                "php": "^8.2",
                "laravel/framework": "^11.9",
                "laravel/tinker": "^2.9"
            },
            "require-dev": {
                "laravel/breeze": "^2.1",
                "phpunit/phpunit": "^11.0.1"
            }
        }
        """,
    "app/Http/Controllers/DashboardController.php": """
        <?php

        namespace App\\Http\\Controllers;

        class DashboardController extends Controller
        {
            public function __invoke()
            {
                return view('dashboard');
            }
        }
        """,
    "resources/views/layouts/app.blade.php": """
        <!DOCTYPE html>
        <html lang="{{ str_replace('_', '-', app()->getLocale()) }}">
            <head>
                <meta charset="utf-8">
                @vite(['resources/css/app.css', 'resources/js/app.js'])
            </head>
            <body class="font-sans antialiased">
                {{ $slot }}
            </body>
        </html>
        """,
    "resources/views/layouts/guest.blade.php": """
        <!DOCTYPE html>
        <html>
            <body>
                {{ $slot }}
            </body>
        </html>
        """,
}

GO = {
    "go.mod": """
        module github.com/acme/notes

        go 1.22

        require (
        \tgithub.com/gin-contrib/sessions v1.0.1
        \tgithub.com/gin-gonic/gin v1.10.0
        \tgithub.com/gorilla/sessions v1.2.2
        )
        """,
    "main.go": """
        package main

        import "github.com/gin-gonic/gin"

        func main() {
        \tr := gin.Default()
        \tr.LoadHTMLGlob("templates/*")
        \tr.Run()
        }
        """,
    "templates/base.tmpl": """
        {{ define "base" }}<html><body>{{ template "content" . }}</body></html>{{ end }}
        """,
}

SPRING = {
    "pom.xml": """
        <project>
          <modelVersion>4.0.0</modelVersion>
          <groupId>com.acme</groupId>
          <artifactId>portal</artifactId>
          <dependencies>
            <dependency>
              <groupId>org.springframework.boot</groupId>
              <artifactId>spring-boot-starter-web</artifactId>
            </dependency>
            <dependency>
              <groupId>org.springframework.boot</groupId>
              <artifactId>spring-boot-starter-security</artifactId>
            </dependency>
            <dependency>
              <groupId>org.springframework.boot</groupId>
              <artifactId>spring-boot-starter-thymeleaf</artifactId>
            </dependency>
          </dependencies>
        </project>
        """,
    "src/main/java/com/acme/portal/PortalApplication.java": """
        package com.acme.portal;

        @SpringBootApplication
        public class PortalApplication {}
        """,
    "src/main/resources/templates/layout.html": """
        <!DOCTYPE html>
        <html xmlns:th="http://www.thymeleaf.org">
        <body>
          <main th:replace="${content}"></main>
          <script src="https://widget.bestchatbot.io/widget/v1/chat.js"
                  data-api-key="pk_live_portal"></script>
        </body>
        </html>
        """,
}


def prompt_text(root: Path, *flags: str) -> str:
    before = tree_digest(root)
    result = run("prompt", root, *flags)
    assert result.exit_code == 0, result.output
    assert tree_digest(root) == before
    text = result.stdout
    positions = [text.index(s) for s in SECTIONS]
    assert positions == sorted(positions), "sections out of order"
    return text


def test_rails_devise(tmp_path: Path) -> None:
    root = tree(tmp_path / "shop", RAILS)
    text = prompt_text(root)
    assert "1. Stack (language, framework, how pages are served): Ruby / Ruby on Rails" in text
    assert '   - Gemfile:5  Gemfile declares gem "rails"' in text
    assert "2. Where a user becomes authenticated: Devise" in text
    assert "`current_user.email` in controllers and views" in text
    assert 'Gemfile:9  Gemfile declares gem "devise"' in text
    # the application layout, not the mailer's
    assert "before </body> in the shared layout (app/views/layouts/application.html.erb:10)" in text
    assert "mailer" not in text
    assert "Gemfile:8: Turbo Drive" in text
    assert "the jwt gem" in text
    assert "does not rewrite this stack itself" in text
    assert "What is the BestChatBot public API key" in text
    assert "bcb-scaffold apply" not in text


def test_laravel_breeze(tmp_path: Path) -> None:
    root = tree(tmp_path / "helpdesk", LARAVEL)
    text = prompt_text(root)
    assert "PHP / Laravel" in text
    assert 'composer.json:6  composer.json declares "laravel/framework":' in text
    assert "Laravel authentication, Laravel Breeze" in text
    assert "`$request->user()->email`" in text
    assert (
        "Which layout wraps every page: resources/views/layouts/app.blade.php, "
        "resources/views/layouts/guest.blade.php?" in text
    )
    assert "firebase/php-jwt" in text


def test_go_gin(tmp_path: Path) -> None:
    root = tree(tmp_path / "notes", GO)
    text = prompt_text(root)
    assert "Go / Gin" in text and "go.mod:7" in text
    assert "gin-contrib" not in text.split("2. Where")[0]
    assert "2. Where a user becomes authenticated: gorilla/sessions" in text
    assert "email, server-side: not determined" in text
    assert "templates/base.tmpl:1" in text
    assert "github.com/golang-jwt/jwt/v5" in text


def test_spring_security_with_the_widget_already_there(tmp_path: Path) -> None:
    root = tree(tmp_path / "portal", SPRING)
    text = prompt_text(root)
    assert "Java / Spring Boot (Spring MVC), Thymeleaf views" in text
    assert "Spring Security" in text and "`@AuthenticationPrincipal`" in text
    assert (
        "3. Where the widget loads: loads at src/main/resources/templates/layout.html:5; "
        "without data-user-token" in text
    )
    assert "Which layout" not in text and "public API key" not in text
    assert "JJWT" in text


def test_unknown_project_asks_everything(tmp_path: Path) -> None:
    root = tree(tmp_path / "mystery", {"README.md": "# Mystery\n"})
    text = prompt_text(root)
    assert "1. Stack (language, framework, how pages are served): not determined" in text
    for ask in ("Which web framework", "Where does a user sign in", "Which template or page"):
        assert ask in text
    assert "the idiomatic, maintained JWT library of this stack" in text


def test_answers_reach_the_prompt(tmp_path: Path) -> None:
    root = tree(tmp_path / "shop", RAILS)
    text = prompt_text(root, "--api-key", "pk_live_shop", "--api-prefix", "/internal/api/")
    assert 'data-api-key="pk_live_shop"' in text
    assert "public API key" not in text
    assert "GET /internal/api/widget-token" in text


def test_supported_stack(tmp_path: Path) -> None:
    root = copy_fixture("flask-login", tmp_path)
    result = run("prompt", root)
    assert result.exit_code == 0
    text = result.stdout
    for line in (
        "1. Stack (language, framework, how pages are served): Python / Flask, server-rendered",
        "   - app/__init__.py:11  Flask app `app` created in create_app()",
        "2. Where a user becomes authenticated: flask-login",
        "   - email, server-side: `current_user.email` (app/models.py:14)",
        "   - name, server-side: `current_user.display_name` (app/models.py:15)",
        "3. Where the widget loads: not present yet; it belongs in app/templates/base.html:24",
        "Delivery that fits this app: data-user-token on the widget <script> tag",
        "   - The widget tag is missing: what is your BestChatBot API key",
        f"   bcb-scaffold apply --dry-run {root}",
        "- JWT library: PyJWT",
    ):
        assert line in text, line
    assert "does not rewrite" not in text
    assert "bcb-scaffold can write this itself" in result.stderr


FLASK_CACHED_API = {
    "app.py": """
        from flask import Blueprint, Flask, jsonify, render_template
        from flask_caching import Cache
        from flask_login import LoginManager, current_user
        from flask_talisman import Talisman

        app = Flask(__name__)
        Talisman(app)
        cache = Cache(app)
        login_manager = LoginManager(app)
        api = Blueprint("api", __name__)


        @api.get("/me")
        def me():
            return jsonify(email=current_user.email)


        @app.route("/")
        @cache.cached(timeout=60)
        def index():
            return render_template("index.html")


        app.register_blueprint(api, url_prefix="/api/v2")
        """,
    "templates/index.html": "<html>\n<body>\n</body>\n</html>\n",
}


def test_page_cache_csp_and_api_prefix_reach_delivery(tmp_path: Path) -> None:
    root = tree(tmp_path / "cached", FLASK_CACHED_API)
    text = prompt_text(root)
    delivery = text[text.index("DELIVERY") : text.index("CONSTRAINTS")]
    assert "add GET /api/v2/widget-token (under the app's own API" in delivery
    assert "  Page cache found: app.py:20  index() is page-cached" in delivery
    assert "allow https://widget.bestchatbot.io in its script-src" in delivery
    assert "  app.py:7  Flask-Talisman sets a CSP" in delivery


def test_prompt_json(tmp_path: Path) -> None:
    root = tree(tmp_path / "shop", RAILS)
    result = run("prompt", root, "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["schema"] == "bcb-scaffold/prompt@1"
    assert doc["supported"] is False and doc["inspection"]["supported"] is False
    assert [(h["kind"], h["value"], h["evidence"][0]["line"]) for h in doc["hints"]] == [
        ("framework", "Ruby on Rails", 5),
        ("note", _turbo_note(), 8),
        ("auth", "Devise", 9),
        ("layout", "app/views/layouts/application.html.erb", 10),
    ]
    assert doc["jwt_library"].startswith("the jwt gem")
    assert doc["prompt"] == run("prompt", root).stdout


def _turbo_note() -> str:
    from scaffolder.prompt import RULES

    return next(r.value for r in RULES if r.kind == "note" and "Turbo" in r.value)


def test_inspect_on_an_unsupported_stack_points_to_prompt(tmp_path: Path) -> None:
    root = tree(tmp_path / "shop", RAILS)
    result = run("inspect", root)
    assert result.exit_code == 4
    assert "unsupported stack" in result.stdout
    assert f"bcb-scaffold prompt {root}" in result.stdout
    applied = run("apply", root, "--dry-run")
    assert applied.exit_code == 4 and "bcb-scaffold prompt" in applied.stderr


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = run("prompt", tmp_path / "nowhere")
    assert result.exit_code == 2 and "no such directory" in result.stderr


# -- manifest hints, one manifest at a time ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        pytest.param(
            "Gemfile",
            'source "https://rubygems.org"\ngem "rails", "~> 7.1"\ngem "devise"\n',
            [("framework", "Ruby on Rails", 2), ("auth", "Devise", 3)],
            id="gemfile-rails-devise",
        ),
        pytest.param(
            "Gemfile",
            "gem 'sinatra'\n  gem 'omniauth'\n",
            [("framework", "Sinatra", 1), ("auth", "OmniAuth", 2)],
            id="gemfile-single-quotes-indented",
        ),
        pytest.param(
            "composer.json",
            '{\n  "require": {\n    "symfony/framework-bundle": "7.1.*",\n'
            '    "symfony/security-bundle": "7.1.*"\n  }\n}\n',
            [("framework", "Symfony", 3), ("auth", "Symfony Security", 4)],
            id="composer-symfony",
        ),
        pytest.param(
            "go.mod",
            "module x\n\nrequire github.com/labstack/echo/v4 v4.12.0\n",
            [("framework", "Echo", 3)],
            id="go-echo-v4",
        ),
        pytest.param(
            "build.gradle.kts",
            'dependencies {\n    implementation("io.ktor:ktor-server-core")\n}\n',
            [("framework", "Ktor", 2)],
            id="gradle-ktor",
        ),
        pytest.param(
            "mix.exs",
            '  defp deps do\n    [\n      {:phoenix, "~> 1.7"},\n      {:pow, "~> 1.0"}\n',
            [("framework", "Phoenix", 3), ("auth", "Pow", 4)],
            id="mix-phoenix-pow",
        ),
        pytest.param(
            "Portal.csproj",
            '<Project Sdk="Microsoft.NET.Sdk.Web">\n  <ItemGroup>\n'
            '    <PackageReference Include="Microsoft.AspNetCore.Identity.UI" />\n',
            [("framework", "ASP.NET Core", 1), ("auth", "ASP.NET Core Identity", 3)],
            id="csproj-identity",
        ),
        pytest.param(
            "Cargo.toml",
            '[dependencies]\naxum = "0.7"\naxum-login = "0.15"\n',
            [("framework", "axum", 2), ("auth", "axum-login", 3)],
            id="cargo-axum",
        ),
        pytest.param(
            "package.json",
            '{\n  "dependencies": {\n    "@nestjs/core": "^10",\n    "passport": "^0.7"\n  }\n}\n',
            [("framework", "NestJS", 3), ("auth", "Passport", 4)],
            id="package-nest-passport",
        ),
    ],
)
def test_manifest_hints(tmp_path: Path, name: str, text: str, expected: list[object]) -> None:
    (tmp_path / name).write_text(text)
    found = manifest_hints(Project(tmp_path))
    assert [(h.kind, h.value, h.evidence[0].line) for h in found] == expected
    assert all(h.evidence[0].file == name for h in found)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        pytest.param("Gemfile", "# gem 'devise'\ngem 'rails-html-sanitizer'\n", id="gem-comment"),
        pytest.param("go.mod", "require github.com/gin-contrib/sessions v1\n", id="go-contrib"),
        pytest.param("package.json", '{"dependencies": {"koa-router": "^12"}}\n', id="npm-prefix"),
        pytest.param("pom.xml", "<artifactId>spring-boot-starter-test</artifactId>\n", id="pom"),
        pytest.param("notes.txt", 'gem "rails"\n', id="not-a-manifest"),
    ],
)
def test_manifest_hints_noop(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    assert manifest_hints(Project(tmp_path)) == []


def test_page_hints_prefer_the_widget_then_layouts(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {
            "templates/emails/welcome.html": "<html><body>hi</body></html>\n",
            "templates/pages/about.html": "<html>\n<body>about</body></html>\n",
            "templates/layouts/main.html": "<html>\n<body>\n</body></html>\n",
        },
    )
    found = page_hints(Project(tmp_path))
    assert [(h.kind, h.value, h.evidence[0].line) for h in found] == [
        ("layout", "templates/layouts/main.html", 3),
        ("layout", "templates/pages/about.html", 2),
    ]
    (tmp_path / "templates/pages/chat.html").write_text(
        '<p>\n<script src="https://widget.bestchatbot.io/widget/v1/chat.js" '
        'data-api-key="pk" data-user-token="{{ t }}"></script>\n'
    )
    found = page_hints(Project(tmp_path))
    assert [(h.kind, h.value, h.evidence[0].line) for h in found] == [
        ("widget", "templates/pages/chat.html", 2)
    ]
    assert "with data-user-token" in found[0].evidence[0].why


def test_the_widget_line_follows_the_apps_own_rule(tmp_path: Path) -> None:
    """Phase 1 says where the tag really goes when the layout keeps its chat off some pages."""
    root = copy_fixture("flask-doc-share", tmp_path)
    text = run("prompt", root).stdout
    assert (
        "3. Where the widget loads: not present yet; it belongs inside the app's own rule at "
        "docshare/templates/base.html:15 (`not request.path.startswith(PUBLIC_PREFIXES)`)"
    ) in text
