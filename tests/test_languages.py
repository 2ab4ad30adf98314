"""The language registry: each language's suffixes, tree-sitter grammar, expression grammar,
syntax check and JWT library, registered once and looked up by `treesitter`, `exprs`,
`validate` and `prompt`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scaffolder import exprs, languages, treesitter, validate
from scaffolder.errors import BadInput, UsageError
from scaffolder.plan import FileEdit

VALID_AND_BROKEN = {
    "python": ("x = {'a': 1}\n", "x = {'a': 1\n"),
    "javascript": ("const a = <div>{b}</div>;\n", "const a = ;\n"),
    "typescript": ("let a: number = 1;\n", "let a: = 1;\n"),
    "tsx": ("const a = <T,>(b: T) => <p>{b}</p>;\n", "const a = <p>{b</p>;\n"),
    "php": ("<?php echo $a;\n", "<?php echo ;\n"),
    "jinja": ("{% if a %}{{ a }}{% endif %}\n", "{% if a %}{{ a }}\n"),
    "json": ('{"a": [1]}\n', '{"a": [1}\n'),
    "toml": ('a = "b"\n', 'a = "b\n'),
}


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("src/app.js", "javascript"),
        ("Page.JSX", "javascript"),
        ("lib/x.mjs", "javascript"),
        ("x.cjs", "javascript"),
        ("a.ts", "typescript"),
        ("a.mts", "typescript"),
        ("a.cts", "typescript"),
        ("app/page.tsx", "tsx"),
        ("wp-content/themes/t/functions.php", "php"),
        ("app.py", None),  # a language, but not one tree-sitter parses here
        ("package.json", None),
        ("templates/base.html", None),
        ("Makefile", None),
        ("some.dir/README", None),
    ],
)
def test_tree_sitter_language_by_suffix(path: str, language: str | None) -> None:
    assert treesitter.language_for(path) == language


@pytest.mark.parametrize("name", sorted(VALID_AND_BROKEN))
def test_each_language_checks_its_syntax(name: str) -> None:
    language = languages.get(name)
    assert language is not None and language.validator is not None
    valid, broken = VALID_AND_BROKEN[name]
    assert language.validator(valid) is None
    assert language.validator(broken)


def test_planned_edits_are_checked_in_their_language() -> None:
    _, broken = VALID_AND_BROKEN["json"]
    with pytest.raises(BadInput, match=r"package.json: the planned edit does not parse"):
        validate.check(FileEdit("package.json", "{}\n", broken, "add a dependency", "json"))
    validate.check(FileEdit("package.json", broken, broken, "already broken", "json"))
    validate.check(FileEdit("index.html", None, "<p>{b</p>", "a page", "html"))  # no checker


@pytest.mark.parametrize(
    ("language", "given", "expected"),
    [
        ("python", " current_user.email ", "current_user.email"),
        ("javascript", "req.user?.email ?? ''", "req.user?.email ?? ''"),
        ("typescript", "req.user!.email", "req.user!.email"),
        ("tsx", "String(req.user.id)", "String(req.user.id)"),
        ("php", "$user->user_email;", "$user->user_email"),
    ],
)
def test_expression_grammar_per_language(language: str, given: str, expected: str) -> None:
    roots = ("current_user", "req.user", "$user")
    assert exprs.check(given, "--email-expr", language, roots) == expected


def test_typescript_answers_share_the_javascript_grammar() -> None:
    for name in ("javascript", "typescript", "tsx"):
        with pytest.raises(UsageError, match="--email-expr"):
            exprs.check("req.body.email", "--email-expr", name, ("req.user",))


def test_a_language_without_an_expression_grammar_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no expression grammar for 'json'"):
        exprs.check("a", "--email-expr", "json", ("a",))


def test_names_and_suffixes_are_registered_once() -> None:
    with pytest.raises(ValueError, match="'python' is registered twice"):
        languages.register(languages.Language("python"))
    with pytest.raises(ValueError, match=r"suffix '\.ts' is typescript's"):
        languages.register(languages.Language("typescript-again", suffixes=(".ts",)))
    assert languages.get("typescript-again") is None


@pytest.mark.parametrize(
    ("name", "title", "library"),
    [
        ("python", "Python", "PyJWT"),
        ("typescript", "TypeScript", "jsonwebtoken"),
        ("php", "PHP", "firebase/php-jwt"),
        ("csharp", "C#", "Microsoft.IdentityModel.JsonWebTokens"),
        ("jinja", "jinja", None),
        ("cobol", "cobol", None),
    ],
)
def test_titles_and_jwt_libraries(name: str, title: str, library: str | None) -> None:
    assert languages.title(name) == title
    found = languages.get(name)
    jwt_library = found.jwt_library if found is not None else None
    if library is None:
        assert jwt_library is None
    else:
        assert jwt_library is not None and jwt_library.startswith(library)


def test_looking_languages_up_loads_no_parser() -> None:
    code = (
        "import sys; from scaffolder import exprs, languages, validate; "
        "languages.get('php'); languages.for_path('a.tsx'); "
        "print([m for m in ('libcst', 'jinja2', 'tree_sitter', 'tomlkit') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
