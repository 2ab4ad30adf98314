"""Every language bcb-scaffold knows, each registered once: its file suffixes, its tree-sitter
grammar, its expression grammar (for `--email-expr` and the other answers that are code), the
syntax check run on every planned file in it, and the idiomatic JWT library the `prompt` names
for stacks bcb-scaffold does not rewrite.

`treesitter`, `exprs`, `validate` and `prompt` look languages up here instead of branching on
their names. Importing this module loads no parser: a tree-sitter grammar is named by module and
function (`treesitter` loads it), and the expression grammars and syntax checks import theirs on
first use. A stack that brings a language of its own (Django templates) registers it with
`register` (for a syntax check alone: `validate.validator`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection
from dataclasses import dataclass

ExpressionGrammar = Callable[[str, Collection[str]], None]
"""Checks an answer against the grammar, given the roots it may read; raises
`exprs.grammar.Refused` naming the rule it breaks."""
Validator = Callable[[str], str | None]
"""None when the text parses, else a one-line reason."""


@dataclass(frozen=True)
class Grammar:
    """A tree-sitter grammar: `module.function()` returns the language pointer."""

    module: str
    function: str = "language"


@dataclass(frozen=True)
class Language:
    name: str
    title: str | None = None
    """How people write its name (`TypeScript`); None for the languages only planned files use."""
    suffixes: tuple[str, ...] = ()
    grammar: Grammar | None = None
    expressions: ExpressionGrammar | None = None
    terminator: str = ""
    """What may end a statement, trimmed from an expression answer (`;` in PHP)."""
    validator: Validator | None = None
    jwt_library: str | None = None


_BY_NAME: dict[str, Language] = {}
_BY_SUFFIX: dict[str, Language] = {}


def register(language: Language) -> Language:
    if language.name in _BY_NAME:
        raise ValueError(f"language {language.name!r} is registered twice")
    taken = [s for s in language.suffixes if s in _BY_SUFFIX]
    if taken:
        raise ValueError(f"{language.name}: suffix {taken[0]!r} is {_BY_SUFFIX[taken[0]].name}'s")
    _BY_NAME[language.name] = language
    _BY_SUFFIX.update(dict.fromkeys(language.suffixes, language))
    return language


def get(name: str) -> Language | None:
    return _BY_NAME.get(name)


def for_path(path: str) -> Language | None:
    """The language of a file, by its suffix (case-insensitive)."""
    dot = path.rfind(".")
    return _BY_SUFFIX.get(path[dot:].lower()) if dot > path.rfind("/") else None


def title(name: str | None) -> str | None:
    """How people write the language's name; the name itself when it has no title."""
    found = get(name) if name else None
    return found.title if found is not None and found.title else name


def _expression_grammar(module: str) -> ExpressionGrammar:
    """`scaffolder.exprs.<module>.check`, imported on first use (it loads a parser)."""

    def check(expr: str, roots: Collection[str]) -> None:
        importlib.import_module(f"scaffolder.exprs.{module}").check(expr, roots)

    return check


def _tree_sitter_syntax(name: str) -> Validator:
    def check(text: str) -> str | None:
        from scaffolder import treesitter

        return treesitter.syntax_error(text, name)

    return check


def _python_syntax(text: str) -> str | None:
    # LibCST's native parser: valid 3.14 code passes whatever interpreter runs the tool
    from scaffolder.python import syntax

    return syntax.problem(text)


def _jinja_syntax(text: str) -> str | None:
    import jinja2

    try:
        jinja2.Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"]).parse(text)
    except jinja2.TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    return None


def _json_syntax(text: str) -> str | None:
    import json

    try:
        json.loads(text)
    except ValueError as exc:
        return str(exc)
    return None


def _toml_syntax(text: str) -> str | None:
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        tomlkit.parse(text)
    except ParseError as exc:
        return str(exc)
    return None


_JS_JWT = "jsonwebtoken (`jwt.sign`), or jose where the code may run on an edge runtime"
_JVM_JWT = "JJWT (io.jsonwebtoken:jjwt-api) or Nimbus JOSE + JWT"

for _language in (
    Language(
        "python",
        "Python",
        (".py",),
        expressions=_expression_grammar("python"),
        validator=_python_syntax,
        jwt_library='PyJWT (`jwt.encode(claims, key, algorithm="HS256")`)',
    ),
    Language(
        "javascript",
        "JavaScript",
        (".js", ".jsx", ".mjs", ".cjs"),  # JSX parses as JavaScript
        Grammar("tree_sitter_javascript"),
        _expression_grammar("javascript"),
        validator=_tree_sitter_syntax("javascript"),
        jwt_library=_JS_JWT,
    ),
    Language(
        "typescript",
        "TypeScript",
        (".ts", ".mts", ".cts"),
        Grammar("tree_sitter_typescript", "language_typescript"),
        _expression_grammar("javascript"),
        validator=_tree_sitter_syntax("typescript"),
        jwt_library=_JS_JWT,
    ),
    Language(
        "tsx",
        "TypeScript",
        (".tsx",),
        Grammar("tree_sitter_typescript", "language_tsx"),
        _expression_grammar("javascript"),
        validator=_tree_sitter_syntax("tsx"),
        jwt_library=_JS_JWT,
    ),
    Language(
        "php",
        "PHP",
        (".php",),
        Grammar("tree_sitter_php", "language_php"),
        _expression_grammar("php"),
        terminator=";",
        validator=_tree_sitter_syntax("php"),
        jwt_library="firebase/php-jwt (`composer require firebase/php-jwt`, `JWT::encode`)",
    ),
    Language("jinja", validator=_jinja_syntax),
    Language("json", suffixes=(".json",), validator=_json_syntax),
    Language("toml", suffixes=(".toml",), validator=_toml_syntax),
    # Stacks bcb-scaffold does not rewrite: the prompt names their JWT library.
    Language(
        "ruby",
        "Ruby",
        jwt_library='the jwt gem (`bundle add jwt`, `JWT.encode(payload, key, "HS256")`)',
    ),
    Language(
        "go",
        "Go",
        jwt_library=(
            "github.com/golang-jwt/jwt/v5 (`jwt.NewWithClaims(jwt.SigningMethodHS256, ...)`)"
        ),
    ),
    Language("java", "Java", jwt_library=_JVM_JWT),
    Language("kotlin", "Kotlin", jwt_library=_JVM_JWT),
    Language(
        "rust",
        "Rust",
        jwt_library="the jsonwebtoken crate (`encode(&Header::new(Algorithm::HS256), ...)`)",
    ),
    Language("elixir", "Elixir", jwt_library='Joken (`Joken.Signer.create("HS256", key)`)'),
    Language(
        "csharp",
        "C#",
        jwt_library="Microsoft.IdentityModel.JsonWebTokens (`JsonWebTokenHandler.CreateToken`)",
    ),
):
    register(_language)
